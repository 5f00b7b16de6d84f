"""``cyberbeeld import-incidents FILE --org SLUG``: bulk import, all-or-nothing and idempotent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.accounts.models import Organisation
from cyberbeeld.incidents import bulk


class Command(BaseCommand):
    help = "Incidenten inlezen uit CSV/XLSX/ODS (alles of niets) / import incidents (all or nothing)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="slug van de eigenaar / owner organisation slug")
        parser.add_argument("--user", default=None, help="gebruikersnaam voor het auditlog / username for the audit log")
        parser.add_argument("--quiet", action="store_true", help="geen voortgang / no progress")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"bestand niet gevonden / file not found: {path}")
        org = Organisation.objects.filter(slug=opts["org"]).first()
        if org is None:
            raise CommandError(f"onbekende organisatie / unknown organisation: {opts['org']}")
        user = None
        if opts["user"]:
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"onbekende gebruiker / unknown user: {opts['user']}")
        err = self.stderr

        def progress(done: int, total: int, phase: str) -> None:
            if opts["quiet"]:
                return
            label = "controleren / checking" if phase == "check" else "opslaan / saving"
            err.write(f"\r{label}: {done}/{total} ({100 * done // max(total, 1)}%)", ending="")
            if done == total:
                err.write("")
            sys.stderr.flush()

        try:
            result = bulk.import_file(org, user, path.name, path.read_bytes(), progress=progress)
        except bulk.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if not result.ok:
            for e in result.errors:
                err.write(str(e))
            if result.error_count > len(result.errors):
                err.write(f"… en nog {result.error_count - len(result.errors)} fouten / and more errors")
            raise CommandError(f"niets ingelezen: {result.error_count} fout(en) / nothing imported: "
                               f"{result.error_count} error(s)")
        self.stdout.write(f"{result.total} rijen / rows: {result.created} nieuw / created, {result.updated} "
                          f"bijgewerkt / updated, {result.unchanged} ongewijzigd / unchanged")
