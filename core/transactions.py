"""Every request that writes, from a page or the API, is one transaction, committed before
its answer leaves, and answered as the database decided.

A person told "try again" who finds their first try saved as well has two interactions, two
orders, two escalations. So a write request is saved whole or not at all: an answer of 500
or more rolls back whatever the request wrote (a read-back or a session save that lost the
database after the write), and the work is committed only once the answer is ready.

One moment stays uncertain: the connection lost while COMMIT is on its way. PostgreSQL may
have committed without our hearing it. The transaction's id, read just before COMMIT, lets
us ask once the database answers again (`txid_status`), waiting a bounded while: committed
is answered as done, rolled back as 503. Only when the database stays away longer than
that wait is the 503 a guess, and that is logged as such. (What the request left for after
commit, e-mails and webhook deliveries, is in their outboxes; a commit we did not hear of
runs no hooks, and the periodic flushes send them.)
"""

import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from core.errors import DATABASE_ERRORS

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
OUTCOME_POLL_SECONDS = 0.25


class OneTransactionPerWriteMiddleware:
    """Outside the session middleware, so the session a sign-in writes is part of it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        return committed_answer(request, lambda: self.get_response(request))


def committed_answer(request, answer_request):
    """The response of `answer_request()`, run in one transaction that is committed when the
    response is not an error, and rolled back when it is. Raises the database error when
    the commit failed, or when its outcome could not be learnt."""
    connection = connections[DEFAULT_DB_ALIAS]
    outermost = not connection.in_atomic_block
    xid = None
    try:
        with transaction.atomic():
            response = answer_request()
            if response.status_code >= 500:
                transaction.set_rollback(True)
            elif outermost:
                xid = _transaction_id(connection)
    except DATABASE_ERRORS:
        if xid is None:
            raise  # lost before COMMIT was sent, or nothing was written: nothing is saved
        outcome = _commit_outcome(connection, xid)
        if outcome == "committed":
            log.warning("%s %s: COMMIT's answer was lost, but it committed.", request.method, request.path)
            return response
        if outcome != "aborted":
            log.error(
                "%s %s: COMMIT's answer was lost and the database stayed away; answered 503 "
                "though it may have committed (transaction %s).",
                request.method,
                request.path,
                xid,
            )
        raise
    return response


def _transaction_id(connection) -> int | None:
    """The id PostgreSQL gave this transaction, or None when it wrote nothing (no id is
    assigned then) or the database keeps no commit log we can ask (SQLite, in-process)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current_if_assigned()")
        return cursor.fetchone()[0]


def _commit_outcome(connection, xid: int) -> str | None:
    """'committed' or 'aborted' as PostgreSQL tells it on a new connection, asked until
    BRM_WRITE_OUTCOME_WAIT_SECONDS have passed; None if it could not be asked in time."""
    deadline = time.monotonic() + settings.BRM_WRITE_OUTCOME_WAIT_SECONDS
    while True:
        connection.close()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT txid_status(%s)", [xid])
                status = cursor.fetchone()[0]
        except DATABASE_ERRORS:
            status = None
        # "in progress": the server has not yet noticed that our connection is gone.
        if status in ("committed", "aborted"):
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(OUTCOME_POLL_SECONDS)
