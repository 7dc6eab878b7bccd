"""Rate limits outside the API, on DRF's own throttle classes (same cache, same rates
setting, same client-address rules as the API's throttles: REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES and NUM_PROXIES)."""

import math
from functools import wraps

from django.shortcuts import render
from rest_framework import throttling
from rest_framework.throttling import SimpleRateThrottle


class FixedWindowMixin:
    """Counts requests per window of the rate's duration with one counter (`incr`),
    instead of DRF's log of every request's time, which is read, trimmed and written back
    whole on each request: at 600/minute that is a list of 600 floats per call.
    A client may burst to twice the rate across a window's edge; for limits meant against
    abuse, not for billing, that is the usual trade."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        counter = f"{self.key}:{window}"
        try:
            count = self.cache.incr(counter)  # one round trip once the window has begun
        except ValueError:  # the window's first request
            count = 1 if self.cache.add(counter, 1, self.duration + 1) else self.cache.incr(counter)
        self.wait_seconds = (window + 1) * self.duration - now
        # None: the cache is unreachable (django-redis fails open, settings CACHES): let the request through.
        return count is None or count <= self.num_requests

    def wait(self):
        return self.wait_seconds


class UserRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    """Per signed-in user (token or session alike), else per client address."""


class AnonRateThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    """Per client address, for the operations open without signing in."""


class ClientAddressThrottle(FixedWindowMixin, SimpleRateThrottle):
    """Counts requests per client address, whoever is signed in."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SurveyLinkThrottle(ClientAddressThrottle):
    """The public survey link: guessing links (or hammering one) from one address is slowed
    down long before it could matter; a person answering their survey never notices."""

    scope = "survey_link"


def throttled_page(request, wait: float | None):
    """The friendly 429 page, with the seconds to wait in Retry-After."""
    seconds = max(1, math.ceil(wait or 1))
    response = render(request, "429.html", {"retry_after": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def throttle(throttle_class):
    """Decorates a plain Django view: every request (any method) counts; over the rate, the
    429 page instead of the view."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limiter = throttle_class()
            if not limiter.allow_request(request, view):
                return throttled_page(request, limiter.wait())
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
