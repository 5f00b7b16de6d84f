"""A daemon thread that records a background process's heartbeat every ``HEARTBEAT_SECONDS``."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from .health import HEARTBEAT_SECONDS, beat

log = logging.getLogger(__name__)


def start(role: str) -> threading.Event:
    """Beat now (so a start-up failure shows at once in the log), then every HEARTBEAT_SECONDS in a daemon
    thread. A failed beat never stops the process. Set the returned event to stop."""
    process_id = f"{role}:{socket.gethostname()}:{os.getpid()}"
    started = timezone.now()
    try:
        beat(role, process_id, started)
    except DatabaseError as exc:
        # The database may be restarting or our backend terminated mid-beat: the process carries on (its
        # own loop reconnects) and the thread beats again in HEARTBEAT_SECONDS; /readyz shows the gap.
        log.warning("first heartbeat failed: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
        close_old_connections()
        connection.close()
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                close_old_connections()
                beat(role, process_id, started)
            except Exception:  # noqa: BLE001 - a missed beat is reported by /readyz, not fatal here
                log.warning("heartbeat failed", exc_info=True)
        connection.close()

    threading.Thread(target=loop, name=f"{role}-heartbeat", daemon=True).start()
    return stop
