"""``cyberbeeld retrain-classifier``: retrain the form suggestion on corpus + users' choices."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cyberbeeld.incidents.services import retrain_classifier


class Command(BaseCommand):
    help = "Vormvoorstel opnieuw trainen op corpus + keuzes van gebruikers / retrain the form classifier"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cache-dir", default=None, help="waar het model wordt bewaard / model cache directory")

    def handle(self, *args: Any, **opts: Any) -> None:
        r = retrain_classifier(by=None, cache_dir=opts["cache_dir"])
        skipped = f" ({r['skipped']} overgeslagen / skipped)" if r["skipped"] else ""
        self.stdout.write(
            f"model {r['model']} ({r['fingerprint']}): {r['examples']} voorbeelden / examples "
            f"waarvan {r['feedback']} keuzes van gebruikers / of which user choices"
            f"{skipped}; "
            f"{r['forms']} vormen / forms; drempel / threshold {r['threshold']:.2f}")
