"""A real HTTP receiver on 127.0.0.1 that checks each request's signature the way the
README tells receivers to, and answers what the test scripts."""

import hashlib
import hmac
import http.server
import json
import threading
import time
from dataclasses import dataclass, field

import pytest


def verify_brm_webhook(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """The README's snippet, word for word: the tests check what receivers are told to do."""
    timestamp = headers.get("X-BRM-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("X-BRM-Signature", ""), f"sha256={expected}")


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`answers` is the status code of each next request (200 once they run out);
    `secret` is what signatures are checked against (401 when one does not match)."""

    url: str = ""
    secret: str = ""
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    redirect_to: str = ""
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def signed(self) -> list[Received]:
        return [request for request in self.received if request.signature_ok]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            ok = verify_brm_webhook(state.secret, self.headers, body)
            with state.lock:
                state.received.append(Received(self.path, dict(self.headers.items()), body, ok))
                code = state.answers.pop(0) if state.answers else 200
            if state.delay:
                time.sleep(state.delay)
            if not ok:
                code = 401
            if state.redirect_to:
                self.send_response(307)
                self.send_header("Location", state.redirect_to)
            else:
                self.send_response(code)
            reply = b'{"ok": true}' if code < 300 else b"receiver says no"
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/brm"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver, it_manager):
    """An endpoint at the receiver, owned by IT management, taking every event."""
    from tests.integrations.factories import WebhookEndpointFactory

    endpoint = WebhookEndpointFactory(name="Service desk", url=receiver.url, owner=it_manager)
    receiver.secret = endpoint.secret
    return endpoint


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service as a request would: it commits, then what it queued runs (tasks run
    eagerly in the tests' process, so deliveries go to the receiver now)."""

    def _run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return _run
