"""At most one drain at a time (DESIGN.md §6; issue 10: beat started a drain every minute
while the previous one still ran, and they queued behind each other on the same outage).

PostgreSQL: a session-level advisory lock, released by the database if the worker dies
with its connection. SQLite (one machine by definition): an exclusive ``flock`` on a file
next to the database, released by the kernel if the process dies. Either is re-entrant
within a thread: a drain run eagerly by a drain's own commit (in-process mock, tests) is
the same worker, and must not lock itself out.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# pg_advisory_lock's key: any constant bigint, derived from a name so that it says whose.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"eset_gateway.drain").digest()[:8], "big") >> 1
POLL_SECONDS = 0.2

_held = threading.local()


def _lock_file() -> Path:
    name = str(connection.settings_dict.get("NAME") or "default")
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return Path(settings.VAR_DIR) / f"eset-drain-{digest}.lock"


class _Held:
    def __init__(self, release: object) -> None:
        self.release = release


def _try_acquire() -> _Held | None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            if not cursor.fetchone()[0]:
                return None

        def release_pg() -> None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
            except DatabaseError:
                # The session is broken (and with it the lock), or a caller's transaction
                # was aborted: the lock goes with the connection when Django closes it.
                logger.exception("could not release the drain lock")

        return _Held(release_pg)
    fd = os.open(_lock_file(), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None

    def release_file() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    return _Held(release_file)


@contextmanager
def drain_lock(*, wait: float = 0.0) -> Iterator[bool]:
    """Yields True when this thread holds the drain lock (waiting up to `wait` seconds for
    it), False when another drain holds it: the caller then leaves the work to that one."""
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield True
        finally:
            _held.depth -= 1
        return
    deadline = time.monotonic() + wait
    held = _try_acquire()
    while held is None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        held = _try_acquire()
    if held is None:
        yield False
        return
    _held.depth = 1
    try:
        yield True
    finally:
        _held.depth = 0
        held.release()  # type: ignore[operator]
