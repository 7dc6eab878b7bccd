"""Django's Redis cache, failing open while Redis is away.

The cache holds throttle counters and other values that can be recomputed, never data.
While Redis restarts, a read misses and a write is dropped (logged once per call) instead
of turning every API request into a 500: the portal keeps answering, unthrottled for
those seconds.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _fail_open(name: str, fallback):
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNAVAILABLE as exc:
            log.warning("Cache unavailable, %s skipped: %s", name, exc)
            return fallback(*args, **kwargs)

    return wrapper


def _default(key, default=None, version=None):
    return default


class ResilientRedisCache(RedisCache):
    """`RedisCache` whose reads and writes survive a Redis outage (see the module)."""

    get = _fail_open("get", _default)
    set = _fail_open("set", lambda *args, **kwargs: None)
    add = _fail_open("add", lambda *args, **kwargs: False)
    touch = _fail_open("touch", lambda *args, **kwargs: False)
    delete = _fail_open("delete", lambda *args, **kwargs: False)
    has_key = _fail_open("has_key", lambda *args, **kwargs: False)
    get_many = _fail_open("get_many", lambda *args, **kwargs: {})
    set_many = _fail_open("set_many", lambda *args, **kwargs: [])
    delete_many = _fail_open("delete_many", lambda *args, **kwargs: None)
