"""Invoices for payment (DESIGN.md §12, §13): issue, cancel, register a payment that
names one. Numbers come from the reseller's counter inside the issuing transaction; the
parties' requisites are frozen into the invoice; the status moves issued → paid |
cancelled by compare-and-set."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Client, Membership, Requisites, VatMode
from accounts.services import requisites_missing
from billing.models import Payment
from billing.services import payment_register
from config.errors import Conflict, NotFound, ValidationError
from core.clock import financial_day, require_aware
from core.money import ZERO, money_clean
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, client_spec, notify
from orders.models import Order, OrderStatus, Subscription, SubscriptionStatus
from orders.selectors import order_payment_status

from .models import (
    INVOICE_TRANSITIONS,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoicePurpose,
    InvoiceStatus,
)
from .numbering import number_take
from .selectors import invoice_paid_amount, renewal_shortfall
from .vat import vat_included, vat_rate_on
from .words import plural

PARTY_FIELDS = ("legal_name", "inn", "kpp", "ogrn", "legal_address")
BANK_FIELDS = (
    "bank_name",
    "bik",
    "corr_account",
    "account",
    "signatory_name",
    "signatory_position",
)


def _seller_snapshot(requisites: Requisites) -> dict[str, str]:
    return {name: getattr(requisites, name) for name in (*PARTY_FIELDS, *BANK_FIELDS)}


def _buyer_snapshot(client: Client) -> dict[str, str]:
    requisites = Requisites.objects.filter(client=client).first()
    if requisites is not None and requisites.legal_name:
        return {name: getattr(requisites, name) for name in PARTY_FIELDS}
    # A client without requisites is named as the panel knows it: name, INN, address.
    address = ", ".join(
        part
        for part in (
            client.address_zip,
            client.address_state,
            client.address_city,
            client.address_street,
        )
        if part
    )
    return {
        "legal_name": client.name,
        "inn": client.inn,
        "kpp": "",
        "ogrn": "",
        "legal_address": address,
    }


def _seller_requisites(client: Client) -> Requisites:
    requisites = Requisites.objects.filter(reseller_id=client.reseller_id).first()
    missing = requisites_missing(requisites)
    if missing:
        # Labels are looked up now, in the reader's language.
        labels = {
            "legal_name": _("полное наименование"),
            "inn": _("ИНН"),
            "legal_address": _("юридический адрес"),
            "bank_name": _("банк"),
            "bik": _("БИК"),
            "corr_account": _("корреспондентский счёт"),
            "account": _("расчётный счёт"),
            "signatory_name": _("подписант"),
        }
        # The reseller's state refuses it (409), not the request: the same request
        # succeeds once the requisites are filled in.
        raise Conflict(
            _("Счёт нельзя выставить: в реквизитах реселлера не заполнены: %(fields)s.")
            % {"fields": ", ".join(str(labels.get(name, name)) for name in missing)},
            field="requisites",
        )
    assert requisites is not None
    return requisites


def _seats(n: int) -> str:
    return f"{n} {plural(n, 'рабочее место', 'рабочих места', 'рабочих мест')}"


def _invoice_recipients(
    *, client: Client, invoice: Invoice, payload: dict
) -> list[NotificationSpec]:
    """The client's owner and its accountants (DESIGN.md §13)."""
    specs = [
        client_spec(
            client=client,
            kind=NotificationKind.INVOICE_ISSUED,
            key=f"invoice_issued:invoice:{invoice.pk}",
            payload=payload,
        )
    ]
    accountants = (
        Membership.objects.filter(client=client, role=Membership.Role.ACCOUNTANT)
        .exclude(user_id=client.owner_id)
        .select_related("user")
        .order_by("pk")
    )
    for membership in accountants:
        user = membership.user
        if not user.is_active:
            continue
        specs.append(
            NotificationSpec(
                kind=NotificationKind.INVOICE_ISSUED,
                key=f"invoice_issued:invoice:{invoice.pk}:user:{user.pk}",
                reseller_id=client.reseller_id,
                client_id=client.pk,
                subscription_id=None,
                recipient_id=user.pk,
                email_to=user.email,
                payload=payload,
            )
        )
    return specs


def invoice_portal_link(invoice: Invoice) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/portal/invoices/{invoice.pk}/"


