"""The OpenAPI schema of every API view, with what drf-spectacular cannot infer:

- a summary for every operation (a model viewset's CRUD gets one from its model's name;
  actions declare theirs with `extend_schema`);
- the input serializer of a write (`input_serializers` on the viewset), separate from the
  output one;
- the error answers every operation can give (400, 401, 403, 404), so clients and
  schemathesis know them.
"""

from drf_spectacular.openapi import AutoSchema

ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person."}},
    "additionalProperties": True,
    "description": "`detail`, and for bad input one list of messages per field at fault.",
}
ERROR_RESPONSES = {
    "400": "Bad input or a broken rule: `detail` and the messages per field.",
    "401": "No valid token or session.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object among those you may see.",
    "429": "Too many requests: wait the number of seconds in the Retry-After header.",
}
SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Show one {name}",
    "create": "Create a {name}",
    "update": "Replace a {name}",
    "partial_update": "Change a {name}",
    "destroy": "Delete a {name}",
}


class BRMAutoSchema(AutoSchema):
    def get_summary(self):
        summary = super().get_summary()
        if summary:
            return summary
        action = getattr(self.view, "action", None)
        queryset = getattr(self.view, "queryset", None)
        if action in SUMMARIES and queryset is not None:
            meta = queryset.model._meta
            return SUMMARIES[action].format(name=meta.verbose_name, plural=meta.verbose_name_plural)
        return None

    def get_request_serializer(self):
        inputs = getattr(self.view, "input_serializers", None) or {}
        action = getattr(self.view, "action", None)
        if action in inputs:
            return inputs[action]
        return super().get_request_serializer()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            responses.setdefault(
                code,
                {"content": {"application/json": {"schema": ERROR_BODY}}, "description": description},
            )
        return responses
