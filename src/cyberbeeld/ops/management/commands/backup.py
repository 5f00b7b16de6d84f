"""``cyberbeeld backup --out FILE [--format auto|sqlite|pgdump|json]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from cyberbeeld.ops.backup import backup


class Command(BaseCommand):
    help = "Backup maken: database, bijlagen en manifest / back up database, attachments and a manifest"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="BESTAND.tar.gz / FILE.tar.gz")
        parser.add_argument("--format", default="auto", choices=["auto", "sqlite", "pgdump", "json"],
                            help="databasedeel / database part (auto: SQLite backup API or pg_dump)")

    def handle(self, *args: Any, **opts: Any) -> None:
        quiet = opts["verbosity"] == 0
        # a BackupError (common.errors) reaches the console's one handler: "backup: reason", exit code 2
        result = backup(Path(opts["out"]), fmt=opts["format"], progress=(lambda s: None) if quiet else self.stdout.write)
        if not quiet:
            db = result.manifest["database"]
            self.stdout.write(f"{result.path}: {db['vendor']}/{db['format']}, "
                              f"{sum(result.manifest['row_counts'].values())} rijen / rows, "
                              f"{len(result.manifest['files']) - 1} bijlagen / attachments")
