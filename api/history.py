"""`GET /api/v1/<resource>/{id}/history/`: who changed what and when, page by page.

The object is looked up through the viewset's own `get_queryset()`, so whoever cannot see
it gets the same 404 as for the object itself; a business contact does not see changes to
the fields IT keeps to itself (brm.history.STAFF_ONLY_FIELDS).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from core.history import history_entries, history_records, record_before


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(read_only=True, help_text="The field's name in the API.")
    label = serializers.CharField(read_only=True, help_text="The field's name for a person.")
    old = serializers.CharField(read_only=True, help_text="The value before, as shown to a person.")
    new = serializers.CharField(read_only=True, help_text="The value after, as shown to a person.")


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    at = serializers.DateTimeField(read_only=True, help_text="When the change was saved.")
    kind = serializers.CharField(read_only=True, help_text="`created`, `changed` or `deleted`.")
    kind_label = serializers.CharField(read_only=True)
    user_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Who made the change; null when nobody signed in made it (a scheduled job, a command, a survey answer).",
    )
    actor = serializers.CharField(read_only=True, help_text="Who made the change, by name, or “System”.")
    changes = HistoryChangeSerializer(many=True, read_only=True)


class HistoryMixin:
    """Adds the read-only, paginated `history` action to a viewset."""

    @extend_schema(
        summary="Who changed this record, what and when (newest first)",
        request=None,
        responses=HistoryEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[], serializer_class=HistoryEntrySerializer)
    def history(self, request, pk=None):
        # Queries: the object (with the viewset's own joins), the count and page of history
        # rows with their users, the row before the page's last one, and one per kind of
        # related record whose value changed on the page.
        obj = self.get_object()
        page = self.paginate_queryset(history_records(obj))
        older = record_before(page[-1]) if page and page[-1].history_type != "+" else None
        entries = history_entries(page, older=older, viewer=request.user)
        return self.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)
