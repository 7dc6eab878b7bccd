"""Django's Redis cache, failing open while Redis is away.

The cache holds throttle counters and other values that can be recomputed, never data.
While Redis restarts, a read misses and a write is dropped (logged once per call) instead
of turning every API request into a 500: the portal keeps answering, unthrottled for
those seconds.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
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


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client makes a new `redis.Redis` for every cache call, and building one
    costs about 0.3 ms (its table of ~170 reply parsers): more than the call itself on
    loopback. One `Redis` per connection pool is enough; it is safe across threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """`RedisCache` whose reads and writes survive a Redis outage (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _fail_open("get", _default)
    set = _fail_open("set", lambda *args, **kwargs: None)
    add = _fail_open("add", lambda *args, **kwargs: False)
    incr = _fail_open("incr", lambda *args, **kwargs: None)
    touch = _fail_open("touch", lambda *args, **kwargs: False)
    delete = _fail_open("delete", lambda *args, **kwargs: False)
    has_key = _fail_open("has_key", lambda *args, **kwargs: False)
    get_many = _fail_open("get_many", lambda *args, **kwargs: {})
    set_many = _fail_open("set_many", lambda *args, **kwargs: [])
    delete_many = _fail_open("delete_many", lambda *args, **kwargs: None)
