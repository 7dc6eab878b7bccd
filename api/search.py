"""GET /api/v1/search/?q=: the staff search box (core/search.py) for API clients.

What a person finds is what they may see: a business contact's token finds their own
unit's rows and the service catalogue, never another unit's. At most HITS_PER_KIND hits
of each kind, best first: a bounded answer, so no paging.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.search import MIN_QUERY_LENGTH, search

HITS_PER_KIND = 8
MAX_QUERY_LENGTH = 100
# The kind of a hit and the API resource that shows it.
RESOURCES = {
    "unit": "unit-detail",
    "contact": "contact-detail",
    "service": "service-detail",
    "interaction": "interaction-detail",
    "requirement": "requirement-detail",
    "escalation": "escalation-detail",
}


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        min_length=MIN_QUERY_LENGTH,
        max_length=MAX_QUERY_LENGTH,
        trim_whitespace=True,
        help_text="Words or the first letters of words: names, codes, e-mail addresses, notes.",
    )
    kind = serializers.ChoiceField(
        choices=list(RESOURCES), required=False, help_text="Only hits of this kind."
    )


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(RESOURCES))
    id = serializers.IntegerField()
    title = serializers.CharField()
    detail = serializers.CharField(help_text="The unit, code or lifecycle that tells hits apart.")
    rank = serializers.FloatField(help_text="Relevance: higher is better.")
    url = serializers.CharField(help_text="The API address of the object.")


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField()
    results = SearchHitSerializer(many=True)


class SearchView(APIView):
    @extend_schema(
        operation_id="search",
        summary="Search units, contacts, services, interactions, requirements and escalations",
        description=(
            f"Best first, at most {HITS_PER_KIND} hits of each kind. A business contact finds only "
            "what they may see: their own unit's rows (interactions shared with the business) and "
            "the service catalogue."
        ),
        parameters=[SearchQuerySerializer],
        responses={200: SearchResultSerializer},
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query, kind = params.validated_data["q"], params.validated_data.get("kind")
        hits = search(
            user=request.user, query=query, limit_per_kind=HITS_PER_KIND, kinds={kind} if kind else None
        )
        results = [
            {
                "kind": hit.kind,
                "id": hit.pk,
                "title": hit.title,
                "detail": hit.detail,
                "rank": hit.rank,
                "url": request.build_absolute_uri(reverse(RESOURCES[hit.kind], args=[hit.pk])),
            }
            for hit in hits
        ]
        return Response({"query": query, "count": len(results), "results": results})
