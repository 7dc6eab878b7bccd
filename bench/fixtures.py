"""What the load needs, made inside Django on the benchmark database: for each endpoint the
requests of PEOPLE distinct people (their own sessions and API tokens, their own units),
an open survey with unused links, links the writer answers (bench/writer.py), and the SQL
queries one request makes (measured in-process, as the first of those people)."""

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

# Every survey POST answers a link of its own: enough for three conditions of 15 s at
# 400 answers a second (the portal answers about 270 here).
SURVEY_LINKS = 18000
WRITER_LINKS = 3000
WRITER_CAMPAIGN = "Benchmark survey answered by the writer"
PAGE_SIZE = 50
PEOPLE = 24  # distinct people per endpoint, in rotation: dozens of sessions and tokens


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _csrf() -> tuple[str, str]:
    request = RequestFactory().get("/")
    masked = get_token(request)
    return request.META["CSRF_COOKIE"], masked


def _survey_links(name: str = "Benchmark survey", count: int = SURVEY_LINKS) -> list[str]:
    """`count` unused links to open surveys: one invitation per customer and purchaser in
    each campaign, in as many campaigns as it takes (a contact is invited once a campaign)."""
    import secrets

    from relationships.models import hash_survey_token, survey_token_for

    contacts = list(Contact.objects.filter(role__in=["customer", "purchaser"]).order_by("pk"))
    links, number = [], 1
    while len(links) < count and contacts:
        campaign, _ = SurveyCampaign.objects.get_or_create(
            name=name if number == 1 else f"{name} ({number})",
            defaults={
                "status": SurveyCampaign.Status.OPEN,
                "opens_at": timezone.now() - datetime.timedelta(days=1),
                "closes_at": timezone.now() + datetime.timedelta(days=30),
            },
        )
        campaign.invitations.all().delete()
        invitations = [
            SurveyInvitation(
                campaign=campaign,
                contact=contact,
                unit_id=contact.unit_id,
                status="sent",
                sent_at=timezone.now(),
            )
            for contact in contacts[: count - len(links)]
        ]
        for invitation in invitations:  # save() makes the salt and hash; do it without a query each
            invitation.token_salt = secrets.token_hex(16)
            invitation.token_hash = hash_survey_token(survey_token_for(invitation.token_salt))
        SurveyInvitation.objects.bulk_create(invitations, batch_size=2000)
        links += [f"/s/{invitation.token}/" for invitation in invitations]
        number += 1
    return links


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


def _people() -> dict:
    """The people the load reads as, each with their own session and token."""
    User = get_user_model()
    managers = []
    for user in User.objects.filter(username__in=[f"rm{i}" for i in range(1, PEOPLE + 1)]).order_by("pk"):
        unit = (
            BusinessUnit.objects.filter(relationship_manager=user, kind="department").order_by("pk").first()
        )
        if unit is not None:
            managers.append({"user": user, "unit": unit.pk})
    purchasers = []
    for contact in (
        Contact.objects.filter(user__isnull=False, role="purchaser").select_related("user").order_by("pk")
    ):
        if contact.user not in [p["user"] for p in purchasers]:
            purchasers.append({"user": contact.user, "unit": contact.unit_id})
        if len(purchasers) == PEOPLE:
            break
    management = [{"user": user, "unit": None} for user in User.objects.filter(username__in=["itm", "steer"])]
    for person in managers + purchasers + management:
        person["session"] = {"Cookie": f"sessionid={_session(person['user'])}"}
        person["token"] = {
            "Authorization": f"Token {Token.objects.get_or_create(user=person['user'])[0].key}"
        }
    return {"managers": managers, "purchasers": purchasers, "management": management}


def fixtures() -> dict:
    people = _people()
    managers, purchasers, management = people["managers"], people["purchasers"], people["management"]
    csrf_secret, csrf_masked = _csrf()
    links = _survey_links()
    _survey_links(WRITER_CAMPAIGN, WRITER_LINKS)
    interactions_pages = max(1, int(Interaction.objects.count() / PAGE_SIZE * 0.9))
    escalations_pages = max(
        1, int(Escalation.objects.filter(status__in=["open", "acknowledged"]).count() / PAGE_SIZE * 0.9)
    )

    def each(group, path, auth):
        return [(path.format(unit=person["unit"]), person[auth], person["user"]) for person in group]

    candidates = [
        ("floor", "floor", [("/healthz", {}, None)]),
        ("dashboard", "page", each(managers, "/dashboard/", "session")),
        ("dashboard (IT management)", "page", each(management, "/dashboard/", "session")),
        ("unit 360", "page", each(managers, "/units/{unit}/", "session")),
        # Lists ask for pages of 50 rows, as the targets are stated.
        ("api units", "list", each(managers, "/api/v1/units/?page_size=50", "token")),
        ("api unit detail", "detail", each(managers, "/api/v1/units/{unit}/", "token")),
        ("api subscriptions", "list", each(managers, "/api/v1/subscriptions/?page_size=50", "token")),
        ("api interactions p1", "list", each(managers, "/api/v1/interactions/?page_size=50", "token")),
        (
            "api interactions deep",
            "list",
            each(managers, f"/api/v1/interactions/?page_size=50&page={interactions_pages}", "token"),
        ),
        ("api escalations p1", "list", each(managers, "/api/v1/escalations/?page_size=50", "token")),
        (
            "api escalations deep",
            "list",
            each(managers, f"/api/v1/escalations/?page_size=50&page={escalations_pages}", "token"),
        ),
        ("api health", "list", each(managers, "/api/v1/health/?page_size=50", "token")),
        ("api health (IT management)", "list", each(management, "/api/v1/health/?page_size=50", "token")),
        ("portal home", "page", each(purchasers, "/portal/", "session")),
        ("survey GET", "page", [(link, {}, None) for link in links[-PEOPLE:]]),
    ]
    endpoints = []
    for name, kind, requests in candidates:
        path, headers, user = requests[0]
        client = Client()
        if user is not None and "Cookie" in headers:
            client.force_login(user)
        elif user is not None:
            client = Client(HTTP_AUTHORIZATION=headers["Authorization"])
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
                "people": [{"method": "GET", "path": p, "headers": h} for p, h, _user in requests],
                "queries": queries,
                "cold_ms": cold_ms,
                "status": status,
            }
        )
    body = f"csrfmiddlewaretoken={csrf_masked}&overall_satisfaction=4&recommend_score=8&comment=benchmark"
    queries, status, cold_ms = _queries(
        Client(),
        "post",
        links[-PEOPLE - 1],
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    if status in (200, 302, 303):
        post_headers = {
            "Cookie": f"csrftoken={csrf_secret}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        unused = links[: -PEOPLE - 1]
        endpoints.append(
            {
                "name": "survey POST",
                "kind": "page",
                "path": unused[0],
                "headers": post_headers,
                # Every request answers a link of its own: each condition has its third.
                "post": {"paths": unused, "body": body},
                "queries": queries,
                "cold_ms": cold_ms,
                "status": status,
            }
        )
    else:
        print(f"   (skipping survey POST: answered {status})", flush=True)
    return {"endpoints": endpoints, "units": BusinessUnit.objects.count()}
