from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API: токены и ключи идемпотентности"

    def ready(self) -> None:
        # drf-spectacular finds the token scheme through this extension's registration.
        from . import schema  # noqa: F401
