"""The client's own logic against a scripted transport (no server, no database)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from eset_gateway.client import EsetClient, EsetRetryableError, EsetTerminalError

LICENCE = {
    "customerId": "C1",
    "publicLicenseKey": "ABC-DEF-234",
    "productCode": 111,
    "productName": "ESET PROTECT Advanced",
    "quantity": 5,
    "usage": 0,
    "state": 1,
    "trial": False,
    "trialExpiration": None,
    "trialExtensions": None,
    "lastUpdate": "2026-12-14T09:00:00Z",
    "lastUpdateBy": "",
}
ORDERED = {"publicLicenseKey": "ABC-DEF-234"}


class Script:
    """A fake ESET: counts calls; `answers` maps a call to a list of canned answers (the
    last one repeats); tokens are numbered."""

    def __init__(self, answers: dict | None = None, token_delay: float = 0.0):
        self.answers = answers or {}
        self.renew_authorizations: list[str] = []
        self.calls: Counter[str] = Counter()
        self.token_delay = token_delay
        self.lock = threading.Lock()
        self.valid = {"access-1"}
        self.issued = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        call = request.url.path.removeprefix("/api/")
        with self.lock:
            self.calls[call] += 1
            count = self.calls[call]
        if call in ("Token/Get", "Token/Renew"):
            time.sleep(self.token_delay)
            with self.lock:
                if call == "Token/Renew":
                    self.renew_authorizations.append(request.headers.get("Authorization", ""))
                self.issued += 1
                access = f"access-{self.issued}"
                self.valid = {access}
            # ESET's answer is the pair only: no lifetime field [token_get].
            return httpx.Response(
                200, json={"accessToken": access, "refreshToken": f"r{self.issued}"}
            )
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid:
            return httpx.Response(401, json={"error": {"code": 1, "subCode": 0, "message": "no"}})
        script = self.answers.get(call)
        if script:
            answer = script[min(count, len(script)) - 1]
            if isinstance(answer, Exception):
                raise answer
            return answer
        return httpx.Response(200, json=LICENCE)


def make(script: Script, sleeps: list | None = None, **kwargs) -> EsetClient:
    recorded = sleeps if sleeps is not None else []
    kwargs.setdefault("backoff_base", 0.001)
    kwargs.setdefault("attempts", 3)
    return EsetClient(
        "http://eset.test/api/",
        transport=httpx.MockTransport(script),
        sleep=recorded.append,
        username="u",
        password="p",
        timeout=1,
        **kwargs,
    )


def _run_threads(target, n: int = 8) -> None:
    threads = [threading.Thread(target=target) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_threads_share_one_token():
    script = Script(token_delay=0.05)
    client = make(script)
    _run_threads(lambda: client.license_detail(public_license_id="ABC-DEF-234"))
    assert script.calls == Counter({"Token/Get": 1, "License/Detail": 8})


def test_threads_meeting_a_rejected_token_log_in_again_once():
    script = Script(token_delay=0.05)
    client = make(script)
    client.authenticate()
    script.valid = set()  # every token refused at once (a 401)
    _run_threads(lambda: client.license_detail(public_license_id="ABC-DEF-234"))
    # A rejected access token cannot authorize its own renewal: one new session.
    assert script.calls["Token/Get"] == 2
    assert script.calls["Token/Renew"] == 0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_access_token_is_renewed_before_its_minute_ends_with_itself_as_authorization():
    script = Script()
    clock = Clock()
    client = make(script, clock=clock)
    client.license_detail(public_license_id="ABC-DEF-234")
    clock.now += 44  # inside the minute, outside the 15 s margin: kept
    client.license_detail(public_license_id="ABC-DEF-234")
    assert (script.calls["Token/Get"], script.calls["Token/Renew"]) == (1, 0)
    clock.now += 1  # 45 s: renewed before the minute ends
    client.license_detail(public_license_id="ABC-DEF-234")
    assert (script.calls["Token/Get"], script.calls["Token/Renew"]) == (1, 1)
    assert script.renew_authorizations == ["Bearer access-1"]


def test_the_session_is_begun_again_before_its_30_minutes_end():
    script = Script()
    clock = Clock()
    client = make(script, clock=clock)
    client.license_detail(public_license_id="ABC-DEF-234")
    for _ in range(39):  # renewed every 45 s, up to 29 min 15 s
        clock.now += 45
        client.license_detail(public_license_id="ABC-DEF-234")
    assert (script.calls["Token/Get"], script.calls["Token/Renew"]) == (1, 39)
    clock.now += 45  # 30 min since Token/Get: a renewal would be refused; a new session
    client.license_detail(public_license_id="ABC-DEF-234")
    assert (script.calls["Token/Get"], script.calls["Token/Renew"]) == (2, 39)


def test_a_refused_renewal_falls_back_to_token_get():
    script = Script()
    clock = Clock()
    client = make(script, clock=clock)
    client.license_detail(public_license_id="ABC-DEF-234")
    script.answers["Token/Renew"] = [httpx.Response(401, json={"code": 1, "subCode": 0})]
    original = script.__call__

    def refuse_renew(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("Token/Renew"):
            script.calls["Token/Renew"] += 1
            return httpx.Response(401, json={"code": 1, "subCode": 0, "message": "ended"})
        return original(request)

    client._http._transport = httpx.MockTransport(refuse_renew)
    clock.now += 50
    client.license_detail(public_license_id="ABC-DEF-234")
    assert (script.calls["Token/Get"], script.calls["Token/Renew"]) == (2, 1)


def test_a_connection_error_is_retried_even_for_an_order():
    refused = httpx.ConnectError("refused")
    script = Script({"License/Order": [refused, httpx.Response(200, json=ORDERED)]})
    sleeps: list[float] = []
    public_id = make(script, sleeps).order_license(customer_id="C1", product_code=111, quantity=5)
    assert public_id == "ABC-DEF-234"
    assert script.calls["License/Order"] == 2
    assert len(sleeps) == 1


def test_a_read_timeout_of_an_order_is_not_retried():
    script = Script({"License/Order": [httpx.ReadTimeout("slow")]})
    with pytest.raises(EsetRetryableError) as caught:
        make(script).order_license(customer_id="C1", product_code=111, quantity=5)
    assert caught.value.outcome_unknown is True
    assert script.calls["License/Order"] == 1


def test_retry_after_as_an_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    script = Script({"License/Detail": [httpx.Response(429, headers={"Retry-After": when}), None]})
    script.answers["License/Detail"][1] = httpx.Response(200, json=LICENCE)
    sleeps: list[float] = []
    make(script, sleeps).license_detail(public_license_id="ABC-DEF-234")
    assert len(sleeps) == 1
    assert 3 <= sleeps[0] <= 5


def test_backoff_doubles_with_jitter():
    script = Script({"License/Detail": [httpx.Response(500)]})
    sleeps: list[float] = []
    with pytest.raises(EsetRetryableError):
        make(script, sleeps, backoff_base=1.0, attempts=4).license_detail(public_license_id="X")
    assert len(sleeps) == 3
    for delay, ceiling in zip(sleeps, (1.0, 2.0, 4.0), strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_a_malformed_answer_is_retryable_with_unknown_outcome():
    script = Script({"License/Order": [httpx.Response(200, json={"unexpected": True})]})
    with pytest.raises(EsetRetryableError) as caught:
        make(script).order_license(customer_id="C1", product_code=111, quantity=5)
    assert caught.value.outcome_unknown is True


def test_a_4xx_without_eset_body_is_terminal():
    script = Script({"License/Detail": [httpx.Response(404, text="not here")]})
    with pytest.raises(EsetTerminalError) as caught:
        make(script).license_detail(public_license_id="X")
    assert (caught.value.status, caught.value.code, caught.value.sub_code) == (404, None, None)
    assert caught.value.message == "License/Detail: HTTP 404"


def test_requests_are_json_posts_with_the_bearer_token():
    seen: list[httpx.Request] = []
    script = Script()

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return script(request)

    client = EsetClient(
        "http://eset.test/api", transport=httpx.MockTransport(spy), username="u", password="p"
    )
    script.answers["License/UpdateQuantity"] = [httpx.Response(200, content=b"")]
    assert client.update_quantity(public_license_id="ABC-DEF-234", quantity=7).already is False
    token_call, update_call = seen
    assert (token_call.method, str(token_call.url)) == ("POST", "http://eset.test/api/Token/Get")
    assert json.loads(token_call.content) == {"username": "u", "password": "p"}
    assert str(update_call.url) == "http://eset.test/api/License/UpdateQuantity"
    assert update_call.headers["Authorization"] == "Bearer access-1"
    assert json.loads(update_call.content) == {"publicLicenseKey": "ABC-DEF-234", "quantity": 7}
