"""The operator admin wholly Russian with correct cases (issue 11 item 6): every model has
verbose_name and verbose_name_plural, every field a verbose_name, every app a name; titles
put the model in the accusative («Выберите подписку для изменения»); the id column is «№»;
and no English word is left on any list, add or change page."""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from config.admin import ACCUSATIVE
from orders.models import Subscription
from tests.test_admin import build_graph

PROJECT_APPS = [
    "accounts",
    "plans",
    "orders",
    "billing",
    "notifications",
    "eset_gateway",
    "eset_mock",
    "api",
    "documents",
]
# Words that are names, not English: the vendor and its products, the mock's switch, codes.
ALLOWED = {
    "ESET", "PROTECT", "Entry", "MSP", "API", "REST", "e-mail", "E-mail", "email", "mock",
    "Idempotency-Key", "Retry-After", "HTTP", "JSON", "URL", "ID", "EMA", "SHA-256", "SHA",
    "MSK", "UTC", "Django",
    "English",  # the language's own name in the language choice
    "AvailableProducts",  # ESET's API list the product codes come from
}  # fmt: skip
# The mock answers in ESET's own enum names (entity types, licence states): its pages show
# them as ESET documents them.
MOCK_ENUMS = {
    "Customer", "Distributor", "Division", "HQ", "Managed", "Manager", "Error", "Normal",
    "Obsolete", "Suspended", "Warning",
}  # fmt: skip
# Selects whose options are data: Django's permission names (stored in English by Django
# itself), ESET's product catalogue.
DATA_SELECTS = {"permissions", "user_permissions", "eset_product_code"}
ENGLISH = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]|[A-Za-z]")
# Elements whose text is the admin's own wording, not the data shown in it.
CHROME = {"title", "h1", "h2", "h3", "label", "caption", "summary", "legend", "button", "option"}


class ChromeText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.words: list[str] = []

    def inside(self) -> bool:
        for tag, attrs in self.stack:
            if tag == "select" and (attrs.get("name") or "").split("-")[-1] in DATA_SELECTS:
                return False
        for tag, attrs in self.stack:
            classes = (attrs.get("class") or "").split()
            if tag in CHROME or "breadcrumbs" in classes or "addlink" in classes:
                return True
            if tag == "th" and any(t == "thead" for t, _ in self.stack):
                return True
            if tag in ("td", "tbody") or "readonly" in classes:
                return False
            if tag == "select" and (attrs.get("name") or "").split("-")[-1] in DATA_SELECTS:
                return False
        return False

    def handle_starttag(self, tag, attrs) -> None:
        attrs_d = dict(attrs)
        if tag == "input" and attrs_d.get("type") == "submit":
            self.words.extend(ENGLISH.findall(attrs_d.get("value") or ""))
        if tag in ("input", "img", "br", "meta", "link", "hr"):
            return
        self.stack.append((tag, attrs_d))

    def handle_endtag(self, tag) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data) -> None:
        if self.stack and self.stack[-1][0] in ("script", "style"):
            return
        if self.inside():
            self.words.extend(ENGLISH.findall(data))


def english_words(html: str, data_words: set[str]) -> set[str]:
    parser = ChromeText()
    parser.feed(html)
    return {w for w in parser.words if w not in ALLOWED and w not in data_words}


def project_models():
    found = []
    for label in PROJECT_APPS:
        try:
            found.extend(apps.get_app_config(label).get_models())
        except LookupError:
            continue
    return found


def test_every_app_has_a_russian_name():
    for label in PROJECT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        assert not ENGLISH.fullmatch(config.verbose_name.replace(" ", "")), label
        assert re.search("[а-яё]", config.verbose_name, re.I)


def test_every_model_and_field_has_a_verbose_name():
    missing = []
    for model in project_models():
        meta = model._meta
        for attr in ("verbose_name", "verbose_name_plural"):
            if attr not in meta.original_attrs:
                missing.append(f"{meta.label}.Meta.{attr}")
        for field in meta.get_fields():
            if field.auto_created and not field.concrete:
                continue
            if field.name == "id":
                continue
            if str(field.verbose_name) == field.name.replace("_", " "):
                missing.append(f"{meta.label}.{field.name}")
    assert missing == []


def test_every_registered_model_has_its_accusative():
    missing = [
        m._meta.label_lower for m in admin.site._registry if m._meta.label_lower not in ACCUSATIVE
    ]
    assert missing == []


@pytest.fixture
def operator(client, db):
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(user)
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
def test_titles_use_the_accusative_and_the_id_column_is_a_number_sign(operator):
    build_graph(1)
    html = operator.get(url(Subscription, "changelist")).content.decode()
    assert "Выберите подписку для просмотра" in html or "Выберите подписку для изменения" in html
    assert "Выберите подписка" not in html
    assert '<th scope="col" class="sortable column-number' in html
    for column in (
        "Клиент",
        "Тарифный план",
        "Рабочих мест",
        "Статус",
        "Оплачено по",
        "Автопродление",
    ):
        assert f">{column}</a>" in html or f">{column}</span>" in html, column
    from eset_gateway.models import GatewayCommand

    html = operator.get(url(GatewayCommand, "changelist")).content.decode()
    assert "команду ESET" in html and "команда ESET для" not in html
    index = operator.get(reverse("admin:index")).content.decode()
    for english in ("Accounts", "Billing", "Plans", "Notifications", "Eset_Gateway"):
        assert f">{english}<" not in index


@pytest.mark.django_db
def test_no_english_word_is_left_on_any_admin_page(operator):
    from billing.models import FormSubmission

    sub = build_graph(1)
    # What the data itself says (names, logins, e-mails, tokens) is not the admin's wording.
    data = [str(sub.reseller_plan.vendor_plan.name)]
    for user in get_user_model().objects.all():
        data += [user.username, user.email]
    data += list(FormSubmission.objects.values_list("token", flat=True))
    from documents.models import BankStatement

    for checksum in BankStatement.objects.values_list("sha256", flat=True):
        data += [checksum, checksum[:12]]  # a statement without a file name is named by it
    data_words = {w for text in data for w in ENGLISH.findall(text)}
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        pages.append(url(model, "changelist"))
        with contextlib.suppress(NoReverseMatch):
            pages.append(url(model, "add"))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append(url(model, "change", obj.pk))
    left: dict[str, set[str]] = {}
    for page in pages:
        response = operator.get(page)
        if response.status_code == 403:  # no add permission: nothing to read there
            continue
        assert response.status_code == 200, page
        words = english_words(response.content.decode(), data_words)
        if page.startswith("/admin/eset_mock/"):
            words -= MOCK_ENUMS
        if words:
            left[page] = words
    assert left == {}, "\n".join(f"{p}: {sorted(w)}" for p, w in left.items())
