"""Concurrent users of the portal, for the load and fault tests: relationship managers in
the staff workspace, business contacts in the portal and tools on the API, each in its own
thread with its own session, reading and writing.

Every write carries a unique marker in its subject (or title), so the test can count
afterwards which writes reached the database. Every request is recorded as an `Outcome`.
"""

import datetime
import re
import statistics
import threading
import time
from dataclasses import dataclass

import requests

MARKER_PREFIX = "LOAD-"
REQUEST_TIMEOUT = 20  # gunicorn's own timeout is 30 s: a hung request shows as a failure first
PASSWORD = "demo-pass-123"  # noqa: S105 - the test actors' password
FRIENDLY_PAGE = "The portal is briefly unavailable"


@dataclass
class Outcome:
    actor: str
    method: str
    path: str
    started: float  # time.monotonic()
    seconds: float
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    ok: bool  # the answer the scenario expects (a 200 page, a redirect after a form, a 201)
    write: str | None = None  # what a write creates: interaction, action, requirement, escalation
    marker: str | None = None
    error: str = ""
    body: str = ""  # the start of an unexpected answer
    content_type: str = ""
    retry_after: str | None = None

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def friendly_503(self) -> bool:
        """A 503 a person (or a tool) can act on: the page or the JSON, with Retry-After."""
        if self.status != 503 or not self.retry_after:
            return False
        if self.is_api:
            return self.content_type.startswith("application/json") and '"detail"' in self.body
        return self.content_type.startswith("text/html") and FRIENDLY_PAGE in self.body


class Actor:
    """One user with a `requests` session. `scenario()` is one round of their work."""

    kind = "actor"

    def __init__(self, base_url: str, name: str, run_id: str, record):
        self.base_url = base_url
        self.name = name
        self.run_id = run_id
        self.record = record
        self.session = requests.Session()
        self.count = 0

    def marker(self) -> str:
        self.count += 1
        return f"{MARKER_PREFIX}{self.run_id}-{self.name}-{self.count}"

    def call(self, method, path, *, expect, write=None, marker=None, **kwargs) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                timeout=REQUEST_TIMEOUT,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            self.record(
                Outcome(
                    self.name,
                    method,
                    path,
                    started,
                    time.monotonic() - started,
                    None,
                    False,
                    write,
                    marker,
                    error=repr(exc),
                )
            )
            return None
        ok = response.status_code == expect
        if ok and response.status_code == 302:
            # A form that went wrong re-renders (200); a lost session goes to the sign-in.
            ok = "/accounts/login/" not in response.headers.get("Location", "")
        self.record(
            Outcome(
                self.name,
                method,
                path,
                started,
                time.monotonic() - started,
                response.status_code,
                ok,
                write,
                marker,
                body="" if ok else response.text[:2000],
                content_type=response.headers.get("Content-Type", ""),
                retry_after=response.headers.get("Retry-After"),
            )
        )
        return response

    def csrf(self) -> str:
        return self.session.cookies.get("csrftoken", "")

    def setup(self) -> None:
        pass

    def scenario(self) -> None:
        raise NotImplementedError

    def sign_in(self, username: str) -> None:
        self.call("GET", "/accounts/login/", expect=200)
        response = self.call(
            "POST",
            "/accounts/login/",
            expect=302,
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
        )
        if response is None or response.status_code != 302:
            raise RuntimeError(f"{username} could not sign in: {response and response.status_code}")


def _now_local_input() -> str:
    # A datetime-local field; UTC reads as an hour or two ago in the portal's time zone.
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M")


