from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.areas.importers import AreaImportError, import_file, reference_files


class Command(BaseCommand):
    help = "Importeer gemeenten en regio's uit referentiebestanden / import areas from reference files"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="*", help="bestanden; leeg = de gedeelde referentiebestanden")
        parser.add_argument("--reference", action="store_true", help="alle gedeelde referentiebestanden")

    def handle(self, *args: Any, **opts: Any) -> None:
        files = [Path(f) for f in opts["files"]]
        if opts["reference"] or not files:
            files = reference_files(Path(settings.SHARED_DATA_DIR))
            if not files:
                raise CommandError(f"geen referentiebestanden gevonden in {settings.SHARED_DATA_DIR}")
        for path in files:
            def progress(done: int, total: int, name: str = path.name) -> None:
                if sys.stderr.isatty():
                    sys.stderr.write(f"\r{name}: {done}/{total}")
            try:
                result = import_file(path, progress=progress)
            except AreaImportError as exc:
                for err in exc.errors[:20]:
                    self.stderr.write(str(err))
                raise CommandError(f"{path.name}: niets gewijzigd ({len(exc.errors)} fouten)") from exc
            if sys.stderr.isatty():
                sys.stderr.write("\n")
            self.stdout.write(
                f"{path.name} [{result.file_format}]: {result.rows} rijen, {result.created} nieuw, "
                f"{result.updated} gewijzigd"
            )
            for note in result.missing:
                self.stdout.write(f"  ontbreekt: {note}")
