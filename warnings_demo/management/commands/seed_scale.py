"""manage.py seed_scale: fill an empty database with a large, realistic register for load and
dashboard work (what it makes: `warnings_demo/scale/`), in one transaction of bulk inserts, then
rebuild the dashboard's figures. Prints the time each table took.

Refuses to run on a database that already holds a notice: it is a generator of test worlds, not
an import, and mixing its rows with real ones would make both untrustworthy."""

import itertools
import json
import time
from argparse import ArgumentParser
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from warnings_app.domain import audit_chain, roles
from warnings_app.models import (
    AuditEvent,
    Campaign,
    Company,
    DeliveryAttempt,
    LetterTemplate,
    Notice,
    Principal,
    ReferenceCounter,
    TemplateVersion,
    Work,
)
from warnings_app.reports.dashboard.rollup import figures_refresh
from warnings_demo import demo_data, scale
from warnings_demo.scale.plan import Row

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BATCH = 5000
# On PostgreSQL the two biggest tables go in by COPY, several times faster than INSERTs.
COPIED = (AuditEvent, DeliveryAttempt)
LAWYERS = (("scale-legal-1", "Ines", "Okafor"), ("scale-legal-2", "Tomas", "Berg"))
MIN_NOTICES = 100  # fewer cannot hold every campaign, status and ladder branch


class Command(BaseCommand):
    help = "Fill an empty database with a large, realistic register (100,000 notices by default)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--notices", type=int, default=100_000)
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed: the same seed makes the same data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        notices, seed = options["notices"], options["seed"]
        if notices < MIN_NOTICES:
            raise CommandError(f"--notices must be at least {MIN_NOTICES}")
        existing = Notice.objects.count()
        if existing:
            raise CommandError(
                f"The database already holds {existing:,} notices: seed_scale only fills an empty "
                "register. Point DATABASE_URL at a new database and migrate it first."
            )
        self.stdout.write(f"Seeding {notices:,} notices (seed {seed}):")
        started, self.rows = time.monotonic(), 0
        with transaction.atomic():
            now = timezone.now()
            clock = time.monotonic()
            try:
                seed_rows = scale.build(notices=notices, seed=seed, now=now, **_start(now))
            except ValueError as exc:
                raise CommandError(f"cannot seed {notices} notices: {exc}") from exc
            clock = self._done("build in memory", clock)
            tables = [table.model for table in seed_rows.tables]
            for table in seed_rows.tables:
                count = _insert(table)
                clock = self._done(table.model._meta.model_name or "", clock, count)
            _references_continue(seed_rows.last_reference)
            _sequences_reset()
        clock = self._done("commit", clock)
        _analyze(tables)
        clock = self._done("analyze", clock)
        figures = figures_refresh()
        self._done(f"figures_refresh ({figures['cells']:,} cells)", clock)
        self._done("total", started, self.rows)

    def _done(self, label: str, since: float, count: int | None = None) -> float:
        """Print one line of the timing table; returns the time now, for the next line."""
        now = time.monotonic()
        if count is not None and label != "total":
            self.rows += count
        rows = f"{count:>11,} rows" if count is not None else " " * 16
        self.stdout.write(f"  {label:<34}{rows} {now - since:8.1f} s")
        self.stdout.flush()
        return now


class _Start(TypedDict):
    """scale.build's arguments that come from the database."""

    fixed: scale.Fixed
    first_ids: dict[type[models.Model], int]
    last_reference: dict[int, int]
    taken_domains: set[str]
    taken_names: set[str]


def _start(now: datetime) -> _Start:
    """What the new rows build on: the fixed rows, the first free ids, the references used."""
    prefix = settings.NOTICE_REFERENCE_PREFIX
    return {
        "fixed": _fixed_rows(now),
        "first_ids": {
            model: (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
            for model in scale.ID_MODELS
        },
        "last_reference": dict(
            ReferenceCounter.objects.filter(prefix=prefix).values_list("year", "last_value")
        ),
        "taken_domains": set(Company.objects.values_list("domain", flat=True)),
        "taken_names": set(Campaign.objects.values_list("name", flat=True)),
    }


def _fixed_rows(now: datetime) -> scale.Fixed:
    """Two lawyers (the four-eyes rule needs an author and an approver), the principal, six
    works and two approved templates. Found again if they exist already."""
    user_model = get_user_model()
    legal = Group.objects.get(name=roles.LEGAL)
    lawyers: list[User] = []
    for username, first, last in LAWYERS:
        user, made = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@scale.example"},
        )
        if made:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(legal)
        lawyers.append(user)
    principal, _ = Principal.objects.get_or_create(
        name="Harbourline Records",
        defaults={"kind": Principal.Kind.LABEL, "legal_name": "Harbourline Records Ltd"},
    )
    works = [
        Work.objects.get_or_create(
            isrc=f"ZZSCL26{n:05d}",
            defaults={**row, "isrc": f"ZZSCL26{n:05d}", "principal": principal},
        )[0]
        for n, row in enumerate(demo_data.work_rows(6, seed=7), start=1)
    ]
    since = now - timedelta(days=330)
    _, kind, subject, body = demo_data.TEMPLATES[0]
    initial = _template_version("Initial notice (EN), scale", kind, subject, body, lawyers, since)
    _, kind, subject, body = demo_data.TEMPLATES[1]
    reminder = _template_version("Reminder (EN), scale", kind, subject, body, lawyers, since)
    return scale.Fixed(
        lawyers=(lawyers[0].pk, lawyers[1].pk),
        initial_version=initial.pk,
        reminder_version=reminder.pk,
        initial_subject=initial.subject,
        reminder_subject=reminder.subject,
        principal=principal.pk,
        works=tuple(work.pk for work in works),
    )


