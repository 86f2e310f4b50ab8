"""The ESET client against the mock over real HTTP (pytest-django's live server)."""

from __future__ import annotations

import threading

import pytest

from eset_gateway.client import EsetRetryableError, EsetTerminalError, License, TokenPair
from eset_gateway.mock.models import MockCall, MockCompany, MockLicense, MockToken
from tests.conftest import requires_postgres

from .conftest import customer_make, mock_settle

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_eset")]


def _calls() -> list[tuple[str, int, str]]:
    return list(MockCall.objects.order_by("id").values_list("path", "status", "fault"))


@pytest.fixture
def logged(mock_control):
    mock_control(log_calls=True)


@pytest.fixture
def licence(eset) -> License:
    client = eset()
    customer_id = customer_make(client)
    public_id = client.order_license(customer_id=customer_id, product_code=111, quantity=5)
    lic = client.license_detail(public_license_id=public_id)
    client.close()
    return lic


def test_token_get(eset, settings):
    client = eset()
    assert not client.in_process
    pair = client.get_token()
    assert isinstance(pair, TokenPair)
    assert len(pair.access_token) == 48
    token = MockToken.objects.get()
    assert token.access_token == pair.access_token
    # ESET's lifetimes: a minute for the access token, 30 minutes for the session.
    assert (token.expires_at - token.created_at).total_seconds() == pytest.approx(60, abs=1)
    assert (token.session_expires_at - token.created_at).total_seconds() == pytest.approx(
        1800, abs=1
    )


# On SQLite the live server's threads share the test's one in-memory connection, so
# concurrent calls would interleave the mock's transactions; test_client_unit.py covers
# the client's side of this on every database.
@requires_postgres
def test_token_is_obtained_lazily_once_and_shared_by_threads(eset, logged):
    client = eset()
    assert MockToken.objects.count() == 0
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.search_licenses(keyword="none")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert MockToken.objects.count() == 1
    assert [c[0] for c in _calls()].count("Token/Get") == 1
    assert [c[0] for c in _calls()].count("Search/Licenses") == 8


def test_a_rejected_token_begins_a_new_session(eset, mock_control, logged):
    client = eset()
    client.authenticate()
    mock_control(expire_tokens=True)
    assert client.search_licenses(keyword="nothing") == []
    assert _calls() == [
        ("Token/Get", 200, ""),
        ("Search/Licenses", 401, ""),
        ("Token/Get", 200, ""),
        ("Search/Licenses", 200, ""),
    ]
    assert MockToken.objects.count() == 2


def test_the_token_is_renewed_in_its_minute_with_itself_as_authorization(eset, logged):
    clock = [0.0]
    client = eset(clock=lambda: clock[0])
    first = client.authenticate()
    clock[0] = 50.0
    client.search_licenses(keyword="nothing")
    assert [c[:2] for c in _calls()] == [
        ("Token/Get", 200),
        ("Token/Renew", 200),
        ("Search/Licenses", 200),
    ]
    renewed = MockToken.objects.exclude(access_token=first.access_token).get()
    # The session's end stays that of the Token/Get; the spent refresh token is revoked.
    assert (
        renewed.session_expires_at
        == MockToken.objects.get(access_token=first.access_token).session_expires_at
    )
    assert MockToken.objects.get(access_token=first.access_token).revoked is True


def test_an_ended_session_refuses_renewal_and_falls_back_to_token_get(eset, mock_control, logged):
    clock = [0.0]
    client = eset(clock=lambda: clock[0])
    client.authenticate()
    mock_control(expire_sessions=True)
    clock[0] = 50.0
    assert client.search_licenses(keyword="nothing") == []
    assert [c[:2] for c in _calls()] == [
        ("Token/Get", 200),
        ("Token/Renew", 401),
        ("Token/Get", 200),
        ("Search/Licenses", 200),
    ]


def test_5xx_then_success_is_retried_in_the_call(eset, mock_control, sleeps, logged):
    client = eset()
    mock_control(fail_next=[{"mode": "5xx", "path": "Company/Create/msp"}])
    company_id = client.create_msp(name="ACME", email="a@acme.example", custom_identifier="r-1")
    # 503 is refused before any work: repeating even a create is safe.
    assert MockCompany.objects.get(entity_type=1005).public_id == company_id
    assert [c for c in _calls() if c[0] != "Token/Get"] == [
        ("Company/Create/msp", 503, "5xx"),
        ("Company/Create/msp", 200, ""),
    ]
    assert len(sleeps) == 1
    assert 0.0005 <= sleeps[0] <= 0.001


