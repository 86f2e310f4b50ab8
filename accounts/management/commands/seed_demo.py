"""Demo data for `make run`: the distributor's ESET catalogue, an operator, a reseller with a
priced and published plan, and two clients. Idempotent: a second run changes no rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Client, Requisites, Reseller
from accounts.services import (
    client_create,
    requisites_save,
    reseller_create,
    reseller_user_create,
)
from plans.models import BillingCycle, ResellerPlan, VendorPlan
from plans.services import (
    reseller_plan_activate,
    reseller_plan_publish,
    reseller_plan_set_seat_price,
)


@dataclass(frozen=True)
class CatalogueEntry:
    product_code: str
    eset_product_code: int  # the mock's AvailableProducts code of the product
    name: str
    description: str
    min_seats: int
    max_seats: int
    purchase_price: str  # RUB per seat per month
    billing_cycle: str = BillingCycle.DAYS_30


# The distributor's ESET catalogue (S1). Purchase prices are per seat per month, in RUB.
CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "EP-ENTRY",
        110,
        "ESET PROTECT Entry",
        "Базовая защита рабочих станций, файловых серверов и мобильных устройств "
        "с облачной консолью управления ESET PROTECT.",
        5,
        250,
        "96.00",
    ),
    CatalogueEntry(
        "EP-ADVANCED",
        111,
        "ESET PROTECT Advanced",
        "Защита конечных точек, облачная песочница ESET LiveGuard Advanced и полное "
        "шифрование дисков под управлением облачной консоли.",
        5,
        250,
        "128.00",
    ),
    CatalogueEntry(
        "EP-COMPLETE",
        112,
        "ESET PROTECT Complete",
        "Всё из ESET PROTECT Advanced, а также защита почты и облачных приложений "
        "Microsoft 365 и управление уязвимостями и обновлениями.",
        5,
        500,
        "175.00",
    ),
    CatalogueEntry(
        "EP-ELITE",
        113,
        "ESET PROTECT Elite",
        "Расширенное обнаружение и реагирование (XDR) ESET Inspect, многофакторная "
        "аутентификация и всё из ESET PROTECT Complete.",
        25,
        1000,
        "240.00",
    ),
    CatalogueEntry(
        "EES",
        101,
        "ESET Endpoint Security",
        "Антивирус, файервол, веб-контроль и защита от сетевых атак для рабочих станций "
        "Windows и macOS.",
        1,
        500,
        "78.00",
    ),
    CatalogueEntry(
        "NOD32-BE",
        103,
        "ESET NOD32 Antivirus Business Edition",
        "Антивирусная защита рабочих станций и файловых серверов небольших компаний; "
        "выставляется по календарным месяцам от даты покупки.",
        5,
        1000,
        "55.00",
        BillingCycle.CALENDAR_MONTH,
    ),
    CatalogueEntry(
        "EMS",
        104,
        "ESET Mail Security",
        "Защита почтовых серверов Microsoft Exchange и Linux от спама, фишинга и "
        "вредоносных вложений; место — один почтовый ящик.",
        5,
        1000,
        "42.00",
    ),
    CatalogueEntry(
        "ESS",
        105,
        "ESET Server Security",
        "Защита файловых серверов Windows и Linux от вредоносного ПО и программ-вымогателей.",
        1,
        100,
        "210.00",
    ),
)

OPERATOR = ("admin", "admin@example.com", "admin")
RESELLER_NAME = "Демо-реселлер"
RESELLER_EMAIL = "demo-reseller@example.com"
RESELLER_USER = ("reseller", "reseller@example.com", "reseller")
# Client owners sign in with their e-mail (the owner's login is the client's e-mail).
CLIENTS = (
    ("ООО «Ромашка»", "client1@example.com", "client1"),
    ("АО «Вектор»", "client2@example.com", "client2"),
)
# Their addresses (ESET creates a client's company only with one).
ADDRESSES = {
    "client1@example.com": ("Московская область", "Химки", "ул. Победы, д. 3", "141400"),
    "client2@example.com": ("Санкт-Петербург", "Санкт-Петербург", "Невский пр., д. 28", "191186"),
}
# Their requisites and the reseller's (DESIGN.md §13): invented, with valid check digits
# (INN, OGRN, the account's key at the BIK), so invoices and the bank import work at once.
RESELLER_REQUISITES = {
    "legal_name": "ООО «Демо-реселлер»",
    "inn": "7709123453",
    "kpp": "770901001",
    "ogrn": "1027700123450",
    "legal_address": "105064, г. Москва, ул. Земляной Вал, д. 9, офис 412",
    "bank_name": "АО «ТБанк»",
    "bik": "044525974",
    "corr_account": "30101810145250000974",
    "account": "40702810500000012345",
    "signatory_name": "Смирнова Е. А.",
    "signatory_position": "Генеральный директор",
    "vat_mode": "standard",
}
CLIENT_REQUISITES = {
    "client1@example.com": {
        "legal_name": "ООО «Ромашка»",
        "inn": "5047123455",
        "kpp": "504701001",
        "ogrn": "1155047123450",
        "legal_address": "141400, Московская обл., г. Химки, ул. Победы, д. 3",
    },
    "client2@example.com": {
        "legal_name": "АО «Вектор»",
        "inn": "7810123451",
        "kpp": "781001001",
        "ogrn": "1037800123459",
        "legal_address": "191186, г. Санкт-Петербург, Невский пр., д. 28",
    },
}
DEMO_PLAN_CODE = "EP-ENTRY"
DEMO_SEAT_PRICE = Decimal("120.00")
# A second activated plan left without a seat price: the panel shows its no-margin warning.
UNPRICED_PLAN_CODE = "EP-ADVANCED"


def demo_logins() -> list[tuple[str, str, str]]:
    """(who, login, password) of every demo account, for this command and `make run`."""
    return [
        ("operator, /admin/", OPERATOR[0], OPERATOR[2]),
        ("reseller, /panel/", RESELLER_USER[0], RESELLER_USER[2]),
        *[(f"client owner, /portal/ ({name})", email, pw) for name, email, pw in CLIENTS],
    ]


class Command(BaseCommand):
    help = (
        "Loads the demo data: ESET catalogue, operator, a reseller with a plan, two clients, "
        "their requisites."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            plans = self._catalogue()
            self._operator()
            reseller = self._reseller()
            self._reseller_plans(reseller, plans)
            self._clients(reseller)
            self._requisites(reseller)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(plans)} ESET plans."))
        self.stdout.write("Demo logins (login / password):")
        for who, login, password in demo_logins():
            self.stdout.write(f"  {who:<40} {login} / {password}")

    def _catalogue(self) -> dict[str, VendorPlan]:
        plans = {}
        for entry in CATALOGUE:
            plan, _ = VendorPlan.objects.update_or_create(
                product_code=entry.product_code,
                defaults={
                    "eset_product_code": entry.eset_product_code,
                    "name": entry.name,
                    "description": entry.description,
                    "min_seats": entry.min_seats,
                    "max_seats": entry.max_seats,
                    "purchase_price": Decimal(entry.purchase_price),
                    "billing_cycle": entry.billing_cycle,
                    "is_available": True,
                },
            )
            plans[entry.product_code] = plan
        return plans

    def _operator(self) -> None:
        username, email, password = OPERATOR
        user_model = get_user_model()
        if not user_model.objects.filter(username=username).exists():
            user_model.objects.create_superuser(username=username, email=email, password=password)

    def _reseller(self) -> Reseller:
        reseller = Reseller.objects.filter(email=RESELLER_EMAIL).order_by("id").first()
        if reseller is None:
            reseller = reseller_create(name=RESELLER_NAME, email=RESELLER_EMAIL)
        username, email, password = RESELLER_USER
        if not get_user_model().objects.filter(username=username).exists():
            reseller_user_create(
                reseller=reseller, username=username, email=email, password=password
            )
        return reseller

    def _reseller_plans(self, reseller: Reseller, plans: dict[str, VendorPlan]) -> None:
        plan = reseller_plan_activate(reseller=reseller, vendor_plan=plans[DEMO_PLAN_CODE])
        if plan.seat_price is None:
            plan = reseller_plan_set_seat_price(reseller_plan=plan, seat_price=DEMO_SEAT_PRICE)
        if not plan.is_published:
            reseller_plan_publish(reseller_plan=plan)
        if not ResellerPlan.objects.filter(
            reseller=reseller, vendor_plan=plans[UNPRICED_PLAN_CODE]
        ).exists():
            reseller_plan_activate(reseller=reseller, vendor_plan=plans[UNPRICED_PLAN_CODE])

    def _clients(self, reseller: Reseller) -> None:
        for name, email, password in CLIENTS:
            state, city, street, zip_code = ADDRESSES[email]
            address = {
                "address_state": state,
                "address_city": city,
                "address_street": street,
                "address_zip": zip_code,
            }
            if not Client.objects.filter(reseller=reseller, email=email).exists():
                client_create(
                    reseller=reseller,
                    name=name,
                    email=email,
                    password=password,
                    address_state=state,
                    address_city=city,
                    address_street=street,
                    address_zip=zip_code,
                )
            else:
                # Clients seeded before addresses existed get theirs (a no-op after that).
                Client.objects.filter(reseller=reseller, email=email, address_city="").update(
                    **address
                )

    def _requisites(self, reseller: Reseller) -> None:
        # Only where none are stored: requisites someone edited in the demo stay theirs.
        now = timezone.now()
        if not Requisites.objects.filter(reseller=reseller).exists():
            requisites_save(owner=reseller, data=dict(RESELLER_REQUISITES), at=now)
        for email, data in CLIENT_REQUISITES.items():
            client = Client.objects.get(reseller=reseller, email=email)
            if not Requisites.objects.filter(client=client).exists():
                requisites_save(owner=client, data=dict(data), at=now)
