import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 2


@login_required
def home(request):
    """Staff land in their workspace, business contacts in the self-service portal."""
    if request.user.is_staff:
        return redirect("relationships:dashboard")
    return redirect("portal:home")


@require_GET
def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page links: the static
    icon, cached for a day (not a permanent redirect: a new release may move the file)."""
    response = redirect(static("img/favicon.ico"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


@never_cache
@require_GET
def healthz(request):
    """The process answers: for a load balancer's liveness check. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL statement_timeout = {READINESS_TIMEOUT_SECONDS * 1000}")
        cursor.execute("SELECT 1")


def _check_broker() -> None:
    from .celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        # One retry at once: kombu would otherwise wait 2 s before it, past our timeout.
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=READINESS_TIMEOUT_SECONDS)


@never_cache
@require_GET
def readyz(request):
    """PostgreSQL and the broker answer, each within a short timeout: 200, else 503 naming
    what failed (and nothing more: no error text leaks)."""
    checks = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            check()
            checks[name] = "ok"
        except Exception:  # noqa: BLE001 - any failure means not ready
            log.warning("Readiness check %s failed", name, exc_info=True)
            checks[name] = "unavailable"
    ready = all(state == "ok" for state in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)