class RelationshipManager(Actor):
    """Dashboard, a unit's page, the quick-log of an interaction and a follow-up action."""

    kind = "staff"

    def __init__(self, *args, username: str, user_id: int, unit_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.username, self.user_id, self.unit_id = username, user_id, unit_id

    def setup(self):
        self.sign_in(self.username)

    def scenario(self):
        self.call("GET", "/dashboard/", expect=200)
        self.call("GET", f"/units/{self.unit_id}/", expect=200)
        path = f"/interactions/log/{self.unit_id}/"
        self.call("GET", path, expect=200)
        marker = self.marker()
        self.call(
            "POST",
            path,
            expect=302,
            write="interaction",
            marker=marker,
            data={
                "csrfmiddlewaretoken": self.csrf(),
                "kind": "call",
                "subject": marker,
                "occurred_at": _now_local_input(),
                "sentiment": "neutral",
                "notes": "Quick call about the month-end close.",
            },
        )
        marker = self.marker()
        self.call(
            "POST",
            "/actions/new/",
            expect=302,
            write="action",
            marker=marker,
            data={
                "csrfmiddlewaretoken": self.csrf(),
                "unit": self.unit_id,
                "title": marker,
                "description": "Send the revised figures.",
                "owner": self.user_id,
                "due_on": (datetime.date.today() + datetime.timedelta(days=7)).isoformat(),
            },
        )


class BusinessContact(Actor):
    """The portal's home, a requirement submitted to the deciding customer (an e-mail) and
    an escalation raised (an e-mail to the relationship manager)."""

    kind = "portal"

    def __init__(self, *args, username: str, unit_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.username, self.unit_id = username, unit_id

    def setup(self):
        self.sign_in(self.username)

    def scenario(self):
        self.call("GET", "/portal/", expect=200)
        self.call("GET", "/portal/requests/new/", expect=200)
        marker = self.marker()
        self.call(
            "POST",
            "/portal/requests/new/",
            expect=302,
            write="requirement",
            marker=marker,
            data={
                "csrfmiddlewaretoken": self.csrf(),
                "unit": self.unit_id,
                "title": marker,
                "kind": "new_service",
                "description": "A shared mailbox for supplier invoices.",
                "priority": "medium",
                "action": "submit",
            },
        )
        self.call("GET", "/portal/escalations/new/", expect=200)
        marker = self.marker()
        self.call(
            "POST",
            "/portal/escalations/new/",
            expect=302,
            write="escalation",
            marker=marker,
            data={
                "csrfmiddlewaretoken": self.csrf(),
                "unit": self.unit_id,
                "subject": marker,
                "severity": "low",
                "description": "Invoices are stuck in the approval queue.",
            },
        )


class ApiClient(Actor):
    """A tool with a token: lists units and interactions, logs interactions."""

    kind = "api"

    def __init__(self, *args, token: str, unit_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.session.headers["Authorization"] = f"Token {token}"
        self.unit_id = unit_id

    def scenario(self):
        self.call("GET", "/api/v1/units/", expect=200)
        self.call("GET", "/api/v1/interactions/", expect=200)
        marker = self.marker()
        self.call(
            "POST",
            "/api/v1/interactions/",
            expect=201,
            write="interaction",
            marker=marker,
            json={
                "unit": self.unit_id,
                "kind": "email",
                "subject": marker,
                "occurred_at": datetime.datetime.now(datetime.UTC).isoformat(),
            },
        )


class ReadinessProbe(Actor):
    """What a load balancer does: /readyz twice a second."""

    kind = "probe"

    def scenario(self):
        self.call("GET", "/readyz", expect=200)
        time.sleep(0.5)


class Load:
    """Run the actors concurrently until the block ends. Entering signs everyone in first;
    leaving stops the threads after their current request."""

    def __init__(self, actors: list[Actor], *, setup_seconds: float = 60):
        self.actors = actors
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Barrier(len(actors) + 1, action=self._mark_start, timeout=setup_seconds)
        self._errors: list[BaseException] = []
        self._threads = [threading.Thread(target=self._run, args=(actor,), daemon=True) for actor in actors]
        for actor in actors:
            actor.record = self.record
        self.started = self.stopped = 0.0

    def _mark_start(self) -> None:
        self.started = time.monotonic()  # the sign-ins before it are not part of the run

    def record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def _run(self, actor: Actor) -> None:
        try:
            actor.setup()
        except BaseException as exc:  # noqa: BLE001 - reported by __enter__
            self._errors.append(exc)
            self._ready.abort()
            return
        try:
            self._ready.wait()
        except threading.BrokenBarrierError:
            return
        try:
            while not self._stop.is_set():
                actor.scenario()
        except BaseException as exc:  # noqa: BLE001 - a broken client fails the test at exit
            self._errors.append(exc)

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        try:
            self._ready.wait()
        except threading.BrokenBarrierError:
            self._stop.set()
            raise RuntimeError(f"the actors could not start: {self._errors}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT * 2)
        self.stopped = time.monotonic()
        assert not any(thread.is_alive() for thread in self._threads), "a client thread hung"
        assert not self._errors, f"a client failed: {self._errors!r}"

    # --- Figures -----------------------------------------------------------------------

    def of(self, *, kinds=None, since=None, until=None) -> list[Outcome]:
        """Outcomes (of actors of `kinds`) that started in [since, until)."""
        kinds_by_name = {actor.name: actor.kind for actor in self.actors}
        return [
            o
            for o in self.outcomes
            if (kinds is None or kinds_by_name[o.actor] in kinds)
            and (since is None or o.started >= since)
            and (until is None or o.started < until)
        ]

    def writes(self, *, ok: bool | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if o.write and (ok is None or o.ok == ok)]

    def summary(self) -> str:
        outcomes = self.of(kinds={"staff", "portal", "api"}, since=self.started)
        seconds = (self.stopped - self.started) or 1
        latencies = sorted(o.seconds for o in outcomes) or [0.0]
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        by_status: dict = {}
        for o in outcomes:
            by_status[o.status] = by_status.get(o.status, 0) + 1
        writes = [o for o in outcomes if o.write]
        return (
            f"{len(outcomes)} requests in {seconds:.1f} s ({len(outcomes) / seconds:.1f} req/s), "
            f"{len(writes)} writes ({sum(o.ok for o in writes)} ok), "
            f"median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"5xx {sum(1 for o in outcomes if o.status and o.status >= 500)}, "
            f"statuses {dict(sorted(by_status.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))} "
            f"(users; /readyz apart)"
        )


def describe(outcomes: list[Outcome], limit: int = 5) -> str:
    """The first few outcomes, for an assertion message."""
    lines = []
    for o in outcomes[:limit]:
        body = re.sub(r"\s+", " ", o.body)[:300]
        lines.append(f"{o.actor} {o.method} {o.path} -> {o.status} {o.error} {body}")
    more = f"\n... and {len(outcomes) - limit} more" if len(outcomes) > limit else ""
    return "\n".join(lines) + more
