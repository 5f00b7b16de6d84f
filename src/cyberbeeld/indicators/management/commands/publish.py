from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.areas.models import Area
from cyberbeeld.indicators.publish import publish_site


class Command(BaseCommand):
    help = "Schrijf de publieke themapagina's van een gemeente als statische site / write a static public site"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("gemeente", help="slug (maastricht) of CBS-code (GM0935)")
        parser.add_argument("--out", required=True, help="doelmap")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            gemeente = Area.objects.by_ref(opts["gemeente"])
        except Area.DoesNotExist as exc:
            raise CommandError(f"gemeente {opts['gemeente']!r} bestaat niet") from exc
        out = Path(opts["out"])
        files = publish_site(gemeente, out)
        pages = [f for f in files if f.name == "index.html" and f.parent != out]
        if not pages:
            self.stderr.write(f"{gemeente.name}: geen openbare (TLP:CLEAR) themapagina's")
        self.stdout.write(f"{gemeente.name}: {len(pages)} pagina's, {len(files)} bestanden in {out}")
