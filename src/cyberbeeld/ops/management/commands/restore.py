"""``cyberbeeld restore FILE``: into an empty installation; rebuilds the search index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from cyberbeeld.ops.backup import restore


class Command(BaseCommand):
    help = "Backup terugzetten in een lege installatie / restore a backup into an empty installation"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="BESTAND.tar.gz van / from `cyberbeeld backup`")

    def handle(self, *args: Any, **opts: Any) -> None:
        quiet = opts["verbosity"] == 0
        # a BackupError (common.errors) reaches the console's one handler: "backup: reason", exit code 2
        restore(Path(opts["archive"]), progress=(lambda s: None) if quiet else self.stdout.write)
