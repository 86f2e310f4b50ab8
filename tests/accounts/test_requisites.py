"""Requisites (DESIGN.md §3, §13): every number checked (lengths and check digits), each
refusal naming its field, and nothing written on a refusal."""

from __future__ import annotations

import pytest

from accounts.models import AuditAction, AuditEvent, Requisites, VatMode
from accounts.requisites import account_key_ok
from accounts.services import requisites_missing, requisites_save
from config.errors import ValidationError
from tests.factories import ClientFactory, ResellerFactory, msk

pytestmark = pytest.mark.django_db

AT = msk(2026, 12, 1, 10)

# ПАО Сбербанк's published requisites: real numbers with real check digits.
SELLER = {
    "legal_name": "ООО «Демо-реселлер»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": "117312, г. Москва, ул. Вавилова, д. 19",
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "corr_account": "30101810400000000225",
    "account": "40702810938000012345",
    "signatory_name": "Иванов И. И.",
    "signatory_position": "Генеральный директор",
    "vat_mode": "standard",
}
BUYER = {
    "legal_name": "ООО «Ромашка»",
    "inn": "7736207543",
    "kpp": "770401001",
    "ogrn": "1027700229193",
    "legal_address": "119021, г. Москва, ул. Льва Толстого, д. 16",
}


# ------------------------------------------------------------------ the account key, by hand


def test_account_key_worked_examples():
    """Settlement account 40702810938000012345 at BIK 044525225: the 23 digits are the
    BIK's last three «225» and the account, weighted 7 1 3 7 1 3 …; the last digits of the
    products are 4 2 5 8 0 1 0 2 4 7 0 7 1 8 0 0 0 0 7 2 9 8 5, summing to 80, a multiple
    of 10. The key (the account's 9th digit, «9») is the one digit that makes it so."""
    assert account_key_ok(bik="044525225", account="40702810938000012345")
    for digit in "012345678":
        broken = "40702810" + digit + "38000012345"
        assert not account_key_ok(bik="044525225", account=broken)
    # Correspondent accounts are checked with «0» + the BIK's 5th and 6th digits.
    assert account_key_ok(bik="044525225", account="30101810400000000225", correspondent=True)
    assert account_key_ok(bik="044525974", account="30101810145250000974", correspondent=True)
    # A different settlement centre (BIK digits 5-6 «45») does not fit Sberbank's account.
    assert not account_key_ok(bik="044545225", account="30101810400000000225", correspondent=True)


def test_account_key_sum_by_hand():
    """The rule spelled out on one number, independent of the implementation's loop."""
    digits = "225" + "40702810938000012345"
    weights = [7, 1, 3] * 8
    products = [int(d) * w % 10 for d, w in zip(digits, weights, strict=False)]
    assert products == [4, 2, 5, 8, 0, 1, 0, 2, 4, 7, 0, 7, 1, 8, 0, 0, 0, 0, 7, 2, 9, 8, 5]
    assert sum(products) == 80


# ------------------------------------------------------------------ saving


def test_reseller_requisites_saved_with_audit():
    reseller = ResellerFactory()
    req = requisites_save(owner=reseller, data=dict(SELLER), by=None, at=AT)
    assert req.reseller_id == reseller.pk and req.client_id is None
    assert req.vat_mode == VatMode.STANDARD
    assert req.account == "40702810938000012345"
    assert requisites_missing(req) == []
    reseller.refresh_from_db()
    assert reseller.inn == "7707083893"
    event = AuditEvent.objects.get(action=AuditAction.REQUISITES_CHANGED)
    assert event.reseller_id == reseller.pk and event.client_id is None
    assert event.after["inn"] == "7707083893"


def test_saving_again_updates_the_one_row_and_audits_the_change():
    reseller = ResellerFactory()
    requisites_save(owner=reseller, data=dict(SELLER), at=AT)
    requisites_save(owner=reseller, data={**SELLER, "vat_mode": "none"}, at=AT)
    assert Requisites.objects.filter(reseller=reseller).count() == 1
    event = AuditEvent.objects.filter(action=AuditAction.REQUISITES_CHANGED).first()
    assert event.before == {"vat_mode": "standard"} and event.after == {"vat_mode": "none"}
    # Saving the same values writes no event.
    requisites_save(owner=reseller, data={**SELLER, "vat_mode": "none"}, at=AT)
    assert AuditEvent.objects.filter(action=AuditAction.REQUISITES_CHANGED).count() == 2


