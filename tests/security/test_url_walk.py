"""Every URL of the project, walked as a business contact (session and API token) with the
ids of another unit's rows and of staff-only rows: no staff page opens, no other unit's
row and no staff-only row comes back, no change to them is accepted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core.importing import importers
from customers.models import BusinessUnit
from staff.webhooks.views import ACTIONS as WEBHOOK_ACTIONS
from tests.api.conftest import make_rows
from tests.relationships.factories import SurveyCampaignFactory

from .world import Words, fill_free_text, url_args, url_patterns, webhook_rows

pytestmark = pytest.mark.django_db

SECRET = "ZQSECRETZQ"  # put into every free-text field of the rows the contact must not see

IMPORT_KINDS = Words(*importers())

# Which row fills the id of each URL with one (Words: each of these values in turn). A new
# URL with a parameter fails test_every_url_with_an_id_is_walked until it is added here.
ROW_OF = {
    "admin": None,  # the admin: staff only, checked by path below
    "portal:requirement-detail": "requirement",
    "portal:requirement-submit": "requirement",
    "portal:requirement-decide": "requirement",
    "portal:subscription-detail": "subscription",
    "portal:escalation-detail": "escalation",
    "portal:escalation-comment": "escalation",
    "portal:escalation-escalate": "escalation",
    "portal:escalation-close": "escalation",
    "portal:interaction-detail": "interaction",
    "portal:agreement-detail": "agreement",
    "portal:agreement-sign": "agreement",
    "portal:survey-answer": "invitation",
    "portal:staff-grant-access": "contact",
    "portal:staff-revoke-access": "contact",
    "customers:unit-detail": "unit",
    "customers:unit-edit": "unit",
    "customers:unit-print": "unit",
    "customers:objective-create": "unit",
    "customers:objective-edit": "objective",
    "customers:contact-detail": "contact",
    "customers:contact-edit": "contact",
    "services:service-detail": "service",
    "services:service-edit": "service",
    "services:target-create": "service",
    "services:target-edit": ("service", "target"),
    "services:agreement-detail": "agreement",
    "services:agreement-edit": "agreement",
    "services:subscription-detail": "subscription",
    "services:subscription-fulfil": "subscription",
    "services:subscription-refuse": "subscription",
    "imports:template": (IMPORT_KINDS, Words("csv", "xlsx")),
    "imports:export": (IMPORT_KINDS, Words("csv", "xlsx")),
    "imports:preview": IMPORT_KINDS,
    "imports:confirm": IMPORT_KINDS,
    "integrations:endpoint-detail": "webhook_endpoint",
    "integrations:endpoint-edit": "webhook_endpoint",
    "integrations:endpoint-action": ("webhook_endpoint", Words(*WEBHOOK_ACTIONS)),
    "relationships:interaction-detail": "interaction",
    "relationships:interaction-edit": "interaction",
    "relationships:interaction-log": "unit",
    "relationships:action-detail": "action",
    "relationships:action-edit": "action",
    "relationships:action-status": "action",
    "relationships:action-reopen": "action",
    "relationships:requirement-detail": "requirement",
    "relationships:requirement-edit": "requirement",
    "relationships:opportunity-edit": "opportunity",
    "relationships:escalation-detail": "escalation",
    "relationships:campaign-detail": "campaign",
    "relationships:service-review": "agreement",
}
API_ROW_OF = {
    "unit": "unit",
    "contact": "contact",
    "objective": "objective",
    "service": "service",
    "target": "target",
    "agreement": "agreement",
    "subscription": "subscription",
    "measurement": "measurement",
    "interaction": "interaction",
    "action": "action",
    "requirement": "requirement",
    "opportunity": "opportunity",
    "survey-campaign": "campaign",
    "survey-invitation": "invitation",
    "survey-response": "other_response",
    "escalation": "escalation",
    "health": "unit",
    "webhook": "webhook_endpoint",
}
# API addresses whose parameters are words, not ids: each value in turn. Staff only.
API_WORDS = {"api-import": {"kind": IMPORT_KINDS}}
# Rows every signed-in person may read: the service catalogue and the survey campaigns.
SHARED = {"service", "target", "campaign"}


@pytest.fixture
def walk_world(unit_a, unit_b, customer_a, purchaser_a, contact_b, rm, other_rm):
    campaign = SurveyCampaignFactory()
    a = make_rows(unit_a, contact=purchaser_a, campaign=campaign)
    b = make_rows(unit_b, contact=contact_b, campaign=campaign)
    b["unit"] = unit_b
    for key, obj in b.items():
        if key not in SHARED:
            fill_free_text(obj, f"{SECRET} {key}")
    fill_free_text(unit_b, SECRET)
    fill_free_text(contact_b, SECRET)
    # Rows of the contact's own unit that are not theirs to see.
    staff_only = {
        "interaction": a["internal_interaction"],
        "other_response": a["other_response"],
        "invitation": a["invitation"],  # another contact's survey invitation
        # Staff pages of no unit at all: the webhooks.
        **webhook_rows(owner=other_rm),
    }
    for obj in staff_only.values():
        fill_free_text(obj, f"{SECRET} staff-only")
    b["requirement"].refresh_from_db()
    assert SECRET in b["requirement"].title  # the marker is really there to be leaked
    return {"other_unit": b, "staff_only": staff_only}


def _filled_urls(row_sets):
    """(url, name, has_id) for every URL pattern, ids filled from each set of rows in turn."""
    urls = []
    for route, name, params in url_patterns():
        if not params:
            if name and "(?P" not in route:
                urls.append((reverse(name), name, False))
            continue
        if route.startswith("admin/"):
            continue
        if name in {"password_reset_confirm", "portal:access-confirm"}:
            urls.append((reverse(name, args=["MQ", "set-password"]), name, False))
            continue
        if name in {"survey:answer", "survey:opt-out"}:
            continue  # public links: their token is the key, see test_survey_links.py
        if name is None:  # the API's JSON 404 for any other address
            continue
        if name in API_WORDS:
            [(param, values)] = API_WORDS[name].items()
            urls.extend((reverse(name, kwargs={param: value}), name, True) for value in values)
            continue
        for rows in row_sets:
            if route.startswith("api/"):
                key = API_ROW_OF[
                    name.rsplit("-", 1)[0] if name.endswith(("-detail", "-list")) else _api_base(name)
                ]
                if key in rows:
                    urls.append((reverse(name, kwargs={"pk": rows[key].pk}), name, True))
                continue
            for args in url_args(ROW_OF[name], rows) or []:
                urls.append((reverse(name, args=args), name, True))
    return list(dict.fromkeys(urls))  # a URL of words only comes once, not once per row set


def _api_base(name):
    # "requirement-approve" → "requirement"; "survey-campaign-results" → "survey-campaign"
    for base in sorted(API_ROW_OF, key=len, reverse=True):
        if name.startswith(base + "-"):
            return base
    raise AssertionError(f"API URL {name} has no row to fill it with: add it to API_ROW_OF")


def test_every_url_with_an_id_is_walked():
    for route, name, params in url_patterns():
        if (
            params
            and not route.startswith(("admin/", "api/"))
            and name
            not in {
                "password_reset_confirm",
                "portal:access-confirm",
                "survey:answer",
                "survey:opt-out",
            }
        ):
            assert name in ROW_OF, f"{route} ({name}): add it to ROW_OF"


def _is_staff_page(url):
    return (
        not url.startswith(("/portal/", "/s/", "/api/", "/accounts/", "/healthz", "/readyz", "/favicon.ico"))
        and url != "/"
    )


SIGN_IN_FORMS = {"admin:login"}  # a sign-in form is open to anyone


def _refused(response):
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code == 302:
        # The admin's own pages send a contact on to its index, which sends them to sign in.
        return response["Location"].startswith(("/accounts/login/", "/portal/", "/admin/"))
    return False


def test_a_business_contacts_session_reaches_no_staff_page_and_no_foreign_row(
    client, purchaser_a, walk_world
):
    client.force_login(purchaser_a.user)
    rows = [walk_world["other_unit"], walk_world["staff_only"]]
    urls = _filled_urls(rows) + [
        ("/admin/", "admin", False),
        ("/admin/customers/businessunit/", "admin", False),
    ]
    assert len(urls) > 100
    opened = []
    for url, name, has_id in urls:
        if url.startswith("/api/"):
            continue  # below, with a token
        response = client.get(url)
        if name in SIGN_IN_FORMS:
            continue
        if _is_staff_page(url) or has_id:
            assert _refused(response), f"GET {url} ({name}) answered {response.status_code}"
        if response.status_code == 200:
            opened.append(url)
            assert SECRET not in response.content.decode(), f"GET {url} shows a row the contact may not see"
        # No change through a staff page or to another unit's rows either (the CSRF token is
        # sent: this is about access).
        if has_id or _is_staff_page(url):
            posted = client.post(url, {"reason": "x", "note": "x", "decision": "approve"})
            assert _refused(posted), f"POST {url} ({name}) answered {posted.status_code}"
    # The contact's own pages did open (the walk is not refused wholesale).
    assert "/portal/" in opened and "/portal/requests/" in opened


def test_a_business_contacts_token_returns_no_foreign_row(purchaser_a, other_rm, walk_world):
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=purchaser_a.user).key}")
    checked = 0
    for url, name, _ in _filled_urls([walk_world["other_unit"], walk_world["staff_only"]]):
        if not url.startswith("/api/v1/") or name == "api-token":
            continue
        response = client.get(url)
        body = response.content.decode()
        assert SECRET not in body, f"GET {url} returns a row the contact may not see"
        if name == "api-search":
            continue  # searched for the marker below
        if name in API_WORDS:
            # The imports are staff only: a contact may neither read nor post one.
            assert response.status_code == 403, f"GET {url}: {response.status_code}"
            upload = SimpleUploadedFile("rows.csv", b"code,name\nzq-new,ZQ new\n", content_type="text/csv")
            posted = client.post(url, {"file": upload, "dry_run": "false"})
            assert posted.status_code == 403, f"POST {url}: {posted.status_code}"
            checked += 1
            continue
        if name.endswith("-list"):
            assert response.status_code in (200, 403), f"GET {url}: {response.status_code}"
            continue
        key = API_ROW_OF[_api_base(name) if not name.endswith("-detail") else name[: -len("-detail")]]
        if key not in SHARED:
            is_action = not name.endswith("-detail")  # approve, sign, comment ...: POST only
            assert response.status_code in ((403, 404, 405) if is_action else (403, 404)), (
                f"GET {url}: {response.status_code}"
            )
            for method in ("post",) if is_action else ("patch", "put", "delete"):
                changed = getattr(client, method)(url, {}, content_type="application/json")
                # 405: a read-only resource takes no writes at all.
                allowed = (403, 404) if is_action else (403, 404, 405)
                assert changed.status_code in allowed, f"{method.upper()} {url}: {changed.status_code}"
        checked += 1
    assert checked > 30
    assert not BusinessUnit.objects.filter(code="zq-new").exists()

    # The search finds nothing of another unit's and no staff-only row, though the same
    # words find them for the staff who look after them.
    search = reverse("api-search")
    found = client.get(search, {"q": SECRET})
    assert found.status_code == 200, found.content
    assert found.json()["results"] == []
    staff = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_rm).key}")
    assert staff.get(search, {"q": SECRET}).json()["count"] > 0
