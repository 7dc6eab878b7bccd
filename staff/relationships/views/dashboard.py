"""The dashboard of the signed-in staff member and the search across everything."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.search import search as search_everything
from customers import roles
from relationships import selectors
from relationships.context_processors import waiting_for_request
from staff.common import staff_required

# --- Dashboard and search -----------------------------------------------------------------


@staff_required
def dashboard(request):
    user = request.user
    whole = roles.manages_every_unit(user)
    manager_id = None
    if whole:
        try:
            manager_id = int(request.GET.get("rm") or 0) or None
        except ValueError:
            manager_id = None
    today = timezone.localdate()
    context = {
        **selectors.dashboard_for(user=user, manager_id=manager_id, today=today),
        "now": timezone.now(),
        "whole_organisation": whole,
        "managers": list(selectors.relationship_managers()) if whole else [],
        "manager_id": manager_id,
        "waiting": waiting_for_request(request),
        "nav": "dashboard",
    }
    return render(request, "relationships/dashboard.html", context)


SEARCH_LINKS = {
    "unit": "customers:unit-detail",
    "contact": "customers:contact-detail",
    "service": "services:service-detail",
    "interaction": "relationships:interaction-detail",
    "requirement": "relationships:requirement-detail",
    "escalation": "relationships:escalation-detail",
}
SEARCH_ICONS = {
    "unit": "buildings",
    "contact": "person",
    "service": "grid",
    "interaction": "chat-left-text",
    "requirement": "lightbulb",
    "escalation": "exclamation-octagon",
}


SUGGESTIONS = 8


def _search_results(user, query: str) -> list[dict]:
    return [
        {
            "hit": hit,
            "url": reverse(SEARCH_LINKS[hit.kind], args=[hit.pk]),
            "icon": SEARCH_ICONS.get(hit.kind, "dot"),
            "label": hit.kind.capitalize(),
        }
        for hit in search_everything(user=user, query=query)
        if hit.kind in SEARCH_LINKS
    ]


@staff_required
def search(request):
    """The search page; with htmx (typing in the navbar's box) a short list of suggestions."""
    query = request.GET.get("q", "").strip()
    results = _search_results(request.user, query)
    if request.headers.get("HX-Request") == "true":
        return render(
            request,
            "relationships/_search_suggestions.html",
            {"search_query": query, "results": results[:SUGGESTIONS], "more": len(results) > SUGGESTIONS},
        )
    return render(
        request,
        "relationships/search.html",
        {"search_query": query, "results": results, "too_short": 0 < len(query) < 2},
    )
