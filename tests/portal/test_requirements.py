import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import OutgoingEmail
from relationships.models import Requirement
from tests.portal.conftest import in_days, subscribe
from tests.relationships.factories import RequirementFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("portal:requirement-create")


def _form(**overrides):
    data = {
        "title": "Scan invoices",
        "kind": "new_service",
        "description": "Read PDF invoices into the ledger.",
        "priority": "medium",
        "desired_by": "",
        "action": "draft",
    }
    return {**data, **overrides}


def test_purchaser_prepares_a_draft(client, purchaser_a, unit_a):
    client.force_login(purchaser_a.user)
    response = client.post(CREATE, _form(unit=unit_a.pk))
    requirement = Requirement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:requirement-detail", args=[requirement.pk])
    assert (requirement.status, requirement.unit, requirement.prepared_by) == ("draft", unit_a, purchaser_a)


def test_purchaser_prepares_and_submits_in_one_go(client, purchaser_a, unit_a):
    client.force_login(purchaser_a.user)
    client.post(CREATE, _form(unit=unit_a.pk, action="submit"))
    requirement = Requirement.objects.get()
    assert requirement.status == Requirement.Status.SUBMITTED
    assert requirement.submitted_at is not None


def test_a_purchaser_with_one_unit_need_not_choose_it(client, purchaser_a, unit_a):
    client.force_login(purchaser_a.user)
    page = client.get(CREATE).content.decode()
    assert 'type="hidden" name="unit"' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"description": "  "}, "description", "This field is required."),
        ({"kind": "change"}, "service", "A change request must name the service to change."),
        ({"kind": "nonsense"}, "kind", "Select a valid choice."),
        ({"priority": "urgent!!"}, "priority", "Select a valid choice."),
        ({"desired_by": "2001-01-01"}, "desired_by", "The desired date cannot be in the past."),
        ({"desired_by": "31/02/2026x"}, "desired_by", "Enter a valid date."),
        ({"title": "x" * 201}, "title", "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_input_is_answered_by_the_field_and_saves_nothing(
    client, purchaser_a, unit_a, overrides, field, message
):
    client.force_login(purchaser_a.user)
    response = client.post(CREATE, _form(unit=unit_a.pk, **overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert not Requirement.objects.exists()


def test_a_unit_outside_ones_reach_is_refused(client, purchaser_a, unit_b):
    client.force_login(purchaser_a.user)
    response = client.post(CREATE, _form(unit=unit_b.pk))
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert not Requirement.objects.exists()


def test_submit_a_draft(client, purchaser_a, unit_a):
    requirement = RequirementFactory(unit=unit_a, prepared_by=purchaser_a)
    client.force_login(purchaser_a.user)
    client.post(reverse("portal:requirement-submit", args=[requirement.pk]))
    requirement.refresh_from_db()
    assert requirement.status == Requirement.Status.SUBMITTED


def test_submitting_twice_says_why_not(client, purchaser_a, unit_a):
    requirement = RequirementFactory(unit=unit_a, prepared_by=purchaser_a, status="submitted")
    client.force_login(purchaser_a.user)
    response = client.post(reverse("portal:requirement-submit", args=[requirement.pk]), follow=True)
    assert "awaiting decision; it cannot be submitted now" in response.content.decode()


def test_purchaser_is_never_offered_a_decision(client, purchaser_a, customer_a, unit_a):
    requirement = RequirementFactory(unit=unit_a, prepared_by=purchaser_a, status="submitted")
    client.force_login(purchaser_a.user)
    page = client.get(reverse("portal:requirement-detail", args=[requirement.pk])).content.decode()
    assert reverse("portal:requirement-decide", args=[requirement.pk]) not in page
    assert "Waiting for Carla Cfo to decide" in page


def test_a_forged_decision_by_a_purchaser_is_refused_with_a_message(client, purchaser_a, customer_a, unit_a):
    requirement = RequirementFactory(unit=unit_a, prepared_by=purchaser_a, status="submitted")
    client.force_login(purchaser_a.user)
    response = client.post(
        reverse("portal:requirement-decide", args=[requirement.pk]), {"decision": "approve", "reason": "me"}
    )
    assert response.status_code == 403
    assert "Only the deciding customer of Accounts Payable (Carla Cfo) may approve a requirement." in (
        response.content.decode()
    )
    requirement.refresh_from_db()
    assert (requirement.status, requirement.decided_by) == ("submitted", None)
    assert not OutgoingEmail.objects.exists()


def test_deciding_customer_sees_what_awaits_them(client, customer_a, purchaser_a, unit_a):
    requirement = RequirementFactory(
        unit=unit_a, prepared_by=purchaser_a, status="submitted", title="Scan it"
    )
    client.force_login(customer_a.user)
    home = client.get(reverse("portal:home")).content.decode()
    assert "Waiting for you: your decision" in home and "Scan it" in home
    detail = client.get(reverse("portal:requirement-detail", args=[requirement.pk])).content.decode()
    assert reverse("portal:requirement-decide", args=[requirement.pk]) in detail


def test_purchaser_home_has_no_decision_box(client, customer_a, purchaser_a, unit_a):
    RequirementFactory(unit=unit_a, prepared_by=purchaser_a, status="submitted")
    client.force_login(purchaser_a.user)
    home = client.get(reverse("portal:home")).content.decode()
    assert "your decision" not in home and "Review and decide" not in home
    assert "Nothing waits for you right now." in home


def test_customer_approves_and_the_manager_is_mailed(
    client, customer_a, purchaser_a, unit_a, rm, django_capture_on_commit_callbacks
):
    requirement = RequirementFactory(
        unit=unit_a, prepared_by=purchaser_a, status="submitted", title="Scan it"
    )
    client.force_login(customer_a.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:requirement-decide", args=[requirement.pk]),
            {"decision": "approve", "reason": "Worth it"},
        )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.status, requirement.decided_by, requirement.decision_reason) == (
        "approved",
        customer_a,
        "Worth it",
    )
    [to_manager] = [m for m in mail.outbox if m.to == [rm.email]]
    assert "Scan it" in to_manager.subject
    # The purchaser who prepared it hears the outcome, who decided, why, and where to see it.
    [to_requester] = [m for m in mail.outbox if m.to == [purchaser_a.email]]
    assert len(mail.outbox) == 2
    assert to_requester.subject == "Your request “Scan it” was approved"
    assert "Carla Cfo approved your request" in to_requester.body
    assert "Worth it" in to_requester.body
    assert f"/portal/requests/{requirement.pk}/" in to_requester.body
    html = to_requester.alternatives[0][0]
    assert "Carla Cfo" in html and "Worth it" in html


def test_customer_rejects_with_a_reason(
    client, customer_a, purchaser_a, unit_a, rm, django_capture_on_commit_callbacks
):
    requirement = RequirementFactory(unit=unit_a, prepared_by=purchaser_a, status="submitted")
    client.force_login(customer_a.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("portal:requirement-decide", args=[requirement.pk]),
            {"decision": "reject", "reason": "No budget"},
        )
    requirement.refresh_from_db()
    assert (requirement.status, requirement.decision_reason) == ("rejected", "No budget")
    assert sorted(address for m in mail.outbox for address in m.to) == sorted([rm.email, purchaser_a.email])
    [to_requester] = [m for m in mail.outbox if m.to == [purchaser_a.email]]
    assert "rejected your request" in to_requester.body and "Reason given: No budget" in to_requester.body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "reject", "reason": "  "}, "reason", "Say why the requirement is rejected."),
        ({"decision": "maybe"}, "decision", "Select a valid choice."),
    ],
)
def test_bad_decisions_are_answered_by_the_field(
    client, customer_a, purchaser_a, unit_a, data, field, message
):
    requirement = RequirementFactory(unit=unit_a, prepared_by=purchaser_a, status="submitted")
    client.force_login(customer_a.user)
    response = client.post(reverse("portal:requirement-decide", args=[requirement.pk]), data)
    assert response.status_code == 400
    assert any(message in e for e in response.context["decision_form"].errors[field])
    assert message in response.content.decode()
    requirement.refresh_from_db()
    assert requirement.status == Requirement.Status.SUBMITTED
    assert not OutgoingEmail.objects.exists()


