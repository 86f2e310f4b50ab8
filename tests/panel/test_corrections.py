"""The panel's corrections (DESIGN.md §4.8, §8): reverse a payment, refund, adjust, each with
a confirmation that says what follows, a one-time token, the role table, and the client's
statement; the payment form's token (a repeat registers one payment)."""

import re
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Membership
from billing.models import BalanceEntry, FormSubmission, Payment
from billing.services import payment_register
from billing.submissions import token_issue
from notifications.models import Notification
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, UserFactory, VendorPlanFactory, msk

pytestmark = pytest.mark.django_db


def staff(reseller, role=Membership.Role.ACCOUNTANT, username="buh@reseller.example"):
    user = UserFactory(username=username)
    Membership.objects.create(user=user, reseller=reseller, role=role)
    http = HttpClient()
    http.force_login(user)
    return http, user


@pytest.fixture
def money(reseller):
    """A client with 1 000,00 paid and a 5-seat subscription reserving 483,87 of it (the
    seed's example, bought 14.12.2026), then a duplicate payment of 300,00."""
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(min_seats=5, purchase_price=Decimal("80.00")),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=reseller, name="ООО Клиент")
    order = order_create(client=client, reseller_plan=plan)
    order_confirm(order=order, at=msk(2026, 12, 14, 10))
    first = payment_register(
        client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11), order=order
    )
    duplicate = payment_register(client=client, amount=Decimal("300.00"), at=msk(2026, 12, 14, 12))
    return client, first, duplicate


def written():
    return (
        list(BalanceEntry.objects.order_by("pk").values()),
        list(Payment.objects.order_by("pk").values()),
        list(AuditEvent.objects.order_by("pk").values()),
        Notification.objects.count(),
        FormSubmission.objects.count(),
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode().replace("\xa0", " "))


def test_reversing_a_duplicate_payment_confirms_then_writes_once(reseller, money):
    client, _, duplicate = money
    http, user = staff(reseller)
    url = reverse("payments:reverse", args=[duplicate.pk])
    page = text(http.get(url))
    # What will follow, before anything is written: 1 300,00 → 1 000,00; 816,13 → 516,13.
    assert "Что произойдёт" in page
    assert "-300,00 ₽" in page
    assert "1 300,00 ₽ → <strong>1 000,00 ₽</strong>" in page
    assert "816,13 ₽ → <strong>516,13 ₽</strong>" in page
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    post = {"reason": "duplicate_payment", "step": "confirm", "form_token": token}
    response = http.post(url, post)
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:detail", args=[duplicate.pk])
    entry = BalanceEntry.objects.get(kind=BalanceEntry.Kind.REVERSAL)
    assert (entry.amount, entry.reversed_payment_id, entry.reason, entry.created_by) == (
        Decimal("-300.00"),
        duplicate.pk,
        "duplicate_payment",
        user,
    )
    assert AuditEvent.objects.get(action=AuditAction.PAYMENT_REVERSED).actor == user
    # A double click or a reload sends the same token: the first result, nothing new.
    before = written()
    again = http.post(url, post, follow=True)
    assert again.redirect_chain == [(reverse("payments:detail", args=[duplicate.pk]), 302)]
    assert "Эта форма уже была отправлена" in text(again)
    assert written() == before
    # The statement shows it with its reason in words; the payment says it was reversed.
    detail = text(http.get(reverse("accounts:client-detail", args=[client.pk])))
    assert "Сторно платежа" in detail and "платёж внесён дважды" in detail
    assert "-300,00 ₽" in detail and "сторнирован" in detail
    payment_page = text(again)
    assert "Платёж сторнирован" in payment_page and "buh@reseller.example" in payment_page
    assert ">Сторнировать<" not in payment_page


