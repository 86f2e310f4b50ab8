"""The API's representations (issue 4). Output serializers only shape rows the selectors
return; input serializers only parse types (an id is a whole number, an amount a decimal
with two places): every business rule (seat bounds, money, states) is the domain's, which
names the field it refuses. Money is a decimal string, dates ISO 8601, moments with the
Moscow offset (USE_TZ, TIME_ZONE)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Client
from billing.models import BalanceEntry, Charge, ChargeStatus, Payment, ServicePeriod
from config.errors import ApplicationError
from core.reasons import ADJUSTMENT_REASONS, REVERSAL_REASONS, Reason
from eset_gateway.models import EsetLicense
from notifications.models import Notification
from orders.models import Order, SeatChange, Subscription
from plans.models import BillingCycle, ResellerPlan, VendorPlan
from plans.services import money_clean

from .filters import MAX_ID

# The schema of a computed amount: a decimal string, like every money field.
MONEY_SCHEMA = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
MONEY_OR_NULL_SCHEMA = serializers.DecimalField(
    max_digits=14, decimal_places=2, read_only=True, allow_null=True
)
DATE_OR_NULL_SCHEMA = serializers.DateField(read_only=True, allow_null=True)


def money(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("read_only", True)
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


# A seat price: 0 (no margin, a warning in the panel) up to plans.services.MAX_PRICE.
PRICE_PATTERN = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"
# A payment: more than zero, up to MAX_PRICE.
AMOUNT_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,9}(\.[0-9]{1,2})?)$"


class PatternDecimalField(serializers.DecimalField):
    """A decimal string of exactly the schema's pattern (no "", "-", "1.", "01"): what the
    schema promises is what the server takes. Outside it, the domain's cleaner names the
    mistake ("more than zero") where it has a word for it. A JSON number is still read
    exactly (api.parsers) and checked by the domain."""

    pattern = ""
    allow_zero = False

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not re.fullmatch(self.pattern, data):
            try:
                Decimal(data.strip())
            except InvalidOperation:
                return super().to_internal_value(data)  # DRF's "a valid number is required"
            try:
                money_clean(data, field=self.field_name or "", allow_zero=self.allow_zero)
            except ApplicationError as exc:
                raise serializers.ValidationError(exc.message, code="invalid") from None
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": PRICE_PATTERN})
class PriceField(PatternDecimalField):
    pattern = PRICE_PATTERN
    allow_zero = True


@extend_schema_field({"type": "string", "format": "decimal", "pattern": AMOUNT_PATTERN})
class AmountField(PatternDecimalField):
    pattern = AMOUNT_PATTERN


# An adjustment: either sign, the magnitude as a payment's.
SIGNED_AMOUNT_PATTERN = r"^-?(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,9}(\.[0-9]{1,2})?)$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": SIGNED_AMOUNT_PATTERN})
class SignedAmountField(PatternDecimalField):
    pattern = SIGNED_AMOUNT_PATTERN

    def to_internal_value(self, data):
        if isinstance(data, str) and not re.fullmatch(self.pattern, data):
            self.fail("invalid")
        return serializers.DecimalField.to_internal_value(self, data)


def object_id(**kwargs) -> serializers.IntegerField:
    """An id in a body: a whole number in the database's range."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# --------------------------------------------------------------------------- plans


class CataloguePlanSerializer(serializers.ModelSerializer):
    """A catalogue plan (S1) with this reseller's copy of it: status (S2), seat price (S4),
    publication (S5). `id` is the catalogue plan's; `reseller_plan` is the id orders name
    (null until the plan is first activated)."""

    reseller_plan = serializers.IntegerField(source="rp_id", allow_null=True, read_only=True)
    status = serializers.SerializerMethodField()
    seat_price = money(source="rp_seat_price", allow_null=True)
    effective_seat_price = serializers.SerializerMethodField()
    is_published = serializers.SerializerMethodField()
    no_margin = serializers.BooleanField(read_only=True)

    class Meta:
        model = VendorPlan
        fields = [
            "id",
            "name",
            "product_code",
            "description",
            "min_seats",
            "max_seats",
            "purchase_price",
            "billing_cycle",
            "is_available",
            "reseller_plan",
            "status",
            "seat_price",
            "effective_seat_price",
            "is_published",
            "no_margin",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=ResellerPlan.Status.choices))
    def get_status(self, plan) -> str:
        return plan.rp_status or ResellerPlan.Status.INACTIVE

    @extend_schema_field(MONEY_SCHEMA)
    def get_effective_seat_price(self, plan) -> str:
        """S4: without a seat price, licences sell at the purchase price."""
        price = plan.rp_seat_price if plan.rp_seat_price is not None else plan.purchase_price
        return f"{price:.2f}"

    def get_is_published(self, plan) -> bool:
        return bool(plan.rp_is_published)


