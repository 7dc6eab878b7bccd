"""A database that is briefly unreachable (a restart, a failover) is a 503 the user can
retry, never a 500 with a stack trace: a page saying so for people, JSON for the API."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

# Seconds a client is asked to wait; PostgreSQL restarts in about that time.
RETRY_AFTER_SECONDS = 10


class DatabaseUnavailableMiddleware:
    """Turn a lost or refused database connection raised by a view into a 503.

    Django wraps every psycopg2 connection failure as `OperationalError` (refused, dropped,
    server shutting down) or `InterfaceError` (a connection already closed). The view's
    transaction rolled back, so nothing was half-saved and a retry is safe. The page is
    rendered without the database: no user, no session, no base template."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
        message = "The portal cannot reach its database for a moment. Please try again shortly."
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
