from django.apps import AppConfig


class EsetGatewayConfig(AppConfig):
    name = "eset_gateway"
    verbose_name = "Шлюз ESET"
