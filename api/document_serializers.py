"""The API's shapes of documents (DESIGN.md §13): invoices, their lines and the payments
that name them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from billing.models import Payment
from documents.models import Invoice, InvoiceLine, InvoicePurpose, InvoiceStatus

from .filters import MAX_ID
from .serializers import AMOUNT_PATTERN, AmountField, object_id


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "title", "quantity", "unit", "price", "amount"]
        read_only_fields = fields


class PartySerializer(serializers.Serializer):
    """A party's requisites as the invoice froze them at issue."""

    legal_name = serializers.CharField(read_only=True)
    inn = serializers.CharField(read_only=True)
    kpp = serializers.CharField(read_only=True)
    ogrn = serializers.CharField(read_only=True)
    legal_address = serializers.CharField(read_only=True)


class SellerSerializer(PartySerializer):
    bank_name = serializers.CharField(read_only=True)
    bik = serializers.CharField(read_only=True)
    corr_account = serializers.CharField(read_only=True)
    account = serializers.CharField(read_only=True)
    signatory_name = serializers.CharField(read_only=True)
    signatory_position = serializers.CharField(read_only=True)


class InvoiceSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    status = serializers.ChoiceField(choices=InvoiceStatus.choices, read_only=True)
    purpose = serializers.ChoiceField(choices=InvoicePurpose.choices, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "year",
            "date",
            "client",
            "client_name",
            "status",
            "purpose",
            "order",
            "subscription",
            "total",
            "vat_mode",
            "vat_rate",
            "vat_amount",
            "created_at",
            "paid_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    seller = SellerSerializer(source="snapshot.seller", read_only=True)
    buyer = PartySerializer(source="snapshot.buyer", read_only=True)
    total_in_words = serializers.SerializerMethodField()
    payments = serializers.SerializerMethodField()

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "lines",
            "seller",
            "buyer",
            "total_in_words",
            "payments",
        ]
        read_only_fields = fields

    def get_total_in_words(self, invoice) -> str:
        from documents.words import rubles_in_words

        return rubles_in_words(invoice.total)

    def get_payments(self, invoice) -> list[int]:
        return list(
            Payment.objects.filter(invoice_link__invoice=invoice)
            .order_by("id")
            .values_list("id", flat=True)
        )


class ClientInvoiceCreateSerializer(serializers.Serializer):
    """Exactly one source of the amount (ISSUE_SCHEMA says the same to the schema):
    `amount` alone, `order` alone (its amount is the order's), or `subscription` with an
    optional `amount` (the shortfall of its next renewal by default). Unknown keys are
    refused: the schema allows none."""

    amount = AmountField(required=False, help_text=_('Сумма счёта, ₽: строка вида "1234.50".'))
    order = object_id(required=False, help_text=_("Подтверждённый заказ, ожидающий оплаты."))
    subscription = object_id(
        required=False, help_text=_("Подписка, на продление которой выставляется счёт.")
    )

    def validate(self, attrs: dict) -> dict:
        sent = set(self.initial_data) if isinstance(self.initial_data, dict) else set()
        for key in sorted(sent - set(self.fields)):
            raise serializers.ValidationError({key: [_("Неизвестное поле.")]})
        if "order" in attrs:
            for key in ("amount", "subscription"):
                if key in attrs:
                    raise serializers.ValidationError(
                        {key: [_("Счёт по заказу выставляется на сумму заказа: уберите это поле.")]}
                    )
        elif "subscription" not in attrs and "amount" not in attrs:
            raise serializers.ValidationError(
                {"amount": [_("Укажите сумму счёта, заказ или подписку.")]}
            )
        return {
            "amount": attrs.get("amount"),
            "order": attrs.get("order"),
            "subscription": attrs.get("subscription"),
            **({"client": attrs["client"]} if "client" in attrs else {}),
        }


class InvoiceCreateSerializer(ClientInvoiceCreateSerializer):
    client = object_id()


def issue_schema(*, with_client: bool) -> dict:
    """The request body as a oneOf of the three sources, no other keys."""
    ident = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    amount = {"type": "string", "format": "decimal", "pattern": AMOUNT_PATTERN}
    base = {"client": ident} if with_client else {}
    need = ["client"] if with_client else []

    def shape(props: dict, required: list[str], title: str) -> dict:
        return {
            "type": "object",
            "title": title,
            "properties": {**base, **props},
            "required": [*need, *required],
            "additionalProperties": False,
        }

    return {
        "application/json": {
            "oneOf": [
                shape({"amount": amount}, ["amount"], "For an amount"),
                shape({"order": ident}, ["order"], "For an order's amount due"),
                shape(
                    {"subscription": ident, "amount": amount},
                    ["subscription"],
                    "For the shortfall of a renewal",
                ),
            ]
        }
    }


class InvoicePaymentCreateSerializer(serializers.Serializer):
    amount = AmountField(help_text=_('Сумма, ₽: строка вида "1234.50".'))
    method = serializers.ChoiceField(
        choices=Payment.Method.choices, default=Payment.Method.BANK_TRANSFER
    )
    reference = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
