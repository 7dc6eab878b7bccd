"""A used, an expired and an unknown survey link answer alike: same status, same page,
same database work. Otherwise a guesser could tell real links from made-up ones."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relationships.models import SurveyInvitation
from tests.relationships.factories import SurveyInvitationFactory

pytestmark = pytest.mark.django_db


def _closed_links(purchaser_a):
    used = SurveyInvitationFactory(contact=purchaser_a, status=SurveyInvitation.Status.RESPONDED)
    expired = SurveyInvitationFactory(contact=purchaser_a, status=SurveyInvitation.Status.EXPIRED)
    over = SurveyInvitationFactory(contact=purchaser_a)
    over.campaign.closes_at = timezone.now() - datetime.timedelta(days=1)
    over.campaign.save()
    return {
        "used": reverse("survey:answer", args=[used.token]),
        "expired": reverse("survey:answer", args=[expired.token]),
        "campaign over": reverse("survey:answer", args=[over.token]),
        # Same length and alphabet as a real token.
        "unknown": reverse("survey:answer", args=["Q" * len(used.token)]),
        "short": reverse("survey:answer", args=["abc"]),
        "long": reverse("survey:answer", args=["x" * 500]),
    }


def _normalised(response):
    # The CSRF token in a page differs per request, nothing else may.
    return re.sub(r'value="[^"]{32,}"', 'value="…"', response.content.decode())


@pytest.mark.parametrize("method", ["get", "post"])
def test_used_expired_and_unknown_links_answer_byte_for_byte_alike(client, purchaser_a, method):
    answers = {}
    for case, url in _closed_links(purchaser_a).items():
        response = getattr(client, method)(url, {"overall_satisfaction": "5", "recommend_score": "10"})
        answers[case] = (response.status_code, _normalised(response), response["Referrer-Policy"])
    assert len(set(answers.values())) == 1, {case: a[0] for case, a in answers.items()}
    status, page, _ = answers["used"]
    assert status == 404
    assert "This survey link cannot be used" in page
    for revealing in ("has already been", "has expired", "not valid", "Piet", "Accounts Payable", "<form"):
        assert revealing not in page


def test_used_expired_and_unknown_links_do_the_same_database_work(client, purchaser_a):
    counts = {}
    for case, url in _closed_links(purchaser_a).items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # The same statements, not just as many: one lookup by the token's hash.
        counts[case] = [re.sub(r"'[0-9a-f]{64}'", "'<hash>'", q["sql"]) for q in queries.captured_queries]
    assert len({tuple(sql) for sql in counts.values()}) == 1, counts
    assert len(counts["unknown"]) == 1 and "token_hash" in counts["unknown"][0]


def test_the_answered_cookie_thanks_only_for_its_own_link(client, purchaser_a):
    """The browser that answered is thanked when it reopens its link; its cookie (signed
    with SECRET_KEY, naming its invitation) opens no other used link, and a forged one
    nothing at all: those still get the one closed-link page."""
    mine = SurveyInvitationFactory(contact=purchaser_a)
    client.post(
        reverse("survey:answer", args=[mine.token]), {"overall_satisfaction": "4", "recommend_score": "8"}
    )
    assert client.get(reverse("survey:answer", args=[mine.token])).status_code == 200
    closed = _normalised(client.get(reverse("survey:answer", args=["Q" * 43])))

    other = SurveyInvitationFactory(contact=purchaser_a, status=SurveyInvitation.Status.RESPONDED)
    response = client.get(reverse("survey:answer", args=[other.token]))
    assert (response.status_code, _normalised(response)) == (404, closed)

    for forged in (str(other.pk), f"{other.pk}:1tAbCd:forgedsignature"):
        client.cookies["brm_survey_answered"] = forged
        for url in (reverse("survey:answer", args=[other.token]), reverse("survey:thanks")):
            response = client.get(url)
            assert (response.status_code, _normalised(response)) == (404, closed)
