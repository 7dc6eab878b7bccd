"""Edit forms in Chromium: the date, time and select inputs show what is stored, and Save
without touching anything saves the row as it was (the guard in
tests/ui/test_edit_forms_roundtrip.py does this for every page, reading the HTML as a
browser would; this checks a real browser agrees)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import BusinessObjective, Contact
from relationships.models import FollowUpAction, Interaction
from services.models import Agreement
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _save_unchanged(page, url: str):
    page.goto(url)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert page.url != url, page.locator(".invalid-feedback, .alert-danger").all_inner_texts()


def test_an_action_and_an_agreement_show_their_dates_and_save_unchanged(
    page, live_server, demo_sign_in, screenshot
):
    action = FollowUpAction.objects.filter(unit__relationship_manager__username="rita").first()
    agreement = Agreement.objects.get(reference="sla-fin")
    demo_sign_in("rita")

    url = live_server.url + reverse("relationships:action-edit", args=[action.pk])
    page.goto(url)
    assert page.get_by_label("Due on").input_value() == action.due_on.isoformat()
    assert page.get_by_label("Owner").input_value() == str(action.owner_id)
    screenshot("edit-action-1366")
    _save_unchanged(page, url)
    assert FollowUpAction.objects.get(pk=action.pk).due_on == action.due_on

    url = live_server.url + reverse("services:agreement-edit", args=[agreement.pk])
    page.goto(url)
    assert page.get_by_label("Valid from").input_value() == agreement.valid_from.isoformat()
    assert page.get_by_label("Next review on").input_value() == agreement.next_review_on.isoformat()
    assert page.get_by_label("Unit").input_value() == str(agreement.unit_id)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits_width(page)
    screenshot("edit-agreement-390")
    _save_unchanged(page, url)
    fresh = Agreement.objects.get(pk=agreement.pk)
    assert (fresh.valid_from, fresh.valid_until, fresh.next_review_on) == (
        agreement.valid_from,
        agreement.valid_until,
        agreement.next_review_on,
    )


def test_a_contact_objective_and_interaction_save_unchanged(page, live_server, demo_sign_in, screenshot):
    contact = Contact.objects.get(email="carla.jansen@northwind.example")
    objective = BusinessObjective.objects.filter(unit__code="fin").first()
    interaction = Interaction.objects.filter(unit__relationship_manager__username="rita").first()
    demo_sign_in("rita")

    url = live_server.url + reverse("customers:contact-edit", args=[contact.pk])
    page.goto(url)
    assert page.get_by_label("Unit").input_value() == str(contact.unit_id)
    _save_unchanged(page, url)

    url = live_server.url + reverse("customers:objective-edit", args=[objective.pk])
    _save_unchanged(page, url)
    assert BusinessObjective.objects.get(pk=objective.pk).target_date == objective.target_date

    url = live_server.url + reverse("relationships:interaction-edit", args=[interaction.pk])
    page.goto(url)
    shown = timezone.localtime(interaction.occurred_at).strftime("%Y-%m-%dT%H:%M")
    assert page.get_by_label("When").input_value() == shown
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits_width(page)
    screenshot("edit-interaction-390")
    _save_unchanged(page, url)
    assert Interaction.objects.get(pk=interaction.pk).occurred_at == interaction.occurred_at
