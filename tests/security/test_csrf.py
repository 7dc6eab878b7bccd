"""Every address of the project refuses a POST without a CSRF token from a signed-in
browser session (403), before the view runs. The only exceptions are listed and why."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import make_rows
from tests.relationships.factories import SurveyCampaignFactory

from .test_url_walk import API_ROW_OF, API_WORDS, ROW_OF, _api_base
from .world import url_args, url_patterns, webhook_rows

pytestmark = pytest.mark.django_db

# The API's JSON 404 for unknown addresses takes no action (csrf_exempt). The link that
# stops survey e-mails takes the one-click POST of mail programs (RFC 8058), which carries
# no cookie nor token: its signed token is the key (tests/portal/test_survey_opt_out.py).
EXEMPT = {None, "survey:opt-out"}


def _every_url(rows):
    for route, name, params in url_patterns():
        if name in EXEMPT:
            continue
        if not params:
            yield reverse(name)
        elif route.startswith("admin/"):
            continue
        elif name in {"password_reset_confirm", "portal:access-confirm"}:
            yield reverse(name, args=["MQ", "set-password"])
        elif name == "survey:answer":
            yield reverse(name, args=[rows["invitation"].token])
        elif name in API_WORDS:
            [(param, values)] = API_WORDS[name].items()
            for value in values:
                yield reverse(name, kwargs={param: value})
        elif route.startswith("api/"):
            key = API_ROW_OF[name[: -len("-detail")] if name.endswith("-detail") else _api_base(name)]
            yield reverse(name, kwargs={"pk": rows[key].pk})
        else:
            filled = url_args(ROW_OF[name], rows)
            assert filled, f"{name}: no row to fill it with"
            for args in filled:
                yield reverse(name, args=args)


@pytest.mark.parametrize("who", ["superuser", "purchaser_a", "anonymous"])
def test_no_post_without_a_csrf_token_gets_through(request, who, unit_a, purchaser_a, customer_a):
    from tests.customers.factories import StaffFactory

    rows = make_rows(unit_a, contact=purchaser_a, campaign=SurveyCampaignFactory())
    rows.update(webhook_rows(owner=StaffFactory()))
    client = Client(enforce_csrf_checks=True)
    if who == "superuser":
        client.force_login(StaffFactory(is_superuser=True))
    elif who == "purchaser_a":
        client.force_login(purchaser_a.user)
    urls = list(_every_url(rows))
    assert len(urls) > 150
    let_through = {}
    for url in urls:
        response = client.post(url, {"title": "x", "reason": "x", "note": "x"})
        if url.startswith("/api/") and who == "anonymous":
            # No session, so no CSRF to forge: the API wants a token (401/403) or, for
            # the token endpoint, a password.
            if response.status_code not in (400, 401, 403, 404, 405, 415):
                let_through[url] = response.status_code
        elif response.status_code != 403:
            let_through[url] = response.status_code
    assert not let_through, let_through
