"""Every staff list offers CSV and Excel; a campaign's results per unit export too."""

import pytest
import tablib
from django.urls import reverse

from relationships.models import SurveyInvitation
from tests.customers.factories import ContactFactory
from tests.relationships.factories import (
    SurveyCampaignFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
)

pytestmark = pytest.mark.django_db

LISTS = [
    "customers:unit-list",
    "customers:contact-list",
    "relationships:interaction-list",
    "relationships:action-list",
    "relationships:requirement-board",
    "relationships:opportunity-list",
    "relationships:escalation-board",
    "relationships:campaign-list",
    "services:service-list",
    "services:agreement-list",
]


@pytest.mark.parametrize("name", LISTS)
def test_every_staff_list_offers_both_exports(rm_client, unit_a, name):
    html = rm_client.get(reverse(name)).content.decode()
    assert "export=csv" in html and "export=xlsx" in html
    assert rm_client.get(reverse(name), {"export": "xlsx"}).content[:2] == b"PK"


def test_a_campaigns_results_per_unit_export(rm_client, unit_a, unit_b):
    campaign = SurveyCampaignFactory(name="Autumn 2026")
    for unit, score in ((unit_a, 5), (unit_b, 2)):
        SurveyResponseFactory(
            invitation__campaign=campaign,
            invitation__contact=ContactFactory(unit=unit),
            invitation__status=SurveyInvitation.Status.RESPONDED,
            overall_satisfaction=score,
            recommend_score=score * 2,
        )
    SurveyInvitationFactory(campaign=campaign, contact=ContactFactory(unit=unit_b))
    url = reverse("relationships:campaign-detail", args=[campaign.pk])
    assert "export=xlsx" in rm_client.get(url).content.decode()

    response = rm_client.get(url, {"export": "csv"})
    assert 'filename="survey-results-autumn-2026-' in response["Content-Disposition"]
    rows = tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")
    assert rows.headers[:4] == ["Unit", "Unit code", "Invited", "Answered"]
    assert [(row[0], row[2], row[3]) for row in rows] == [
        ("Accounts Payable", "1", "1"),
        ("Sales Operations", "2", "1"),
        ("All units", "3", "2"),
    ]
    workbook = rm_client.get(url, {"export": "xlsx"})
    assert tablib.Dataset().load(workbook.content, format="xlsx")[2][0] == "All units"
