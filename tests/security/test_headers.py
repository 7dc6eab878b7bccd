"""The security headers every page carries: a Content-Security-Policy with no inline
script or style, a referrer policy, no framing. tests/browser/test_csp.py loads the pages
in Chromium and fails on any violation."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.parametrize("url", ["/accounts/login/", "/s/unknown-link/", "/no-such-page/"])
def test_pages_carry_a_strict_policy(client, url):
    response = client.get(url)
    csp = _directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]  # no nonce unless a page asks for one
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_staff_and_portal_pages_carry_it_too(client, rm, purchaser_a):
    client.force_login(rm)
    assert "'unsafe-inline'" not in client.get(reverse("relationships:dashboard"))["Content-Security-Policy"]
    client.force_login(purchaser_a.user)
    assert "'unsafe-inline'" not in client.get(reverse("portal:home"))["Content-Security-Policy"]


def test_the_api_docs_load_their_script_as_a_file_and_their_style_by_nonce(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    nonce = re.search(r'<style nonce="([^"]+)">', page).group(1)
    assert f"'nonce-{nonce}'" in _directives(response)["style-src"]
    assert "<script>" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_no_template_holds_inline_script_or_handlers():
    """json_script blocks (type application/json) carry data, not code; e-mails are not web pages."""
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        if "emails" in path.parts:
            continue
        text = path.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"javascript:", r"\sstyle\s*="):
            for match in re.finditer(pattern, text, re.I):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)!r}")
    assert not offenders, offenders
