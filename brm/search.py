"""One search box over units, contacts, services, interactions, requirements and
escalations, respecting what the person may see.

On PostgreSQL it ranks by full-text relevance (the 'simple' configuration: names and
codes are not English words) and also finds words by their first letters; on SQLite it
falls back to a case-insensitive substring match. One query per kind, whatever the data.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Concat

from customers.models import BusinessUnit, Contact
from relationships.models import Escalation, Interaction, Requirement
from services.models import Service

MIN_QUERY_LENGTH = 2


@dataclass(frozen=True)
class SearchHit:
    kind: str
    pk: int
    title: str
    detail: str
    rank: float


def _kinds(user):
    """(kind, visible queryset, title expression, searched fields, detail attribute)."""
    units = BusinessUnit.objects.visible_to(user)
    return [
        ("unit", units, F("name"), ["name", "code", "description"], "code"),
        (
            "contact",
            Contact.objects.filter(unit__in=units).select_related("unit"),
            Concat("first_name", Value(" "), "last_name"),
            ["first_name", "last_name", "email", "job_title"],
            "unit.name",
        ),
        (
            "service",
            Service.objects.all(),
            F("name"),
            ["name", "code", "description"],
            "get_lifecycle_display",
        ),
        (
            "interaction",
            Interaction.objects.visible_to(user, units=units).select_related("unit"),
            F("subject"),
            ["subject", "notes"],
            "unit.name",
        ),
        (
            "requirement",
            Requirement.objects.visible_to(user, units=units).select_related("unit"),
            F("title"),
            ["title", "description"],
            "unit.name",
        ),
        (
            "escalation",
            Escalation.objects.filter(unit__in=units).select_related("unit"),
            F("subject"),
            ["subject", "description"],
            "unit.name",
        ),
    ]


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
    for kind, queryset, title, fields, detail in _kinds(user):
        if kinds is not None and kind not in kinds:
            continue
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
