"""The Redis cache fails open: with Redis away, reads miss and writes are dropped."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from brm.cache import ResilientRedisCache


@pytest.fixture
def cache_without_redis():
    # Nothing listens on port 1: every call meets a refused connection.
    return ResilientRedisCache("redis://127.0.0.1:1/0", {})


def test_reads_miss_and_writes_are_dropped_while_redis_is_away(cache_without_redis):
    cache = cache_without_redis
    cache.set("throttle_user_1", [1.0], 60)
    assert cache.get("throttle_user_1", []) == []
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("a", 1) is False
    assert cache.delete("a") is False


def test_a_redis_cache_url_gets_the_resilient_backend():
    # Settings are read once per process: ask a fresh one.
    code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {**os.environ, "CACHE_URL": "redis://127.0.0.1:6379/1", "DJANGO_SETTINGS_MODULE": "brm.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "brm.cache.ResilientRedisCache"
