"""Error pages that say what happened and what to do, for people (HTML) and for API
clients (JSON under /api/).

A lost database connection (PostgreSQL restarting, a failover, a full connection pool)
is a 503 with Retry-After: the request may simply be repeated in a moment. These pages
never touch the database themselves, so they render while it is away.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

log = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def database_unavailable(request) -> HttpResponse:
    if _wants_json(request):
        response = JsonResponse(
            {"detail": "The service is briefly unavailable; try again in a moment."}, status=503
        )
    else:
        # No request context: its processors would read the session and the user, from the
        # database that is away.
        body = loader.render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses the database answers 503 (not 500) with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            log.error("Database unavailable while serving %s", request.path, exc_info=exception)
            return database_unavailable(request)
        return None


def server_error(request, template_name="500.html"):
    """handler500: the database may also go away outside a view (in a middleware, or while
    a template is rendered); that is a 503 too. Anything else is the plain 500 page, in JSON
    under /api/."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable(request)
    if _wants_json(request):
        return JsonResponse({"detail": "Something went wrong on our side; it has been logged."}, status=500)
    return django_server_error(request, template_name=template_name)
