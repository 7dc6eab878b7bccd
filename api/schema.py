"""The OpenAPI schema of every API view, with what drf-spectacular cannot infer:

- a summary for every operation (a model viewset's CRUD gets one from its model's name;
  actions declare theirs with `extend_schema`);
- the input serializer of a write (`input_serializers` on the viewset), separate from the
  output one;
- the error answers every operation can give (400, 401, 403, 404, 429), so clients and
  schemathesis know them: `add_error_responses`, a postprocessing hook
  (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
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


HTTP_METHODS = {"get", "put", "patch", "post", "delete", "head", "options", "trace"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation lists the error answers it can
    give, after the ones it declares itself."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    code,
                    {"content": {"application/json": {"schema": ERROR_BODY}}, "description": description},
                )
    return result
