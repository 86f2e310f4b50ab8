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
    # Production settings need ESET's address (the mock is not served with DEBUG off).
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "test-" + "x" * 50,
        "ESET_API_URL": "https://mspapi.eset.com/api/",
    }
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
                css = httpx.get(f"http://127.0.0.1:{port}/static/panel/panel.css", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        assert css.status_code == 200 and ".sidebar" in css.text
        login = httpx.get(f"http://127.0.0.1:{port}/panel/login/", timeout=5)
        assert login.status_code == 200 and "Войти" in login.text
    finally:
        server.terminate()
        server.wait(timeout=10)
