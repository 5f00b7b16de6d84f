"""``cyberbeeld fetch-cbs TABLE_ID``: download a StatLine table from CBS's OData service and import it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.indicators.fetch import FetchError, fetch_table
from cyberbeeld.indicators.parsing.readers import preloaded


class Command(BaseCommand):
    help = ("Haal een CBS-tabel op bij de OData-dienst van CBS en lees hem in (internet nodig) / "
            "fetch a CBS table from CBS's OData service and import it (needs internet)")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("table", help="tabelnummer, bijv. 83648NED (politietabellen 47…NED via dataderden)")
        parser.add_argument("--api", choices=("v3", "v4"), default="v3",
                            help="OData v3 (opendata/dataderden, standaard) of v4 (datasets.cbs.nl)")
        parser.add_argument("--base", help="andere basis-URL van de dienst (bijv. een spiegel)")
        parser.add_argument("--download-only", action="store_true", help="alleen ophalen, niet inlezen")
        parser.add_argument("--area", help="gebied voor tabellen zonder gebiedsdimensie, bijv. NL01")

    def handle(self, *args: Any, **opts: Any) -> None:
        target = Path(settings.DATA_DIR) / "cbs"

        def progress(name: str, records: int) -> None:
            self.stderr.write(f"{opts['table']}: {name} ({records} records)")

        try:
            result = fetch_table(opts["table"], target, api=opts["api"], base=opts.get("base"), progress=progress)
        except FetchError as exc:
            raise CommandError(f"{opts['table']}: {exc.nl}") from exc
        self.stdout.write(f"{result.table_id}: {sum(result.sets.values())} records in {result.pages} pagina's "
                          f"opgehaald naar {result.directory}")
        if opts["download_only"]:
            return
        # the fetched folder is a CBS table like any other: import-cbs reports its progress, errors and summary; the
        # responses stored as served are not decoded a second time (fetch_table decoded them as the importer does)
        with preloaded(result.documents):
            call_command("import_cbs", str(result.directory), origin="fetch-cbs",
                         **({"area": opts["area"]} if opts.get("area") else {}))