def _template_version(
    name: str, kind: str, subject: str, body: str, lawyers: "list[User]", since: datetime
) -> TemplateVersion:
    author, approver = lawyers
    template, _ = LetterTemplate.objects.get_or_create(
        name=name, defaults={"kind": kind, "created_by": author}
    )
    version, made = TemplateVersion.objects.get_or_create(
        template=template,
        number=1,
        defaults={
            "subject": subject,
            "body": body,
            "status": TemplateVersion.Status.APPROVED,
            "created_by": author,
            "submitted_by": author,
            "submitted_at": since + timedelta(hours=2),
            "approved_by": approver,
            "approved_at": since + timedelta(days=1),
            "frozen_at": since + timedelta(days=20),
        },
    )
    if made:  # written long before the first campaign, not today
        LetterTemplate.objects.filter(pk=template.pk).update(created_at=since)
        TemplateVersion.objects.filter(pk=version.pk).update(created_at=since)
    return version


def _insert(table: scale.Table) -> int:
    """Write a table's rows; returns how many. Fields a row leaves out take their defaults.
    Audit events are chained on from the last one already written, under the chain lock."""
    rows = iter(table.rows)
    if table.model is AuditEvent:
        audit_chain.lock()
        last_id, last_hash = audit_chain.head()
        rows = audit_chain.sealed_rows(rows, prev=last_hash, after=last_id)
    first = next(rows, None)
    if first is None:
        return 0
    rows = itertools.chain([first], rows)
    if connection.vendor == "postgresql" and table.model in COPIED:
        return _copy(table.model, first.keys(), rows)
    count = 0
    with _given_timestamps(table.model):
        while chunk := list(itertools.islice(rows, BATCH)):
            manager = table.model._default_manager  # `objects`: no model has another
            manager.bulk_create([table.model(**row) for row in chunk], BATCH)
            count += len(chunk)
    return count


def _column(field: "models.Field[Any, Any]") -> str:
    """A concrete field's column (being concrete means having one)."""
    if field.column is None:
        raise ValueError(f"{field} has no column")
    return field.column


def _copy(model: type[models.Model], given: Collection[str], rows: Iterator[Row]) -> int:
    """PostgreSQL's COPY FROM STDIN through psycopg 3, every column spelled out: COPY does not
    know Django's defaults, so the fields a row leaves out get them here."""
    fields = [f for f in model._meta.concrete_fields if f.attname in given or not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in given}
    names = [f.attname for f in fields]
    json_columns = [(i, f.encoder) for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(f)) for f in fields)
    count = 0
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            merged = defaults | row
            values = [merged[name] for name in names]
            for i, encoder in json_columns:
                values[i] = json.dumps(values[i], cls=encoder)
            copy.write_row(values)
            count += 1
    return count


@contextmanager
def _given_timestamps(model: type[models.Model]) -> Iterator[None]:
    """bulk_create stamps auto_now_add fields with the present moment; the seed's rows carry
    the dates they were made on, so the flag is off while they are written. Only this process
    and only for the duration of the insert."""
    stamped = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField | models.TimeField) and f.auto_now_add
    ]
    for f in stamped:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in stamped:
            f.auto_now_add = True


def _references_continue(last_reference: dict[int, int]) -> None:
    """The next real notice of each year gets the number after the seed's last one."""
    prefix = settings.NOTICE_REFERENCE_PREFIX
    for year, last in last_reference.items():
        ReferenceCounter.objects.update_or_create(
            prefix=prefix, year=year, defaults={"last_value": last}
        )


def _sequences_reset() -> None:
    """The seed chose its primary keys; move the sequences past them (PostgreSQL only: SQLite's
    AUTOINCREMENT follows the largest id by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(scale.ID_MODELS))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _analyze(models_written: list[type[models.Model]]) -> None:
    """Fresh statistics for the tables just filled. Until autovacuum gets round to it the
    planner believes they are empty, and the rollup's correlated subqueries then take minutes
    instead of seconds on 100,000 notices."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in dict.fromkeys(models_written):
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
