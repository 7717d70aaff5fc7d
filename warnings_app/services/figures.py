"""Asking for the dashboard's figures to be built. Building them is `dashboard/rollup.py`'s job,
done by a worker; reading them (`dashboard/figures.py`) never writes or enqueues."""

from typing import TYPE_CHECKING, cast

from warnings_app.tasks import refresh_figures_task

if TYPE_CHECKING:
    from celery.contrib.django.task import DjangoTask


def figures_first_build_request() -> None:
    """For a new installation, where no figures were ever built (the caller saw no `built_at`):
    ask a worker to build them now instead of waiting for beat's first round
    (DASHBOARD_REFRESH_SECONDS). Asked on each page view until the first build lands; a second
    request while one is queued costs one more rebuild, which is harmless (a rebuild replaces the
    tables under a lock)."""
    # Celery's Django fixup makes every task a DjangoTask; shared_task's stubs do not say so.
    cast("DjangoTask[[], dict[str, int]]", refresh_figures_task).delay_on_commit()
