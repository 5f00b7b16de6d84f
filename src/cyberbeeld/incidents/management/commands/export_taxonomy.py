"""``cyberbeeld export-taxonomy --out FILE``: the taxonomy as a MISP machinetag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.incidents.models import TaxonomyVersion
from cyberbeeld.incidents.services import taxonomy_export, taxonomy_sync


class Command(BaseCommand):
    help = "Taxonomie exporteren als MISP-machinetag / export the taxonomy as a MISP machinetag"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", default="-", help="bestand, of - voor stdout / file, or - for stdout")
        parser.add_argument("--lang", default="en", choices=["en", "nl"])
        parser.add_argument("--taxonomy-version", dest="tax_version", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        if not TaxonomyVersion.objects.exists():
            taxonomy_sync()
        version = None
        if opts["tax_version"] is not None:
            version = TaxonomyVersion.objects.filter(version=opts["tax_version"]).first()
            if version is None:
                raise CommandError(f"versie bestaat niet / no such version: {opts['tax_version']}")
        text = taxonomy_export(version, opts["lang"])
        if opts["out"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(opts["out"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"geschreven / written: {opts['out']}")
