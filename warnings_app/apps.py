from django.apps import AppConfig


class WarningsAppConfig(AppConfig):
    name = "warnings_app"
    verbose_name = "Notices and warnings"

    def ready(self) -> None:
        from warnings_app import signals  # noqa: F401  (worker heartbeat on start-up)
