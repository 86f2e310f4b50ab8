"""The audit trail (DESIGN.md §3): the panel's «Журнал аудита» for the reseller's admins
(their tenant only), filterable, exported as CSV with `;` and a UTF-8 BOM, before → after
in words; the operator's read-only admin over every tenant; and every person's action
from the faces names that person (by=request.user)."""

import csv
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Membership
from billing.models import Payment
from billing.services import payment_register, payment_reverse
from billing.submissions import token_issue
from core.reasons import Reason
from orders.models import Order
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

pytestmark = pytest.mark.django_db


def member(reseller, role, username):
    user = UserFactory(username=username)
    Membership.objects.create(user=user, reseller=reseller, role=role)
    http = HttpClient()
    http.force_login(user)
    return http, user


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode().replace("\xa0", " "))


@pytest.fixture
def trail(reseller):
    """A payment of 1 300,00 by the accountant and its reversal by the admin (15.12.2026);
    another client's payment by the system (10.12.2026); another reseller's payment."""
    admin_http, admin = member(reseller, Membership.Role.ADMIN, "admin@reseller.example")
    _, accountant = member(reseller, Membership.Role.ACCOUNTANT, "buh@reseller.example")
    client = ClientFactory(reseller=reseller, name="ООО Первый")
    other = ClientFactory(reseller=reseller, name="ООО Второй")
    payment_register(client=other, amount=Decimal("50.00"), at=msk(2026, 12, 10, 9))
    payment = payment_register(
        client=client, amount=Decimal("1300.00"), at=msk(2026, 12, 15, 9), by=accountant
    )
    payment_reverse(
        payment=payment, reason=Reason.DUPLICATE_PAYMENT, at=msk(2026, 12, 15, 10), by=admin
    )
    payment_register(client=ClientFactory(), amount=Decimal("77.00"), at=msk(2026, 12, 15, 9))
    return admin_http, admin, accountant, client, other


def test_the_admin_reads_the_trail_in_words(trail):
    http, *_ = trail
    page = text(http.get(reverse("accounts:audit")))
    assert ">Журнал аудита</a>" in page  # in the sidebar
    rows = re.findall(r"<tr> <td data-label=\"Когда\">.*?</tr>", page)
    assert len(rows) == 3  # this reseller's only: not the 77,00 of another
    reversal, payment, system = rows
    assert "15.12.2026 10:00 МСК" in reversal and "admin@reseller.example" in reversal
    assert "платёж сторнирован" in reversal and "ООО Первый" in reversal
    assert "баланс: 1 300,00 ₽ → <strong>0,00 ₽</strong>" in reversal
    assert "сумма: — → <strong>-1 300,00 ₽</strong>" in reversal
    assert "причина: — → <strong>платёж внесён дважды</strong>" in reversal
    assert "buh@reseller.example" in payment and "платёж зарегистрирован" in payment
    assert "система" in system and "ООО Второй" in system


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"action": "payment_reversed"}, 1),
        ({"action": "payment_registered"}, 2),
        ({"client": "first"}, 2),
        ({"actor": "buh"}, 1),
        ({"date_from": "15.12.2026"}, 2),
        ({"date_to": "14.12.2026"}, 1),
        ({"date_from": "2026-12-11", "date_to": "2026-12-31", "action": "payment_registered"}, 1),
        ({"date_from": "вчера"}, 3),  # a value the form refuses filters nothing
    ],
)
def test_the_trail_is_filtered(trail, query, count):
    http, _, accountant, client, _ = trail
    values = {"first": client.pk, "buh": accountant.pk}
    params = {k: values.get(v, v) for k, v in query.items()}
    response = http.get(reverse("accounts:audit"), params)
    assert len(response.context["page"].object_list) == count


