"""The client's address for sign-in throttling (DESIGN.md §9): X-Forwarded-For is read only
when the peer is one of TRUSTED_PROXIES, and then its right-most hop that is not a trusted
proxy is the client; otherwise REMOTE_ADDR."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.request import Request

from accounts.login_throttle import ADDRESS_FACTOR
from accounts.models import Membership
from api.throttling import TokenRateThrottle
from config.proxies import client_address
from tests.factories import ResellerFactory, UserFactory

PASSWORD = "s3cret-pass"
START = 1_800_000_000


def _address(remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES = []
    assert _address("198.51.100.9", "203.0.113.7") == "198.51.100.9"


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # One proxy: it appended the client it saw.
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),
        # The client forged hops of its own on the left: the right-most untrusted one wins.
        ("10.0.0.5", "1.2.3.4, 5.6.7.8, 203.0.113.7", "203.0.113.7"),
        # Two of our proxies in a row (both in the trusted ranges), spaces as sent.
        ("10.0.0.5", "203.0.113.7 ,10.1.2.3", "203.0.113.7"),
        ("10.0.0.5", "1.2.3.4,203.0.113.7,192.168.7.1", "203.0.113.7"),
        # IPv6 client and a proxy named by its single address.
        ("192.168.7.1", "2001:db8::1", "2001:db8::1"),
        # Every hop is ours: the farthest one seen.
        ("10.0.0.5", "10.9.9.9, 10.0.0.6", "10.9.9.9"),
        # A trusted peer with no header: the peer itself.
        ("10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.5", "", "10.0.0.5"),
        # An untrusted peer sending the header: the header is the client's own word.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
    ],
)
def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client(
    settings, remote, forwarded, client
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.7.1"]
    assert _address(remote, forwarded) == client


def _panel_user(username: str):
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=ResellerFactory(), role=Membership.Role.ADMIN)
    return user


def _post(username, password, *, remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return HttpClient().post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=remote,
        **extra,
    )


@pytest.mark.django_db
def test_sign_in_locks_the_client_behind_the_proxy_not_the_proxy(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    victim = _panel_user("victim@reseller.example")
    with time_machine.travel(START, tick=False):
        for n in range(3 * ADDRESS_FACTOR):
            _post(f"guess{n}@example.com", "wrong", remote="10.0.0.5", forwarded="203.0.113.7")
        # That client is locked out, whatever it forges to the left of the proxy's hop.
        locked = _post(
            victim.username, PASSWORD, remote="10.0.0.5", forwarded="9.9.9.9, 203.0.113.7"
        )
        assert locked.status_code == 200
        # Another client behind the same proxy signs in: the proxy's address is not counted.
        other = _post(victim.username, PASSWORD, remote="10.0.0.5", forwarded="203.0.113.8")
        assert other.status_code == 302


@pytest.mark.django_db
def test_an_untrusted_peer_cannot_dodge_the_lock_with_the_header(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    victim = _panel_user("victim@reseller.example")
    with time_machine.travel(START, tick=False):
        for n in range(3 * ADDRESS_FACTOR):
            _post(f"guess{n}@example.com", "wrong", remote="198.51.100.9", forwarded=f"1.1.1.{n}")
        locked = _post(victim.username, PASSWORD, remote="198.51.100.9", forwarded="1.1.1.200")
    assert locked.status_code == 200
    assert "Слишком много неудачных попыток входа" in locked.content.decode()


def test_the_api_throttle_counts_the_same_address(settings):
    """Anonymous API requests: DRF's own get_ident would believe any X-Forwarded-For."""

    def ident(remote, forwarded):
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        return TokenRateThrottle().get_ident(Request(request))

    settings.TRUSTED_PROXIES = []
    assert ident("198.51.100.9", "1.2.3.4") == "198.51.100.9"
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert ident("10.0.0.5", "1.2.3.4, 203.0.113.7") == "203.0.113.7"
    assert ident("198.51.100.9", "1.2.3.4") == "198.51.100.9"