class PublishedPlanSerializer(serializers.ModelSerializer):
    """A plan the client may order (S5): `id` is what an order's `reseller_plan` names."""

    name = serializers.CharField(source="vendor_plan.name", read_only=True)
    product_code = serializers.CharField(source="vendor_plan.product_code", read_only=True)
    description = serializers.CharField(source="vendor_plan.description", read_only=True)
    min_seats = serializers.IntegerField(source="vendor_plan.min_seats", read_only=True)
    max_seats = serializers.IntegerField(source="vendor_plan.max_seats", read_only=True)
    billing_cycle = serializers.ChoiceField(
        source="vendor_plan.billing_cycle", choices=BillingCycle.choices, read_only=True
    )
    seat_price = money(source="effective_seat_price")

    class Meta:
        model = ResellerPlan
        fields = [
            "id",
            "name",
            "product_code",
            "description",
            "min_seats",
            "max_seats",
            "billing_cycle",
            "seat_price",
        ]
        read_only_fields = fields


class SeatPriceSerializer(serializers.Serializer):
    seat_price = PriceField(
        help_text=_("Абонентская плата за одно рабочее место в месяц, ₽ (S4)."),
    )
    confirm_loss = serializers.BooleanField(
        default=False,
        help_text=_(
            "Подтверждение цены ниже закупочной (или 0): без него такая цена не сохраняется "
            "(409 `seat_price_below_cost`)."
        ),
    )


# --------------------------------------------------------------------------- clients


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "inn",
            "email",
            "address_state",
            "address_city",
            "address_street",
            "address_zip",
            "balance",
            "created_at",
        ]
        read_only_fields = fields


# What accounts.services accepts: a name with a visible character (it is stripped), an INN
# of 10 or 12 digits or none.
# Django refuses a NUL character in any text (ProhibitNullCharactersValidator): the schema
# says so, so that a client generated from it never sends one.
NO_NUL_PATTERN = r"^[^\x00]*$"
# A name has a visible character; `\S` alone would let one NUL through (it is not a space).
NAME_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"
INN_PATTERN = r"^([0-9]{10}|[0-9]{12})?$"


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF's CharField would take 0 or true and store "0", "True"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def name_field(**kwargs) -> serializers.CharField:
    return StrictCharField(
        max_length=200, min_length=1, validators=[RegexValidator(NAME_PATTERN)], **kwargs
    )


def text_field(*, max_length: int, **kwargs) -> serializers.CharField:
    """Optional free text (an address line)."""
    return StrictCharField(
        max_length=max_length,
        allow_blank=True,
        required=False,
        default="",
        validators=[RegexValidator(NO_NUL_PATTERN)],
        **kwargs,
    )


def inn_field(**kwargs) -> serializers.CharField:
    return StrictCharField(
        max_length=12,
        allow_blank=True,
        trim_whitespace=False,
        validators=[RegexValidator(INN_PATTERN)],
        **kwargs,
    )


class ClientCreateSerializer(serializers.Serializer):
    name = name_field()
    # The owner's login (S9): Django's user names are at most 150 characters.
    email = serializers.EmailField(
        max_length=150, help_text=_("E-mail владельца подписок: его логин.")
    )
    inn = inn_field(required=False, default="")
    # ESET's company of the client needs an address: without it an order is refused.
    address_state = text_field(max_length=100)
    address_city = text_field(max_length=100)
    address_street = text_field(max_length=200)
    address_zip = text_field(max_length=20)


