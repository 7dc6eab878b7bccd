"""The Redis cache fails open: with Redis away, reads miss and writes are dropped."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from brm.cache import ResilientRedisCache


@pytest.fixture
def cache_without_redis():
    # Nothing listens on port 1: every call meets a refused connection.
    return ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})


def test_reads_miss_and_writes_are_dropped_while_redis_is_away(cache_without_redis):
    cache = cache_without_redis
    cache.set("throttle_user_1", [1.0], 60)
    assert cache.get("throttle_user_1", []) == []
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("a", 1) is False
    assert cache.incr("a") is None
    assert cache.has_key("a") is False
    assert cache.delete("a") is False
    assert cache.set_many({"a": 1}) == []


def test_with_redis_there_the_cache_keeps_values(broker_url):
    # The tests' own Redis database (emptied before and after by the fixture).
    cache = ResilientRedisCache(broker_url, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    assert cache.add("window", 1, 60) is True
    assert cache.incr("window") == 2
    cache.set("count", 12345, 60)
    assert cache.get_many(["window", "count"]) == {"window": 2, "count": 12345}


def test_a_redis_cache_url_gets_the_resilient_backend_with_short_timeouts():
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
    assert configured["BACKEND"] == "brm.cache.ResilientRedisCache"
    assert configured["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
