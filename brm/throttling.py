"""Rate limits outside the API, on DRF's own throttle classes (same cache, same rates
setting, same client-address rules as the API's throttles: REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES and NUM_PROXIES)."""

import math
from functools import wraps

from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle


class ClientAddressThrottle(SimpleRateThrottle):
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
