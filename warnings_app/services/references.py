from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warnings_app.models import ReferenceCounter


def reference_allocate(*, year: int | None = None) -> str:
    """The next notice reference, e.g. WN-2026-000123."""
    return reference_allocate_many(1, year=year)[0]


def reference_allocate_many(count: int, *, year: int | None = None) -> list[str]:
    """`count` consecutive notice references.

    Must run inside the transaction that stores the notices: the counter row stays locked until
    that transaction ends, so concurrent callers queue, and a rollback gives the numbers back —
    references are unique and leave no gaps."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reference_allocate must run inside the notice's transaction")
    prefix = settings.NOTICE_REFERENCE_PREFIX
    year = year or timezone.localdate().year
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    first = counter.last_value + 1
    counter.last_value += count
    counter.save(update_fields=["last_value"])
    return [f"{prefix}-{year}-{n:06d}" for n in range(first, counter.last_value + 1)]
