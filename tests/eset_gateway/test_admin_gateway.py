"""The operator sees the gateway (issue 10, item 9): commands by state with their last
error in words, each licence with ESET's view next to the platform's, and a health line
on the operator's front page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient

from eset_gateway.errors_text import error_in_words
from eset_gateway.models import (
    CommandKind,
    CommandState,
    EsetLicense,
    GatewayCommand,
    GatewayDelayAlert,
)
from orders.models import SubscriptionStatus

from .conftest import AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> HttpClient:
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "x")
    http = HttpClient()
    http.force_login(user)
    return http


def _page(http: HttpClient, url: str) -> str:
    response = http.get(url)
    assert response.status_code == 200
    return response.content.decode()


UNREACHABLE = {"error": {"type": "EsetRetryableError", "status": None, "unreachable": True}}


def test_the_front_page_has_the_gateway_health_line(operator, make_subscription, make_command):
    done = make_command(make_subscription(), CommandKind.CREATE, at=AT - timedelta(hours=2))
    GatewayCommand.objects.filter(pk=done.pk).update(
        state=CommandState.DONE, done_at=AT - timedelta(hours=1)
    )
    oldest = make_command(make_subscription(), CommandKind.CREATE, at=AT - timedelta(minutes=40))
    GatewayCommand.objects.filter(pk=oldest.pk).update(
        attempts=3, last_error="Token/Get: ConnectError: refused", result=UNREACHABLE
    )
    make_command(make_subscription(), CommandKind.SUSPEND, at=AT)
    failed = make_command(make_subscription(), CommandKind.SUSPEND, at=AT)
    GatewayCommand.objects.filter(pk=failed.pk).update(state=CommandState.FAILED)
    GatewayDelayAlert.objects.create(
        scope="operator",
        opened_at=AT,
        oldest_command=oldest,
        waiting_since=AT - timedelta(minutes=40),
        waiting=2,
    )

    html = _page(operator, "/admin/")
    line = html.split('id="eset-gateway-health"', 1)[1].split("</div>", 1)[0]
    text = " ".join(line.split())
    assert "ESET не отвечает: команды ждут с 14.12.2026 11:20 МСК." in text
    assert "Последний успешный вызов ESET: 14.12.2026 11:00 МСК." in text
    assert '?state__exact=pending">2</a>, из них после ошибок: 1.' in text
    assert f"№{oldest.pk}</a> от 14.12.2026 11:20 МСК." in text
    assert '?state__exact=failed">1</a>' in text
    # The admin's own index is still below it.
    assert "Команды ESET (очередь отправки)" in html


def test_an_empty_gateway_says_so(operator):
    text = " ".join(_page(operator, "/admin/").split('id="eset-gateway-health"', 1)[1].split())
    assert "Последний успешный вызов ESET: ещё не было." in text
    assert "Самая давняя ожидающая команда: нет." in text
    assert "ESET не отвечает" not in text.split("</div>", 1)[0]


def test_commands_by_state_with_the_error_in_words(operator, make_subscription, make_command):
    waiting = make_command(make_subscription(), CommandKind.CREATE)
    GatewayCommand.objects.filter(pk=waiting.pk).update(
        attempts=1, last_error="Token/Get: ConnectError: refused", result=UNREACHABLE
    )
    refused = make_command(make_subscription(), CommandKind.CHANGE_QUANTITY, quantity=900)
    GatewayCommand.objects.filter(pk=refused.pk).update(
        state=CommandState.FAILED,
        last_error="ESET error 8/30: License/UpdateQuantity: quantity out of range",
        result={"error": {"code": 8, "sub_code": 30}},
    )
    html = _page(operator, "/admin/eset_gateway/gatewaycommand/")
    counts = " ".join(html.split('id="commands-by-state"', 1)[1].split("</p>", 1)[0].split())
    assert "в очереди: <strong>1</strong>" in counts
    assert "ошибка (окончательная): <strong>1</strong>" in counts
    assert "выполнена: <strong>0</strong>" in counts
    assert "ESET не отвечает (нет соединения или нет ответа): команда будет повторена" in html
    assert "число мест вне допустимого диапазона: ошибка окончательная" in html


def test_each_licence_shows_eset_next_to_the_platform(operator, make_subscription):
    same = make_subscription(seats=5)
    EsetLicense.objects.create(
        subscription=same, public_license_id="AAA-AAA-001", license_key="K", quantity=5
    )
    drifted = make_subscription(seats=5)
    drifted.status = SubscriptionStatus.SUSPENDED
    drifted.save(update_fields=["status"])
    EsetLicense.objects.create(
        subscription=drifted, public_license_id="AAA-AAA-002", license_key="K", quantity=7
    )
    html = _page(operator, "/admin/eset_gateway/esetlicense/")
    assert "Мест на платформе" in html and "Подписка на платформе" in html
    row_same = html.split("AAA-AAA-001", 1)[1].split("</tr>", 1)[0]
    row_drifted = html.split("AAA-AAA-002", 1)[1].split("</tr>", 1)[0]
    assert "совпадает" in row_same
    assert "мест: ESET 7, платформа 5; состояние: ESET «активна», платформа «" in row_drifted


@pytest.mark.parametrize(
    ("last_error", "result", "words"),
    [
        ("", {}, ""),
        (
            "License/Order: ConnectError: refused",
            UNREACHABLE,
            "ESET не отвечает (нет соединения или нет ответа): команда будет повторена "
            "автоматически",
        ),
        (
            "License/Order: HTTP 503",
            {"error": {"type": "EsetRetryableError", "status": 503, "unreachable": False}},
            "ESET временно недоступен (перегрузка или техническое обслуживание): команда будет "
            "повторена автоматически",
        ),
        (
            "gave up after 7 days: License/Order: HTTP 429",
            {"error": {"type": "EsetRetryableError", "status": 429, "unreachable": False}},
            "ESET просит подождать (слишком много запросов): попытки прекращены, повтор — "
            "только по решению оператора",
        ),
        (
            "ESET error 8/27: License/Order: product not available",
            {"error": {"code": 8, "sub_code": 27}},
            "продукт недоступен для заказа: ошибка окончательная, повтор — только по решению "
            "оператора",
        ),
        (
            "ESET error 8/99: x",
            {"error": {"code": 8, "sub_code": 99}},
            "ESET отказал (код 8, подкод 99): ошибка окончательная, повтор — только по решению "
            "оператора",
        ),
        (
            "ESET error None/None: command #4: the subscription has no ESET licence",
            {"error": {"code": None, "sub_code": None}},
            "команда не может быть выполнена: command #4: the subscription has no ESET licence",
        ),
        (
            "KeyError: 'x'",
            {"error": {"type": "KeyError", "status": None, "unreachable": False}},
            "сбой платформы при выполнении команды (см. журнал работы): команда будет повторена "
            "автоматически",
        ),
    ],
)
def test_errors_in_words(last_error, result, words):
    assert error_in_words(last_error=last_error, result=result) == words
