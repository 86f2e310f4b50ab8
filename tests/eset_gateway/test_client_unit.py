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
    "publicLicenseKey": "ABC-DEF-234",
    "licenseKey": "AAAA-BBBB-CCCC-DDDD-EEEE",
    "productCode": "EPA",
    "quantity": 5,
    "state": "active",
    "companyId": "c1",
    "reference": "sub-1",
}


class Script:
    """A fake ESET: counts calls; `answers` maps a call to a list of canned answers (the
    last one repeats); tokens are numbered."""

    def __init__(self, answers: dict | None = None, token_delay: float = 0.0):
        self.answers = answers or {}
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
                self.issued += 1
                access = f"access-{self.issued}"
                self.valid = {access}
            return httpx.Response(
                200,
                json={"accessToken": access, "refreshToken": f"r{self.issued}", "expiresIn": 60},
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


def test_threads_meeting_an_expired_token_renew_it_once():
    script = Script(token_delay=0.05)
    client = make(script)
    client.authenticate()
    script.valid = set()  # every token expires at once
    _run_threads(lambda: client.license_detail(public_license_id="ABC-DEF-234"))
    assert script.calls["Token/Get"] == 1
    assert script.calls["Token/Renew"] == 1


def test_a_connection_error_is_retried_even_for_an_order():
    refused = httpx.ConnectError("refused")
    script = Script({"License/Order": [refused, httpx.Response(200, json=LICENCE)]})
    sleeps: list[float] = []
    lic = make(script, sleeps).order_license(
        company_id="c1", product_code="EPA", quantity=5, reference="sub-1"
    )
    assert lic.public_license_id == "ABC-DEF-234"
    assert script.calls["License/Order"] == 2
    assert len(sleeps) == 1


def test_a_read_timeout_of_an_order_is_not_retried():
    script = Script({"License/Order": [httpx.ReadTimeout("slow")]})
    with pytest.raises(EsetRetryableError) as caught:
        make(script).order_license(company_id="c1", product_code="EPA", quantity=5, reference="s")
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
        make(script).order_license(company_id="c1", product_code="EPA", quantity=5, reference="s")
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
    client.update_quantity(public_license_id="ABC-DEF-234", quantity=7)
    token_call, update_call = seen
    assert (token_call.method, str(token_call.url)) == ("POST", "http://eset.test/api/Token/Get")
    assert json.loads(token_call.content) == {"username": "u", "password": "p"}
    assert str(update_call.url) == "http://eset.test/api/License/UpdateQuantity"
    assert update_call.headers["Authorization"] == "Bearer access-1"
    assert json.loads(update_call.content) == {"publicLicenseKey": "ABC-DEF-234", "quantity": 7}
