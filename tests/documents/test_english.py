"""The invoice and requisites pages speak English to a person who chose it; the printed
invoice itself stays Russian (a Russian document)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from documents.services import invoice_issue
from tests.documents.test_pages import person
from tests.factories import msk

pytestmark = pytest.mark.django_db


def visible_russian(html: str) -> set[str]:
    body = html.split("<main", 1)[-1]
    body = re.sub(r'<article class="invoice".*?</article>', " ", body, flags=re.S)
    body = re.sub(r"<(select|option)[^>]*>.*?</\1>", " ", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    return set(re.findall(r"[А-Яа-яЁё]{3,}", text))


def test_english_pages(seller, buyer):
    http = person(role="admin", reseller=seller)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    buyer.name = "Buyer"
    buyer.save()
    invoice = invoice_issue(client=buyer, amount=Decimal("10.00"), at=msk(2026, 12, 14))
    pages = {
        reverse("invoices:list"): "Invoices",
        reverse("invoices:detail", args=[invoice.pk]): "Register a payment",
        reverse("invoices:pay", args=[invoice.pk]): "Already paid",
        reverse("invoices:cancel", args=[invoice.pk]): "Cancel the invoice",
        reverse("client-invoices:new", args=[buyer.pk]): "Issue an invoice",
        reverse("accounts:requisites"): "Save requisites",
    }
    for url, phrase in pages.items():
        html = http.get(url).content.decode()
        assert phrase in html, url
        # Values typed by people (addresses, names) are theirs; the labels are English.
        leftover = visible_russian(html) - {"Москва", "Вавилова", "Демо", "ООО", "реселлер"}
        assert leftover == set(), (url, leftover)
    # The printed invoice keeps its Russian.
    html = http.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "Десять рублей 00 копеек" in html and "Покупатель (заказчик)" in html
