"""A crawl of the site as one demo login sees it, for the whole-site guards in test_crawl.py.

From the landing page after sign-in it follows every same-site link of the navigation and of
the pages those lead to (two levels deep) with the browser context's own cookies
(`page.request`, no rendering), so each link is checked exactly as its viewer would open it.
URLs are grouped by pattern (`/units/12/` and `/units/13/` are both `/units/<id>/`); a few
instances of each pattern are opened, the rest only counted.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from django.db.backends.signals import connection_created

DEPTH = 2  # landing page = 0: its links are 1, theirs are 2 (opened, not followed further)
INSTANCES_PER_PATTERN = 3
NOT_FOLLOWED = ("/accounts/logout/",)  # signing out ends the crawl (a POST form anyway)
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # (href, marked as a download)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            attrs = dict(attrs)
            if attrs.get("href"):
                self.links.append((attrs["href"], "download" in attrs))


def links_of(html: str) -> list[tuple[str, bool]]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def url_pattern(url: str) -> str:
    """`/units/12/?page=2&q=x` -> `/units/<id>/?page&q`: what a link opens, not which row."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<id>", parts.path)
    path = re.sub(r"/[A-Za-z0-9_-]{20,}(?=/|$)", "/<token>", path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def layout_pattern(url: str) -> str:
    """What the width check renders once: the admin lays out every model's pages alike, so
    `/admin/customers/contact/` stands for `/admin/<app>/<model>/`."""
    return re.sub(r"^/admin/[a-z_]+/[a-z_]+/", "/admin/<app>/<model>/", url_pattern(url))


@dataclass
class Failure:
    shown_on: str
    link: str
    problem: str

    def __str__(self):
        return f"{local_url(self.shown_on)} links {local_url(self.link)}: {self.problem}"


def local_url(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Crawl:
    viewer: str
    landing: str
    pages: list[str] = field(default_factory=list)  # HTML pages opened, one per layout_pattern
    failures: list[Failure] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    writes: dict[str, list[str]] = field(default_factory=dict)  # GET url -> SQL writes it made
    opened: int = 0
    skipped: int = 0


class _WriteRecorder:
    """Notes every INSERT/UPDATE/DELETE the live server runs while a GET is being answered.

    live_server answers each request in a thread with a fresh database connection, so a
    wrapper is put on every connection created while the crawl runs."""

    def __init__(self):
        self.statements: list[str] = []

    def _record(self, execute, sql, params, many, context):
        if WRITES.match(sql):
            self.statements.append(sql.split(" WHERE ")[0][:120])
        return execute(sql, params, many, context)

    def _on_connection(self, sender, connection, **kwargs):
        if self._record not in connection.execute_wrappers:
            connection.execute_wrappers.append(self._record)

    def __enter__(self):
        connection_created.connect(self._on_connection)
        return self

    def __exit__(self, *exc):
        connection_created.disconnect(self._on_connection)

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken


def crawl_site(page, viewer: str, *, is_superuser: bool) -> Crawl:
    """Crawls from the page the signed-in browser shows now."""
    landing = page.url
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(landing))
    result = Crawl(viewer=viewer, landing=landing)
    seen_urls: set[str] = {landing}
    per_pattern: dict[str, int] = {url_pattern(landing): 1}
    queue: list[tuple[str, str, int, bool]] = []  # (url, shown on, depth, marked download)

    def enqueue(html: str, shown_on: str, depth: int):
        for href, is_download in links_of(html):
            url, _ = urldefrag(urljoin(shown_on, href))
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
                continue  # mailto:, tel:, other sites
            if url in seen_urls:
                continue
            seen_urls.add(url)
            if parts.path in NOT_FOLLOWED or (
                not is_superuser and parts.path.startswith("/admin/") and parts.path != "/admin/"
            ):
                result.skipped += 1
                continue
            pattern = url_pattern(url)
            per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
            if per_pattern[pattern] > INSTANCES_PER_PATTERN:
                result.skipped += 1
                continue
            queue.append((url, shown_on, depth, is_download))

    with _WriteRecorder() as writes:
        first = page.request.get(landing)
        writes.take()
        result.pages.append(landing)
        enqueue(first.text(), landing, 1)
        rendered_patterns = {layout_pattern(landing)}
        while queue:
            url, shown_on, depth, marked_download = queue.pop(0)
            response = page.request.get(url, max_redirects=0)
            hops = 0
            while 300 <= response.status < 400 and hops < 5:
                target = urljoin(url, response.headers.get("location", ""))
                if urlsplit(target).path.startswith(("/accounts/login/", "/admin/login/")):
                    break
                response = page.request.get(target, max_redirects=0)
                hops += 1
            result.opened += 1
            made = writes.take()
            if made:
                result.writes[url] = made
            if 300 <= response.status < 400:
                result.failures.append(
                    Failure(shown_on, url, f"redirects to {response.headers.get('location')} (sign-in)")
                )
                continue
            if response.status >= 400:
                result.failures.append(Failure(shown_on, url, f"answers {response.status}"))
                continue
            disposition = response.headers.get("content-disposition", "")
            content_type = response.headers.get("content-type", "")
            if marked_download or "attachment" in disposition:
                if "attachment" not in disposition or not response.body():
                    result.failures.append(Failure(shown_on, url, "download link gives no file"))
                result.downloads.append(url)
                continue
            if not content_type.startswith("text/html"):
                continue
            pattern = layout_pattern(response.url)
            if pattern not in rendered_patterns:
                rendered_patterns.add(pattern)
                result.pages.append(response.url)
            if depth < DEPTH:
                enqueue(response.text(), response.url, depth + 1)
    return result
