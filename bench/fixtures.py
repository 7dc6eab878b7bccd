"""What the load needs, made inside Django on the benchmark database: sessions and an API
token for a relationship manager and a purchaser, an open survey with unused links, and
the list of endpoints with the SQL queries one request makes (measured in-process)."""

import datetime
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from customers.models import BusinessUnit, Contact
from relationships.models import Escalation, Interaction, SurveyCampaign, SurveyInvitation

SURVEY_LINKS = 6000
PAGE_SIZE = 50


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _csrf() -> tuple[str, str]:
    request = RequestFactory().get("/")
    masked = get_token(request)
    return request.META["CSRF_COOKIE"], masked


def _survey_links() -> list[str]:
    campaign, _ = SurveyCampaign.objects.get_or_create(
        name="Benchmark survey",
        defaults={
            "status": SurveyCampaign.Status.OPEN,
            "opens_at": timezone.now() - datetime.timedelta(days=1),
            "closes_at": timezone.now() + datetime.timedelta(days=30),
        },
    )
    campaign.invitations.all().delete()
    contacts = Contact.objects.filter(role__in=["customer", "purchaser"]).order_by("pk")[:SURVEY_LINKS]
    invitations = [
        SurveyInvitation(
            campaign=campaign, contact=contact, unit_id=contact.unit_id, status="sent", sent_at=timezone.now()
        )
        for contact in contacts
    ]
    for invitation in invitations:  # save() makes the salt and hash; do it without a query each
        import secrets

        from relationships.models import hash_survey_token, survey_token_for

        invitation.token_salt = secrets.token_hex(16)
        invitation.token_hash = hash_survey_token(survey_token_for(invitation.token_salt))
    SurveyInvitation.objects.bulk_create(invitations, batch_size=2000)
    return [f"/s/{invitation.token}/" for invitation in invitations]


def _queries(client: Client, method: str, path: str, **kwargs) -> tuple[int, int, float]:
    """Queries, status and milliseconds of one request made with an empty cache (no
    throttle counter, no list count kept by an earlier request)."""
    timings = []
    for _ in range(1 if method == "post" else 3):
        cache.clear()  # no count kept by an earlier request (LargeTablePaginator)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = getattr(client, method)(path, **kwargs)
            timings.append((time.perf_counter() - started) * 1000)
    return len(captured), response.status_code, round(statistics.median(timings), 1)


def fixtures() -> dict:
    User = get_user_model()
    manager = User.objects.get(username="rm1")
    purchaser_contact = Contact.objects.filter(user__isnull=False, role="purchaser").order_by("pk").first()
    purchaser = purchaser_contact.user
    department = purchaser_contact.unit
    token = Token.objects.get_or_create(user=manager)[0].key
    rm_session, portal_session = _session(manager), _session(purchaser)
    csrf_secret, csrf_masked = _csrf()
    links = _survey_links()
    interactions_pages = max(1, int(Interaction.objects.count() / PAGE_SIZE * 0.9))
    escalations_pages = max(
        1, int(Escalation.objects.filter(status__in=["open", "acknowledged"]).count() / PAGE_SIZE * 0.9)
    )

    api = {"Authorization": f"Token {token}"}
    rm = {"Cookie": f"sessionid={rm_session}"}
    portal = {"Cookie": f"sessionid={portal_session}"}
    unit_id = department.pk
    candidates = [
        ("floor", "floor", "/healthz", {}),
        ("dashboard", "page", "/dashboard/", rm),
        ("unit 360", "page", f"/units/{unit_id}/", rm),
        # Lists ask for pages of 50 rows, as the targets are stated.
        ("api units", "list", "/api/v1/units/?page_size=50", api),
        ("api unit detail", "detail", f"/api/v1/units/{unit_id}/", api),
        ("api subscriptions", "list", "/api/v1/subscriptions/?page_size=50", api),
        ("api interactions p1", "list", "/api/v1/interactions/?page_size=50", api),
        (
            "api interactions deep",
            "list",
            f"/api/v1/interactions/?page_size=50&page={interactions_pages}",
            api,
        ),
        ("api escalations p1", "list", "/api/v1/escalations/?page_size=50", api),
        ("api escalations deep", "list", f"/api/v1/escalations/?page_size=50&page={escalations_pages}", api),
        ("api health", "list", "/api/v1/health/?page_size=50", api),
        ("portal home", "page", "/portal/", portal),
        ("survey GET", "page", links[-1], {}),
    ]
    endpoints = []
    clients = {
        "api": Client(HTTP_AUTHORIZATION=f"Token {token}"),
        "rm": Client(),
        "portal": Client(),
        "anon": Client(),
    }
    clients["rm"].force_login(manager)
    clients["portal"].force_login(purchaser)
    for name, kind, path, headers in candidates:
        client = clients[
            "api" if headers is api else "rm" if headers is rm else "portal" if headers is portal else "anon"
        ]
        queries, status, cold_ms = _queries(client, "get", path)
        if status != 200:
            print(f"   (skipping {name}: {path} answered {status})", flush=True)
            continue
        endpoints.append(
            {
                "name": name,
                "kind": kind,
                "path": path,
                "headers": headers,
                "queries": queries,
                "cold_ms": cold_ms,
                "status": status,
            }
        )
    body = f"csrfmiddlewaretoken={csrf_masked}&overall_satisfaction=4&recommend_score=8&comment=benchmark"
    queries, status, cold_ms = _queries(
        Client(),
        "post",
        links[-2],
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    if status in (200, 302, 303):
        endpoints.append(
            {
                "name": "survey POST",
                "kind": "page",
                "path": links[0],
                "headers": {
                    "Cookie": f"csrftoken={csrf_secret}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                "post": {"paths": links[:-2], "body": body},
                "queries": queries,
                "cold_ms": cold_ms,
                "status": status,
            }
        )
    else:
        print(f"   (skipping survey POST: answered {status})", flush=True)
    return {"endpoints": endpoints, "units": BusinessUnit.objects.count()}
