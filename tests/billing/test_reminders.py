"""Renewal reminders (DESIGN.md §4.10): N days before a period's end, when auto-renew is on
and the available balance does not cover the next period at today's seats and price, the
owner, the client's accountants and the reseller are told the exact shortfall with a link
that issues the invoice for it; once per period and threshold, safe to run late or twice.

The plans here bill by calendar month from the 1st, so that a period is a whole month and
5 seats × 100.00 cost exactly 500.00: activated 1 Dec 2026, the period runs to 1 Jan 2027
(paid through 31 Dec), the next one (1 Jan – 1 Feb) costs 500.00."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings

from accounts.models import Membership
from accounts.services import reseller_set_reminder_days
from billing.models import ReminderSent, ServicePeriod
from billing.services import billing_run, payment_register, reminders_send
from billing.tasks import reminders_send_task
from notifications.models import Notification, NotificationKind
from notifications.services import email_drain
from notifications.texts import notification_text
from orders.models import SubscriptionStatus
from orders.services import order_confirm, order_create, subscription_set_auto_renew
from plans.models import BillingCycle
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

pytestmark = pytest.mark.django_db

SITE = "https://panel.example"
REMINDER = NotificationKind.RENEWAL_REMINDER
EXPIRES = date(2027, 1, 1)
SEVEN_BEFORE = date(2026, 12, 25)
ONE_BEFORE = date(2026, 12, 31)


def plan_(reseller=None, seat_price="100.00"):
    return ResellerPlanFactory(
        reseller=reseller or ResellerFactory(),
        vendor_plan=VendorPlanFactory(
            name="ESET PROTECT Entry", billing_cycle=BillingCycle.CALENDAR_MONTH
        ),
        seat_price=Decimal(seat_price),
    )


def subscribe(client, plan, *, seats=5, pay=None, day=1):
    """A subscription confirmed on `day` December 2026, paid by `pay` if given."""
    order = order_create(client=client, reseller_plan=plan, seats=seats)
    sub = order_confirm(order=order, at=msk(2026, 12, day, 10))
    if pay is not None:
        payment_register(client=client, amount=Decimal(pay), at=msk(2026, 12, day, 11), order=order)
    sub.refresh_from_db()
    return sub


def seed(pay="600.00", **people):
    """One client, 5 seats at 100.00 from 1 Dec; 600.00 paid, 500.00 reserved by the
    first period: 100.00 available, 400.00 short of the next period."""
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    sub = subscribe(client, plan, pay=pay)
    assert sub.status == SubscriptionStatus.ACTIVE
    assert sub.expires_on == EXPIRES
    return plan, client, sub


def person(client, role, language="", n=1):
    user = UserFactory(username=f"{role}{n}-{client.pk}@client.example")
    Membership.objects.create(user=user, client=client, role=role, language=language)
    return user


def reminders(sub=None):
    rows = Notification.objects.filter(kind=REMINDER).order_by("id")
    if sub is not None:
        rows = rows.filter(subscription=sub)
    return rows


def sent():
    return sorted(
        ReminderSent.objects.values_list("period__subscription_id", "threshold_days", "shortfall")
    )


# --------------------------------------------------------------------------- the amount


@override_settings(SITE_URL=SITE + "/")
def test_the_exact_shortfall_in_kopecks_with_the_invoice_links():
    _, client, sub = seed()
    result = reminders_send(day=SEVEN_BEFORE)
    assert (result.reminded, result.notifications, result.shortfall) == (1, 2, Decimal("400.00"))
    period = ServicePeriod.objects.get(subscription=sub, expires_on=EXPIRES)
    assert list(
        ReminderSent.objects.values_list("period", "threshold_days", "day", "shortfall")
    ) == [(period.pk, 7, SEVEN_BEFORE, Decimal("400.00"))]
    owner, reseller = reminders()
    assert (owner.recipient_id, owner.email_to) == (client.owner_id, client.owner.email)
    assert (reseller.recipient_id, reseller.email_to) == (None, client.reseller.email)
    assert owner.payload == {
        "subscription_id": sub.pk,
        "product": "ESET PROTECT Entry",
        "client": client.name,
        "seats": 5,
        "expires_on": "2027-01-01",
        "threshold_days": 7,
        "amount": "500.00",
        "shortfall": "400.00",
        "renews_on": "2027-01-01",
        "paid_through": "2026-12-31",
        "invoice_link": f"{SITE}/portal/invoices/new/?subscription={sub.pk}&amount=400.00",
    }
    assert reseller.payload["invoice_link"] == (
        f"{SITE}/panel/clients/{client.pk}/invoices/new/?subscription={sub.pk}&amount=400.00"
    )
    assert owner.subject == "Не хватает 400,00 ₽ для продления подписки «ESET PROTECT Entry»"
    assert owner.body == (
        "Здравствуйте!\n\n"
        f"Подписка «ESET PROTECT Entry» клиента «{client.name}» оплачена по 31.12.2026 "
        "включительно. С 01.01.2027 она продлится автоматически на следующий период "
        "стоимостью 500,00 ₽, но доступного баланса не хватает: недостаёт 400,00 ₽.\n"
        "Если баланс не будет пополнен до 01.01.2027, подписка будет приостановлена.\n"
        "Выставить счёт на эту сумму: "
        f"{SITE}/portal/invoices/new/?subscription={sub.pk}&amount=400.00"
    )
    assert owner.created_at == msk(2026, 12, 25, 10)


def test_the_price_and_seats_of_today_not_of_the_current_period():
    plan, _, sub = seed(pay="1000.00")  # 500.00 available: the next period is covered
    assert reminders_send(day=date(2026, 12, 24)).reminded == 0
    plan.seat_price = Decimal("100.01")  # the reseller's new price applies from the next period
    plan.save()
    result = reminders_send(day=SEVEN_BEFORE)
    # 5 × 100.01 for the whole of January = 500.05: five kopecks short.
    assert (result.reminded, result.shortfall) == (1, Decimal("0.05"))
    assert reminders(sub).first().payload["amount"] == "500.05"


@pytest.mark.parametrize("pay", ["1000.00", "1000.01", "2000.00"])
def test_nothing_when_the_available_balance_covers_the_next_period(pay):
    seed(pay=pay)  # 500.00 reserved: 500.00 available covers 500.00 exactly
    for day in (SEVEN_BEFORE, ONE_BEFORE):
        assert reminders_send(day=day).reminded == 0
    assert not reminders().exists()
    assert not ReminderSent.objects.exists()


def test_nothing_when_auto_renew_is_off():
    _, _, sub = seed()
    subscription_set_auto_renew(subscription=sub, auto_renew=False)
    for day in (SEVEN_BEFORE, ONE_BEFORE):
        assert reminders_send(day=day).reminded == 0
    assert not reminders().exists()


def test_nothing_for_a_subscription_that_is_not_active():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    pending = subscribe(client, plan)  # confirmed, never paid
    assert pending.status == SubscriptionStatus.PENDING_PAYMENT
    assert reminders_send(day=SEVEN_BEFORE).reminded == 0


# --------------------------------------------------------------------------- when


def test_once_per_threshold_a_rerun_sends_nothing():
    _, _, sub = seed()
    assert reminders_send(day=SEVEN_BEFORE).notifications == 2
    again = reminders_send(day=SEVEN_BEFORE)
    assert (again.reminded, again.notifications) == (0, 0)
    # The days after the 7-day threshold until the 1-day one: nothing new either.
    for day in (date(2026, 12, 26), date(2026, 12, 30)):
        assert reminders_send(day=day).reminded == 0
    assert reminders(sub).count() == 2
    assert sent() == [(sub.pk, 7, Decimal("400.00"))]


def test_both_thresholds_on_their_days_and_no_other():
    _, _, sub = seed()
    days = {}
    day = date(2026, 12, 2)
    while day <= EXPIRES:
        days[day] = reminders_send(day=day).reminded
        day += timedelta(days=1)
    assert {d for d, n in days.items() if n} == {SEVEN_BEFORE, ONE_BEFORE}
    assert sum(days.values()) == 2
    assert sent() == [(sub.pk, 1, Decimal("400.00")), (sub.pk, 7, Decimal("400.00"))]
    assert [n.payload["threshold_days"] for n in reminders(sub)] == [7, 7, 1, 1]


def test_a_run_late_by_a_day_still_sends_once():
    _, _, sub = seed()
    late = reminders_send(day=date(2026, 12, 26))
    assert (late.reminded, late.shortfall) == (1, Decimal("400.00"))
    assert reminders_send(day=date(2026, 12, 27)).reminded == 0
    assert sent() == [(sub.pk, 7, Decimal("400.00"))]
    assert reminders_send(day=ONE_BEFORE).reminded == 1


def test_a_run_a_week_late_reminds_for_the_nearest_threshold_only():
    # The 7-day reminder was overtaken by the 1-day one: one reminder, not two at once.
    _, _, sub = seed()
    assert reminders_send(day=ONE_BEFORE).reminded == 1
    assert sent() == [(sub.pk, 1, Decimal("400.00"))]
    assert reminders(sub).count() == 2


def test_nothing_on_the_last_day_or_after_the_period_ended():
    seed()
    assert reminders_send(day=EXPIRES).reminded == 0
    assert reminders_send(day=date(2027, 1, 5)).reminded == 0


def test_a_threshold_found_covered_is_looked_at_again_until_the_next_one():
    plan, client, first = seed(pay="1000.00")  # covered on its 7-day threshold
    assert reminders_send(day=SEVEN_BEFORE).reminded == 0
    # On 27 Dec the client orders more and its first period eats the balance that was left.
    extra = subscribe(client, plan, seats=1, pay=None, day=27)
    # Its period (27 Dec – 27 Jan) reserves 16.13 + 83.87: all of the 500.00 left but 400.00.
    assert extra.status == SubscriptionStatus.ACTIVE
    result = reminders_send(day=date(2026, 12, 27))
    assert result.subscriptions == [first.pk]
    assert result.shortfall == Decimal("100.00")


def test_the_resellers_own_thresholds():
    plan, _, _ = seed()
    reseller_set_reminder_days(reseller=plan.reseller, days="10, 3")
    hits = []
    day = date(2026, 12, 15)
    while day < EXPIRES:
        if reminders_send(day=day).reminded:
            hits.append(day)
        day += timedelta(days=1)
    assert hits == [date(2026, 12, 22), date(2026, 12, 29)]
    assert [t for _, t, _ in sent()] == [3, 10]


def test_a_reseller_without_thresholds_sends_none():
    plan, _, _ = seed()
    reseller_set_reminder_days(reseller=plan.reseller, days="")
    for day in (SEVEN_BEFORE, ONE_BEFORE):
        assert reminders_send(day=day).reminded == 0
    assert not reminders().exists()


def test_the_default_thresholds_are_seven_and_one_days():
    assert ResellerFactory().reminder_days == [7, 1]


# --------------------------------------------------------------------------- several at once


def test_the_shortfall_is_cumulative_over_the_clients_renewals_in_their_order():
    """Two subscriptions end on 1 Jan: 5 seats (500.00 next) and 2 seats (200.00 next).
    600.00 available covers the first renewal but not both: the first is not reminded, the
    second is told 100.00, and it is exactly what the billing run then finds missing."""
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    payment_register(client=client, amount=Decimal("1300.00"), at=msk(2026, 12, 1, 9))
    big = subscribe(client, plan, seats=5)
    small = subscribe(client, plan, seats=2)
    assert big.status == small.status == SubscriptionStatus.ACTIVE  # 700.00 reserved
    result = reminders_send(day=SEVEN_BEFORE)
    assert result.subscriptions == [small.pk]
    assert sent() == [(small.pk, 7, Decimal("100.00"))]
    assert not reminders(big).exists()
    assert billing_run(day=EXPIRES).suspended == 1
    small.refresh_from_db()
    big.refresh_from_db()
    assert (big.status, small.status) == (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)
    failed = Notification.objects.get(
        subscription=small, kind=NotificationKind.RENEWAL_FAILED, recipient=client.owner
    )
    assert failed.payload["amount_due"] == "100.00"


def test_each_short_renewal_is_told_only_its_own_part():
    """Nothing available: each subscription is told its own next period, and paying both
    amounts renews both."""
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    payment_register(client=client, amount=Decimal("700.00"), at=msk(2026, 12, 1, 9))
    big = subscribe(client, plan, seats=5)
    small = subscribe(client, plan, seats=2)
    reminders_send(day=SEVEN_BEFORE)
    assert sent() == [(big.pk, 7, Decimal("500.00")), (small.pk, 7, Decimal("200.00"))]
    payment_register(client=client, amount=Decimal("700.00"), at=msk(2026, 12, 26, 9))
    assert billing_run(day=EXPIRES).renewed == 2


def test_an_earlier_renewal_counts_before_a_later_period_ends():
    """A subscription from 1 Dec renews on 1 Jan, before one from 5 Dec (ending 5 Jan) does:
    the later one's reminder counts the earlier renewal first."""
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    payment_register(client=client, amount=Decimal("1100.00"), at=msk(2026, 12, 1, 9))
    subscribe(client, plan, seats=5)  # 500.00 reserved, next 500.00
    later = subscribe(client, plan, seats=1, day=5)  # 5-31 Dec 87.10 + 1-4 Jan 12.90 reserved
    assert later.expires_on == date(2027, 1, 5)
    # Available 1100.00 − 500.00 − 100.00 = 500.00: the 1 Jan renewal takes it all.
    result = reminders_send(day=date(2026, 12, 29))  # 7 days before 5 Jan
    assert result.subscriptions == [later.pk]
    # The later one's next period (5 Jan – 5 Feb, one seat): 27/31 + 4/28 of 100.00.
    assert result.shortfall == Decimal("87.10") + Decimal("14.29")


