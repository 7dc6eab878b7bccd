"""Agreements on the staff side and the service review held from its agenda (issue 14,
items 5 and 6): one definition of the agreement covering a service on every page, an
agenda over the agreement's whole scope grouped by unit, one source for the last review."""

import datetime
import re
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from relationships.models import FollowUpAction, Interaction
from relationships.services import agreement_review_record
from services.models import Agreement
from tests.customers.factories import BusinessUnitFactory
from tests.relationships.factories import (
    EscalationFactory,
    FollowUpActionFactory,
    RequirementFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
)
from tests.services.factories import (
    AgreementFactory,
    MeasurementFactory,
    ServiceFactory,
    ServiceLevelTargetFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sla(division, customer_a):
    """Finance's signed agreement, reviewed every 6 months; nothing is linked to it."""
    return AgreementFactory(
        unit=division,
        title="IT services for Finance",
        reference="sla-fin",
        status=Agreement.Status.ACTIVE,
        signed_by=customer_a,
        review_interval_months=6,
        valid_from=datetime.date(2025, 1, 1),
        next_review_on=timezone.localdate() + datetime.timedelta(days=12),
    )


@pytest.fixture
def erp(db):
    service = ServiceFactory(name="ERP Finance")
    ServiceLevelTargetFactory(service=service, name="Availability")
    return service


def use(unit, service, *, months=3, missed=0):
    """`unit` uses `service`, measured for the last `months` months, `missed` of them below target."""
    subscription = SubscriptionFactory(unit=unit, service=service)
    first = timezone.localdate().replace(day=1)
    for n in range(months):
        MeasurementFactory(
            subscription=subscription,
            target=service.targets.get(),
            period_start=first - relativedelta(months=n),
            value=Decimal("98") if n < missed else Decimal("99.9"),
        )
    return subscription


def sections(html: str) -> dict[str, str]:
    """The agenda's unit sections, by the unit named in each heading."""
    parts = html.split('<section class="card review-unit"')[1:]
    named = {}
    for part in parts:
        name = re.search(r'<a class="text-reset" href="[^"]+">([^<]+)</a>', part).group(1)
        named[name] = part.split("</section>")[0]
    return named


# --- The agreement covering a unit's services on the staff pages ---------------------------


def test_a_departments_page_and_file_list_the_divisions_agreement_as_from_above(rm_client, unit_a, sla, erp):
    use(unit_a, erp)
    for name in ("customers:unit-detail", "customers:unit-print"):
        html = rm_client.get(reverse(name, args=[unit_a.pk])).content.decode()
        assert "No agreements" not in html, name
        assert "IT services for Finance" in html and "of Finance, a unit above" in html, name
        assert "sla-fin" in html, name  # the service names the agreement covering it


def test_the_staff_agreement_page_lists_the_services_of_the_units_below_by_unit(
    rm_client, division, unit_a, sla, erp
):
    use(unit_a, erp)
    use(BusinessUnitFactory(name="Controlling", parent=division), erp)
    html = rm_client.get(reverse("services:agreement-detail", args=[sla.pk])).content.decode()
    assert "No subscriptions are linked" not in html
    assert html.count("ERP Finance") == 2
    assert html.index("Accounts Payable</a>") < html.index("Controlling</a>")


def test_the_agreement_page_has_one_last_review(rm_client, sla):
    sla.last_reviewed_on = datetime.date(2026, 6, 17)
    sla.save()
    html = rm_client.get(reverse("services:agreement-detail", args=[sla.pk])).content.decode()
    assert "17 Jun 2026" in html and "No review held yet" not in html


# --- The agenda --------------------------------------------------------------------------


def test_the_agenda_covers_the_units_below_each_named(rm_client, rm, division, unit_a, sla, erp):
    controlling = BusinessUnitFactory(name="Controlling", parent=division, relationship_manager=rm)
    use(unit_a, erp, missed=2)
    use(controlling, erp)
    EscalationFactory(unit=unit_a, subject="Invoices stuck in ERP queue", severity="critical", level=2)
    for title in ("Approval workflow on mobile", "E-invoicing", "Scan tablets"):
        RequirementFactory(unit=unit_a, title=title, status="submitted")
    FollowUpActionFactory(unit=unit_a, owner=rm, title="Plan extra scanning capacity")
    campaign_answer = SurveyInvitationFactory(contact__unit=controlling, unit=controlling)
    SurveyResponseFactory(invitation=campaign_answer, overall_satisfaction=4, recommend_score=8)

    response = rm_client.get(reverse("relationships:service-review", args=[sla.pk]))
    by_unit = sections(response.content.decode())
    assert set(by_unit) == {"Accounts Payable", "Controlling"}  # Finance itself: nothing open
    ap = by_unit["Accounts Payable"]
    assert "Invoices stuck in ERP queue" in ap and "Critical" in ap
    assert all(t in ap for t in ("Approval workflow on mobile", "E-invoicing", "Scan tablets"))
    assert "Plan extra scanning capacity" in ap
    assert "ERP Finance" in ap and "met 1 of 3 months" in ap
    assert "met 3 of 3 months" in by_unit["Controlling"] and "Invoices" not in by_unit["Controlling"]
    assert "1 answer" in by_unit["Controlling"]
    text = response.context["form"].initial["notes"]
    assert text.index("Accounts Payable") < text.index("Invoices stuck in ERP queue (critical, level 2)")
    assert text.index("Invoices stuck") < text.index("Controlling") < text.index("met 3 of 3 months")


def test_recording_the_review_moves_the_dates_closes_the_review_action_and_shows(
    rm_client, rm, division, sla
):
    review_action = FollowUpActionFactory(
        unit=division, owner=rm, agreement=sla, title="Review agreement sla-fin", due_on=sla.next_review_on
    )
    url = reverse("relationships:service-review", args=[sla.pk])
    held = timezone.localtime().replace(second=0, microsecond=0)
    response = rm_client.post(
        url,
        {
            "subject": "Service review: IT services for Finance",
            "occurred_at": held.strftime("%Y-%m-%dT%H:%M"),
            "notes": rm_client.get(url).context["form"].initial["notes"],
            "sentiment": "positive",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("services:agreement-detail", args=[sla.pk])
    review = Interaction.objects.get(agreement=sla)
    assert (review.kind, review.occurred_at) == (Interaction.Kind.SERVICE_REVIEW, held)
    sla.refresh_from_db()
    assert sla.last_reviewed_on == held.date()
    assert sla.next_review_on == held.date() + relativedelta(months=6)
    review_action.refresh_from_db()
    assert review_action.status == FollowUpAction.Status.DONE

    html = rm_client.get(response["Location"]).content.decode()
    for shown in (f"{held:%-d %b %Y}", f"{sla.next_review_on:%-d %b %Y}", review.subject):
        assert shown in html
    assert "No review held yet" not in html


def test_only_a_signed_agreement_is_reviewed_by_its_portfolios_staff(rm, other_rm, division, customer_a):
    draft = AgreementFactory(unit=division)
    with pytest.raises(DomainError, match="Only a signed agreement is reviewed"):
        agreement_review_record(agreement=draft, by=rm, occurred_at=timezone.now(), subject="Review")
    signed = AgreementFactory(unit=division, status=Agreement.Status.ACTIVE, signed_by=customer_a)
    with pytest.raises(DomainPermissionError):
        agreement_review_record(agreement=signed, by=other_rm, occurred_at=timezone.now(), subject="Review")
    assert not Interaction.objects.exists()


def test_logging_an_older_review_keeps_the_later_dates(rm, sla):
    agreement_review_record(agreement=sla, by=rm, occurred_at=timezone.now(), subject="This week")
    agreement_review_record(
        agreement=sla, by=rm, occurred_at=timezone.now() - datetime.timedelta(days=40), subject="Forgotten"
    )
    sla.refresh_from_db()
    assert sla.last_reviewed_on == timezone.localdate()
    assert sla.reviews.count() == 2


# --- Query counts: the pages do not grow with the scope -----------------------------------


def _scope(division, rm, *, units, each):
    for n in range(units):
        unit = BusinessUnitFactory(name=f"Dept {n}", parent=division, relationship_manager=rm)
        for _ in range(each):
            use(unit, ServiceLevelTargetFactory().service, months=2)
        RequirementFactory(unit=unit)
        EscalationFactory(unit=unit)
        FollowUpActionFactory(unit=unit, owner=rm)


@pytest.mark.parametrize(("units", "each"), [(1, 1), (6, 4)])
def test_the_agenda_does_not_grow_with_the_scope(
    rm_client, rm, division, sla, units, each, django_assert_num_queries
):
    _scope(division, rm, units=units, each=each)
    # session, user, agreement with unit and signer, portfolio check (the unit's manager is the
    # user: no permission query), units of the scope, agreements in force, covered
    # subscriptions, their measurements, requirements, escalations, actions, survey answers
    # per unit, the form's staff choices; what waits for the viewer (the navigation's count):
    # their groups, then escalations at their levels, orders and overdue actions counted.
    with django_assert_num_queries(16):
        response = rm_client.get(reverse("relationships:service-review", args=[sla.pk]))
    assert len(response.context["agenda"]["sections"]) == units


@pytest.mark.parametrize(("units", "each"), [(1, 1), (6, 4)])
def test_the_agreement_pages_do_not_grow_with_the_scope(
    client, rm, customer_a, division, sla, units, each, django_assert_num_queries
):
    _scope(division, rm, units=units, each=each)
    client.force_login(rm)
    # session, user, agreement with unit and signer, agreements in force, covered
    # subscriptions with service and unit, their targets, the reviews, the history panel;
    # what waits for the viewer (the navigation's count): their groups, then escalations at
    # their levels, orders and overdue actions counted.
    with django_assert_num_queries(12):
        staff = client.get(reverse("services:agreement-detail", args=[sla.pk]))
    assert len(staff.context["subscriptions"]) == units * each
    client.force_login(customer_a.user)
    # session, user, the person's contacts (portal_view), their contacts again (visible_to),
    # their units, agreements in force and the agreement (the ones she reads), agreements in
    # force again and covered subscriptions, deciding customer, targets, measurements, review
    # notes; what waits for the person (the navigation's count): their customer contacts, the
    # requests awaiting their decision.
    with django_assert_num_queries(15):
        portal = client.get(reverse("portal:agreement-detail", args=[sla.pk]))
    assert len(portal.context["levels"]) == units * each
