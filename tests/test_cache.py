"""The Redis cache fails open: with Redis away, reads miss and writes are dropped, so the
API keeps answering while Redis restarts (django-redis's IGNORE_EXCEPTIONS, set in settings)."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django_redis.cache import RedisCache

from core.throttling import UserRateThrottle


def _cache(location: str) -> RedisCache:
    return RedisCache(location, {"OPTIONS": settings.REDIS_CACHE_OPTIONS})


@pytest.fixture
def cache_without_redis():
    return _cache("redis://127.0.0.1:1/0")  # nothing listens on port 1: every call is refused


def test_reads_miss_and_writes_are_dropped_while_redis_is_away(cache_without_redis):
    cache = cache_without_redis
    cache.set("throttle_user_1", [1.0], 60)
    assert cache.get("throttle_user_1", []) == []
    assert cache.get_many(["a", "b"]) == {}
    assert not cache.add("a", 1)
    assert cache.incr("a") is None
    assert not cache.has_key("a")
    assert not cache.delete("a")


def test_the_throttle_lets_requests_through_while_redis_is_away(cache_without_redis, rf, rm):
    throttle = UserRateThrottle()
    throttle.cache = cache_without_redis
    throttle.rate, throttle.num_requests, throttle.duration = "1/minute", 1, 60
    request = rf.get("/api/v1/units/")
    request.user = rm
    assert all(throttle.allow_request(request, None) for _ in range(3))


def test_with_redis_there_the_cache_keeps_values(broker_url):
    # The tests' own Redis database (emptied before and after by the fixture).
    cache = _cache(broker_url)
    assert cache.add("window", 1, 60) is True
    assert cache.incr("window") == 2
    cache.set("count", 12345, 60)
    assert cache.get_many(["window", "count"]) == {"window": 2, "count": 12345}
    with pytest.raises(ValueError):
        cache.incr("never-set")  # the throttle's sign that a window begins


def test_a_redis_cache_url_gets_django_redis_failing_open_with_short_timeouts():
    # Settings are read once per process: ask a fresh one.
    code = (
        "import django, json; django.setup(); from django.conf import settings;"
        "print(json.dumps(settings.CACHES['default']))"
    )
    env = {**os.environ, "CACHE_URL": "redis://127.0.0.1:6379/1", "DJANGO_SETTINGS_MODULE": "brm.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    configured = json.loads(result.stdout.strip().splitlines()[-1])
    assert configured["BACKEND"] == "django_redis.cache.RedisCache"
    assert configured["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert configured["OPTIONS"] == {
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": 0.5,
        "SOCKET_TIMEOUT": 0.5,
    }
