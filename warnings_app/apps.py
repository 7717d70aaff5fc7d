from django.apps import AppConfig


class WarningsAppConfig(AppConfig):
    name = "warnings_app"
    verbose_name = "Notices and warnings"

    def ready(self) -> None:
        # Worker heartbeat on start-up; sign-in audit events; our system checks.
        from warnings_app import checks, signals  # noqa: F401
        from warnings_app.services import account_changes
        from warnings_app.views import signin  # noqa: F401

        # Every change of users, roles, permissions and authenticators is audited.
        account_changes.connect()
