"""A worker whose first heartbeat hits a terminated database connection keeps running (CI found the worker
exiting with code 3 when PostgreSQL terminated its backend in the middle of that first beat)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_first_beat_failing_does_not_stop_the_process(monkeypatch, caplog):
    from cyberbeeld.ops import heartbeat

    calls: list[str] = []

    def broken(role, process_id, started):
        calls.append(role)
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(heartbeat, "HEARTBEAT_SECONDS", 3600)
    monkeypatch.setattr(heartbeat, "beat", broken)
    stop = heartbeat.start("worker")  # must not raise
    try:
        assert calls == ["worker"]
        assert "first heartbeat failed: terminating connection" in caplog.text
    finally:
        stop.set()


def test_first_beat_records_the_process():
    from cyberbeeld.ops import heartbeat
    from cyberbeeld.ops.models import Heartbeat

    stop = heartbeat.start("scheduler")
    try:
        assert Heartbeat.objects.filter(role="scheduler").count() == 1
    finally:
        stop.set()
