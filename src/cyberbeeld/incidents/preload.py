"""Load the redaction (deduce) and classification models when a process starts, not in a request and
never inside a write transaction: the first load takes seconds. Called by ``cyberbeeld serve``, the WSGI
entry point and ``cyberbeeld worker``; other management commands do not pay for it."""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger("cyberbeeld.preload")
_lock = threading.Lock()
_done = threading.Event()


def preload() -> float:
    """Load the models once per process (thread-safe); returns the seconds it took (0 when loaded)."""
    with _lock:
        if _done.is_set():
            return 0.0
        start = time.monotonic()
        from django.db import DatabaseError

        from cyberbeeld.common.redact import warm_up

        from .services import classifier

        warm_up()
        try:
            classifier()  # reads the trained feedback from the database
        except DatabaseError as exc:  # not migrated yet: the first use loads it
            logger.warning("classifier not preloaded: %s", str(exc).splitlines()[0] if str(exc) else exc)
        _done.set()
        return time.monotonic() - start


def preload_in_background() -> threading.Thread:
    def target() -> None:
        from django.db import connections

        try:
            preload()
        except Exception:  # noqa: BLE001 - the first request loads it instead
            logger.exception("preload failed")
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name="cyberbeeld-preload", daemon=True)
    thread.start()
    return thread