def test_clients_do_not_share_their_balances():
    plan = plan_()
    rich = ClientFactory(reseller=plan.reseller)
    poor = ClientFactory(reseller=plan.reseller)
    subscribe(rich, plan, pay="5000.00")
    poor_sub = subscribe(poor, plan, pay="600.00")
    result = reminders_send(day=SEVEN_BEFORE)
    assert result.subscriptions == [poor_sub.pk]
    assert result.shortfall == Decimal("400.00")


# --------------------------------------------------------------------------- who is told


def test_the_owner_the_accountants_and_the_reseller_are_told_not_viewers():
    _, client, sub = seed()
    accountant = person(client, Membership.Role.ACCOUNTANT)
    second = person(client, Membership.Role.ACCOUNTANT, n=2)
    viewer = person(client, Membership.Role.VIEWER)
    admin = person(client, Membership.Role.ADMIN)
    other = ClientFactory(reseller=client.reseller)
    person(other, Membership.Role.ACCOUNTANT)  # another client's accountant
    staff = UserFactory(username="staff@reseller.example")
    Membership.objects.create(user=staff, reseller=client.reseller, role=Membership.Role.ADMIN)
    reminders_send(day=SEVEN_BEFORE)
    told = set(reminders(sub).values_list("recipient_id", "email_to"))
    assert told == {
        (client.owner_id, client.owner.email),
        (accountant.pk, accountant.email),
        (second.pk, second.email),
        (None, client.reseller.email),
    }
    for user in (viewer, admin, staff):
        assert not Notification.objects.filter(recipient=user).exists()
    # The accountants' link is the portal's, the reseller's the panel's.
    links = dict(reminders(sub).values_list("recipient_id", "payload__invoice_link"))
    assert "/portal/invoices/new/" in links[accountant.pk]
    assert f"/panel/clients/{client.pk}/invoices/new/" in links[None]


