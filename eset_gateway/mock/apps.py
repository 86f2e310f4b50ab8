from django.apps import AppConfig


class MockConfig(AppConfig):
    name = "eset_gateway.mock"
    label = "eset_mock"
    verbose_name = "Имитация API ESET"
