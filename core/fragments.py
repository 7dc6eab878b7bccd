"""Page fragments rendered once per data generation and minute (core/freshness.py), shared
by the staff pages and the portal."""

import time
from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from core import freshness


def current_minute() -> int:
    return int(time.time() // 60)


def cached_fragments(parts: tuple, templates: dict[str, str], context: Callable[[], dict]) -> dict:
    """Each of `templates` ({name: template}) rendered with `context()`, once per data
    generation and minute for `parts` (who sees them and what they show), in one cache
    entry. `context()` runs only when the cache misses. The minute keeps relative times
    ("3 hours left", "overdue") right to the minute. Rendered without the request, so no
    CSRF token and no messages can end up in the shared cache."""
    minute = current_minute()

    def render_all():
        values = context()
        # SafeStrings, kept as such: they pickle with their class, so what comes back from
        # the cache is still marked as escaped output and nothing needs marking again.
        return {name: render_to_string(template, values) for name, template in templates.items()}

    return freshness.cached(("fragments", minute, tuple(templates.items()), *parts), render_all)


def cached_fragment(parts: tuple, template_name: str, context: Callable[[], dict]) -> SafeString:
    """One template, as cached_fragments."""
    return cached_fragments(parts, {"html": template_name}, context)["html"]
