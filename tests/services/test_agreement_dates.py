"""An agreement's review plan must be possible: the next review does not come before the
agreement starts, and reviews come every 1 to 60 months. One rule each, in
services.agreement_save (with the database behind it); the staff form and the API show
the message next to the field, and a PATCH with the values it has changes nothing."""

import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse
from rest_framework.test import APIClient

from core.domain import DomainError
from services.models import Agreement
from services.services import agreement_save
from tests.services.factories import AgreementFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 10, 1)
BEFORE_START = "The next review cannot come before the agreement starts (1 Oct 2026)."
INTERVAL = "Review between every 1 and every 60 months."


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def form_data(agreement_or_unit, **changes):
    data = {
        "reference": "sla-ap",
        "title": "AP services",
        "valid_from": START.isoformat(),
        "valid_until": "",
        "review_interval_months": 12,
        "next_review_on": "",
        "notes": "",
    }
    if isinstance(agreement_or_unit, Agreement):
        agreement = agreement_or_unit
        data.update(reference=agreement.reference, title=agreement.title, unit=agreement.unit_id)
    else:
        data["unit"] = agreement_or_unit.pk
    return {**data, **changes}


def test_the_next_review_comes_after_the_start(rm, unit_a):
    draft = Agreement(reference="sla-ap", title="AP", unit=unit_a, valid_from=START)
    draft.next_review_on = datetime.date(2026, 9, 30)
    with pytest.raises(DomainError) as error:
        agreement_save(agreement=draft, by=rm)
    assert (error.value.field, error.value.message) == ("next_review_on", BEFORE_START)
    assert not Agreement.objects.exists()
    draft.next_review_on = START
    assert agreement_save(agreement=draft, by=rm).pk


def test_the_database_keeps_the_review_after_the_start(unit_a):
    with pytest.raises(IntegrityError):
        AgreementFactory(unit=unit_a, valid_from=START, next_review_on=datetime.date(2026, 1, 1))


@pytest.mark.parametrize("months", [0, 61])
def test_the_review_interval_is_1_to_60_months(rm, unit_a, months):
    draft = Agreement(reference="sla-ap", title="AP", unit=unit_a, valid_from=START)
    draft.review_interval_months = months
    with pytest.raises(DomainError) as error:
        agreement_save(agreement=draft, by=rm)
    assert (error.value.field, error.value.message) == ("review_interval_months", INTERVAL)


def test_the_staff_form_says_it_at_each_field(client, rm, unit_a):
    client.force_login(rm)
    response = client.post(
        reverse("services:agreement-create"),
        form_data(unit_a, next_review_on="2026-03-01", review_interval_months=0),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["review_interval_months"] == [INTERVAL]
    assert not Agreement.objects.exists()

    response = client.post(
        reverse("services:agreement-create"), form_data(unit_a, next_review_on="2026-03-01")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["next_review_on"] == [BEFORE_START]

    agreement = AgreementFactory(unit=unit_a, valid_from=START, next_review_on=datetime.date(2027, 4, 1))
    response = client.post(
        reverse("services:agreement-edit", args=[agreement.pk]),
        form_data(agreement, next_review_on="2026-03-01"),
    )
    assert response.context["form"].errors["next_review_on"] == [BEFORE_START]
    assert Agreement.objects.get(pk=agreement.pk).next_review_on == datetime.date(2027, 4, 1)


def test_the_api_answers_400_at_the_field(rm, unit_a):
    payload = {"unit": unit_a.pk, "reference": "sla-ap", "title": "AP", "valid_from": START.isoformat()}
    response = api(rm).post("/api/v1/agreements/", {**payload, "next_review_on": "2026-03-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["next_review_on"] == [BEFORE_START]
    response = api(rm).post("/api/v1/agreements/", {**payload, "review_interval_months": 0}, format="json")
    assert response.status_code == 400
    assert "review_interval_months" in response.json()
    assert not Agreement.objects.exists()

    agreement = AgreementFactory(unit=unit_a, valid_from=START)
    response = api(rm).patch(
        f"/api/v1/agreements/{agreement.pk}/", {"next_review_on": "2026-03-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["next_review_on"] == [BEFORE_START]
    response = api(rm).patch(
        f"/api/v1/agreements/{agreement.pk}/", {"valid_from": "2027-05-01"}, format="json"
    )
    assert response.status_code == 200  # a draft may move its start


def test_the_api_keeps_what_was_signed(rm, unit_a, customer_a):
    signed = AgreementFactory(unit=unit_a, valid_from=START, status="active", signed_by=customer_a)
    response = api(rm).patch(f"/api/v1/agreements/{signed.pk}/", {"valid_from": "2026-11-01"}, format="json")
    assert response.status_code == 400
    assert Agreement.objects.get(pk=signed.pk).valid_from == START


def test_patching_an_agreement_with_its_own_values_changes_nothing(rm, unit_a, customer_a):
    signed = AgreementFactory(
        unit=unit_a,
        valid_from=START,
        valid_until=datetime.date(2028, 9, 30),
        next_review_on=datetime.date(2027, 10, 1),
        status="active",
        signed_by=customer_a,
        notes="Reviewed yearly.\nPenalties do not apply.",
    )
    before = api(rm).get(f"/api/v1/agreements/{signed.pk}/").json()
    writable = [
        "reference",
        "title",
        "valid_from",
        "valid_until",
        "review_interval_months",
        "next_review_on",
        "notes",
    ]
    response = api(rm).patch(
        f"/api/v1/agreements/{signed.pk}/",
        {**{name: before[name] for name in writable}, "unit": unit_a.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    after = response.json()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
