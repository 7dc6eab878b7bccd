"""API answers read the database on every request: a write shows in the very next answer,
one caller's answer never reaches another, and a revoked token or a deactivated user is
refused at once."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.actors import token_client

pytestmark = pytest.mark.django_db


def test_an_api_answer_shows_a_write_at_once(rm, unit_a):
    client = token_client(rm)
    assert client.get(f"/api/v1/units/{unit_a.pk}/").json()["name"] == "Accounts Payable"
    response = client.patch(f"/api/v1/units/{unit_a.pk}/", {"name": "Payables"}, format="json")
    assert response.status_code == 200
    assert client.get(f"/api/v1/units/{unit_a.pk}/").json()["name"] == "Payables"
    listed = client.get("/api/v1/units/?page_size=50").json()["results"]
    assert "Payables" in [unit["name"] for unit in listed]


def test_a_list_is_one_persons(rm, unit_a, unit_b, purchaser_a, contact_b):
    everything = {unit["name"] for unit in token_client(rm).get("/api/v1/units/").json()["results"]}
    assert {"Accounts Payable", "Sales Operations"} <= everything
    for contact, own in ((purchaser_a, "Accounts Payable"), (contact_b, "Sales Operations")):
        seen = {unit["name"] for unit in token_client(contact.user).get("/api/v1/units/").json()["results"]}
        assert own in seen
        assert seen < everything


def test_a_revoked_token_or_a_deactivated_user_is_refused_at_once(rm, other_rm):
    client = token_client(rm)
    assert client.get("/api/v1/units/").status_code == 200
    Token.objects.filter(user=rm).delete()
    assert client.get("/api/v1/units/").status_code == 401
    other = token_client(other_rm)
    assert other.get("/api/v1/units/").status_code == 200
    other_rm.is_active = False
    other_rm.save(update_fields=["is_active"])
    assert other.get("/api/v1/units/").status_code == 401


def test_an_unknown_token_is_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/units/").status_code == 401
