"""The API's shapes of acts and reconciliation statements (DESIGN.md §13)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import VatMode
from billing.models import BalanceEntry
from documents.models import Act, ActLine


class ActLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActLine
        fields = [
            "charge",
            "subscription",
            "product",
            "seats",
            "seat_days",
            "date_from",
            "date_to",
            "days",
            "amount",
        ]
        read_only_fields = fields


class ActSerializer(serializers.ModelSerializer):
    vat_mode = serializers.ChoiceField(choices=VatMode.choices, read_only=True)
    lines = ActLineSerializer(many=True, read_only=True)

    class Meta:
        model = Act
        fields = [
            "id",
            "client",
            "number",
            "year",
            "month",
            "date",
            "total",
            "vat_mode",
            "vat_rate",
            "vat_amount",
            "lines",
            "created_at",
        ]
        read_only_fields = fields


class StatementQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class StatementEntrySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=BalanceEntry.Kind.choices)
    document = serializers.CharField()
    debit = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementSerializer(serializers.Serializer):
    """A positive balance is the client's advance, a negative one its debt."""

    client = serializers.IntegerField(source="client.pk")
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    opening_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    entries = StatementEntrySerializer(many=True)
    debit_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    credit_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    closing_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
