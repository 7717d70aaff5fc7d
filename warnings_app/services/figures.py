"""Asking for the dashboard's figures to be built. Building them is `dashboard/rollup.py`'s job,
done by a worker; reading them (`dashboard/figures.py`) never writes or enqueues."""

from warnings_app.tasks import refresh_figures_task


def figures_first_build_request() -> None:
    """For a new installation, where no figures were ever built (the caller saw no `built_at`):
    ask a worker to build them now instead of waiting for beat's first round
    (DASHBOARD_REFRESH_SECONDS). Asked on each page view until the first build lands; a second
    request while one is queued costs one more rebuild, which is harmless (a rebuild replaces the
    tables under a lock)."""
    refresh_figures_task.delay_on_commit()
