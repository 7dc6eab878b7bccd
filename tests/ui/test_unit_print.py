"""The unit's relationship file: the 360° view laid out for print."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.customers.factories import BusinessUnitFactory
from tests.relationships.factories import InteractionFactory

from .unit_demo import Catalogue, populate_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    return Catalogue()


def test_the_unit_page_links_to_its_relationship_file(rm_client, unit_a):
    html = rm_client.get(reverse("customers:unit-detail", args=[unit_a.pk])).content.decode()
    assert reverse("customers:unit-print", args=[unit_a.pk]) in html


def test_the_file_holds_the_whole_relationship_and_prints(rm_client, unit_a, customer_a, catalogue):
    populate_unit(unit_a, catalogue=catalogue, contact_names=("Sam", "Stakeholder"))
    InteractionFactory(unit=unit_a, subject="Internal pricing talk", is_shared_with_business=False)
    html = rm_client.get(reverse("customers:unit-print", args=[unit_a.pk])).content.decode()

    for text in (
        "Relationship file",
        "Accounts Payable",
        "Deciding customer: Carla Cfo (of Finance)",
        "Workplace Service",
        "Availability",
        "Accounts Payable workplace agreement",
        "Send the roadmap",
        "(overdue)",
        "Self-service reporting for Accounts Payable",
        "Laptops arrive late at Accounts Payable",
        "Sam Stakeholder",
        "Cut invoice processing time",
        "Autumn survey",
        "Automate supplier onboarding",
        "Internal pricing talk",
        "Relationship health",
    ):
        assert text in html, text
    # A printable document: its own print styles, and a print button wired by a static
    # script, not an inline one.
    assert "css/print.css" in html and "js/print.js" in html
    assert re.search(r"<button[^>]*data-print[^>]*>.*Print / save as PDF", html)
    assert not re.search(r"<script>(?!\s*</script>)|onclick=", html)


def test_the_business_copy_leaves_out_what_it_keeps_to_itself(rm_client, unit_a, catalogue):
    populate_unit(unit_a, catalogue=catalogue)
    InteractionFactory(unit=unit_a, subject="Internal pricing talk", is_shared_with_business=False)
    InteractionFactory(unit=unit_a, subject="Roadmap shared", is_shared_with_business=True)
    html = rm_client.get(
        reverse("customers:unit-print", args=[unit_a.pk]), {"copy": "business"}
    ).content.decode()
    assert "Roadmap shared" in html
    assert "Internal pricing talk" not in html
    assert "Automate supplier onboarding" not in html
    assert "Relationship health" not in html


def test_print_styles_hide_the_screen_controls():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "print.css").read_text()
    rules = css.split("@media print", 1)[1]
    assert ".print-toolbar" in rules and "display: none" in rules and "@page" in rules


def test_only_staff_open_the_file(client, unit_a, purchaser_a):
    url = reverse("customers:unit-print", args=[unit_a.pk])
    assert client.get(url).status_code == 302
    client.force_login(purchaser_a.user)
    assert client.get(url)["Location"] == reverse("portal:home")


def _print_queries(client, unit) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("customers:unit-print", args=[unit.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_file_takes_the_same_queries_however_large_the_subtree(rm_client, rm, division, catalogue):
    """The unit page's queries (session, user, unit, overview) plus the open actions."""
    for _ in range(3):
        populate_unit(
            BusinessUnitFactory(parent=division, relationship_manager=rm), catalogue=catalogue, months=2
        )
    few = _print_queries(rm_client, division)
    for _ in range(12):
        populate_unit(
            BusinessUnitFactory(parent=division, relationship_manager=rm), catalogue=catalogue, months=2
        )
    assert _print_queries(rm_client, division) == few