def test_a_change_request_names_a_service_the_unit_uses(client, purchaser_a, unit_a):
    sub = subscribe(unit_a, name="Payments")
    client.force_login(purchaser_a.user)
    client.post(
        CREATE,
        _form(unit=unit_a.pk, kind="change", service=sub.service.pk, desired_by=in_days(30).isoformat()),
    )
    requirement = Requirement.objects.get()
    assert (requirement.kind, requirement.service) == ("change", sub.service)


def test_list_filters_by_status(client, purchaser_a, unit_a):
    RequirementFactory(unit=unit_a, title="Draft one")
    RequirementFactory(unit=unit_a, title="Sent one", status="submitted")
    client.force_login(purchaser_a.user)
    page = client.get(reverse("portal:requirement-list"), {"status": "submitted"}).content.decode()
    assert "Sent one" in page and "Draft one" not in page


def test_change_requests_offer_the_units_current_services_only(client, purchaser_a, unit_a, unit_b):
    from tests.services.factories import SubscriptionFactory

    used = subscribe(unit_a, name="Payments").service
    shared = subscribe(unit_a, name="Sales CRM", months=0).service
    SubscriptionFactory(unit=unit_b, service=shared, status="ended")  # ended elsewhere: irrelevant here
    gone = subscribe(unit_a, name="Fax", months=0, status="ended").service
    client.force_login(purchaser_a.user)
    choices = list(client.get(CREATE).context["form"].fields["service"].queryset)
    assert choices == [used, shared] and gone not in choices


def test_the_awaiting_decision_mail_template_links_to_the_portal(customer_a, purchaser_a, unit_a):
    """Ready for requirement_submit to send (see the report): it renders and links here."""
    from django.template.loader import render_to_string

    requirement = RequirementFactory(unit=unit_a, prepared_by=purchaser_a, title="Scan it")
    context = {"requirement": requirement, "decider": customer_a, "base_url": "https://brm.example"}
    text = render_to_string("emails/portal_requirement_submitted.txt", context)
    html = render_to_string("emails/portal_requirement_submitted.html", context)
    link = f"https://brm.example{reverse('portal:requirement-detail', args=[requirement.pk])}"
    assert "Hello Carla" in text and "Piet Purchaser asks you" in text and link in text and link in html