def test_429_honours_retry_after(eset, mock_control, sleeps, licence):
    client = eset()
    mock_control(retry_after_seconds=2, fail_next=[{"mode": "429", "path": "License/Detail"}])
    detail = client.license_detail(public_license_id=licence.public_license_id)
    assert detail == licence
    assert sleeps == [2.0]


def test_long_retry_after_is_left_to_the_outbox(eset, mock_control, sleeps, licence):
    client = eset(max_retry_after=10)
    mock_control(retry_after_seconds=60, fail_next=[{"mode": "429", "path": "License/Detail"}])
    with pytest.raises(EsetRetryableError) as caught:
        client.license_detail(public_license_id=licence.public_license_id)
    assert (caught.value.retry_after, caught.value.status, caught.value.outcome_unknown) == (
        60.0,
        429,
        False,
    )
    assert sleeps == []


def test_timeout_then_success(eset, mock_control, sleeps, licence, logged):
    client = eset(timeout=0.3)
    mock_control(timeout_sleep_ms=700, fail_next=[{"mode": "timeout", "path": "License/Detail"}])
    detail = client.license_detail(public_license_id=licence.public_license_id)
    assert detail.public_license_id == licence.public_license_id
    assert len(sleeps) == 1
    mock_settle()
    # Logged when answered: the timed-out call answers last, after its sleep.
    assert sorted(c for c in _calls() if c[0] == "License/Detail") == [
        ("License/Detail", 200, ""),
        ("License/Detail", 504, "timeout"),
    ]


def test_timeout_of_an_order_is_not_repeated(eset, mock_control, licence, logged):
    client = eset(timeout=0.3)
    mock_control(timeout_sleep_ms=700, fail_next=[{"mode": "timeout", "path": "License/Order"}])
    with pytest.raises(EsetRetryableError) as caught:
        client.order_license(customer_id=licence.customer_id, product_code=111, quantity=3)
    assert caught.value.outcome_unknown is True
    mock_settle()
    # One attempt only: a second order could have made a second licence.
    assert [c for c in _calls() if c[0] == "License/Order"] == [("License/Order", 504, "timeout")]
    assert MockLicense.objects.count() == 1


def test_lost_answer_of_an_order_raises_outcome_unknown(eset, mock_control, licence, logged):
    client = eset()
    mock_control(fail_next=[{"mode": "lost", "path": "License/Order"}])
    with pytest.raises(EsetRetryableError) as caught:
        client.order_license(customer_id=licence.customer_id, product_code=111, quantity=3)
    assert (caught.value.status, caught.value.outcome_unknown) == (502, True)
    assert MockLicense.objects.filter(quantity=3).count() == 1
    assert [c for c in _calls() if c[0] == "License/Order"] == [("License/Order", 502, "lost")]


def test_retries_run_out(eset, mock_control, sleeps, licence):
    client = eset(attempts=3)
    mock_control(fail_next=["5xx", "5xx", "5xx"])
    with pytest.raises(EsetRetryableError) as caught:
        client.license_detail(public_license_id=licence.public_license_id)
    assert caught.value.status == 503
    assert len(sleeps) == 2


def test_4xx_is_terminal(eset, licence):
    client = eset()
    client.suspend_license(public_license_id=licence.public_license_id)
    with pytest.raises(EsetTerminalError) as caught:
        client.update_quantity(public_license_id=licence.public_license_id, quantity=9)
    assert (caught.value.status, caught.value.code, caught.value.sub_code) == (400, 8, 23)
    assert str(caught.value) == "ESET error 8/23: License/UpdateQuantity: LicenseIsNotActive"


def test_concurrency_limit_answers_429(eset, mock_control):
    mock_control(concurrency_limit=1, latency_ms=400)
    client = eset(attempts=1)
    client.authenticate()
    outcomes: list[str] = []

    def work() -> None:
        try:
            client.search_licenses()
            outcomes.append("ok")
        except EsetRetryableError as error:
            outcomes.append(str(error.status))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["429", "ok"]
