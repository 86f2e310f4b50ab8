"""PUT …/seat-price/ does not silently accept a price that sells at a loss (DESIGN.md §8):
a 409 `seat_price_below_cost` naming `seat_price`, nothing written, unless `confirm_loss`."""

from decimal import Decimal

import pytest

from plans.services import SEAT_PRICE_BELOW_COST
from tests.api.conftest import error_of, snapshot

pytestmark = pytest.mark.django_db


def test_the_api_answers_a_loss_price_with_a_409_and_writes_nothing(mine):
    url = f"/api/v1/reseller/plans/{mine.vendor_plan_id}/seat-price/"
    before = snapshot()
    response = mine.reseller_api.put(url, {"seat_price": "50.00"}, format="json")
    error = error_of(response, 409)
    assert (error["code"], list(error["fields"])) == (SEAT_PRICE_BELOW_COST, ["seat_price"])
    assert snapshot() == before
    response = mine.reseller_api.put(
        url, {"seat_price": "50.00", "confirm_loss": False}, format="json"
    )
    assert error_of(response, 409)["code"] == SEAT_PRICE_BELOW_COST
    assert snapshot() == before


def test_the_api_saves_a_confirmed_loss_price(mine):
    url = f"/api/v1/reseller/plans/{mine.vendor_plan_id}/seat-price/"
    response = mine.reseller_api.put(
        url, {"seat_price": "0.00", "confirm_loss": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["seat_price"] == "0.00"
    mine.plan.refresh_from_db()
    assert mine.plan.seat_price == Decimal("0.00")


def test_the_schema_documents_the_confirmation(client):
    schema = client.get("/api/schema/?format=json").json()
    field = schema["components"]["schemas"]["SeatPriceRequest"]["properties"]["confirm_loss"]
    assert (field["type"], field["default"]) == ("boolean", False)
    op = schema["paths"]["/api/v1/reseller/plans/{id}/seat-price/"]["put"]
    assert "seat_price_below_cost" in op["description"]
