from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.indicators.fetch import TABLE_ID
from cyberbeeld.indicators.models import ImportBatch
from cyberbeeld.indicators.ownership import PLATFORM
from cyberbeeld.indicators.services import ImportFailed, import_metadata, import_observations, metadata_kind


class Command(BaseCommand):
    help = ("Lees een CBS-tabel of indicatorbestand in als referentiecijfers / import a CBS table or indicator file "
            "as reference figures (the operator's CLI writes on behalf of the platform)")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="bestand, map met een CBS-tabel, of tabel-id")
        parser.add_argument("--area", help="gebied voor bestanden zonder gebiedskolom, bijv. NL01")
        parser.add_argument("--origin", default=ImportBatch.Origin.CLI, choices=ImportBatch.Origin.values,
                            help=argparse.SUPPRESS)  # fetch-cbs: the provenance says the table was fetched

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["source"])
        if not path.exists():
            if TABLE_ID.match(opts["source"]):  # a table id: fetch it from CBS (DESIGN: FILE_OR_DIR_OR_TABLE_ID)
                call_command("fetch_cbs", opts["source"], **({"area": opts["area"]} if opts.get("area") else {}))
                return
            raise CommandError(f"{path} bestaat niet (geen bestand, map of CBS-tabelnummer)")

        kind = metadata_kind(path)
        if kind is not None:  # TableInfos, DataProperties or a code list: what the table's figures mean
            try:
                meta = import_metadata(path)
            except ImportFailed as exc:
                raise CommandError(f"niets gewijzigd: {exc}") from exc
            what = {"tableinfos": "tabelinformatie", "dataproperties": "onderwerpen (eenheid, decimalen)",
                    "codelist": f"codelijst {meta.name}"}[kind]
            if not (meta.changed or meta.area_names_added or meta.indicators_updated):
                self.stdout.write(f"{path.name}: {what} van {meta.table} al ingelezen, niets gewijzigd")
                return
            self.stdout.write(f"{path.name}: {what} van {meta.table} ingelezen ({meta.rows} rijen; "
                              f"{meta.area_names_added} gebiedsnamen toegevoegd, "
                              f"{meta.indicators_updated} indicatoren bijgewerkt)")
            return

        def progress(done: int, total: int | None) -> None:
            if sys.stderr.isatty():
                sys.stderr.write(f"\r{path.name}: {done}" + (f"/{total}" if total else "") + " rijen")

        def stored(done: int, total: int) -> None:
            if sys.stderr.isatty():
                sys.stderr.write(f"\r{path.name}: {done}/{total} opgeslagen ({100 * done // max(total, 1)}%)   ")

        options = {"area": opts["area"]} if opts.get("area") else {}
        try:
            summary = import_observations(path, writer=PLATFORM, progress=progress, store_progress=stored,
                                          origin=opts.get("origin") or ImportBatch.Origin.CLI, **options)
        except ImportFailed as exc:
            for p in exc.problems[:20]:
                self.stderr.write(f"{p.get('file')}, rij {p.get('row')}, kolom '{p.get('column')}': {p['reason']}")
            raise CommandError(f"niets gewijzigd: {exc}") from exc
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        if summary.already_imported:
            self.stdout.write(f"{path.name}: al ingelezen, niets gewijzigd ({summary.observations} waarnemingen)")
            return
        self.stdout.write(
            f"{path.name}: {summary.created} nieuw, {summary.updated} gewijzigd, {summary.unchanged} ongewijzigd; "
            f"{len(summary.indicators_created)} nieuwe indicatoren, {len(set(summary.indicators_updated))} bijgewerkt"
        )