def test_english_for_a_person_who_chose_it_in_the_journal_and_the_email():
    _, client, _ = seed()
    accountant = person(client, Membership.Role.ACCOUNTANT, language="en")
    reminders_send(day=SEVEN_BEFORE)
    mine = Notification.objects.get(kind=REMINDER, recipient=accountant)
    text = notification_text(mine, "en")
    assert text.subject == '400,00 ₽ short for renewing the subscription "ESET PROTECT Entry"'
    assert "is paid through 31.12.2026 inclusive" in text.body
    assert "falls short by 400,00 ₽" in text.body
    # The record stays Russian; the e-mail follows the recipient's choice.
    assert mine.subject.startswith("Не хватает 400,00 ₽")
    mail.outbox.clear()
    email_drain(at=msk(2026, 12, 25, 10, 1))
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address[accountant.email].subject == text.subject
    assert "Issue an invoice for that amount: " in by_address[accountant.email].body
    # The owner chose nothing, the reseller has no language: Russian.
    assert by_address[client.owner.email].subject.startswith("Не хватает 400,00 ₽")
    assert by_address[client.reseller.email].subject.startswith("Не хватает 400,00 ₽")


# --------------------------------------------------------------------------- the job


def test_the_unique_pair_refuses_a_second_row():
    seed()
    reminders_send(day=SEVEN_BEFORE)
    row = ReminderSent.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(
            period=row.period, threshold_days=7, day=ONE_BEFORE, shortfall=Decimal("1.00")
        )


def test_the_command_and_the_task_run_the_day_given():
    seed()
    out = io.StringIO()
    call_command("reminders_send", "--date", "2026-12-25", stdout=out)
    assert out.getvalue().strip() == (
        "reminders_send 2026-12-25: reminded 1 subscriptions (400.00 RUB short), notifications 2"
    )
    assert reminders_send_task("2026-12-31") == {
        "day": "2026-12-31",
        "reminded": 1,
        "notifications": 2,
        "shortfall": "400.00",
    }
    assert reminders_send_task("2026-12-31")["reminded"] == 0