def test_client_requisites_and_spaces_in_numbers():
    client = ClientFactory()
    req = requisites_save(owner=client, data={**BUYER, "inn": "7736 207 543"}, at=AT)
    assert req.client_id == client.pk and req.inn == "7736207543"
    event = AuditEvent.objects.get(action=AuditAction.REQUISITES_CHANGED)
    assert event.client_id == client.pk and event.reseller_id == client.reseller_id


def test_sole_trader_has_no_kpp_and_a_15_digit_ogrnip():
    client = ClientFactory()
    data = {
        "legal_name": "ИП Петров Пётр Петрович",
        "inn": "500100732259",
        "kpp": "",
        "ogrn": "304500116000157",
        "legal_address": "г. Подольск",
    }
    assert requisites_save(owner=client, data=data, at=AT).ogrn == "304500116000157"


def test_missing_seller_fields_are_named():
    reseller = ResellerFactory()
    req = requisites_save(
        owner=reseller,
        data={k: v for k, v in SELLER.items() if k not in ("bik", "corr_account", "account")},
        at=AT,
    )
    assert requisites_missing(req) == ["bik", "corr_account", "account"]
    assert requisites_missing(None)[0] == "legal_name"


BAD_SELLER = [
    ({"legal_name": ""}, "legal_name", "Укажите полное наименование."),
    ({"inn": ""}, "inn", "Укажите ИНН."),
    ({"inn": "77070838"}, "inn", "ИНН состоит из 10 или 12 цифр."),
    ({"inn": "7707083894"}, "inn", "контрольного числа"),
    ({"kpp": "77360100"}, "kpp", "КПП состоит из 9 цифр."),
    ({"kpp": ""}, "kpp", "Укажите КПП"),
    ({"ogrn": "102770013219"}, "ogrn", "13 цифр"),
    ({"ogrn": "1027700132196"}, "ogrn", "контрольной цифры"),
    ({"ogrn": "304500116000157"}, "ogrn", "У организации ОГРН из 13 цифр."),
    ({"bik": "144525225"}, "bik", "начинается с 04"),
    ({"bik": "04452522"}, "bik", "9 цифр"),
    ({"account": "4070281093800001234"}, "account", "20 цифр"),
    ({"account": "40702810038000012345"}, "account", "контрольному ключу"),
    ({"corr_account": "30101810400000000226"}, "corr_account", "контрольному ключу"),
    ({"corr_account": "40702810938000012345"}, "corr_account", "начинается с 30101"),
    ({"bik": "", "account": "40702810938000012345"}, "bik", "Укажите БИК"),
    ({"vat_mode": "half"}, "vat_mode", "режим НДС"),
    ({"legal_name": "x" * 301}, "legal_name", "300"),
    ({"nonsense": "1"}, "nonsense", "не относится"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_SELLER)
def test_bad_seller_requisites_are_refused_by_field(change, field, message):
    reseller = ResellerFactory()
    with pytest.raises(ValidationError) as err:
        requisites_save(owner=reseller, data={**SELLER, **change}, at=AT)
    assert err.value.field == field
    assert message in err.value.message
    assert not Requisites.objects.exists()
    assert not AuditEvent.objects.exists()
    reseller.refresh_from_db()
    assert reseller.inn == ""


def test_a_client_has_no_bank_fields():
    client = ClientFactory()
    with pytest.raises(ValidationError) as err:
        requisites_save(owner=client, data={**BUYER, "bik": "044525225"}, at=AT)
    assert err.value.field == "bik"
    assert not Requisites.objects.exists()


def test_one_owner_per_row_in_the_database():
    from django.db import IntegrityError, transaction

    reseller = ResellerFactory()
    client = ClientFactory(reseller=reseller)
    with pytest.raises(IntegrityError), transaction.atomic():
        Requisites.objects.create(reseller=reseller, client=client, legal_name="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Requisites.objects.create(legal_name="x")
