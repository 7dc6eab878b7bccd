"""One search box over units, contacts, services, interactions, requirements and
escalations, respecting what the person may see.

On PostgreSQL it ranks by full-text relevance (the 'simple' configuration: names and
codes are not English words) and also finds words by their first letters; on SQLite it
falls back to a case-insensitive substring match. One query per kind, whatever the data.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, FloatField, Q, Value, When

MIN_QUERY_LENGTH = 2


@dataclass(frozen=True)
class SearchHit:
    kind: str
    pk: int
    title: str
    detail: str
    rank: float


@dataclass(frozen=True)
class SearchKind:
    """What one kind of object offers the search box: the rows a person may see, the title
    shown, the fields searched and the detail line (an attribute path)."""

    kind: str
    visible_to: Callable  # (user, units) -> queryset of the rows they may see
    title: Any  # an expression, e.g. F("name")
    fields: tuple[str, ...]
    detail: str


# Each domain app registers its kinds at start-up (AppConfig.ready); hits of equal rank
# keep the order of INSTALLED_APPS: units, contacts, services, then the relationship.
_KINDS: list[SearchKind] = []


# The units a person may see, read once per search and handed to every kind (the business
# units app registers it): a business contact's units cost one query, not one per kind.
_visible_units: Callable | None = None


def register(kind: SearchKind) -> None:
    _KINDS[:] = [known for known in _KINDS if known.kind != kind.kind] + [kind]


def register_visible_units(visible_units: Callable) -> None:
    global _visible_units
    _visible_units = visible_units


def _detail(obj, attribute: str) -> str:
    value = obj
    for part in attribute.split("."):
        value = getattr(value, part)
    return value() if callable(value) else str(value)


def search(*, user, query: str, limit_per_kind: int = 8, kinds: set[str] | None = None) -> list[SearchHit]:
    """Hits for `query`, best first, of every kind or only of `kinds` (one query per kind
    searched). Anonymous users and short queries find nothing."""
    query = " ".join(query.split())[:100]
    if not user.is_authenticated or len(query) < MIN_QUERY_LENGTH:
        return []
    use_full_text = connection.vendor == "postgresql"
    hits = []
    units = _visible_units(user)
    for searched in _KINDS:
        kind, title, fields, detail = searched.kind, searched.title, searched.fields, searched.detail
        if kinds is not None and kind not in kinds:
            continue
        queryset = searched.visible_to(user, units)
        substring = Q()
        for name in fields:
            substring |= Q(**{f"{name}__icontains": query})
        queryset = queryset.annotate(hit_title=title)
        starts = Case(
            When(hit_title__istartswith=query, then=Value(1.0)), default=Value(0.0), output_field=FloatField()
        )
        if use_full_text:
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = SearchVector(*fields, config="simple")
            terms = SearchQuery(query, config="simple", search_type="websearch")
            # ts_rank is never quite 0, so match with @@ and rank separately.
            queryset = queryset.annotate(document=vector, rank=SearchRank(vector, terms) + starts).filter(
                Q(document=terms) | substring
            )
        else:
            queryset = queryset.annotate(rank=starts).filter(substring)
        for obj in queryset.order_by("-rank", "hit_title")[:limit_per_kind]:
            hits.append(SearchHit(kind, obj.pk, obj.hit_title, _detail(obj, detail), float(obj.rank)))
    return sorted(hits, key=lambda hit: -hit.rank)