def test_a_reversal_beyond_the_available_balance_is_refused_and_writes_nothing(reseller, money):
    _, first, _ = money
    http, _ = staff(reseller)
    # 1 300,00 on the balance, 483,87 reserved: 1 000,00 cannot be taken back.
    url = reverse("payments:reverse", args=[first.pk])
    assert "Доступно только 816,13 ₽" in text(http.get(url))
    before = written()
    response = http.post(
        url, {"reason": "wrong_client", "step": "confirm", "form_token": token_issue()}
    )
    assert response.status_code == 200
    assert "Доступно только 816,13 ₽" in text(response)
    assert written() == before


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"reason": ""}, "reason", "Укажите причину сторно."),
        ({"reason": "goodwill"}, "reason", "Укажите причину сторно из списка."),
        ({"reason": "duplicate_payment", "form_token": ""}, "form_token", "Форма устарела"),
    ],
)
def test_a_bad_reversal_names_the_field_and_writes_nothing(reseller, money, post, field, message):
    _, _, duplicate = money
    http, _ = staff(reseller)
    before = written()
    data = {"step": "confirm", "form_token": token_issue(), **post}
    response = http.post(reverse("payments:reverse", args=[duplicate.pk]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert message in text(response)
    assert written() == before
    if field == "form_token":  # the page it gets back carries a fresh token
        assert re.search(r'name="form_token" value="[^"]{20,}"', text(response))


def test_a_refund_shows_what_follows_then_confirms(reseller, money):
    client, _, _ = money
    http, user = staff(reseller)
    url = reverse("accounts:client-refund", args=[client.pk])
    token = token_issue()
    before = written()
    review = http.post(
        url, {"amount": "816,13", "reference": "п/п 17", "step": "", "form_token": token}
    )
    page = text(review)
    assert review.status_code == 200 and "Что произойдёт" in page
    assert "-816,13 ₽" in page and "1 300,00 ₽ → <strong>483,87 ₽</strong>" in page
    assert "816,13 ₽ → <strong>0,00 ₽</strong>" in page
    assert written() == before  # the confirmation step writes nothing
    done = http.post(
        url, {"amount": "816,13", "reference": "п/п 17", "step": "confirm", "form_token": token}
    )
    assert done["Location"] == reverse("accounts:client-detail", args=[client.pk]) + "#corrections"
    entry = BalanceEntry.objects.get(kind=BalanceEntry.Kind.REFUND)
    assert (entry.amount, entry.reference, entry.reason, entry.created_by) == (
        Decimal("-816.13"),
        "п/п 17",
        "money_returned",
        user,
    )
    client.refresh_from_db()
    assert client.balance == Decimal("483.87")
    detail = text(http.get(reverse("accounts:client-detail", args=[client.pk])))
    assert "деньги возвращены клиенту" in detail and "п/п 17" in detail


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("816,14", "Доступно только 816,13 ₽"),
        ("0", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
        ("-5", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
        ("пять", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
        ("12345678901234567890", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
        (
            "1,001",
            "Не больше двух знаков после запятой. Введите сумму от 0,01 до 9 999 999 999,99 ₽.",
        ),
        ("", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
    ],
)
@pytest.mark.parametrize("step", ["", "confirm"])
def test_a_bad_refund_is_refused_beside_the_amount(reseller, money, amount, message, step):
    client, _, _ = money
    http, _ = staff(reseller)
    before = written()
    response = http.post(
        reverse("accounts:client-refund", args=[client.pk]),
        {"amount": amount, "reference": "", "step": step, "form_token": token_issue()},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["amount"]
    assert message in text(response) and "Что произойдёт" not in text(response)
    assert written() == before


@pytest.mark.parametrize(
    ("amount", "balance"), [("250,50", Decimal("1550.50")), ("−816,13", Decimal("483.87"))]
)
def test_an_adjustment_either_way(reseller, money, amount, balance):
    client, _, _ = money
    http, user = staff(reseller, role=Membership.Role.ADMIN, username="admin@reseller.example")
    url = reverse("accounts:client-adjust", args=[client.pk])
    data = {"amount": amount, "reason": "goodwill", "form_token": token_issue()}
    review = text(http.post(url, {**data, "step": ""}))
    assert f"<strong>{balance:,.2f} ₽</strong>".replace(",", " ").replace(".", ",") in review
    http.post(url, {**data, "step": "confirm"})
    client.refresh_from_db()
    assert client.balance == balance
    entry = BalanceEntry.objects.get(kind=BalanceEntry.Kind.ADJUSTMENT)
    assert (entry.reason, entry.created_by) == ("goodwill", user)
    event = AuditEvent.objects.get(action=AuditAction.BALANCE_ADJUSTED)
    assert (event.actor, event.before, event.after["balance"]) == (
        user,
        {"balance": "1300.00"},
        str(balance),
    )


@pytest.mark.parametrize(
    ("post", "field"),
    [
        ({"amount": "-816,14", "reason": "other"}, "amount"),
        ({"amount": "0", "reason": "other"}, "amount"),
        ({"amount": "10", "reason": ""}, "reason"),
        ({"amount": "10", "reason": "duplicate_payment"}, "reason"),
    ],
)
def test_a_bad_adjustment_names_the_field_and_writes_nothing(reseller, money, post, field):
    client, _, _ = money
    http, _ = staff(reseller)
    before = written()
    response = http.post(
        reverse("accounts:client-adjust", args=[client.pk]),
        {**post, "step": "confirm", "form_token": token_issue()},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert written() == before


def test_the_edit_step_returns_to_the_form_with_its_values(reseller, money):
    client, _, _ = money
    http, _ = staff(reseller)
    before = written()
    response = http.post(
        reverse("accounts:client-adjust", args=[client.pk]),
        {"amount": "75", "reason": "rounding", "step": "edit", "form_token": token_issue()},
    )
    page = text(response)
    assert 'value="75"' in page and "Что произойдёт" not in page
    assert written() == before


@pytest.mark.parametrize("role", [Membership.Role.MANAGER])
def test_a_role_without_corrections_sees_no_button_and_is_refused(reseller, money, role):
    client, _, duplicate = money
    http, _ = staff(reseller, role=role, username="manager@reseller.example")
    assert ">Возврат<" not in text(http.get(reverse("accounts:client-detail", args=[client.pk])))
    assert ">Сторнировать<" not in text(http.get(reverse("payments:list")))
    before = written()
    for url, data in (
        (reverse("payments:reverse", args=[duplicate.pk]), {"reason": "duplicate_payment"}),
        (reverse("accounts:client-refund", args=[client.pk]), {"amount": "1"}),
        (reverse("accounts:client-adjust", args=[client.pk]), {"amount": "1", "reason": "other"}),
    ):
        assert http.get(url).status_code == 403
        response = http.post(url, {**data, "step": "confirm", "form_token": token_issue()})
        assert response.status_code == 403
    assert written() == before


def test_an_accountant_sees_the_buttons(reseller, money):
    client, _, duplicate = money
    http, _ = staff(reseller)
    page = text(http.get(reverse("accounts:client-detail", args=[client.pk])))
    assert ">Возврат<" in page and ">Корректировка<" in page
    assert reverse("payments:reverse", args=[duplicate.pk]) in text(
        http.get(reverse("payments:list"))
    )


def test_another_resellers_payment_or_client_is_not_found(reseller, money):
    client, _, duplicate = money
    from tests.factories import ResellerFactory

    http, _ = staff(ResellerFactory(), username="other@reseller.example")
    for url in (
        reverse("payments:reverse", args=[duplicate.pk]),
        reverse("accounts:client-refund", args=[client.pk]),
        reverse("accounts:client-adjust", args=[client.pk]),
    ):
        assert http.get(url).status_code == 404


def test_the_portal_statement_shows_corrections_in_words(reseller, money):
    client, _, duplicate = money
    http, _ = staff(reseller)
    http.post(
        reverse("payments:reverse", args=[duplicate.pk]),
        {"reason": "duplicate_payment", "step": "confirm", "form_token": token_issue()},
    )
    portal = HttpClient()
    portal.force_login(client.owner)
    page = text(portal.get(reverse("portal:balance")))
    assert "Сторно платежа №" in page and "платёж внесён дважды" in page and "-300,00 ₽" in page


# --------------------------------------------------------------------------- the payment form


def test_the_payment_form_registers_one_payment_for_one_token(reseller, money):
    client, _, _ = money
    http, _ = staff(reseller)
    url = f"{reverse('payments:new')}?client={client.pk}"
    page = text(http.get(url))
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    assert "data-once" in page
    data = {"amount": "500", "method": "bank_transfer", "form_token": token}
    first = http.post(url, data)
    count = Payment.objects.count()
    before = written()
    second = http.post(url, data, follow=True)
    assert Payment.objects.count() == count and written() == before
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "Эта форма уже была отправлена" in text(second)
    # A new form (a new token) is a new payment.
    http.post(url, {**data, "form_token": token_issue()})
    assert Payment.objects.count() == count + 1


def test_a_refused_payment_leaves_its_token_usable(reseller, money):
    client, _, _ = money
    http, _ = staff(reseller)
    url = f"{reverse('payments:new')}?client={client.pk}"
    token = token_issue()
    before = written()
    refused = http.post(url, {"amount": "0", "method": "card", "form_token": token})
    assert refused.status_code == 200 and written() == before
    done = http.post(url, {"amount": "10", "method": "card", "form_token": token})
    assert done.status_code == 302
    assert Payment.objects.filter(amount=Decimal("10.00")).count() == 1


def test_a_payment_form_without_a_token_is_refused_and_writes_nothing(reseller, money):
    client, _, _ = money
    http, _ = staff(reseller)
    before = written()
    response = http.post(
        f"{reverse('payments:new')}?client={client.pk}", {"amount": "10", "method": "card"}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["form_token"]
    assert "Форма устарела" in text(response)
    assert written() == before
