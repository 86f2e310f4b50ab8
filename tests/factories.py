"""factory_boy factories for the domain's rows. Money rows (periods, charges, ledger) are
never built here: tests create them through the domain API, as the faces do."""

from datetime import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from accounts.models import Client, Membership, Reseller
from core.clock import MOSCOW
from plans.models import BillingCycle, ResellerPlan, VendorPlan


def msk(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An aware moment in Moscow time."""
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda u: u.username)


class ResellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reseller

    name = factory.Sequence(lambda n: f"Реселлер {n}")
    email = factory.Sequence(lambda n: f"reseller{n}@example.com")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    reseller = factory.SubFactory(ResellerFactory)
    name = factory.Sequence(lambda n: f"Клиент {n}")
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    owner = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..email"))
    address_state = "Московская область"
    address_city = "Химки"
    address_street = factory.Sequence(lambda n: f"ул. Победы, д. {n + 1}")
    address_zip = "141400"

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create:
            Membership.objects.get_or_create(
                user=obj.owner, defaults={"client": obj, "role": Membership.Role.OWNER}
            )


class VendorPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorPlan

    name = factory.Sequence(lambda n: f"ESET PROTECT Entry {n}")
    product_code = factory.Sequence(lambda n: f"EPE-{n}")
    eset_product_code = 110  # ESET PROTECT Entry in the mock's AvailableProducts
    min_seats = 1
    max_seats = 100
    purchase_price = Decimal("60.00")
    billing_cycle = BillingCycle.DAYS_30


class ResellerPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResellerPlan

    reseller = factory.SubFactory(ResellerFactory)
    vendor_plan = factory.SubFactory(VendorPlanFactory)
    status = ResellerPlan.Status.ACTIVE
    seat_price = Decimal("100.00")
    is_published = True
