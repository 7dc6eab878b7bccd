"""The dashboard and the unit page with cached reads on (core.freshness): the second visit
is served from the cache, and a committed write shows on the very next visit.

transaction=True: the data generation moves when a write commits, which a test inside
one transaction never does.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from relationships.models import Interaction
from tests.relationships.factories import EscalationFactory, InteractionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("read_cache_on")]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_dashboard_is_served_from_the_cache_until_a_write_commits(
    rm_client, unit_a, django_assert_max_num_queries
):
    assert "Printers down" not in rm_client.get("/dashboard/").content.decode()
    # Warm: the session, the user and the role checks; none of the dashboard's reads.
    with django_assert_max_num_queries(5):
        assert rm_client.get("/dashboard/").status_code == 200

    EscalationFactory(unit=unit_a, subject="Printers down", level=2)

    html = rm_client.get("/dashboard/").content.decode()
    assert "Printers down" in html


def test_a_cached_dashboard_is_one_persons(client, rm, other_rm, unit_a, unit_b):
    client.force_login(rm)
    assert "Accounts Payable" in client.get("/dashboard/").content.decode()
    client.force_login(other_rm)
    html = client.get("/dashboard/").content.decode()
    assert "Sales Operations" in html and "Accounts Payable" not in html
    assert "Good day, Otto" in html


def test_unit_page_is_served_from_the_cache_until_a_write_commits(
    rm_client, unit_a, django_assert_max_num_queries
):
    url = reverse("customers:unit-detail", args=[unit_a.pk])
    assert "Budget talk" not in rm_client.get(url).content.decode()
    with django_assert_max_num_queries(2):  # the session and the user
        assert rm_client.get(url).status_code == 200

    InteractionFactory(unit=unit_a, subject="Budget talk")

    assert "Budget talk" in rm_client.get(url).content.decode()


def test_quick_log_post_shows_on_the_next_visit_of_the_cached_unit_page(rm_client, unit_a):
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


def test_cached_unit_page_still_gets_a_fresh_csrf_token_each_time(rm_client, unit_a):
    url = reverse("customers:unit-detail", args=[unit_a.pk])
    first = CSRF_INPUT.findall(rm_client.get(url).content.decode())
    second = CSRF_INPUT.findall(rm_client.get(url).content.decode())
    # The quick-log form and the sign-out form; a token kept in the cache would repeat.
    assert len(first) == len(second) == 2
    assert not set(first) & set(second)


def test_a_unit_page_cached_for_its_manager_is_read_only_for_another(client, rm, other_rm, unit_a):
    url = reverse("customers:unit-detail", args=[unit_a.pk])
    client.force_login(rm)
    assert "Log interaction" in client.get(url).content.decode()
    client.force_login(other_rm)
    html = client.get(url).content.decode()
    assert "Read-only: not in your portfolio" in html
    assert "Log interaction" not in html


def test_unknown_unit_is_404_with_the_cache_on(rm_client):
    assert rm_client.get(reverse("customers:unit-detail", args=[987654])).status_code == 404


def test_what_waits_and_its_count_show_fresh_after_a_write(
    rm_client, unit_a, purchaser_a, rm, django_assert_max_num_queries
):
    from services.services import subscription_fulfil, subscription_order
    from tests.services.factories import ServiceFactory

    badge = '<span class="badge rounded-pill text-bg-warning">1</span>'
    html = rm_client.get("/dashboard/").content.decode()
    assert "Nothing waits for you" in html
    # Warm: the count in the navigation and the dashboard come from the cache.
    with django_assert_max_num_queries(5):
        assert rm_client.get("/dashboard/").status_code == 200

    order = subscription_order(unit=unit_a, service=ServiceFactory(name="Scanner app"), by=purchaser_a.user)

    html = rm_client.get("/dashboard/").content.decode()
    assert "Scanner app for Accounts Payable" in html and badge in html
    # Another page's navigation counts it too, and stops counting once it is decided.
    assert badge in rm_client.get(reverse("services:order-queue")).content.decode()
    subscription_fulfil(subscription=order, by=rm)
    html = rm_client.get("/dashboard/").content.decode()
    assert "Scanner app for Accounts Payable" not in html and badge not in html
