"""Staff pages of the relationship: access, lists with filters and exports, the
quick-log, escalation steps through the services, requirements, opportunities, surveys,
search and the service review."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from relationships.models import (
    Escalation,
    EscalationEvent,
    FollowUpAction,
    Interaction,
    Opportunity,
    Requirement,
)
from tests.customers.factories import ContactFactory
from tests.relationships.factories import (
    EscalationFactory,
    FollowUpActionFactory,
    InteractionFactory,
    OpportunityFactory,
    RequirementFactory,
    SurveyResponseFactory,
)
from tests.services.factories import AgreementFactory, MeasurementFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "relationships:interaction-list",
    "relationships:action-list",
    "relationships:action-create",
    "relationships:requirement-board",
    "relationships:requirement-create",
    "relationships:opportunity-list",
    "relationships:opportunity-create",
    "relationships:escalation-board",
    "relationships:escalation-raise",
    "relationships:campaign-list",
    "relationships:search",
    "services:service-list",
    "services:agreement-list",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_for_staff_and_not_for_others(client, rm, purchaser_a, name):
    url = reverse(name)
    assert client.get(url).status_code == 302  # anonymous: to sign in
    client.force_login(purchaser_a.user)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    client.force_login(rm)
    assert client.get(url).status_code == 200


def test_detail_pages_open(rm_client, unit_a, customer_a):
    interaction = InteractionFactory(unit=unit_a)
    requirement = RequirementFactory(unit=unit_a)
    escalation = EscalationFactory(unit=unit_a)
    agreement = AgreementFactory(unit=unit_a)
    subscription = SubscriptionFactory(unit=unit_a, agreement=agreement)
    MeasurementFactory(subscription=subscription)
    campaign = SurveyResponseFactory(invitation__contact=ContactFactory(unit=unit_a)).campaign
    for url in [
        reverse("relationships:interaction-detail", args=[interaction.pk]),
        f"/requirements/{requirement.pk}/",
        f"/escalations/{escalation.pk}/",
        reverse("services:agreement-detail", args=[agreement.pk]),
        reverse("services:service-detail", args=[subscription.service_id]),
        reverse("relationships:campaign-detail", args=[campaign.pk]),
        reverse("relationships:service-review", args=[agreement.pk]),
    ]:
        assert rm_client.get(url).status_code == 200, url


# --- Quick-log -----------------------------------------------------------------------------


def _log_data(**overrides):
    data = {
        "kind": "meeting",
        "subject": "Budget talk",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "sentiment": "positive",
        "notes": "All good.",
    }
    data.update(overrides)
    return data


def test_quick_log_through_htmx_logs_and_refreshes_the_timeline(rm_client, rm, unit_a, purchaser_a):
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = rm_client.post(
        reverse("relationships:interaction-log", args=[unit_a.pk]),
        _log_data(
            contacts=[purchaser_a.pk], action_0_title="Send proposal", action_0_owner=rm.pk, action_0_due=due
        ),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Logged “Budget talk” with 1 follow-up action." in html
    assert 'id="timeline" hx-swap-oob="true"' in html
    interaction = Interaction.objects.get(subject="Budget talk")
    assert list(interaction.contacts.all()) == [purchaser_a]
    assert interaction.actions.get().title == "Send proposal"


def test_quick_log_bad_input_shows_messages_at_the_fields_and_saves_nothing(rm_client, rm, unit_a):
    past = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    future = (timezone.now() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = rm_client.post(
        reverse("relationships:interaction-log", args=[unit_a.pk]),
        _log_data(subject="", action_0_title="Late already", action_0_owner=rm.pk, action_0_due=past),
        HTTP_HX_REQUEST="true",
    )
    form = response.context["form"]
    assert form.errors["subject"] == ["This field is required."]
    assert form.errors["action_0_due"] == ["A due date cannot be in the past."]
    assert 'id="error_1_id_subject"' in response.content.decode() or "is-invalid" in response.content.decode()
    # The service's rule (not in the future) comes back at its field too.
    response = rm_client.post(
        reverse("relationships:interaction-log", args=[unit_a.pk]), _log_data(occurred_at=future)
    )
    assert response.context["form"].errors["occurred_at"] == [
        "An interaction is logged after it happened, not in the future."
    ]
    assert not Interaction.objects.exists()
    assert not FollowUpAction.objects.exists()


def test_quick_log_on_another_portfolio_is_refused(rm_client, unit_b):
    response = rm_client.post(reverse("relationships:interaction-log", args=[unit_b.pk]), _log_data())
    assert response.status_code == 200
    assert "not in your portfolio" in response.content.decode()
    assert not Interaction.objects.exists()


# --- Escalations ---------------------------------------------------------------------------


def test_rm_acknowledges_and_escalates_with_the_services_messages(rm_client, unit_a):
    escalation = EscalationFactory(unit=unit_a, subject="Slow laptops")
    url = f"/escalations/{escalation.pk}/"
    response = rm_client.post(url, {"step": "acknowledge", "note": "On it"}, follow=True)
    assert "“Slow laptops” acknowledged." in response.content.decode()
    response = rm_client.post(url, {"step": "acknowledge"}, follow=True)
    assert "only an open one can be acknowledged" in response.content.decode()
    response = rm_client.post(url, {"step": "escalate"})
    assert "Say why it goes up a level" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.level == 1
    rm_client.post(url, {"step": "escalate", "note": "Needs a budget decision"})
    escalation.refresh_from_db()
    assert escalation.level == 2
    # Now at IT management: the relationship manager may no longer respond.
    response = rm_client.post(url, {"step": "resolve", "note": "Fixed"}, follow=True)
    assert "only that level" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN
    kinds = list(escalation.events.values_list("kind", flat=True))
    assert kinds == [EscalationEvent.Kind.ACKNOWLEDGED, EscalationEvent.Kind.ESCALATED]


def test_resolve_without_text_shows_the_message_at_the_note(client, it_manager, unit_a):
    escalation = EscalationFactory(unit=unit_a, level=2)
    client.force_login(it_manager)
    response = client.post(f"/escalations/{escalation.pk}/", {"step": "resolve", "note": "  "})
    assert response.context["form"].errors["note"] == ["Describe the resolution."]
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN


def test_escalation_board_groups_by_level_with_time_left(rm_client, unit_a):
    EscalationFactory(
        unit=unit_a, subject="Late one", respond_by=timezone.now() - datetime.timedelta(hours=2)
    )
    EscalationFactory(unit=unit_a, subject="At management", level=2)
    response = rm_client.get(reverse("relationships:escalation-board"))
    board = {level: [e.subject for e in cards] for level, _label, cards in response.context["board"]}
    assert board == {1: ["Late one"], 2: ["At management"], 3: []}
    assert "Deadline passed" in response.content.decode()
    csv = rm_client.get(reverse("relationships:escalation-board"), {"export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "Late one" in csv.content.decode("utf-8-sig")


def test_raise_an_escalation_for_a_unit(rm_client, unit_a):
    response = rm_client.post(
        reverse("relationships:escalation-raise"),
        {"unit": unit_a.pk, "subject": "Outage", "description": "Down since 9", "severity": "critical"},
    )
    escalation = Escalation.objects.get()
    assert response["Location"] == f"/escalations/{escalation.pk}/"
    assert escalation.level == 1 and escalation.raised_by_user is not None


# --- Requirements and opportunities ----------------------------------------------------


def test_requirement_board_by_status_and_steps(rm_client, unit_a, customer_a):
    draft = RequirementFactory(unit=unit_a, title="New expense tool")
    response = rm_client.get(reverse("relationships:requirement-board"))
    columns = {
        status: [r.title for r in cards] for status, _label, cards, _count in response.context["board"]
    }
    assert columns["draft"] == ["New expense tool"]
    rm_client.post(f"/requirements/{draft.pk}/", {"step": "submit"})
    draft.refresh_from_db()
    assert draft.status == Requirement.Status.SUBMITTED
    response = rm_client.post(f"/requirements/{draft.pk}/", {"step": "start"}, follow=True)
    assert "awaiting decision; it cannot be taken into delivery now" in response.content.decode()


def test_requirement_form_bad_input_at_the_field(rm_client, unit_a):
    response = rm_client.post(
        reverse("relationships:requirement-create"),
        {"unit": unit_a.pk, "title": "Change it", "description": "x", "kind": "change", "priority": "medium"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["service"] == ["A change request must name the service to change."]
    response = rm_client.post(
        reverse("relationships:requirement-create"),
        {
            "unit": unit_a.pk,
            "title": "Too late",
            "description": "x",
            "kind": "new_service",
            "priority": "medium",
            "desired_by": "2001-01-01",
        },
    )
    assert response.context["form"].errors["desired_by"] == ["The desired date cannot be in the past."]
    assert not Requirement.objects.exists()


def test_opportunity_create_and_read_only_elsewhere(rm_client, unit_a, unit_b):
    response = rm_client.post(
        reverse("relationships:opportunity-create"),
        {"unit": unit_a.pk, "title": "Automate invoices", "kind": "efficiency", "status": "identified"},
    )
    assert response.status_code == 302
    assert Opportunity.objects.get().title == "Automate invoices"
    other = OpportunityFactory(unit=unit_b, title="Not mine")
    response = rm_client.post(
        reverse("relationships:opportunity-edit", args=[other.pk]),
        {"unit": unit_b.pk, "title": "Hijacked", "kind": "efficiency", "status": "identified"},
    )
    assert "read-only" in response.content.decode()
    other.refresh_from_db()
    assert other.title == "Not mine"


# --- Lists ----------------------------------------------------------------------------------


def test_action_list_filters_status_changes_and_exports(rm_client, rm, unit_a):
    late = FollowUpActionFactory(
        unit=unit_a, owner=rm, title="Late", due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    FollowUpActionFactory(unit=unit_a, owner=rm, title="Later")
    response = rm_client.get(reverse("relationships:action-list"), {"overdue": "on"})
    assert [a.title for a in response.context["page"].object_list] == ["Late"]
    response = rm_client.post(
        reverse("relationships:action-status", args=[late.pk]), {"status": "done"}, HTTP_HX_REQUEST="true"
    )
    assert "Done" in response.content.decode()
    late.refresh_from_db()
    assert late.status == FollowUpAction.Status.DONE
    csv = rm_client.get(reverse("relationships:action-list"), {"status": "all", "export": "csv"}).content
    assert csv.decode("utf-8-sig").splitlines()[0] == "Action,Unit,Owner,Due,Status"


def test_interaction_list_paginates_in_constant_queries(rm_client, unit_a, django_assert_num_queries):
    for _ in range(60):
        InteractionFactory(unit=unit_a)
    # session, user, count, page of interactions with unit and author; the navigation's
    # count of what waits for her: her groups, then escalations, orders and overdue actions counted.
    with django_assert_num_queries(8):
        response = rm_client.get(reverse("relationships:interaction-list"), {"page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["rows"]) == 25


def test_search_finds_a_contact(rm_client, customer_a):
    response = rm_client.get(reverse("relationships:search"), {"q": "carla"})
    html = response.content.decode()
    assert "Carla Cfo" in html and reverse("customers:contact-detail", args=[customer_a.pk]) in html
    assert (
        "Type at least two letters"
        in rm_client.get(reverse("relationships:search"), {"q": "c"}).content.decode()
    )


# --- Service review -------------------------------------------------------------------------


def test_service_review_prefills_the_agenda_and_logs_a_review(rm_client, rm, unit_a, customer_a):
    agreement = AgreementFactory(unit=unit_a, title="Finance SLA", status="active", signed_by=customer_a)
    subscription = SubscriptionFactory(unit=unit_a, agreement=agreement)
    MeasurementFactory(subscription=subscription, period_start=timezone.localdate().replace(day=1))
    RequirementFactory(unit=unit_a, title="Open wish")
    url = reverse("relationships:service-review", args=[agreement.pk])
    form = rm_client.get(url).context["form"]
    agenda = form.initial["notes"]
    assert "met 1 of 1" in agenda and "Open wish" in agenda
    response = rm_client.post(
        url,
        {
            "subject": "Review",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "notes": agenda,
            "sentiment": "neutral",
            "action_0_title": "Raise availability target",
            "action_0_owner": rm.pk,
            "action_0_due": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        },
    )
    review = Interaction.objects.get()
    action = review.actions.get()
    assert (action.title, action.agreement) == ("Raise availability target", agreement)
    assert response["Location"] == reverse("services:agreement-detail", args=[agreement.pk])
    assert review.kind == Interaction.Kind.SERVICE_REVIEW and review.agreement == agreement
    agreement.refresh_from_db()
    assert agreement.last_reviewed_on == timezone.localdate()


def test_search_suggestions_for_the_navbar(rm_client, customer_a):
    response = rm_client.get(reverse("relationships:search"), {"q": "carl"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'role="listbox"' in html and "Carla Cfo" in html
    assert "<nav" not in html  # a fragment, not the page
    nothing = rm_client.get(reverse("relationships:search"), {"q": "zzqx"}, HTTP_HX_REQUEST="true")
    assert "Nothing found for “zzqx”." in nothing.content.decode()


def test_action_added_from_an_interaction_is_linked_to_it(rm_client, rm, unit_a):
    interaction = InteractionFactory(unit=unit_a)
    url = reverse("relationships:action-create")
    assert "Agreed in" in rm_client.get(url, {"interaction": interaction.pk}).content.decode()
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = rm_client.post(
        url,
        {
            "interaction": interaction.pk,
            "unit": unit_a.pk,
            "title": "Draft the plan",
            "owner": rm.pk,
            "due_on": due,
        },
    )
    assert response["Location"] == reverse("relationships:interaction-detail", args=[interaction.pk])
    assert interaction.actions.get().title == "Draft the plan"


def test_action_form_bad_input_saves_nothing(rm_client, unit_a, purchaser_a):
    response = rm_client.post(
        reverse("relationships:action-create"),
        {"unit": unit_a.pk, "title": "", "owner": purchaser_a.user_id, "due_on": "x"},
    )
    errors = response.context["form"].errors
    assert errors["title"] == ["This field is required."]
    assert "owner" in errors and "due_on" in errors
    assert not FollowUpAction.objects.exists()


def test_requirement_submitted_from_the_board_comes_back_to_it(rm_client, unit_a, unit_b, customer_a):
    mine = RequirementFactory(unit=unit_a, title="Mine")
    RequirementFactory(unit=unit_b, title="Theirs")
    board = rm_client.get(reverse("relationships:requirement-board")).content.decode()
    assert board.count("Submit for decision") == 1  # only where the RM may act
    response = rm_client.post(
        f"/requirements/{mine.pk}/", {"step": "submit", "next": "/requirements/?q=Mine"}
    )
    assert response["Location"] == "/requirements/?q=Mine"
    mine.refresh_from_db()
    assert mine.status == Requirement.Status.SUBMITTED


def test_next_never_leaves_the_site(rm_client, unit_a):
    escalation = EscalationFactory(unit=unit_a)
    response = rm_client.post(
        f"/escalations/{escalation.pk}/", {"step": "acknowledge", "next": "https://evil.example/phish"}
    )
    assert response["Location"] == f"/escalations/{escalation.pk}/"


def test_edit_an_interaction_through_the_service(rm_client, unit_a, unit_b, purchaser_a):
    interaction = InteractionFactory(unit=unit_a, subject="Typo in subjcet")
    url = reverse("relationships:interaction-edit", args=[interaction.pk])
    assert rm_client.get(url).context["form"].initial["subject"] == "Typo in subjcet"
    response = rm_client.post(url, _log_data(subject="Typo in subject", contacts=[purchaser_a.pk]))
    assert response["Location"] == reverse("relationships:interaction-detail", args=[interaction.pk])
    interaction.refresh_from_db()
    assert interaction.subject == "Typo in subject" and list(interaction.contacts.all()) == [purchaser_a]
    future = (timezone.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = rm_client.post(url, _log_data(subject="Changed", occurred_at=future))
    assert response.context["form"].errors["occurred_at"] == [
        "An interaction is logged after it happened, not in the future."
    ]
    interaction.refresh_from_db()
    assert interaction.subject == "Typo in subject"
    theirs = InteractionFactory(unit=unit_b, subject="Theirs")
    rm_client.post(reverse("relationships:interaction-edit", args=[theirs.pk]), _log_data(subject="Mine now"))
    theirs.refresh_from_db()
    assert theirs.subject == "Theirs"


def test_edit_an_action_and_bad_owner_at_the_field(rm_client, rm, other_rm, unit_a, unit_b, purchaser_a):
    action = FollowUpActionFactory(unit=unit_a, owner=rm, title="Old title")
    url = reverse("relationships:action-edit", args=[action.pk])
    due = (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    response = rm_client.post(
        url, {"unit": unit_b.pk, "title": "New title", "owner": other_rm.pk, "due_on": due}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.owner, action.unit) == ("New title", other_rm, unit_a)  # unit cannot move
    response = rm_client.post(url, {"title": "X", "owner": purchaser_a.user_id, "due_on": due})
    assert "owner" in response.context["form"].errors
    action.refresh_from_db()
    assert action.title == "New title"
    theirs = FollowUpActionFactory(unit=unit_b, owner=other_rm, title="Theirs")
    response = rm_client.post(
        reverse("relationships:action-edit", args=[theirs.pk]),
        {"title": "Mine", "owner": rm.pk, "due_on": due},
    )
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"


@pytest.mark.parametrize(
    "name",
    [
        "relationships:interaction-list",
        "relationships:action-list",
        "relationships:requirement-board",
        "relationships:opportunity-list",
        "relationships:escalation-board",
        "relationships:campaign-list",
        "services:service-list",
        "services:agreement-list",
    ],
)
def test_every_list_exports_csv_and_excel(rm_client, unit_a, name):
    InteractionFactory(unit=unit_a, subject="=HYPERLINK(evil)")
    FollowUpActionFactory(unit=unit_a)
    RequirementFactory(unit=unit_a)
    OpportunityFactory(unit=unit_a)
    EscalationFactory(unit=unit_a)
    AgreementFactory(unit=unit_a)
    csv = rm_client.get(reverse(name), {"export": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "attachment" in csv["Content-Disposition"]
    assert "=HYPERLINK" not in csv.content.decode("utf-8-sig").replace("'=HYPERLINK", "")
    xlsx = rm_client.get(reverse(name), {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_edit_a_draft_requirement_only(rm_client, unit_a):
    requirement = RequirementFactory(unit=unit_a, title="Draft")
    url = reverse("relationships:requirement-edit", args=[requirement.pk])
    data = {"title": "Better title", "description": "Why", "kind": "new_service", "priority": "high"}
    assert rm_client.post(url, data).status_code == 302
    requirement.refresh_from_db()
    assert (requirement.title, requirement.priority) == ("Better title", "high")
    response = rm_client.post(url, {**data, "kind": "change"})
    assert response.context["form"].errors["service"] == ["A change request must name the service to change."]
    Requirement.objects.filter(pk=requirement.pk).update(status=Requirement.Status.SUBMITTED)
    response = rm_client.post(url, {**data, "title": "Sneaky"}, follow=True)
    assert "Only a requirement being prepared" in response.content.decode()
    requirement.refresh_from_db()
    assert requirement.title == "Better title"


def test_action_added_from_an_escalation_is_listed_on_it(rm_client, rm, unit_a):
    escalation = EscalationFactory(unit=unit_a, subject="Slow VPN")
    url = reverse("relationships:action-create")
    assert (
        "To settle the escalation “Slow VPN”."
        in rm_client.get(url, {"escalation": escalation.pk}).content.decode()
    )
    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = rm_client.post(
        url,
        {
            "escalation": escalation.pk,
            "unit": unit_a.pk,
            "title": "Add capacity",
            "owner": rm.pk,
            "due_on": due,
        },
    )
    assert response["Location"] == f"/escalations/{escalation.pk}/"
    assert "Add capacity" in rm_client.get(response["Location"]).content.decode()
