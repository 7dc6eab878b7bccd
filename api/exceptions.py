"""Domain errors become API errors with a message a person understands.

`DomainError` (a rule broken by the request) is a 400 with `detail` and, when the service
names the input at fault, the same message under that field as DRF's own validation errors
do; `DomainPermissionError` (this person may not do this) is a 403.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.domain import DomainError, DomainPermissionError


def api_exception_handler(exc, context):
    if isinstance(exc, DomainPermissionError):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        # A model's validate_constraints() or clean() reached from a service.
        if hasattr(exc, "error_dict"):
            body = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            body = {"non_field_errors": exc.messages}
        body.setdefault("detail", next(iter(exc.messages), "Invalid input."))
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # The services check their rules first; this is the rare race two requests ran at
        # once. The service's transaction rolled back, so nothing was half-saved.
        return Response(
            {"detail": "This change conflicts with data saved at the same time; try again."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # `raise ValidationError([...])` (a filter, a whole-body check): the same shape as
        # every other error, an object with `detail`.
        messages = [str(message) for message in response.data]
        response.data = {"detail": " ".join(messages), "non_field_errors": messages}
    return response
