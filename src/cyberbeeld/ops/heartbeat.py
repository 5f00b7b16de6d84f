"""A daemon thread that records a background process's heartbeat every ``HEARTBEAT_SECONDS``."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import close_old_connections, connection
from django.utils import timezone

from .health import HEARTBEAT_SECONDS, beat

log = logging.getLogger(__name__)


def start(role: str) -> threading.Event:
    """Beat now (so a start-up failure shows at once), then every HEARTBEAT_SECONDS in a daemon thread.
    Set the returned event to stop."""
    process_id = f"{role}:{socket.gethostname()}:{os.getpid()}"
    started = timezone.now()
    beat(role, process_id, started)
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