@transaction.atomic
def invoice_issue(
    *,
    client: Client,
    at: datetime,
    amount: Decimal | None = None,
    order: Order | None = None,
    by=None,
    subscription: Subscription | None = None,
) -> Invoice:
    """An invoice for an order's amount due (what activates it today: order_payment_status's
    still_due), or for a given amount, or for the shortfall of the next renewal of
    `subscription`. With an order the amount is the order's; with a subscription and an
    amount (a reminder's link) the amount is the one given."""
    require_aware(at)
    day = financial_day(at)
    if order is not None and subscription is not None:
        raise ValidationError(
            _("Счёт выставляется либо по заказу, либо по подписке."), field="subscription"
        )
    if order is not None:
        if order.client_id != client.pk:
            raise NotFound(_("Заказ не найден."), field="order")
        order = (
            Order.objects.select_related("reseller_plan__vendor_plan", "client")
            .filter(pk=order.pk)
            .first()
        )
        status = order_payment_status(order=order, day=day) if order is not None else None
        if order is None or status is None:
            raise Conflict(_("Заказ не ожидает оплаты."), field="order")
        if status.still_due <= 0:
            raise Conflict(
                _("Доступного баланса хватает для активации заказа: счёт не нужен."),
                field="order",
            )
        total = status.still_due
        purpose = InvoicePurpose.ORDER
        vendor = order.reseller_plan.vendor_plan
        # The line is printed on a Russian document, whoever issues it: not translated.
        title = (
            f"Антивирусная защита ESET: {vendor.name}, {_seats(order.seats)}; "
            f"оплата заказа № {order.pk}"
        )
    elif subscription is not None:
        if subscription.client_id != client.pk:
            raise NotFound(_("Подписка не найдена."), field="subscription")
        subscription = (
            Subscription.objects.select_related("reseller_plan__vendor_plan", "client")
            .filter(pk=subscription.pk)
            .first()
        )
        if subscription is None or subscription.status not in (
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.SUSPENDED,
        ):
            raise Conflict(
                _("Подписка не продлевается: счёт на продление не нужен."), field="subscription"
            )
        if amount is not None:
            total = money_clean(amount, field="amount")
        else:
            total = renewal_shortfall(subscription=subscription)
            if total <= 0:
                raise Conflict(
                    _("Доступного баланса хватает на продление: счёт не нужен."),
                    field="subscription",
                )
        purpose = InvoicePurpose.RENEWAL_SHORTFALL
        vendor = subscription.reseller_plan.vendor_plan
        title = (
            f"Антивирусная защита ESET: {vendor.name}, {_seats(subscription.seats)}; "
            f"продление подписки № {subscription.pk}"
        )
    else:
        if amount is None:
            raise ValidationError(
                _("Укажите сумму счёта: от 0,01 до 9 999 999 999,99 ₽."), field="amount"
            )
        total = money_clean(amount, field="amount")
        purpose = InvoicePurpose.ANY
        title = "Услуги антивирусной защиты ESET: пополнение лицевого счёта"
    seller = _seller_requisites(client)
    if seller.vat_mode == VatMode.STANDARD:
        vat_rate: Decimal | None = vat_rate_on(day)
        assert vat_rate is not None
        vat_amount = vat_included(total=total, rate=vat_rate)
    else:
        vat_rate, vat_amount = None, ZERO
    number = number_take(reseller=client.reseller, kind=DocumentKind.INVOICE, year=day.year)
    invoice = Invoice.objects.create(
        reseller_id=client.reseller_id,
        client=client,
        year=day.year,
        number=number,
        date=day,
        status=InvoiceStatus.ISSUED,
        purpose=purpose,
        order=order,
        subscription=subscription,
        total=total,
        vat_mode=seller.vat_mode,
        vat_rate=vat_rate,
        vat_amount=vat_amount,
        snapshot={"seller": _seller_snapshot(seller), "buyer": _buyer_snapshot(client)},
        created_by=by if getattr(by, "pk", None) else None,
        created_at=at,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        position=1,
        title=title,
        quantity=Decimal("1"),
        unit="усл.",  # printed on a Russian document
        price=total,
        amount=total,
    )
    audit_record(
        action=AuditAction.INVOICE_ISSUED,
        reseller_id=client.reseller_id,
        client_id=client.pk,
        at=at,
        by=by,
        obj=invoice,
        after={
            "number": f"{number}/{day.year}",
            "amount": total,
            "order": order.pk if order else None,
        },
    )
    payload = {
        "invoice_id": invoice.pk,
        "number": number,
        "date": day.strftime("%d.%m.%Y"),
        "client": client.name,
        "total": str(total),
        "vat_rate": str(vat_rate) if vat_rate is not None else None,
        "vat_rate_text": f"{vat_rate.normalize():f}" if vat_rate is not None else "",
        "vat_amount": str(vat_amount),
        "seller": seller.legal_name,
        "purpose_text": title,
        "link": invoice_portal_link(invoice),
    }
    notify(specs=_invoice_recipients(client=client, invoice=invoice, payload=payload), at=at)
    return invoice


