import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.portal.conftest import subscribe
from tests.relationships.factories import (
    EscalationFactory,
    InteractionFactory,
    RequirementFactory,
    SurveyInvitationFactory,
)
from tests.services.factories import AgreementFactory

pytestmark = pytest.mark.django_db

# The home page of a customer of a division, whatever the number of services:
#  1 session, 2 user, 3 the person's contacts (portal_view), 4 contacts again (visible_to),
#  5 units, 6 deciding customers, 7 the agreements in force (services.selectors), 8 subscriptions
#  with the id of the agreement covering each, 9 those agreements, 10 targets, 11 measurements,
# 12 agreements in force again and 13 the agreements the person reads, 14 orders, 15 requests
# in progress, 16 open escalations, 17 pending surveys, 18 shared notes; what waits for the
# person (the page and the navigation's count alike): 19 their customer contacts, 20 the
# requests awaiting their decision.
HOME_QUERIES = 20


def _populate(unit, customer, count):
    agreement = AgreementFactory(unit=unit)
    for n in range(count):
        subscribe(unit, months=6, agreement=agreement)
        RequirementFactory(unit=unit, status="submitted" if n % 2 else "draft")
        EscalationFactory(unit=unit)
        InteractionFactory(unit=unit, is_shared_with_business=True)
    SurveyInvitationFactory(contact=customer)


@pytest.mark.parametrize("count", [3, 30])
def test_home_makes_the_same_number_of_queries_for_3_and_30_services(
    client, customer_a, unit_a, count, django_assert_num_queries
):
    _populate(unit_a, customer_a, count)
    client.force_login(customer_a.user)
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert len(response.context["levels"]) == count


def test_lists_do_not_grow_with_rows(client, customer_a, unit_a):
    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    client.force_login(customer_a.user)
    _populate(unit_a, customer_a, 2)
    urls = [
        reverse(n)
        for n in [
            "portal:requirement-list",
            "portal:escalation-list",
            "portal:interaction-list",
            "portal:catalogue",
        ]
    ]
    small = [queries(url) for url in urls]
    _populate(unit_a, customer_a, 12)
    assert [queries(url) for url in urls] == small
