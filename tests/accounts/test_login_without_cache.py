"""Sign-in with the cache down (issue 9, item 8): the throttle fails open. The panel, the
portal and the operator admin sign people in and refuse wrong passwords as usual, never a
500, and each attempt logs a warning that sign-in is unthrottled."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership
from tests.factories import ClientFactory, ResellerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass"
WARNING = "Sign-in throttling skipped: the cache is unavailable"


def _panel_user():
    user = UserFactory(username="staff@reseller.example")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=ResellerFactory(), role=Membership.Role.ADMIN)
    return user.username


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


@pytest.fixture
def redis_down(settings):
    # Nothing listens on port 1: every cache call is refused, as with Redis stopped.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def cache_files_unwritable(settings, tmp_path):
    # The file cache's directory lies under a plain file: every write is an OSError.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(blocker / "cache"),
        }
    }


def _warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "accounts.login_throttle" and r.levelno == logging.WARNING
    ]


@pytest.mark.parametrize("face", FACES)
def test_with_redis_down_the_right_password_signs_in(face, redis_down, caplog):
    url_of, make_user = FACES[face]
    url, username = url_of(), make_user()
    http = HttpClient()
    with caplog.at_level(logging.WARNING, logger="accounts.login_throttle"):
        response = http.post(url, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    user = get_user_model().objects.get(username=username)
    assert http.session["_auth_user_id"] == str(user.pk)
    # Reading the lock and clearing the count after success: both skipped, both logged.
    assert _warnings(caplog) == [WARNING, WARNING]


@pytest.mark.parametrize("face", FACES)
def test_with_redis_down_a_wrong_password_is_refused_as_usual(face, redis_down, caplog):
    url_of, make_user = FACES[face]
    url, username = url_of(), make_user()
    http = HttpClient()
    with caplog.at_level(logging.WARNING, logger="accounts.login_throttle"):
        for _ in range(7):  # beyond the limit: nothing counts them, nothing locks
            response = http.post(url, {"username": username, "password": "wrong"})
            assert response.status_code == 200
            html = response.content.decode()
            assert "Слишком много неудачных попыток входа" not in html
            assert "_auth_user_id" not in http.session
    assert 'name="password"' in html
    assert _warnings(caplog) == [WARNING, WARNING] * 7


def test_with_the_cache_files_unwritable_sign_in_goes_on(cache_files_unwritable, caplog):
    url, username = reverse("accounts:login"), _panel_user()
    with caplog.at_level(logging.WARNING, logger="accounts.login_throttle"):
        wrong = HttpClient().post(url, {"username": username, "password": "wrong"})
        right = HttpClient().post(url, {"username": username, "password": PASSWORD})
    assert wrong.status_code == 200
    assert right.status_code == 302
    assert WARNING in _warnings(caplog)
