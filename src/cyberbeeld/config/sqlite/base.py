"""Django's SQLite backend with fair ``BEGIN IMMEDIATE`` retries (``ENGINE = "cyberbeeld.config.sqlite"``).

SQLite has one writer at a time. A writer that finds the lock taken waits in SQLite's busy handler, which
sleeps in growing steps of up to 100 ms between tries; a bulk import that commits chunk after chunk takes
the lock again within microseconds, so such a waiter can starve for the whole import although every
single transaction is short. Here ``BEGIN IMMEDIATE`` is retried in steps of at most 5 ms (with jitter)
until the busy timeout (``OPTIONS["timeout"]``) has passed, so another writer gets the lock in the first
gap between two chunks. Statements inside a transaction keep SQLite's own busy handler.
"""

from __future__ import annotations

import random
import sqlite3
import time

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _busy_timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5.0))

    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode not in ("IMMEDIATE", "EXCLUSIVE"):
            super()._start_transaction_under_autocommit()
            return
        raw = self.connection
        timeout = self._busy_timeout()
        deadline = time.monotonic() + timeout
        step = 0.0005
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    raw.execute(f"BEGIN {self.transaction_mode}")
                    return
                except sqlite3.OperationalError as exc:
                    message = str(exc).lower()
                    if ("locked" not in message and "busy" not in message) or time.monotonic() >= deadline:
                        with self.wrap_database_errors:
                            raise
                time.sleep(step * (0.5 + random.random()))  # noqa: S311 - jitter, not security
                step = min(step * 2, 0.005)
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
