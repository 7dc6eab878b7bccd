"""Rate limits: the API per user (token or session) and per anonymous address, the token
endpoint per address, the public survey link per address. Over the limit: 429 with
Retry-After, and the request does nothing."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from relationships.models import SurveyResponse
from tests.relationships.factories import SurveyInvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    # DRF reads the rates once, into the throttle class, when it is imported.
    def set_rates(**rates):
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **rates}
        )

    return set_rates


def test_a_token_over_its_rate_gets_429_with_retry_after(rates, rm, other_rm):
    rates(user="3/minute")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=rm).key}")
    assert [client.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/units/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()
    # Another user's token has its own count.
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_rm).key}")
    assert other.get("/api/v1/units/").status_code == 200


def test_the_same_user_by_session_shares_the_count_of_their_token(rates, rm):
    rates(user="2/minute")
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=rm).key}")
    by_session = APIClient()
    by_session.force_login(rm)
    assert by_token.get("/api/v1/units/").status_code == 200
    assert by_session.get("/api/v1/units/").status_code == 200
    assert by_session.get("/api/v1/units/").status_code == 429


def test_anonymous_clients_are_counted_per_address(rates):
    # The open operations (docs, schema, token) are what anonymous clients reach; the rest
    # refuse them (401) before any throttle is asked.
    rates(anon="2/minute")
    client = APIClient()
    assert [client.get("/api/docs/", REMOTE_ADDR="10.1.1.1").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/docs/", REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    # A forged X-Forwarded-For does not buy a fresh count (NUM_PROXIES is 0)...
    forged = client.get("/api/docs/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="192.0.2.9")
    assert forged.status_code == 429
    # ... while another address has its own.
    assert client.get("/api/docs/", REMOTE_ADDR="10.1.1.2").status_code == 200


def test_the_token_endpoint_has_its_own_stricter_rate(rates, rm):
    rates(auth="2/minute")
    client = APIClient()
    data = {"username": "rm", "password": "wrong-password"}
    assert client.post("/api/v1/auth/token/", data, REMOTE_ADDR="10.2.2.2").status_code == 400
    assert client.post("/api/v1/auth/token/", data, REMOTE_ADDR="10.2.2.2").status_code == 400
    response = client.post(
        "/api/v1/auth/token/", {"username": "rm", "password": "demo-pass-123"}, REMOTE_ADDR="10.2.2.2"
    )
    assert response.status_code == 429 and "Retry-After" in response
    assert not Token.objects.filter(user=rm).exists()


def test_the_survey_link_is_limited_per_address_for_get_and_post_with_a_friendly_page(
    rates, client, purchaser_a
):
    rates(survey_link="3/minute")
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    url = reverse("survey:answer", args=[invitation.token])
    guesses = [reverse("survey:answer", args=[f"guess-{n:040d}"]) for n in range(2)]
    assert [client.get(u, REMOTE_ADDR="10.3.3.3").status_code for u in guesses] == [404, 404]
    assert client.get(url, REMOTE_ADDR="10.3.3.3").status_code == 200
    posted = client.post(url, {"overall_satisfaction": "4", "recommend_score": "9"}, REMOTE_ADDR="10.3.3.3")
    assert posted.status_code == 429
    assert int(posted["Retry-After"]) > 0
    page = posted.content.decode()
    assert "Too many requests" in page and "please wait a moment" in page
    assert not SurveyResponse.objects.exists()
    # The person's own address is not held up by another's guessing.
    assert client.get(url, REMOTE_ADDR="10.3.3.4").status_code == 200