def test_the_csv_export_is_semicolon_separated_utf8_with_a_bom(trail):
    http, *_ = trail
    response = http.get(reverse("accounts:audit"), {"export": "csv", "action": "payment_reversed"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="audit.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Когда (МСК)", "Кто", "Действие", "Клиент", "Объект", "Изменения"]
    assert rows[1][:4] == [
        "15.12.2026 10:00",
        "admin@reseller.example",
        "платёж сторнирован",
        "ООО Первый",
    ]
    assert rows[1][4].startswith("платёж №")
    assert "баланс: 1 300,00 ₽ → 0,00 ₽" in rows[1][5].replace("\xa0", " ")
    assert len(rows) == 2


@pytest.mark.parametrize("role", [Membership.Role.MANAGER, Membership.Role.ACCOUNTANT])
def test_other_staff_roles_may_not_read_the_trail(trail, reseller, role):
    http, _ = member(reseller, role, f"{role}2@reseller.example")
    assert http.get(reverse("accounts:audit")).status_code == 403
    assert http.get(reverse("accounts:audit"), {"export": "csv"}).status_code == 403
    assert ">Журнал аудита</a>" not in text(http.get(reverse("payments:list")))


def test_the_operator_reads_every_tenant_in_the_admin_read_only(trail):
    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    http = HttpClient()
    http.force_login(operator)
    url = reverse("admin:accounts_auditevent_changelist")
    page = text(http.get(url))
    assert page.count("платёж зарегистрирован</td>") == 3  # both resellers
    assert "баланс: 1 300,00 ₽ → 0,00 ₽" in page.replace("\xa0", " ")
    filtered = text(http.get(url, {"action__exact": "payment_reversed"}))
    assert filtered.count("платёж сторнирован</td>") == 1
    event = AuditEvent.objects.get(action=AuditAction.PAYMENT_REVERSED)
    detail = http.get(reverse("admin:accounts_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert http.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    before = AuditEvent.objects.count()
    http.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert AuditEvent.objects.count() == before


# --------------------------------------------------------------------------- who did it


def test_every_persons_action_in_the_panel_names_that_person(reseller):
    """Plans, prices, publication, clients, orders, payments, seat changes, auto-renew,
    corrections and cancel now, each through its page: every event's actor is the admin."""
    http, admin = member(reseller, Membership.Role.ADMIN, "admin@reseller.example")
    vendor = VendorPlanFactory(min_seats=5, purchase_price=Decimal("60.00"))
    with time_machine.travel(msk(2026, 12, 14, 12), tick=False):
        http.force_login(admin)
        plan = f"/panel/plans/{vendor.pk}/"
        assert http.post(plan + "activate/").status_code == 302
        http.post(plan + "resources/workplace/", {"seat_price": "100"})
        http.post(plan + "publish/")
        http.post(plan + "unpublish/")
        http.post(
            reverse("accounts:client-new"),
            {
                "name": "ООО Новый",
                "email": "n@x.example",
                "address_state": "Москва",
                "address_city": "Москва",
                "address_street": "ул. Тверская, д. 1",
                "address_zip": "125009",
            },
        )
        client = reseller.clients.get(name="ООО Новый")
        rp = reseller.plans.get()
        http.post(reverse("orders:new"), {"client": client.pk, "reseller_plan": rp.pk, "seats": 5})
        order = Order.objects.get(client=client)
        http.post(reverse("orders:confirm", args=[order.pk]))
        http.post(
            f"{reverse('payments:new')}?client={client.pk}",
            {"amount": "2000", "method": "card", "order": order.pk, "form_token": token_issue()},
        )
        sub = order.subscription
        http.post(reverse("subscriptions:seats", args=[sub.pk]), {"seats": 6})
        http.post(reverse("subscriptions:seat-change-cancel", args=[sub.pk]))
        http.post(reverse("subscriptions:auto-renew", args=[sub.pk]), {"auto_renew": "off"})
        extra = http.post(
            f"{reverse('payments:new')}?client={client.pk}",
            {"amount": "10", "method": "card", "form_token": token_issue()},
        )
        assert extra.status_code == 302
        payment = Payment.objects.filter(client=client).latest("pk")
        http.post(
            reverse("payments:reverse", args=[payment.pk]),
            {"reason": "duplicate_payment", "step": "confirm", "form_token": token_issue()},
        )
        http.post(
            reverse("accounts:client-adjust", args=[client.pk]),
            {"amount": "5", "reason": "goodwill", "step": "confirm", "form_token": token_issue()},
        )
        http.post(
            reverse("accounts:client-refund", args=[client.pk]),
            {"amount": "5", "reference": "п/п 1", "step": "confirm", "form_token": token_issue()},
        )
        http.post(reverse("subscriptions:cancel", args=[sub.pk]), {"form_token": token_issue()})
    done = set(AuditEvent.objects.values_list("action", flat=True))
    assert done >= {
        AuditAction.PLAN_STATUS_CHANGED,
        AuditAction.SEAT_PRICE_CHANGED,
        AuditAction.PLAN_PUBLICATION_CHANGED,
        AuditAction.CLIENT_CREATED,
        AuditAction.ORDER_CONFIRMED,
        AuditAction.PAYMENT_REGISTERED,
        AuditAction.SEAT_CHANGE_REQUESTED,
        AuditAction.SEAT_CHANGE_CANCELLED,
        AuditAction.AUTO_RENEW_CHANGED,
        AuditAction.PAYMENT_REVERSED,
        AuditAction.BALANCE_ADJUSTED,
        AuditAction.REFUND_REGISTERED,
        AuditAction.SUBSCRIPTION_CANCELLED,
    }, done
    nameless = list(AuditEvent.objects.filter(actor__isnull=True).values_list("action", flat=True))
    assert nameless == []


def test_every_persons_action_in_the_portal_names_that_person():
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    client = ClientFactory(reseller=plan.reseller)
    payment_register(client=client, amount=Decimal("5000.00"), at=msk(2026, 12, 14, 9))
    http = HttpClient()
    with time_machine.travel(msk(2026, 12, 14, 12), tick=False):
        http.force_login(client.owner)
        http.post(
            reverse("portal:plan-order", args=[plan.pk]), {"seats": plan.vendor_plan.min_seats}
        )
        order = Order.objects.get(client=client)
        http.post(reverse("portal:order-confirm", args=[order.pk]))
        sub = order.subscription
        http.post(reverse("portal:auto-renew", args=[sub.pk]), {"auto_renew": "off"})
        http.post(reverse("portal:seats", args=[sub.pk]), {"seats": sub.seats + 1})
        http.post(reverse("portal:seat-change-cancel", args=[sub.pk]))
        http.post(
            reverse("portal:subscription-cancel", args=[sub.pk]), {"form_token": token_issue()}
        )
    events = AuditEvent.objects.exclude(action=AuditAction.PAYMENT_REGISTERED)
    assert set(events.values_list("action", flat=True)) == {
        AuditAction.ORDER_CONFIRMED,
        AuditAction.AUTO_RENEW_CHANGED,
        AuditAction.SEAT_CHANGE_REQUESTED,
        AuditAction.SEAT_CHANGE_CANCELLED,
        AuditAction.SUBSCRIPTION_CANCELLED,
    }
    assert {e.actor for e in events} == {client.owner}


def test_another_resellers_trail_is_not_shown(trail):
    http, *_ = trail
    stranger = ResellerFactory()
    payment_register(
        client=ClientFactory(reseller=stranger), amount=Decimal("1.00"), at=msk(2026, 12, 1)
    )
    rows = http.get(reverse("accounts:audit")).context["page"].object_list
    assert {e.reseller_id for e in rows} == {trail[3].reseller_id}
