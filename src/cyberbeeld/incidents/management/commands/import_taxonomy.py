"""``cyberbeeld import-taxonomy FILE``: a new taxonomy version from a MISP machinetag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.accounts.models import Organisation, OrganisationKind
from cyberbeeld.incidents.models import TaxonomyVersion
from cyberbeeld.incidents.services import taxonomy_import, taxonomy_sync


class Command(BaseCommand):
    help = "Nieuwe taxonomieversie inlezen (MISP-machinetag) / import a taxonomy version (MISP machinetag)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--lang", default="en", choices=["en", "nl"], help="taal van het bestand / file language")
        parser.add_argument("--org", default=None, help="kenniscentrum (slug); standaard het eerste / default: the first")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"bestand niet gevonden / file not found: {path}")
        orgs = Organisation.objects.filter(kind=OrganisationKind.KENNISCENTRUM)
        org = orgs.filter(slug=opts["org"]).first() if opts["org"] else orgs.first()
        if opts["org"] and org is None:
            raise CommandError(f"geen kenniscentrum / not a kenniscentrum: {opts['org']}")
        if not TaxonomyVersion.objects.exists():
            taxonomy_sync(maintained_by=org)
        try:
            # the command line runs with server access: the kenniscentrum's authority is assumed
            version, created = taxonomy_import(by=None, organisation=org, text=path.read_bytes(), lang=opts["lang"],
                                               check_permission=False)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"versie / version {version.version} " + ("ingelezen / imported" if created
                                                                     else "bestond al: niets gewijzigd / unchanged"))
