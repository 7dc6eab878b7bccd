"""What a failed delivery attempt says to the person reading the delivery log, the
"endpoint disabled" e-mail and the endpoint's page: one sentence per kind of failure
(timeout, refused, unknown host, TLS, an HTTP status with a short excerpt of the answer)
and what to check. The exception itself, which names urllib3's pools and objects, goes to
the server log only (`log_detail`), never to a page.
"""

import re
from urllib.parse import urlsplit

import requests

# Stored in WebhookDelivery.last_error; the endpoint's disabled_reason keeps 300 of them.
MAX_LENGTH = 500
EXCERPT_LENGTH = 160

_STATUS_ADVICE = {
    401: "the receiver refused the signature: check that it uses this endpoint's current secret",
    403: "the receiver refused the request: check that it uses this endpoint's current secret",
    404: "the receiver has no page at this address: check the URL",
    405: "the receiver does not take a POST at this address: check the URL",
    410: "the receiver no longer takes requests at this address",
    413: "the receiver finds the request too large",
    429: "the receiver asks to slow down (too many requests)",
}


def _excerpt(body: str) -> str:
    """The start of an answer, on one line, without HTML tags."""
    text = re.sub(r"<[^>]{0,200}>", " ", body)
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


def http_failure(*, status: int, reason: str, body: str, location: str = "") -> str:
    """A receiver that answered, but not with a 2xx."""
    heading = f"HTTP {status} {reason}".strip()
    if 300 <= status < 400:
        where = f" to {location}" if location else ""
        advice = f"the receiver redirects{where}; redirects are not followed, so register the final address"
    elif status in _STATUS_ADVICE:
        advice = _STATUS_ADVICE[status]
    elif status >= 500:
        advice = "the receiver had an error of its own; it is tried again later"
    else:
        advice = "the receiver rejected the request"
    message = f"{heading}: {advice}."
    excerpt = _excerpt(body)
    if excerpt:
        message += f" It answered: “{excerpt}”"
    return message[:MAX_LENGTH]


def _tls_reason(text: str) -> str:
    lowered = text.lower()
    if "certificate verify failed" in lowered:
        detail = re.search(r"certificate verify failed: ([^()\]'\"]+)", text, re.IGNORECASE)
        found = f" ({detail.group(1).strip()})" if detail else ""
        return f"its certificate is not trusted{found}"
    if "hostname mismatch" in lowered or "doesn't match" in lowered:
        return "its certificate is for another host name"
    if (
        "wrong version number" in lowered
        or "record layer failure" in lowered
        or "unknown protocol" in lowered
    ):
        return "the address does not answer with TLS (is it http://, or another port?)"
    if "certificate has expired" in lowered:
        return "its certificate has expired"
    return "this server and the receiver could not agree on a secure connection"


def request_failure(exc: requests.RequestException, *, url: str, timeout: float) -> str:
    """A request that got no HTTP answer at all."""
    text = str(exc)
    host = urlsplit(url).hostname or url
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        message = (
            f"No connection to {host} within {timeout:g} s: the receiver did not answer. "
            "Check that it runs and that this server may reach it."
        )
    elif isinstance(exc, requests.exceptions.ReadTimeout):
        message = f"{host} took the request but gave no answer within {timeout:g} s."
    elif isinstance(exc, requests.exceptions.SSLError):
        message = f"The secure connection (TLS) to {host} failed: {_tls_reason(text)}."
    elif isinstance(exc, requests.exceptions.ConnectionError):
        lowered = text.lower()
        if "refused" in lowered:
            message = f"{host} refused the connection: nothing listens at that address and port."
        elif any(
            sign in lowered
            for sign in (
                "name or service not known",
                "nodename nor servname",
                "name resolution",
                "getaddrinfo",
            )
        ):
            message = f"The host name {host} could not be found (DNS)."
        elif "unreachable" in lowered or "no route to host" in lowered:
            message = f"This server cannot reach {host}'s network."
        elif "reset" in lowered or "aborted" in lowered or "remotedisconnected" in lowered:
            message = f"{host} closed the connection before answering."
        else:
            message = f"The connection to {host} failed."
    elif isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        message = "The endpoint's address cannot be used: check the URL."
    else:
        message = f"The request to {host} could not be sent."
    return message[:MAX_LENGTH]


def log_detail(exc: Exception) -> str:
    """The exception as the server log keeps it, for an administrator: its class and text."""
    return f"{type(exc).__name__}: {exc}"[:1000]
