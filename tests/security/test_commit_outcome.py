"""A write whose COMMIT loses its answer is answered as PostgreSQL decided, not guessed.

The portal's connection runs through a relay that cuts it at the request's COMMIT: either
after PostgreSQL has committed (the answer never arrives) or before COMMIT reaches it (so
PostgreSQL rolls back). For a moment after the cut the relay refuses new connections, as a
restarting database does, so the portal has to wait to ask.
"""

import logging
import socket
import struct
import threading
import time

import pytest
from django.db import connection

from relationships.models import Interaction

pytestmark = pytest.mark.django_db(transaction=True)

COMMIT = b"Q" + struct.pack("!I", 4 + len(b"COMMIT\x00")) + b"COMMIT\x00"


def _reset(sock: socket.socket) -> None:
    """Cut at once, as a database process that died does. shutdown() first: it wakes the
    relay's other thread blocked reading the same socket, which close() alone would not."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class CommitCutter:
    """A TCP relay to PostgreSQL that, once armed, cuts the first connection that sends
    COMMIT ('after': PostgreSQL has answered, the answer is dropped; 'before': COMMIT is
    never forwarded), then refuses connections for `refuse_seconds`."""

    def __init__(self, target: tuple[str, int], *, cut: str, refuse_seconds: float):
        self.target, self.cut, self.refuse_seconds = target, cut, refuse_seconds
        self.armed = False
        self.cuts = 0
        self.refused = 0
        self.refusing_until = 0.0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if time.monotonic() < self.refusing_until:
                self.refused += 1
                _reset(client)
                continue
            upstream = socket.create_connection(self.target)
            state = {"drop_answer": False}
            threading.Thread(target=self._to_server, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._to_client, args=(upstream, client, state), daemon=True).start()

    def _cut_now(self, client, upstream) -> None:
        self.armed = False
        self.cuts += 1
        self.refusing_until = time.monotonic() + self.refuse_seconds
        _reset(client)
        _reset(upstream)

    def _to_server(self, client, upstream, state) -> None:
        try:
            while data := client.recv(65536):
                if self.armed and COMMIT in data:
                    if self.cut == "before":
                        self._cut_now(client, upstream)
                        return
                    state["drop_answer"] = True
                upstream.sendall(data)
        except OSError:
            pass

    def _to_client(self, upstream, client, state) -> None:
        try:
            while data := upstream.recv(65536):
                if state["drop_answer"]:
                    # PostgreSQL has committed and said so; the portal never hears it.
                    self._cut_now(client, upstream)
                    return
                client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def through_cutter(settings):
    """Point the portal's database connection through a CommitCutter."""
    original = dict(connection.settings_dict)
    cutters = []

    def start(*, cut: str, refuse_seconds: float = 1.0) -> CommitCutter:
        cutter = CommitCutter(
            (original["HOST"] or "127.0.0.1", int(original["PORT"] or 5432)),
            cut=cut,
            refuse_seconds=refuse_seconds,
        )
        cutters.append(cutter)
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(cutter.port))
        return cutter

    yield start
    connection.close()
    connection.settings_dict.update(HOST=original["HOST"], PORT=original["PORT"])
    for cutter in cutters:
        cutter.close()


BODY = {"kind": "meeting", "occurred_at": "2026-11-30T10:00:00Z"}


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("asks PostgreSQL's commit log")


def test_a_commit_whose_answer_was_lost_is_answered_as_done_once_the_database_says_so(
    api_as, unit_a, through_cutter, caplog
):
    client = api_as("rm")
    cutter = through_cutter(cut="after")
    cutter.armed = True
    with caplog.at_level(logging.WARNING, logger="core.transactions"):
        response = client.post(
            "/api/v1/interactions/", {**BODY, "unit": unit_a.pk, "subject": "Kick-off"}, format="json"
        )

    assert cutter.cuts == 1, "the relay never saw the request's COMMIT"
    assert cutter.refused >= 1, "the portal should have had to wait for the database"
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == "Kick-off"
    assert Interaction.objects.filter(subject="Kick-off").count() == 1
    assert "COMMIT's answer was lost, but it committed" in caplog.text


def test_a_commit_that_never_reached_the_database_is_a_503_and_nothing_saved(api_as, unit_a, through_cutter):
    client = api_as("rm")
    client.raise_request_exception = False  # answered by handler500, as a server would
    cutter = through_cutter(cut="before")
    cutter.armed = True
    response = client.post(
        "/api/v1/interactions/", {**BODY, "unit": unit_a.pk, "subject": "Kick-off"}, format="json"
    )

    assert cutter.cuts == 1, "the relay never saw the request's COMMIT"
    assert response.status_code == 503
    assert response["Retry-After"]
    assert not Interaction.objects.filter(subject="Kick-off").exists()


def test_a_staff_form_whose_commit_answer_was_lost_redirects_as_saved(client, rm, unit_a, through_cutter):
    client.force_login(rm)
    cutter = through_cutter(cut="after")
    cutter.armed = True
    response = client.post(
        f"/interactions/log/{unit_a.pk}/",
        {
            "kind": "call",
            "subject": "Month-end close",
            "occurred_at": "2026-11-30T10:00",
            "sentiment": "neutral",
        },
    )

    assert cutter.cuts == 1, "the relay never saw the request's COMMIT"
    assert response.status_code == 302, response.content[:500]
    assert Interaction.objects.filter(subject="Month-end close").count() == 1


def test_a_database_away_longer_than_the_wait_is_a_503_that_says_it_may_have_committed(
    api_as, unit_a, through_cutter, settings, caplog
):
    settings.BRM_WRITE_OUTCOME_WAIT_SECONDS = 0.5
    client = api_as("rm")
    client.raise_request_exception = False
    cutter = through_cutter(cut="after", refuse_seconds=3)
    cutter.armed = True
    with caplog.at_level(logging.ERROR, logger="core.transactions"):
        response = client.post(
            "/api/v1/interactions/", {**BODY, "unit": unit_a.pk, "subject": "Kick-off"}, format="json"
        )

    assert response.status_code == 503
    assert "may have committed" in caplog.text
