"""Static files are the app's own (vendored, no CDN) and served by it through WhiteNoise,
with DEBUG off as in the Docker image, and by gunicorn, the command the image runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.test import Client as HttpClient

ROOT = Path(__file__).resolve().parent.parent


def test_whitenoise_serves_static_files_with_debug_off(settings):
    settings.DEBUG = False
    response = HttpClient().get("/static/panel/panel.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert b".sidebar" in body


def test_no_page_loads_anything_from_another_host():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for marker in ('src="http', "src='http", 'href="http', "href='http", "//cdn"):
            assert marker not in text, f"{template}: {marker}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_app_and_its_static_files_without_debug():
    port = _free_port()
    # As in production behind a proxy that ends TLS and says so in X-Forwarded-Proto;
    # production settings need ESET's address (the mock is not served with DEBUG off).
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "test-" + "x" * 50,
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "ESET_API_URL": "https://mspapi.eset.com/api/",
    }
    https = {"X-Forwarded-Proto": "https"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                css = httpx.get(
                    f"http://127.0.0.1:{port}/static/panel/panel.css", headers=https, timeout=2
                )
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        assert css.status_code == 200 and ".sidebar" in css.text
        login = httpx.get(f"http://127.0.0.1:{port}/panel/login/", headers=https, timeout=5)
        assert login.status_code == 200 and "Войти" in login.text
        assert login.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert "default-src 'self'" in login.headers["Content-Security-Policy"]
        # Plain HTTP (no proxy header) is sent to HTTPS.
        plain = httpx.get(f"http://127.0.0.1:{port}/panel/login/", timeout=5)
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://127.0.0.1:{port}/panel/login/"
    finally:
        server.terminate()
        server.wait(timeout=10)
