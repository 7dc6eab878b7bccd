"""Boards and lists of the relationship pages read a fixed number of queries however many
rows there are; and no staff page carries an inline script (a content security policy
will forbid them)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.relationships.factories import (
    EscalationFactory,
    FollowUpActionFactory,
    InteractionFactory,
    OpportunityFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _rows(unit, n):
    for i in range(n):
        EscalationFactory(unit=unit, level=1 + i % 3)
        RequirementFactory(unit=unit, status="submitted" if i % 2 else "draft")
        FollowUpActionFactory(unit=unit)
        OpportunityFactory(unit=unit)
        InteractionFactory(unit=unit)


@pytest.mark.parametrize(
    "name",
    [
        "relationships:escalation-board",
        "relationships:requirement-board",
        "relationships:action-list",
        "relationships:opportunity-list",
        "relationships:interaction-list",
        "relationships:campaign-list",
    ],
)
def test_page_queries_do_not_grow_with_rows(client, rm, unit_a, name):
    client.force_login(rm)
    url = reverse(name)
    _rows(unit_a, 3)
    few = _count(client, url)
    _rows(unit_a, 30)
    assert _count(client, url) == few


SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/escalations/",
        "/requirements/",
        "/actions/",
        "/interactions/",
        "/surveys/",
        "/search/?q=ac",
    ],
)
def test_no_inline_scripts(client, rm, unit_a, url):
    client.force_login(rm)
    html = client.get(url).content.decode()
    for attributes in SCRIPT.findall(html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
