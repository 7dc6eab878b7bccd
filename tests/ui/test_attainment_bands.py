"""Attainment is green only when every target was met: a month, target or service with any
miss is amber (80% or more met) or red (less), on the unit page's chart and table, the
portal's home and subscription pages, the portal agreement and the service page; and the
satisfaction trend's axis labels are short (the campaign's name is in the tooltip)."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.selectors import attainment_months
from services.attainment import BAND_COLOURS, Band, attainment_band, attainment_percent
from services.models import Subscription
from tests.services.factories import (
    AgreementFactory,
    MeasurementFactory,
    ServiceFactory,
    ServiceLevelTargetFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


def test_the_band_comes_from_the_counts_not_a_rounded_percentage():
    assert attainment_band(met=6, measured=6) == Band.MET
    assert attainment_band(met=199, measured=200) == Band.SOME_MISSED  # rounds to 100%
    assert attainment_percent(met=199, measured=200) == 99
    assert attainment_band(met=4, measured=5) == Band.SOME_MISSED
    assert attainment_band(met=5, measured=6) == Band.SOME_MISSED
    assert attainment_band(met=3, measured=4) == Band.MANY_MISSED
    assert attainment_percent(met=2, measured=3) == 67
    assert attainment_percent(met=1, measured=300) == 1
    assert attainment_band(met=0, measured=0) is None and attainment_percent(met=0, measured=0) is None


@pytest.fixture
def erp(unit_a, division, customer_a):
    """ERP at Accounts Payable, two targets, six months: availability missed in the oldest
    month only (5 of 6, amber), resolution met every month (green)."""
    service = ServiceFactory(name="ERP Finance", code="erp-fin")
    availability = ServiceLevelTargetFactory(service=service, name="Availability")
    resolution = ServiceLevelTargetFactory(
        service=service,
        name="Resolution",
        metric="resolution_time",
        unit_of_measure="hours",
        target_value=Decimal("16"),
        direction="lower",
    )
    agreement = AgreementFactory(unit=unit_a, status="active", signed_by=customer_a, signed_at=timezone.now())
    subscription = SubscriptionFactory(
        unit=unit_a, service=service, status=Subscription.Status.ACTIVE, agreement=agreement
    )
    for index, month in enumerate(attainment_months()):
        MeasurementFactory(
            subscription=subscription,
            target=availability,
            period_start=month,
            value=Decimal("90") if index == 0 else availability.target_value,
        )
        MeasurementFactory(
            subscription=subscription, target=resolution, period_start=month, value=Decimal("10")
        )
    return subscription


def test_the_unit_pages_chart_colours_each_month_by_its_band(client, rm, erp, unit_a):
    client.force_login(rm)
    html = client.get(reverse("customers:unit-detail", args=[unit_a.pk])).content.decode()
    chart = json.loads(
        re.search(r'<script id="attainment-data" type="application/json">(.*?)</script>', html).group(1)
    )
    [bars] = chart["datasets"]
    # The oldest month met one target of two: 50%, red; every other month: green.
    assert bars["data"] == [50, 100, 100, 100, 100, 100]
    assert bars["colours"] == [BAND_COLOURS[Band.MANY_MISSED]] + [BAND_COLOURS[Band.MET]] * 5
    for _, label in Band.choices:
        assert label in html  # the legend
    assert 'class="text-end small fw-semibold att-some-missed">5/6<' in html
    assert 'class="text-end small fw-semibold att-met">6/6<' in html


def test_the_portal_subscription_page_is_not_green_with_a_miss(client, purchaser_a, erp):
    client.force_login(purchaser_a.user)
    html = client.get(reverse("portal:subscription-detail", args=[erp.pk])).content.decode()
    # 11 of 12 measurements met: 92%, amber, and said in words too.
    assert '<span class="fs-5 fw-semibold att-some-missed">92% met</span>' in html
    assert "Some missed (80% or more met)" in html
    assert "text-success" not in html.split("Service levels, month by month")[0]


def test_the_portal_home_colours_each_target_by_its_band(client, purchaser_a, erp):
    client.force_login(purchaser_a.user)
    html = client.get(reverse("portal:home")).content.decode()
    assert re.search(r'att-some-missed"[^>]*>83%<', html)
    assert re.search(r'att-met"[^>]*>100%<', html)
    assert "when every month met it" in html  # the legend


def test_the_portal_agreement_and_the_service_page_use_the_bands(client, purchaser_a, customer_a, rm, erp):
    client.force_login(customer_a.user)
    html = client.get(reverse("portal:agreement-detail", args=[erp.agreement_id])).content.decode()
    assert re.search(r'class="[^"]*att-some-missed[^"]*">met 5 of 6 months \(83%\)', html)
    client.force_login(rm)
    html = client.get(reverse("services:service-detail", args=[erp.service_id])).content.decode()
    assert "bar-fair" in html and "bar-good" in html  # availability 5/6, resolution 6/6


def test_the_satisfaction_trend_has_short_labels_and_names_in_the_tooltip(client, rm, unit_a):
    import datetime

    from relationships.models import SurveyCampaign
    from tests.customers.factories import ContactFactory
    from tests.relationships.factories import SurveyResponseFactory

    for days, name in (
        (200, "Satisfaction survey, two quarters ago"),
        (30, "Satisfaction survey, last quarter"),
    ):
        response = SurveyResponseFactory(
            invitation__contact=ContactFactory(unit=unit_a),
            invitation__campaign__name=name,
            invitation__campaign__opens_at=timezone.now() - datetime.timedelta(days=days),
            invitation__campaign__closes_at=timezone.now() - datetime.timedelta(days=days - 20),
        )
        SurveyCampaign.objects.filter(pk=response.campaign.pk).update(status=SurveyCampaign.Status.CLOSED)
    client.force_login(rm)
    trend = client.get(reverse("relationships:dashboard")).context["trend"]
    assert trend["titles"] == ["Satisfaction survey, two quarters ago", "Satisfaction survey, last quarter"]
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", label) for label in trend["labels"])