class ClientUpdateSerializer(serializers.Serializer):
    name = name_field(required=False)
    inn = inn_field(required=False)


class BalanceSerializer(serializers.ModelSerializer):
    """A client's balance (§4.3): `available` = `balance` − `reserved` (Σ open charges)."""

    client = serializers.IntegerField(source="pk", read_only=True)
    client_name = serializers.CharField(source="name", read_only=True)
    balance = money()
    reserved = money()
    available = money()

    class Meta:
        model = Client
        fields = ["client", "client_name", "balance", "reserved", "available"]
        read_only_fields = fields


# --------------------------------------------------------------------------- orders


class OrderSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    plan_name = serializers.CharField(source="reseller_plan.vendor_plan.name", read_only=True)
    subscription = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "client",
            "client_name",
            "reseller_plan",
            "plan_name",
            "seats",
            "status",
            "source",
            "amount_due",
            "subscription",
            "created_at",
            "confirmed_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_subscription(self, order) -> int | None:
        subscription = getattr(order, "subscription", None)
        return subscription.pk if subscription is not None else None


class OrderDetailSerializer(OrderSerializer):
    """An order with what it takes now: `quote_total` for a draft (its first period's
    charges if it started today, S7), `still_due` for a confirmed order still awaiting
    payment: what a payment naming the order must bring today for it to activate (its
    first period from today at the current seat price, plus suspended subscriptions that
    are resumed first, less the available balance, S8; `amount_due` is the figure frozen at
    confirmation); null otherwise."""

    quote_total = serializers.SerializerMethodField()
    still_due = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "quote_total", "still_due"]
        read_only_fields = fields

    @extend_schema_field(MONEY_OR_NULL_SCHEMA)
    def get_quote_total(self, order) -> str | None:
        value = self.context.get("quote_total")
        return f"{value:.2f}" if value is not None else None

    @extend_schema_field(MONEY_OR_NULL_SCHEMA)
    def get_still_due(self, order) -> str | None:
        value = self.context.get("still_due")
        return f"{value:.2f}" if value is not None else None


class OrderCreateSerializer(serializers.Serializer):
    client = object_id()
    reseller_plan = object_id(help_text=_("`reseller_plan` из каталога реселлера."))
    seats = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("Рабочих мест; по умолчанию минимум плана (S6)."),
    )


class ClientOrderCreateSerializer(OrderCreateSerializer):
    client = None  # type: ignore[assignment]  # the client's own order
    reseller_plan = object_id(help_text=_("`id` опубликованного плана."))


# --------------------------------------------------------------------------- subscriptions


class SeatChangeSerializer(serializers.ModelSerializer):
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("Код причины отказа или отмены (пусто, пока не решено)."),
    )
    reason_params = serializers.DictField(
        read_only=True, help_text=_('Параметры причины, например {"days": 30}.')
    )
    reason_text = serializers.CharField(
        source="reason_display",
        read_only=True,
        help_text=_("Причина (код reason) словами, на языке запроса."),
    )

    class Meta:
        model = SeatChange
        fields = [
            "id",
            "subscription",
            "seats",
            "previous_seats",
            "effective_on",
            "status",
            "requested_at",
            "decided_on",
            "reason",
            "reason_params",
            "reason_text",
        ]
        read_only_fields = fields


class SeatChangeRequestSerializer(serializers.Serializer):
    seats = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("Новое число рабочих мест (S11).")
    )


class AutoRenewSerializer(serializers.Serializer):
    auto_renew = serializers.BooleanField()


EXPIRES_ON_HELP = _(
    "Конец оплаченного срока, не включая этот день: с него начинается следующий период. "
    "Последний оплаченный день — `paid_through`."
)
PAID_THROUGH_HELP = _("Последний оплаченный день, включительно (expires_on − 1 день).")
LAST_DAY_HELP = _("То же, что `paid_through` (прежнее имя поля).")


class SubscriptionSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    plan_name = serializers.CharField(source="reseller_plan.vendor_plan.name", read_only=True)
    paid_through = serializers.SerializerMethodField(help_text=PAID_THROUGH_HELP)
    last_day = serializers.SerializerMethodField(help_text=LAST_DAY_HELP)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "order",
            "client",
            "client_name",
            "reseller_plan",
            "plan_name",
            "seats",
            "status",
            "auto_renew",
            "expires_on",
            "paid_through",
            "last_day",
            "activated_at",
            "suspended_on",
            "cancelled_on",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"expires_on": {"help_text": EXPIRES_ON_HELP}}

    @extend_schema_field(DATE_OR_NULL_SCHEMA)
    def get_paid_through(self, subscription) -> str | None:
        """expires_on is exclusive; people read the last day paid for (§8)."""
        if subscription.expires_on is None:
            return None
        return (subscription.expires_on - timedelta(days=1)).isoformat()

    @extend_schema_field(DATE_OR_NULL_SCHEMA)
    def get_last_day(self, subscription) -> str | None:
        return self.get_paid_through(subscription)


class PeriodSerializer(serializers.ModelSerializer):
    paid_through = serializers.SerializerMethodField(help_text=PAID_THROUGH_HELP)
    last_day = serializers.SerializerMethodField(help_text=LAST_DAY_HELP)

    class Meta:
        model = ServicePeriod
        fields = [
            "id",
            "subscription",
            "starts_on",
            "expires_on",
            "paid_through",
            "last_day",
            "seat_price",
            "purchase_price",
        ]
        read_only_fields = fields
        extra_kwargs = {"expires_on": {"help_text": EXPIRES_ON_HELP}}

    @extend_schema_field(OpenApiTypes.DATE)
    def get_paid_through(self, period) -> str:
        return (period.expires_on - timedelta(days=1)).isoformat()

    @extend_schema_field(OpenApiTypes.DATE)
    def get_last_day(self, period) -> str:
        return self.get_paid_through(period)


class ClientPeriodSerializer(PeriodSerializer):
    class Meta(PeriodSerializer.Meta):
        fields = [f for f in PeriodSerializer.Meta.fields if f != "purchase_price"]
        read_only_fields = fields


class LicenseSerializer(serializers.ModelSerializer):
    class Meta:
        model = EsetLicense
        fields = ["public_license_id", "product_code", "quantity", "state", "updated_at"]
        read_only_fields = fields


class SubscriptionDetailSerializer(SubscriptionSerializer):
    """A subscription with its periods, its pending seat change and its ESET licence
    (from orders.selectors.subscription_detail)."""

    # The view sets these from the selector's SubscriptionDetail (the model's own
    # `periods` is a related manager, which cannot be assigned).
    periods = PeriodSerializer(source="api_periods", many=True, read_only=True)
    pending_seat_change = SeatChangeSerializer(
        source="api_pending_seat_change", allow_null=True, read_only=True
    )
    license = LicenseSerializer(source="api_license", allow_null=True, read_only=True)

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "periods", "pending_seat_change", "license"]
        read_only_fields = fields


class ClientSubscriptionDetailSerializer(SubscriptionDetailSerializer):
    periods = ClientPeriodSerializer(source="api_periods", many=True, read_only=True)


# --------------------------------------------------------------------------- money


class PaymentSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "client",
            "client_name",
            "order",
            "amount",
            "method",
            "reference",
            "paid_at",
            "day",
            "created_at",
        ]
        read_only_fields = fields


class PaymentCreatedSerializer(PaymentSerializer):
    """The payment and what it served at once (§4.4-4.5): subscriptions activated (their
    activation data follows in the journal, S9) and subscriptions resumed."""

    activated = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    resumed = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "activated", "resumed"]
        read_only_fields = fields


class PaymentCreateSerializer(serializers.Serializer):
    client = object_id()
    amount = AmountField(
        help_text=_('Сумма, ₽: строка вида "1234.50".'),
    )
    method = serializers.ChoiceField(
        choices=Payment.Method.choices, default=Payment.Method.BANK_TRANSFER
    )
    reference = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    order = object_id(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Подтверждённый заказ клиента, ожидающий оплаты (S8)."),
    )


