"""Acceptance 1: every list endpoint costs the same number of queries with 5 and with 50
rows per table (no N+1), for IT staff and for a business contact.

What one list costs, e.g. /subscriptions/ for a business contact: the caller's contacts
(visible units), COUNT for the pager, the page with its joins and attainment subqueries;
prefetched relations (interaction contacts and staff, escalation events, survey ratings,
service targets) add one query each, whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import make_rows

pytestmark = pytest.mark.django_db

LISTS = [
    "units",
    "contacts",
    "objectives",
    "services",
    "targets",
    "agreements",
    "subscriptions",
    "measurements",
    "interactions",
    "actions",
    "requirements",
    "opportunities",
    "survey-campaigns",
    "survey-invitations",
    "survey-responses",
    "escalations",
    "health",
]


def _costs(client) -> dict[str, tuple[int, int, list[str]]]:
    costs = {}
    for name in LISTS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{name}/", {"page_size": 100})
        rows = len(response.json()["results"]) if response.status_code == 200 else -1
        costs[name] = (len(queries), rows, [q["sql"][:160] for q in queries.captured_queries])
    return costs


@pytest.mark.parametrize("actor", ["rm", "customer_a"])
def test_lists_cost_the_same_with_5_and_50_rows(
    actor, unit_a, unit_b, purchaser_a, contact_b, campaign, api_as
):
    client = api_as(actor)
    make_rows(unit_a, contact=purchaser_a, campaign=campaign, n=5)
    make_rows(unit_b, contact=contact_b, campaign=campaign, n=5)
    small = _costs(client)
    make_rows(unit_a, contact=purchaser_a, campaign=campaign, n=45, contact_answers=False)
    make_rows(unit_b, contact=contact_b, campaign=campaign, n=45, contact_answers=False)
    large = _costs(client)

    for name in LISTS:
        (few, few_rows, _), (many, many_rows, sql) = small[name], large[name]
        assert few == many, f"{name}: {few} queries with 5 rows, {many} with 50:\n" + "\n".join(sql)
        if few_rows > 1:  # the list really grew, so the comparison means something
            assert many_rows > few_rows, name
    # The numbers themselves, so a new join that sneaks in shows up here.
    assert {name: cost[0] for name, cost in large.items()} == EXPECTED[actor]


# Staff: COUNT + page (+1 per prefetch: service targets; interaction contacts and staff;
# survey ratings; escalation events). A business contact: +1 for their own contacts (which
# units they see); 0 where the resource is staff-only (403 before any query); survey
# answers: only the COUNT, as the customer gave none of them. The lists of millions of rows
# (interactions, escalations, measurements: brm.api.pagination.LargeTablePaginator) read
# the page's ids, then its rows: one more. Subscriptions (and a business contact's
# agreements, which include those covering their services) read the agreements in force
# first: the covering agreement is computed from them (services.selectors). Health reads
# the page of units, the units below them, the campaigns of the year ranked, then the
# summaries (relationships.summaries).
EXPECTED = {
    "rm": {
        "units": 2,
        "contacts": 2,
        "objectives": 2,
        "services": 3,
        "targets": 2,
        "agreements": 2,
        "subscriptions": 3,
        "measurements": 3,
        "interactions": 5,
        "actions": 2,
        "requirements": 2,
        "opportunities": 2,
        "survey-campaigns": 2,
        "survey-invitations": 2,
        "survey-responses": 3,
        "escalations": 4,
        "health": 9,
    },
    "customer_a": {
        "units": 3,
        "contacts": 3,
        "objectives": 3,
        "services": 3,
        "targets": 2,
        "agreements": 4,
        "subscriptions": 4,
        "measurements": 4,
        "interactions": 6,
        "actions": 0,
        "requirements": 3,
        "opportunities": 0,
        "survey-campaigns": 0,
        "survey-invitations": 0,
        "survey-responses": 1,
        "escalations": 5,
        "health": 0,
    },
}
