"""Sign-in throttling (DESIGN.md §9): after LOGIN_FAILURE_LIMIT wrong passwords for a login
or from an address within the window, sign-in is refused, the right password included,
until the window ends. Panel, portal and operator admin alike."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.login_throttle import ADDRESS_FACTOR
from accounts.models import Membership
from tests.factories import ClientFactory, ResellerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass"
START = 1_800_000_000  # any fixed moment: the window is measured from the first failure


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600


def _panel_user(username="staff@reseller.example"):
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=ResellerFactory(), role=Membership.Role.ADMIN)
    return user


def _post(http, url, username, password, address="10.0.0.1"):
    return http.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def _portal_owner():
    client = ClientFactory(email="owner@romashka.example")
    client.owner.set_password(PASSWORD)
    client.owner.save()
    return client.owner.username


def _admin_user():
    get_user_model().objects.create_superuser("operator", "op@example.com", PASSWORD)
    return "operator"


FACES = {
    "panel": (lambda: reverse("accounts:login"), _panel_user),
    "portal": (lambda: reverse("portal:login"), _portal_owner),
    "admin": (lambda: reverse("admin:login"), _admin_user),
}


@pytest.mark.parametrize("face", FACES)
def test_the_right_password_is_refused_after_too_many_wrong_ones(face):
    url_of, make_user = FACES[face]
    url, username = url_of(), make_user()
    http = HttpClient()
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            response = _post(http, url, username, "wrong")
            assert response.status_code == 200
            assert "_auth_user_id" not in http.session
        response = _post(http, url, username, PASSWORD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Слишком много неудачных попыток входа. Повторите через 10 мин." in html
    assert "_auth_user_id" not in http.session

    # The window ends ten minutes after the first failure: the right password works again.
    with time_machine.travel(START + 601, tick=False):
        response = _post(http, url, username, PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in http.session


def test_fewer_failures_than_the_limit_do_not_lock_and_success_resets_the_count():
    url, username = reverse("accounts:login"), _panel_user()
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            _post(HttpClient(), url, username, "wrong")
        assert _post(HttpClient(), url, username, PASSWORD).status_code == 302
        for _ in range(2):
            _post(HttpClient(), url, username, "wrong")
        # Two more failures after the success: still under the limit of three.
        assert _post(HttpClient(), url, username, PASSWORD).status_code == 302


def test_one_address_guessing_many_logins_is_locked_out():
    url = reverse("accounts:login")
    victim = _panel_user("victim@reseller.example")
    with time_machine.travel(START, tick=False):
        for n in range(3 * ADDRESS_FACTOR - 1):
            _post(HttpClient(), url, f"guess{n}@example.com", "wrong", address="10.9.9.9")
        # One short of the address's limit (an office shares one address): still open.
        assert _post(HttpClient(), url, victim.username, PASSWORD, "10.9.9.9").status_code == 302
        for n in range(1):
            _post(HttpClient(), url, f"guess{n}@example.com", "wrong", address="10.9.9.9")
        locked = _post(HttpClient(), url, victim.username, PASSWORD, address="10.9.9.9")
        assert locked.status_code == 200
        # The same login from another address is not locked: only that address is.
        assert _post(HttpClient(), url, victim.username, PASSWORD, "10.0.0.2").status_code == 302


def test_a_locked_login_is_locked_from_every_address():
    url, username = reverse("accounts:login"), _panel_user()
    with time_machine.travel(START, tick=False):
        for n in range(3):
            _post(HttpClient(), url, username, "wrong", address=f"10.0.1.{n}")
        assert _post(HttpClient(), url, username, PASSWORD, "10.0.2.1").status_code == 200


def test_the_lockout_message_is_in_english_on_request():
    # English asked for as a person does (the language switch's cookie): the browser's
    # Accept-Language is not used by the pages (DESIGN.md §8).
    url, username = reverse("accounts:login"), _panel_user()
    http = HttpClient()
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            _post(http, url, username, "wrong")
        html = _post(http, url, username, PASSWORD).content.decode()
    assert "Too many failed sign-in attempts. Try again in 10 min." in html


# --- Every spelling of a login that Django signs in as one person shares its counter. ---


def _fullwidth_first(login: str) -> str:
    """`ｒeseller` for `reseller`: NFKC turns the fullwidth letter back into ASCII."""
    return chr(ord(login[0]) + 0xFEE0) + login[1:]


def _all_fullwidth(login: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in login)


# name: (spelling, does Django sign it in as the user?). The form strips the login and
# NFKC-normalises it; ModelBackend then compares it exactly, so case differs (SQLite and
# PostgreSQL compare with case) yet is counted together all the same.
VARIANTS = {
    "fullwidth letter": (_fullwidth_first, True),
    "all fullwidth": (_all_fullwidth, True),
    "surrounding spaces": (lambda login: f"  {login} ", True),
    "ideographic space": (lambda login: f"\u3000{login}\u3000", True),
    "upper case": (str.upper, False),
    "fullwidth upper case": (lambda login: _all_fullwidth(login.upper()), False),
}


def _username(made) -> str:
    return made if isinstance(made, str) else made.username


def _throttled(response) -> bool:
    return "Слишком много неудачных попыток входа" in response.content.decode()


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("face", FACES)
def test_wrong_passwords_for_the_login_lock_every_spelling_of_it(face, variant):
    url_of, make_user = FACES[face]
    spell, _signs_in = VARIANTS[variant]
    url, username = url_of(), _username(make_user())
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert not _throttled(_post(HttpClient(), url, username, "wrong"))
        http = HttpClient()
        response = _post(http, url, spell(username), PASSWORD)
    assert response.status_code == 200
    assert _throttled(response)
    assert "_auth_user_id" not in http.session


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("face", FACES)
def test_wrong_passwords_for_a_spelling_lock_the_login(face, variant):
    url_of, make_user = FACES[face]
    spell, _signs_in = VARIANTS[variant]
    url, username = url_of(), _username(make_user())
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert not _throttled(_post(HttpClient(), url, spell(username), "wrong"))
        http = HttpClient()
        response = _post(http, url, username, PASSWORD)
    assert response.status_code == 200
    assert _throttled(response)
    assert "_auth_user_id" not in http.session


@pytest.mark.parametrize("variant", [name for name, (_, signs_in) in VARIANTS.items() if signs_in])
@pytest.mark.parametrize("face", FACES)
def test_the_spellings_that_share_a_counter_do_sign_in_as_the_user(face, variant):
    """Why the counter must be shared: unlocked, Django signs these spellings in."""
    url_of, make_user = FACES[face]
    spell, _signs_in = VARIANTS[variant]
    url, username = url_of(), _username(make_user())
    http = HttpClient()
    response = _post(http, url, spell(username), PASSWORD)
    assert response.status_code == 302
    user = get_user_model().objects.get(username=username)
    assert http.session["_auth_user_id"] == str(user.pk)


def test_another_login_is_not_locked_by_a_locked_one():
    url = reverse("accounts:login")
    locked, other = _panel_user("staff@reseller.example"), _panel_user("staff2@reseller.example")
    with time_machine.travel(START, tick=False):
        for n in range(3):
            _post(HttpClient(), url, locked.username, "wrong", address=f"10.0.3.{n}")
        assert _post(HttpClient(), url, other.username, PASSWORD, "10.0.4.1").status_code == 302
