"""``cyberbeeld warm-up``: build the caches that would otherwise slow the first request, and say so while it runs."""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand

# (label, module, function, expected duration on a 2-core machine): the estimate is printed up front and
# a line every HEARTBEAT seconds says how long it has been, so set-up is never silent.
STEPS = (
    ("deduce-opzoekstructuren bouwen / building deduce's lookup structures", "cyberbeeld.common.redact",
     "warm_up", "eenmalig 1-7 min; daarna enkele seconden / once 1-7 min, then seconds"),
    ("classificatiemodel trainen / training the form classifier", "cyberbeeld.incidents.classify",
     "load_or_train", "eenmalig < 1 min / once < 1 min"),
)
HEARTBEAT = 10.0


class Command(BaseCommand):
    help = "Bouw eenmalig de caches die anders het eerste verzoek vertragen (deduce, classificatiemodel)"

    def handle(self, *args: Any, **opts: Any) -> None:
        for n, (label, module, func, estimate) in enumerate(STEPS, start=1):
            try:
                fn = getattr(importlib.import_module(module), func)
            except (ImportError, AttributeError):
                continue
            self.stdout.write(f"[{n}/{len(STEPS)}] {label} ({estimate}) ...")
            self.stdout.flush()
            elapsed = self._run_talking(fn)
            self.stdout.write(f"      klaar / done in {elapsed:.1f} s")

    def _run_talking(self, fn: Any) -> float:
        """Run ``fn`` in a thread and print the elapsed time every HEARTBEAT seconds until it ends."""
        errors: list[BaseException] = []

        def target() -> None:
            try:
                fn()
            except BaseException as exc:  # re-raised in the caller's thread
                errors.append(exc)

        start = time.monotonic()
        worker = threading.Thread(target=target, name="warm-up", daemon=True)
        worker.start()
        while True:
            worker.join(HEARTBEAT)
            if not worker.is_alive():
                break
            self.stdout.write(f"      ... {time.monotonic() - start:.0f} s")
            self.stdout.flush()
        if errors:
            raise errors[0]
        return time.monotonic() - start
