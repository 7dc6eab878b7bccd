"""axe-core (tests/browser/vendor/axe-core, 4.x from the npm registry) on the main pages of
each demo role: no serious or critical accessibility violations.

The pages' Content-Security-Policy refuses injected scripts, so these contexts bypass it
(the CSP itself is checked by test_csp.py)."""

from pathlib import Path

import pytest

from customers.models import BusinessUnit
from relationships.models import SurveyInvitation
from services.models import Agreement

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(bypass_csp=True),
]


def _staff_pages(unit_code):
    unit = BusinessUnit.objects.get(code=unit_code)
    agreement = Agreement.objects.filter(unit__code=unit_code).first() or Agreement.objects.first()
    return [
        "/dashboard/",
        f"/units/{unit.pk}/",
        "/units/",
        "/units/contacts/",
        "/actions/",
        "/escalations/",
        "/requirements/",
        "/catalogue/",
        f"/catalogue/agreements/{agreement.pk}/",
    ]


def _portal_pages(viewer):
    pages = [
        "/portal/",
        "/portal/requests/",
        "/portal/requests/new/",
        "/portal/escalations/",
        "/portal/escalations/new/",
        "/portal/catalogue/",
    ]
    agreement = Agreement.objects.filter(unit__contacts__user__username=viewer).first()
    if agreement and viewer != "piet":  # a purchaser's agreement link is issue 14 item 4
        pages.append(f"/portal/agreements/{agreement.pk}/")
    return pages


PAGES = {
    "rita": lambda: _staff_pages("fin"),
    "omar": lambda: _staff_pages("ops"),
    "ivo": lambda: _staff_pages("fin-ap"),
    "stella": lambda: _staff_pages("sales"),
    "carla": lambda: _portal_pages("carla"),
    "olivia": lambda: _portal_pages("olivia"),
    "piet": lambda: _portal_pages("piet"),
}


def _violations(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run({resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
            more = len(violation["nodes"]) - len(targets)
            found.append(
                f"{url} [{violation['impact']}] {violation['id']}: {violation['help']} — "
                f"{targets}{f' and {more} more' if more > 0 else ''}"
            )
    return found


def _assert_none(viewer, found):
    assert not found, f"{viewer}: {len(found)} serious/critical axe violations:\n" + "\n".join(found)


@pytest.mark.parametrize("viewer", PAGES)
def test_main_pages_have_no_serious_accessibility_violations(demo_sign_in, live_server, viewer):
    page = demo_sign_in(viewer)
    found = []
    for path in PAGES[viewer]():
        found += _violations(page, f"{live_server.url}{path}")
    _assert_none(viewer, found)


def test_login_and_survey_pages_have_no_serious_accessibility_violations(page, live_server, demo):
    invitation = SurveyInvitation.objects.filter(status=SurveyInvitation.Status.SENT).first()
    found = _violations(page, f"{live_server.url}/accounts/login/")
    found += _violations(page, f"{live_server.url}/s/{invitation.token}/")
    _assert_none("anonymous", found)
