from __future__ import annotations

import importlib
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Bouw eenmalig de caches die anders het eerste verzoek vertragen (deduce, classificatiemodel)"

    def handle(self, *args: Any, **opts: Any) -> None:
        for label, module, func in (
            ("deduce-opzoekstructuren (eenmalig ~1,5 min)", "cyberbeeld.incidents.redact", "warm_up"),
            ("classificatiemodel trainen (eenmalig)", "cyberbeeld.incidents.classify", "load_or_train"),
        ):
            try:
                fn = getattr(importlib.import_module(module), func)
            except (ImportError, AttributeError):
                continue
            start = time.monotonic()
            self.stdout.write(f"{label} ...")
            fn()
            self.stdout.write(f"  klaar in {time.monotonic() - start:.1f} s")
