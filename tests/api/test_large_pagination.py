"""The pager of the lists that reach millions of rows (brm.api.pagination.LargeTablePaginator):
every page holds the rows plain offset paging gives, in the same order, whichever end it
is read from; a page costs the same queries wherever it lies; a big count is kept for a
while, a small one never."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from api import pagination
from relationships.models import Interaction
from tests.relationships.factories import InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    # Counts kept here must not answer another test's identical query.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def interactions(unit_a):
    base = timezone.now() - datetime.timedelta(days=1)
    # Pairs share a moment, so the id decides their order: a reversed read must keep it.
    return [
        InteractionFactory(unit=unit_a, occurred_at=base - datetime.timedelta(minutes=i // 2))
        for i in range(23)
    ]


def _ids(client, **params):
    response = client.get("/api/v1/interactions/", {"page_size": 5, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_pages_from_either_end_hold_the_rows_of_the_plain_order(api_as, interactions):
    client = api_as("rm")
    expected = list(Interaction.objects.order_by("-occurred_at", "id").values_list("pk", flat=True))
    seen = []
    for page in range(1, 6):  # pages 4 and 5 lie in the second half: read from the end
        body = _ids(client, page=page)
        assert body["count"] == 23
        seen += [row["id"] for row in body["results"]]
    assert seen == expected
    assert [row["id"] for row in _ids(client, page="last")["results"]] == expected[20:]


def test_a_reversed_ordering_is_paged_from_the_end_too(api_as, interactions):
    expected = list(Interaction.objects.order_by("occurred_at", "-id").values_list("pk", flat=True))
    body = _ids(api_as("rm"), page=4, ordering="occurred_at")
    assert [row["id"] for row in body["results"]] == expected[15:20]


def test_a_deep_page_costs_what_the_first_one_does(api_as, interactions, django_assert_num_queries):
    client = api_as("rm")
    # COUNT, the page's ids, its rows, their contacts, their staff.
    with django_assert_num_queries(5):
        _ids(client, page=1)
    with django_assert_num_queries(5):
        _ids(client, page=5)


def test_a_page_past_the_end_is_a_404(api_as, interactions):
    assert api_as("rm").get("/api/v1/interactions/", {"page_size": 5, "page": 6}).status_code == 404


def test_a_big_count_is_kept_and_a_small_one_is_not(
    api_as, interactions, monkeypatch, django_assert_num_queries
):
    client = api_as("rm")
    _ids(client, page=1)
    InteractionFactory(unit=interactions[0].unit)
    assert _ids(client, page=1)["count"] == 24  # small: counted afresh every time

    monkeypatch.setattr(pagination, "COUNT_CACHE_FROM", 10)
    assert _ids(client, page=1)["count"] == 24
    InteractionFactory(unit=interactions[0].unit)
    with django_assert_num_queries(4):  # no COUNT: the kept one answers
        assert _ids(client, page=1)["count"] == 24
    cache.clear()
    assert _ids(client, page=1)["count"] == 25
