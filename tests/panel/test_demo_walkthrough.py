"""The demo reseller of `seed_demo` signs in through the form and opens every panel page."""

import io

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.management.commands.seed_demo import RESELLER_USER, UNPRICED_PLAN_CODE
from accounts.models import Client
from plans.models import VendorPlan

pytestmark = pytest.mark.django_db


def test_the_demo_reseller_walks_through_every_page():
    call_command("seed_demo", stdout=io.StringIO())
    http = HttpClient()
    username, _email, password = RESELLER_USER
    response = http.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302

    plans = http.get(reverse("plans:list"))
    assert plans.status_code == 200
    assert "без наценки" in plans.content.decode()  # the unpriced demo plan is flagged

    for vendor in VendorPlan.objects.all():
        for name in ("plans:detail", "plans:resources", "plans:workplace"):
            assert http.get(reverse(name, args=[vendor.pk])).status_code == 200

    unpriced = VendorPlan.objects.get(product_code=UNPRICED_PLAN_CODE)
    html = http.get(reverse("plans:workplace", args=[unpriced.pk])).content.decode()
    assert "без маржи" in html

    assert http.get(reverse("accounts:client-list")).status_code == 200
    assert http.get(reverse("accounts:client-new")).status_code == 200
    for client in Client.objects.all():
        assert http.get(reverse("accounts:client-detail", args=[client.pk])).status_code == 200