class ChargeSerializer(serializers.ModelSerializer):
    plan_name = serializers.CharField(
        source="subscription.reseller_plan.vendor_plan.name", read_only=True
    )
    days = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ChargeStatus.choices, read_only=True)

    class Meta:
        model = Charge
        fields = [
            "id",
            "subscription",
            "period",
            "client",
            "plan_name",
            "date_from",
            "date_to",
            "days",
            "closes_on",
            "amount",
            "cost",
            "status",
            "closed_on",
        ]
        read_only_fields = fields

    def get_days(self, charge) -> int:
        return (charge.date_to - charge.date_from).days + 1


class ClientChargeSerializer(ChargeSerializer):
    class Meta(ChargeSerializer.Meta):
        fields = [f for f in ChargeSerializer.Meta.fields if f != "cost"]
        read_only_fields = fields


# --------------------------------------------------------------------------- journal


class NotificationSerializer(serializers.ModelSerializer):
    """A journal entry (S9). `payload` holds the structured data, e.g. the activation data:
    license_key, public_license_id, product, seats, expires_on."""

    is_read = serializers.SerializerMethodField()
    payload = serializers.JSONField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "payload",
            "client",
            "subscription",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


# --------------------------------------------------------------------------- who am I


class TenantRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    scope = serializers.ChoiceField(choices=[("reseller", "reseller"), ("client", "client")])
    reseller = TenantRefSerializer(allow_null=True)
    client = TenantRefSerializer(allow_null=True)
    auth = serializers.ChoiceField(choices=[("token", "token"), ("session", "session")])


# --------------------------------------------------------------------------- corrections (§4.8)


def _reason_choices(codes) -> list[tuple[str, str]]:
    return [(str(code), str(Reason(code).label)) for code in codes]


class CorrectionSerializer(serializers.ModelSerializer):
    """A reversal, refund or adjustment: one ledger entry of the client's balance."""

    kind = serializers.ChoiceField(
        choices=[(k, str(label)) for k, label in BalanceEntry.Kind.choices], read_only=True
    )
    reason = serializers.CharField(
        read_only=True,
        help_text=_("Код причины (core.reasons): для сторно и корректировок — выбранный."),
    )
    reason_text = serializers.CharField(
        source="get_reason_display",
        read_only=True,
        help_text=_("Причина (код reason) словами, на языке запроса."),
    )
    payment = serializers.IntegerField(
        source="reversed_payment_id",
        read_only=True,
        allow_null=True,
        help_text=_("Сторнированный платёж (для kind = reversal)."),
    )
    created_by = serializers.CharField(
        source="created_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = BalanceEntry
        fields = [
            "id",
            "client",
            "kind",
            "amount",
            "balance_after",
            "reason",
            "reason_text",
            "reference",
            "payment",
            "day",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


class ReversalRequestSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=_reason_choices(REVERSAL_REASONS), help_text=_("Причина сторно (код).")
    )


class RefundRequestSerializer(serializers.Serializer):
    amount = AmountField(
        help_text=_('Сумма возврата, ₽, больше нуля и не больше доступного баланса: "1234.50".'),
    )
    reference = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Основание: номер платёжного поручения возврата."),
    )


class AdjustmentRequestSerializer(serializers.Serializer):
    amount = SignedAmountField(
        help_text=_(
            'Сумма со знаком, ₽: "500.00" зачисляет, "-500.00" списывает (не больше '
            "доступного баланса)."
        ),
    )
    reason = serializers.ChoiceField(
        choices=_reason_choices(ADJUSTMENT_REASONS), help_text=_("Причина корректировки (код).")
    )


class CancelQuoteSerializer(serializers.Serializer):
    """What cancelling now does (§4.9), before anything is written."""

    last_day = serializers.DateField(
        read_only=True, help_text=_("Последний оплачиваемый день (включительно): сегодня.")
    )
    freed = money(help_text=_("Сумма, освобождаемая из резерва и сразу доступная на балансе."))


class CancelledSerializer(SubscriptionSerializer):
    freed = money(help_text=_("Сумма, освобождённая из резерва при отмене."))

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "freed"]
        read_only_fields = fields
