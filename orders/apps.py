from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Заказы и подписки"

    def ready(self) -> None:
        # billing activates subscriptions and may not import orders' services (DESIGN.md
        # §2); it announces each activation, and the order is completed here, in the same
        # transaction.
        from billing.services import subscriptions_activated

        from .services import orders_complete

        def complete(sender, *, subscription_ids, at, **kwargs):
            orders_complete(subscription_ids=subscription_ids, at=at)

        subscriptions_activated.connect(complete, dispatch_uid="orders_complete")