def _invoice_move(*, invoice: Invoice, to: str, **fields) -> bool:
    """Compare-and-set along INVOICE_TRANSITIONS; False when another request moved it."""
    sources = [old for old, targets in INVOICE_TRANSITIONS.items() if to in targets]
    return bool(
        Invoice.objects.filter(pk=invoice.pk, status__in=sources).update(status=to, **fields)
    )


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, at: datetime, by=None) -> Invoice:
    """The reseller withdraws an issued invoice. A paid one stays, and so does one that a
    payment already names (its money is in the ledger: reverse the payment first)."""
    require_aware(at)
    locked = Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
    if locked is None:
        raise NotFound(_("Счёт не найден."), field="invoice")
    if locked.status != InvoiceStatus.ISSUED:
        raise Conflict(
            _("Отменить можно только выставленный счёт; этот — «%(status)s».")
            % {"status": locked.get_status_display()},
            field="invoice",
        )
    if InvoicePayment.objects.filter(invoice=locked).exists():
        raise Conflict(
            _("По счёту уже зарегистрирована оплата: его нельзя отменить."), field="invoice"
        )
    if not _invoice_move(invoice=locked, to=InvoiceStatus.CANCELLED, cancelled_at=at):
        raise Conflict(_("Счёт уже изменён другим запросом."), field="invoice")
    audit_record(
        action=AuditAction.INVOICE_CANCELLED,
        reseller_id=locked.reseller_id,
        client_id=locked.client_id,
        at=at,
        by=by,
        obj=locked,
        before={"status": InvoiceStatus.ISSUED},
        after={"status": InvoiceStatus.CANCELLED},
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def invoice_payment_register(
    *,
    invoice: Invoice,
    amount: Decimal,
    at: datetime,
    by=None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    """A payment that names the invoice: registered by billing as any payment (with the
    invoice's order while that order still waits for money), linked here; the invoice is
    paid once its linked payments cover its total."""
    require_aware(at)
    locked = Invoice.objects.select_for_update().filter(pk=invoice.pk).first()
    if locked is None:
        raise NotFound(_("Счёт не найден."), field="invoice")
    if locked.status == InvoiceStatus.CANCELLED:
        raise Conflict(_("Счёт отменён: оплату по нему не зарегистрировать."), field="invoice")
    client = Client.objects.get(pk=locked.client_id)
    order = None
    if locked.order_id is not None:
        # Money may come after the order was paid otherwise: then it is a plain payment.
        order = Order.objects.filter(pk=locked.order_id, status=OrderStatus.CONFIRMED).first()
    payment = payment_register(
        client=client,
        amount=amount,
        at=at,
        order=order,
        by=by,
        method=method,
        reference=reference,
    )
    InvoicePayment.objects.create(invoice=locked, payment=payment)
    if (
        locked.status == InvoiceStatus.ISSUED
        and invoice_paid_amount(invoice=locked) >= locked.total
    ) and _invoice_move(invoice=locked, to=InvoiceStatus.PAID, paid_at=at):
        audit_record(
            action=AuditAction.INVOICE_PAID,
            reseller_id=locked.reseller_id,
            client_id=locked.client_id,
            at=at,
            by=by,
            obj=locked,
            before={"status": InvoiceStatus.ISSUED},
            after={"status": InvoiceStatus.PAID},
        )
    invoice.refresh_from_db()
    return payment


# The monthly acts live in their own module; the domain API names them here (DESIGN §12).
from .acts import ActsResult as ActsResult  # noqa: E402
from .acts import acts_issue as acts_issue  # noqa: E402
from .reconciliation import ReconciliationStatement as ReconciliationStatement  # noqa: E402
from .reconciliation import reconciliation_statement as reconciliation_statement  # noqa: E402
