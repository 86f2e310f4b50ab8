"""The Content-Security-Policy (DESIGN.md §7) without a browser: every page sends it, no
template holds what it would block, and Swagger UI's inline blocks carry the request's
nonce. tests/e2e/ checks in Chromium that nothing is blocked on the pages it visits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client as HttpClient

ROOT = Path(__file__).resolve().parent.parent


def _policy(*, nonce: str | None = None) -> dict[str, list[str]]:
    own = ["'self'"] + ([f"'nonce-{nonce}'"] if nonce else [])
    return {
        "default-src": ["'self'"],
        "script-src": own,
        "style-src": own,
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def _parsed(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/panel/login/", "/portal/login/", "/admin/login/"])
def test_pages_send_the_policy(path):
    response = HttpClient().get(path)
    assert response.status_code == 200
    assert _parsed(response["Content-Security-Policy"]) == _policy()


@pytest.mark.django_db
def test_swagger_ui_inline_blocks_carry_the_nonce_of_the_header():
    response = HttpClient().get("/api/docs/")
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([A-Za-z0-9+/=]+)'", header)
    assert nonce is not None
    assert _parsed(header) == _policy(nonce=nonce.group(1))
    html = response.content.decode()
    inline = re.findall(r"<(script|style)(\s[^>]*)?>(?!</)", html)
    # The <style> and the start-up <script>; the others load files (src=, no body).
    with_body = [(tag, attrs) for tag, attrs in inline if "src=" not in (attrs or "")]
    assert with_body == [
        ("style", f' nonce="{nonce.group(1)}"'),
        ("script", f' nonce="{nonce.group(1)}"'),
    ]


# An inline block, an event handler attribute, a style attribute, a javascript: URL.
BLOCKED = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.I
)


def test_no_template_holds_what_the_policy_blocks():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for match in BLOCKED.finditer(text):
            if "nonce=" in text[match.start() : text.find(">", match.start())]:
                continue  # templates/drf_spectacular/: nonced on purpose
            found.append(f"{template.relative_to(ROOT)}: {match.group(0)!r}")
    assert found == []


def test_no_python_code_renders_a_style_or_handler_attribute():
    found = []
    for app in ("accounts", "plans", "orders", "billing", "notifications", "eset_gateway", "api"):
        for module in sorted((ROOT / app).rglob("*.py")):
            text = module.read_text(encoding="utf-8")
            for match in re.finditer(r"""['"<][^'"\n]*\s(style|on[a-z]+)=""", text):
                found.append(f"{module.relative_to(ROOT)}: {match.group(0)!r}")
    assert found == []
