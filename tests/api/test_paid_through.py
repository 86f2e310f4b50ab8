"""`paid_through` is the last day paid for, inclusive (expires_on − 1 day), on
subscriptions and periods; the schema says which end is exclusive (DESIGN.md §8)."""

import pytest
from django.test import Client as HttpClient

pytestmark = pytest.mark.django_db


def test_subscriptions_and_periods_carry_paid_through(mine):
    api = mine.reseller_api
    row = api.get(f"/api/v1/reseller/subscriptions/{mine.subscription.pk}/").json()
    assert (row["expires_on"], row["paid_through"]) == ("2027-01-13", "2027-01-12")
    assert [p["paid_through"] for p in row["periods"]] == ["2027-01-12"]
    listed = mine.client_api.get("/api/v1/client/subscriptions/").json()["results"]
    assert [r["paid_through"] for r in listed] == ["2027-01-12"]


def test_the_schema_documents_paid_through_and_the_exclusive_end():
    schemas = HttpClient().get("/api/schema/?format=json").json()["components"]["schemas"]
    for name in ("Subscription", "Period"):
        props = schemas[name]["properties"]
        assert props["paid_through"]["format"] == "date"
        assert "включительно" in props["paid_through"]["description"]
        assert "не включая" in props["expires_on"]["description"]
