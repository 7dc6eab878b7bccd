"""The dashboard and the unit page show a write on the very next visit, and each person
sees their own."""

import pytest
from django.urls import reverse
from django.utils import timezone

from relationships.models import Interaction
from tests.relationships.factories import EscalationFactory, InteractionFactory

pytestmark = pytest.mark.django_db


def test_dashboard_shows_a_write_on_the_next_visit(rm_client, unit_a):
    assert "Printers down" not in rm_client.get("/dashboard/").content.decode()

    EscalationFactory(unit=unit_a, subject="Printers down", level=2)

    html = rm_client.get("/dashboard/").content.decode()
    assert "Printers down" in html


def test_a_dashboard_is_one_persons(client, rm, other_rm, unit_a, unit_b):
    client.force_login(rm)
    assert "Accounts Payable" in client.get("/dashboard/").content.decode()
    client.force_login(other_rm)
    html = client.get("/dashboard/").content.decode()
    assert "Sales Operations" in html and "Accounts Payable" not in html
    assert "Good day, Otto" in html


def test_unit_page_shows_a_write_on_the_next_visit(rm_client, unit_a):
    url = reverse("customers:unit-detail", args=[unit_a.pk])
    assert "Budget talk" not in rm_client.get(url).content.decode()

    InteractionFactory(unit=unit_a, subject="Budget talk")

    assert "Budget talk" in rm_client.get(url).content.decode()


def test_quick_log_post_shows_on_the_next_visit_of_the_unit_page(rm_client, unit_a):
    url = reverse("customers:unit-detail", args=[unit_a.pk])
    rm_client.get(url)
    response = rm_client.post(
        reverse("relationships:interaction-log", args=[unit_a.pk]),
        {
            "kind": Interaction.Kind.MEETING,
            "subject": "Quarterly check-in",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "sentiment": Interaction.Sentiment.POSITIVE,
            "notes": "",
        },
    )
    assert response.status_code == 302
    rm_client.get(url)  # shows (and so uses up) the "Logged …" message
    assert "Quarterly check-in" in rm_client.get(url).content.decode()


def test_a_unit_page_editable_for_its_manager_is_read_only_for_another(client, rm, other_rm, unit_a):
    url = reverse("customers:unit-detail", args=[unit_a.pk])
    client.force_login(rm)
    assert "Log interaction" in client.get(url).content.decode()
    client.force_login(other_rm)
    html = client.get(url).content.decode()
    assert "Read-only: not in your portfolio" in html
    assert "Log interaction" not in html


def test_unknown_unit_is_404(rm_client):
    assert rm_client.get(reverse("customers:unit-detail", args=[987654])).status_code == 404


def test_what_waits_and_its_count_show_fresh_after_a_write(rm_client, unit_a, purchaser_a, rm):
    from services.services import subscription_fulfil, subscription_order
    from tests.services.factories import ServiceFactory

    badge = '<span class="badge rounded-pill text-bg-warning">1</span>'
    html = rm_client.get("/dashboard/").content.decode()
    assert "Nothing waits for you" in html

    order = subscription_order(unit=unit_a, service=ServiceFactory(name="Scanner app"), by=purchaser_a.user)

    html = rm_client.get("/dashboard/").content.decode()
    assert "Scanner app for Accounts Payable" in html and badge in html
    # Another page's navigation counts it too, and stops counting once it is decided.
    assert badge in rm_client.get(reverse("services:order-queue")).content.decode()
    subscription_fulfil(subscription=order, by=rm)
    html = rm_client.get("/dashboard/").content.decode()
    assert "Scanner app for Accounts Payable" not in html and badge not in html
