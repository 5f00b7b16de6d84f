"""Real processes on the test database: ``cyberbeeld worker`` and ``cyberbeeld serve`` started as
subprocesses (the fault and concurrency tests). They need ``transactional_db`` (committed rows) and a
database another process can open: the test settings' SQLite file, or the PostgreSQL test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(s["NAME"])
        if name.startswith("file:") or name == ":memory:":
            pytest.skip("needs a file database another process can open")
        return "sqlite:///" + str(Path(name).resolve())
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    pytest.skip(f"no subprocess test for {connection.vendor}")
    raise AssertionError  # pragma: no cover


def live_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="cyberbeeld.config.settings.test",
        CYBERBEELD_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        CYBERBEELD_JOB_HEARTBEAT="0.3",
        CYBERBEELD_JOB_STALE="3",
        CYBERBEELD_JOB_REAP_INTERVAL="0.5",
        CYBERBEELD_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.05,
             alive: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if alive is not None and alive.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"process exited ({alive.returncode}) while waiting for {what}\n{tail}")
        time.sleep(every)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


class Procs:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.procs = tmp, []  # type: ignore[var-annotated]

    def start(self, *args: str, name: str, **env: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.tmp / f"{name}.log"
        fh = log.open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "cyberbeeld.cli", *args], env=live_env(**env),  # noqa: S603
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc, log

    def worker(self, name: str = "worker", **env: str) -> tuple[subprocess.Popen[bytes], Path]:
        return self.start("worker", "--no-reload", "--no-startup-delay", "--interval", "0.2", name=name, **env)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # its own session: the server's worker child too
                except ProcessLookupError:
                    pass
                proc.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def enqueue_in_database(task: Any, *args: Any) -> None:
    """Queue a task for the subprocess worker (the test settings run tasks immediately, in-process)."""
    from django.test import override_settings

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        task.enqueue(*args)
