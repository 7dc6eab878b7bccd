"""Django's Redis cache, failing open while Redis is away.

The cache holds throttle counters and list counts, values that can be recomputed, never
data. While Redis restarts, a read misses and a write is dropped (logged) instead of
turning every API request into a 500: the portal keeps answering, unthrottled for those
seconds. Django's RedisCache has no option for this, so each method of the cache API the
portal uses catches redis-py's connection and timeout errors. How long a call may wait
for Redis is redis-py's socket timeouts, set in settings (CACHES OPTIONS).
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _skipped(operation: str, exc: Exception) -> None:
    log.warning("Cache unavailable, %s skipped: %s", operation, exc)


class ResilientRedisCache(RedisCache):
    """`RedisCache` whose reads miss and writes are dropped while Redis is unreachable."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            _skipped("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            _skipped("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            _skipped("has_key", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _skipped("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            _skipped("set_many", exc)
            return []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _skipped("add", exc)
            return False

    def incr(self, key, delta=1, version=None):
        """None while Redis is away (core/throttling.py lets the request through)."""
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            _skipped("incr", exc)
            return None

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as exc:
            _skipped("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            _skipped("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as exc:
            _skipped("delete_many", exc)
