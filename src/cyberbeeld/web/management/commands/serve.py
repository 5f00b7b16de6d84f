"""``cyberbeeld serve``: the web app and, beside it, a background worker (``cyberbeeld worker``) that it
starts, restarts when it stops, and stops with it. So ``make run`` is one command and imports and
reports finish. ``--no-worker`` when workers run elsewhere (a systemd unit, a container).

The redaction and classification models are loaded before the first request is served.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from cyberbeeld.incidents.preload import preload

logger = logging.getLogger("cyberbeeld.serve")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class WorkerSupervisor:
    """Keeps one ``cyberbeeld worker`` subprocess running (restart with backoff) until stopped."""

    def __init__(self, args: list[str] | None = None) -> None:
        self.args = args or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="worker-supervisor", daemon=True)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "cyberbeeld.cli", "worker", "--no-reload", "--no-startup-delay", *self.args]

    def start(self) -> None:
        atexit.register(self.stop)
        self.thread.start()

    def _loop(self) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            started = time.monotonic()
            self.proc = subprocess.Popen(self.command(), preexec_fn=_die_with_parent if os.name == "posix" else None)  # noqa: S603,PLW1509
            code = self.proc.wait()
            if self.stopping.is_set():
                return
            backoff = 1.0 if time.monotonic() - started > 60 else min(backoff * 2, 30.0)
            sys.stderr.write(f"cyberbeeld: achtergrondverwerker gestopt (code {code}), herstart over {backoff:.0f} s"
                             f" / background worker stopped (code {code}), restarting in {backoff:.0f} s\n")
            self.stopping.wait(backoff)

    def stop(self) -> None:
        self.stopping.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _uses_database_worker() -> bool:
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return backend.endswith("DatabaseBackend")


class Command(RunserverCommand):
    help = ("Webapplicatie starten, met een achtergrondverwerker ernaast / start the web app with a background "
            "worker beside it")

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-worker", action="store_true",
                            help="geen achtergrondverwerker starten / do not start a background worker")
        parser.add_argument("--no-preload", action="store_false", dest="preload",
                            help="modellen niet vooraf laden / do not preload the models")

    def handle(self, *args: Any, **options: Any) -> None:
        self.preload = options["preload"]
        # with autoreload, only the outer process starts the worker (the inner one restarts on changes)
        if not options["no_worker"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true" and _uses_database_worker():
            WorkerSupervisor().start()
        super().handle(*args, **options)

    def inner_run(self, *args: Any, **options: Any) -> None:
        if self.preload:
            self.stdout.write("Modellen laden / loading models …")
            seconds = preload()

            connections.close_all()
            self.stdout.write(f"  klaar / done ({seconds:.1f} s)")
        super().inner_run(*args, **options)
