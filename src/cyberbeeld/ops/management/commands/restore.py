"""``cyberbeeld restore FILE``: into an empty installation; rebuilds the search index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Backup terugzetten in een lege installatie / restore a backup into an empty installation"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="BESTAND.tar.gz van / from `cyberbeeld backup`")

    def handle(self, *args: Any, **opts: Any) -> None:
        quiet = opts["verbosity"] == 0
        try:
            restore(Path(opts["archive"]), progress=(lambda s: None) if quiet else self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
