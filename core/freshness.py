"""Cached reads that are never stale: one *data generation* for the whole portal.

Relationship managers open the same dashboard, unit pages and API lists many times between
two changes of the data. Those reads are cached under a key that contains the current data
generation, a number in the shared cache that goes up after every committed write to a
domain table. A write therefore retires every cached read at once: nothing has to know
which page shows which rows, and no cached page can outlive the data it was made from.

The writes are seen where they happen, in the database connection (an execute wrapper
installed on every connection, web and worker alike): `save()`, `QuerySet.update()`,
`bulk_create()`, raw SQL through the ORM's cursor. A write inside a transaction moves the
generation when the transaction commits (not at all when it rolls back); a write in
autocommit moves it at once.

Caching is on only when the cache is shared by every process (Redis): with a per-process
cache a worker's write could not retire a web process's pages. Cached values also expire
after CACHE_SECONDS, so a bump lost while Redis was unreachable costs minutes, not days.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.backends.signals import connection_created

log = logging.getLogger(__name__)

GENERATION_KEY = "brm:data-generation"
CACHE_SECONDS = 300

# Tables whose rows the cached reads show, and the people, groups, rights and API tokens
# whose lookups are cached. Bookkeeping written on every send or delivery
# (the e-mail outbox, digest items, webhook deliveries) and Django's own sessions, tokens
# and lockouts are not among them: writing those must not empty the cache.
_DOMAIN_PREFIXES = ('"customers_', '"services_', '"relationships_', '"auth_', '"authtoken_token"')
_BOOKKEEPING = ('"relationships_outgoingemail"', '"relationships_digestitem"')
_WRITES = ("INSERT", "UPDATE", "DELETE")


def enabled() -> bool:
    return settings.BRM_READ_CACHE


def _start_generation() -> int:
    # From the clock, so a Redis restart never brings back a number values were kept under.
    cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
    return cache.get(GENERATION_KEY, 0)


def generation() -> int:
    """The current data generation."""
    value = cache.get(GENERATION_KEY)
    return _start_generation() if value is None else value


def bump() -> None:
    """Retire every cached read (called after a write commits)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: the next read starts one
        pass
    except Exception as exc:  # noqa: BLE001 - Redis away: the values expire on their own
        log.warning("Data generation not moved (%s); cached reads expire in %s s", exc, CACHE_SECONDS)


def digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def lookup(parts: tuple):
    """(found, value, generation) for `parts`: one round trip reads the generation and the
    kept value, which counts only if it was kept at this same generation."""
    entry_key = "brm:read:" + digest(parts)
    found = cache.get_many([GENERATION_KEY, entry_key])
    current = found.get(GENERATION_KEY)
    if current is None:
        current = _start_generation()
    entry = found.get(entry_key)
    if entry is not None and entry[0] == current:
        return True, entry[1], current
    return False, None, current


def keep(parts: tuple, current: int, value, timeout: int = CACHE_SECONDS) -> None:
    """Keep `value`, made from data read at generation `current` (from `lookup`). A write
    that committed meanwhile has moved the generation on, so the value is never served."""
    cache.set("brm:read:" + digest(parts), (current, value), timeout)


def cached(parts: tuple, compute, timeout: int = CACHE_SECONDS):
    """`compute()` once per data generation for `parts` (who asks and what they ask)."""
    if not enabled():
        return compute()
    found, value, current = lookup(parts)
    if not found:
        value = compute()
        keep(parts, current, value, timeout)
    return value


# --- Seeing the writes ---------------------------------------------------------------------


def _is_domain_write(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    if head not in _WRITES:
        return False
    # The table is named right after INSERT INTO / UPDATE / DELETE FROM.
    target = sql.lstrip()[:120].split(None, 3)
    table = target[2] if head in ("INSERT", "DELETE") and len(target) > 2 else target[1]
    return table.startswith(_DOMAIN_PREFIXES) and not table.startswith(_BOOKKEEPING)


def _bump_pending(connection) -> bool:
    return any(func is bump for _, func, _ in connection.run_on_commit)


def _watch_writes(connection):
    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if isinstance(sql, str) and _is_domain_write(sql) and not _bump_pending(connection):
            # In a transaction: after it commits (dropped if it rolls back). Else: now.
            transaction.on_commit(bump, using=connection.alias)
        return result

    return wrapper


def _install(sender, connection, **kwargs):
    # Installed even while caching is off: the generation stays right if it is turned on.
    if not any(getattr(w, "brm_freshness", False) for w in connection.execute_wrappers):
        wrapper = _watch_writes(connection)
        wrapper.brm_freshness = True
        connection.execute_wrappers.append(wrapper)


def connect() -> None:
    connection_created.connect(_install, dispatch_uid="core.freshness")
