"""The seed story S1-S11 (shared/seed) driven through the REST API alone: a reseller's
integration and its client's integration do everything the panel and the portal would;
the nights are the scheduled jobs (billing_run, eset_sync) and the worker's outbox drain.
Figures are the seed's example (DESIGN.md §4.2): 5 seats at 100,00 ₽ a month from
14.12.2026, then a sixth seat from 21.01.2027, a failed renewal and a resumption."""

from datetime import date, datetime

import pytest
import time_machine
from django.test import Client as HttpClient
from rest_framework.test import APIClient

from accounts.models import Membership
from accounts.services import reseller_create
from billing.services import billing_run, eset_sync
from eset_gateway.services import gateway_drain
from plans.models import VendorPlan
from tests.factories import UserFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db

R = "/api/v1/reseller"
C = "/api/v1/client"


def token_from_page(user, face: str) -> APIClient:
    """The token a person creates on the «API-токены» page of their face."""
    http = HttpClient()
    http.force_login(user)
    html = http.post(f"/{face}/tokens/", {"name": "Интеграция"}).content.decode()
    raw = html.split('<code id="new-token">')[1].split("</code>")[0]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json()


def test_seed_story_through_the_api():
    # The operator's part: the ESET catalogue and the reseller with a member (admin, S1).
    VendorPlan.objects.create(
        name="ESET PROTECT Entry",
        product_code="EP-ENTRY",
        eset_product_code=110,
        min_seats=5,
        max_seats=50,
        purchase_price="80.00",
    )
    reseller = reseller_create(name="Демо-реселлер", email="sales@reseller.example")
    staff = UserFactory(username="integration@reseller.example")
    Membership.objects.create(user=staff, reseller=reseller)

    with at(msk(2026, 12, 14, 9)):
        api = token_from_page(staff, "panel")
        # S1: choose the plan from the catalogue.
        plans = ok(api.get(f"{R}/plans/?search=entry"))["results"]
        assert [(p["product_code"], p["status"]) for p in plans] == [("EP-ENTRY", "inactive")]
        plan_id = plans[0]["id"]
        # S2: activate it; S3: its Workplace resource (min/max seats).
        plan = ok(api.post(f"{R}/plans/{plan_id}/activate/"))
        assert (plan["status"], plan["min_seats"], plan["max_seats"]) == ("active", 5, 50)
        assert plan["no_margin"] is True  # S4's warning until a price is set
        # S4: the subscription fee per seat and month.
        plan = ok(
            api.put(f"{R}/plans/{plan_id}/seat-price/", {"seat_price": "100.00"}, format="json")
        )
        assert (plan["seat_price"], plan["no_margin"]) == ("100.00", False)
        # S5: published for the client portal; a client to sell to.
        assert ok(api.post(f"{R}/plans/{plan_id}/publish/"))["is_published"] is True
        client = ok(
            api.post(
                f"{R}/clients/",
                {
                    "name": "ООО Ромашка",
                    "email": "it@romashka.example",
                    "address_state": "Московская область",
                    "address_city": "Химки",
                    "address_street": "ул. Победы, д. 3",
                    "address_zip": "141400",
                },
                format="json",
            ),
            201,
        )
    owner = Membership.objects.get(client_id=client["id"]).user
    with at(msk(2026, 12, 14, 9, 30)):
        portal_api = token_from_page(owner, "portal")
        assert [p["id"] for p in ok(portal_api.get(f"{C}/plans/"))["results"]] == [
            plan["reseller_plan"]
        ]

    with at(msk(2026, 12, 14, 10)):
        # S5-S6: the order through the reseller's API with the plan's minimum seats.
        order = ok(
            api.post(
                f"{R}/orders/",
                {"client": client["id"], "reseller_plan": plan["reseller_plan"]},
                format="json",
                HTTP_IDEMPOTENCY_KEY="order-romashka-1",
            ),
            201,
        )
        assert (order["seats"], order["quote_total"]) == (5, "483.87")
        # S7: confirmed; no trial, charges from the first day; awaiting payment.
        order = ok(api.post(f"{R}/orders/{order['id']}/confirm/"))
        assert (order["status"], order["amount_due"], order["still_due"]) == (
            "confirmed",
            "483.87",
            "483.87",
        )
        sub_id = order["subscription"]
        assert ok(api.get(f"{R}/subscriptions/{sub_id}/"))["status"] == "pending_payment"

    with at(msk(2026, 12, 14, 11)):
        # S8: a payment for the client and the order; a retry with the same key is harmless.
        body = {"client": client["id"], "amount": "1000.00", "order": order["id"]}
        paid = ok(
            api.post(f"{R}/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1"), 201
        )
        again = ok(
            api.post(f"{R}/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1"), 201
        )
        assert paid == again and paid["activated"] == [sub_id]
    gateway_drain(at=msk(2026, 12, 14, 11, 1))  # the worker orders the licence at ESET

    with at(msk(2026, 12, 14, 12)):
        # S9: active; the owner has the activation data in the journal.
        sub = ok(portal_api.get(f"{C}/subscriptions/{sub_id}/"))
        assert (sub["status"], sub["seats"], sub["expires_on"]) == ("active", 5, "2027-01-13")
        notes = ok(portal_api.get(f"{C}/notifications/?kind=activation_data"))["results"]
        assert len(notes) == 1
        first_key = notes[0]["payload"]["license_key"]
        assert notes[0]["payload"]["public_license_id"] == sub["license"]["public_license_id"]
        # S10: two charges, closing on 31.12 and on 13.01.
        charges = ok(portal_api.get(f"{C}/charges/?ordering=date_from"))["results"]
        assert [(c["date_from"], c["closes_on"], c["amount"]) for c in charges] == [
            ("2026-12-14", "2026-12-31", "290.32"),
            ("2027-01-01", "2027-01-13", "193.55"),
        ]
        assert ok(portal_api.get(f"{C}/balance/"))["available"] == "516.13"

    billing_run(day=date(2026, 12, 31))
    with at(msk(2026, 12, 31, 9)):
        balance = ok(portal_api.get(f"{C}/balance/"))
        assert (balance["balance"], balance["reserved"]) == ("709.68", "193.55")
        closed = ok(api.get(f"{R}/charges/?status=closed&month=2026-12"))["results"]
        assert [(c["amount"], c["closed_on"]) for c in closed] == [("290.32", "2026-12-31")]

    billing_run(day=date(2027, 1, 13))  # S10: renewed automatically
    with at(msk(2027, 1, 13, 9)):
        sub = ok(api.get(f"{R}/subscriptions/{sub_id}/"))
        assert [(p["starts_on"], p["expires_on"]) for p in sub["periods"]] == [
            ("2026-12-14", "2027-01-13"),
            ("2027-01-13", "2027-02-12"),
        ]
        open_ = ok(api.get(f"{R}/charges/?status=open&ordering=date_from"))["results"]
        assert [(c["closes_on"], c["amount"]) for c in open_] == [
            ("2027-01-31", "306.45"),
            ("2027-02-12", "196.43"),
        ]
        assert [
            n["kind"] for n in ok(portal_api.get(f"{C}/notifications/?kind=renewed"))["results"]
        ] == ["renewed"]

    with at(msk(2027, 1, 20, 12)):
        # S11: one more seat, asked by the client's integration; money for it first.
        topup = {"client": client["id"], "amount": "500.00"}
        ok(api.post(f"{R}/payments/", topup, format="json", HTTP_IDEMPOTENCY_KEY="pay-2"), 201)
        change = ok(
            portal_api.post(
                f"{C}/subscriptions/{sub_id}/seat-changes/",
                {"seats": 6},
                format="json",
                HTTP_IDEMPOTENCY_KEY="seats-6",
            ),
            201,
        )
        assert (change["effective_on"], change["status"]) == ("2027-01-21", "pending")

    eset_sync(day=date(2027, 1, 21))  # 00:30 MSK: ESET's quantity, then the new key
    with at(msk(2027, 1, 21, 9)):
        sub = ok(portal_api.get(f"{C}/subscriptions/{sub_id}/"))
        assert (sub["seats"], sub["license"]["quantity"], sub["pending_seat_change"]) == (
            6,
            6,
            None,
        )
        changed = ok(portal_api.get(f"{C}/notifications/?kind=seats_changed"))["results"]
        assert len(changed) == 1 and changed[0]["payload"]["license_key"] != first_key
        # Days passed keep 5 seats; from the 21st, 6 (§4.6).
        open_ = ok(portal_api.get(f"{C}/charges/?status=open&ordering=date_from"))["results"]
        assert [(c["date_from"], c["amount"]) for c in open_] == [
            ("2027-01-13", "341.94"),  # (8×5 + 11×6) × 100 / 31
            ("2027-02-01", "235.71"),  # 11×6 × 100 / 28
        ]

    billing_run(day=date(2027, 1, 31))
    billing_run(day=date(2027, 2, 12))
    with at(msk(2027, 2, 12, 9)):
        # 1 500,00 paid − 1 061,52 charged = 438,48: short of the next period (615,90).
        balance = ok(portal_api.get(f"{C}/balance/"))
        assert (balance["balance"], balance["available"]) == ("438.48", "438.48")
        assert ok(portal_api.get(f"{C}/subscriptions/{sub_id}/"))["status"] == "suspended"
        failed = ok(api.get(f"{R}/notifications/?kind=renewal_failed"))["results"]
        assert failed and {n["subscription"] for n in failed} == {sub_id}

    with at(msk(2027, 2, 12, 15)):
        paid = ok(
            api.post(
                f"{R}/payments/",
                {"client": client["id"], "amount": "200.00"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="pay-3",
            ),
            201,
        )
        assert paid["resumed"] == [sub_id]
    gateway_drain(at=msk(2027, 2, 12, 15, 1))

    with at(msk(2027, 2, 12, 16)):
        sub = ok(api.get(f"{R}/subscriptions/{sub_id}/"))
        assert (sub["status"], sub["expires_on"], sub["license"]["state"]) == (
            "active",
            "2027-03-14",
            "active",
        )
        assert sub["periods"][-1]["starts_on"] == "2027-02-12"
        assert ok(portal_api.get(f"{C}/balance/"))["available"] == "22.58"
    assert_invariants(day=date(2027, 2, 12))
