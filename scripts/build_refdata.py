#!/usr/bin/env python3
"""Build Cyberbeeld's own compact reference-data package from the public source files.

    python scripts/build_refdata.py [--source ../shared/data] [--check]

The package (``src/cyberbeeld/refdata/``) lets a bare clone with nothing beside it load all gemeenten,
their regions and geometry and the real national and gemeente series. Every file is a gzip copy
(deterministic: no timestamp, no file name in the header) of one public file, sometimes reduced to the
rows Cyberbeeld reads (the wijk/buurt register keeps only the country and the gemeenten). ``MANIFEST.json``
records, per file, the publisher, the statistical table, the licence of the figures, the period covered,
where the copy was taken from, the date it was built and the SHA-256 of both the source and the bundled
bytes. ``--check`` rebuilds in memory and fails when the committed package differs (CI runs it when the
source folder is present).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "src" / "cyberbeeld" / "refdata"
BUILT_ON = "2026-12-05"  # bump when the package is rebuilt from a newer source snapshot

CBS_LICENCE = "CC BY 4.0 (CBS StatLine / Politie open data)"
MINVWS_LICENCE = "EUPL-1.2 (file of the Dutch Ministry of Health's open-source dashboard); boundaries CBS/Kadaster, CC BY 4.0"


def _gemeenten_only(data: bytes) -> bytes:
    """The wijk/buurt register of 47018NED reduced to the country and the gemeenten (wijken and buurten
    are not used by Cyberbeeld; they are 18,000 of its 18,300 rows)."""
    lines = data.decode("utf-8").splitlines(keepends=True)
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.startswith(('"NL', '"GM'))]
    return "".join(keep).encode("utf-8")


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the source folder, the same inside the package (plus .gz)
    publisher: str
    table: str
    period: str
    licence: str
    content: str
    reduce: Callable[[bytes], bytes] | None = None


ENTRIES: list[Entry] = [
    Entry("cbs-police-crime/politie_jaarcijfers_RegioS.csv", "Politie / CBS", "47025NED (RegioS dimension)",
          "indeling 2024", CBS_LICENCE, "regions: land, landsdelen, provincies, politie-eenheden, gemeenten"),
    Entry("cbs-police-crime/politie_jaarcijfers_SoortMisdrijf.csv", "Politie / CBS",
          "47025NED (SoortMisdrijf dimension)", "2024", CBS_LICENCE, "police crime classification, 59 codes"),
    Entry("cbs-police-crime/NL_Crime_annual_2012_2023.csv", "Politie / CBS", "47025NED", "2012-2023",
          CBS_LICENCE, "registered crimes per police crime type, Nederland, per year"),
    Entry("cbs-police-crime/NL_Crime_monthly_2012_2023.csv", "Politie / CBS", "47022NED", "2012-01..2023-12",
          CBS_LICENCE, "registered crimes per police crime type, Nederland, per month"),
    Entry("cbs-police-crime/47018NED_TableInfos.csv", "Politie / CBS", "47018NED (TableInfos)", "2012-2023",
          CBS_LICENCE, "table metadata"),
    Entry("cbs-police-crime/47018NED_DataProperties.csv", "Politie / CBS", "47018NED (DataProperties)",
          "2012-2023", CBS_LICENCE, "measure metadata"),
    Entry("cbs-police-crime/47018NED_SoortMisdrijf.csv", "Politie / CBS", "47018NED (SoortMisdrijf dimension)",
          "2012-2023", CBS_LICENCE, "police crime classification, 59 codes"),
    Entry("cbs-police-crime/47018NED_Perioden.csv", "Politie / CBS", "47018NED (Perioden dimension)",
          "2012-2023", CBS_LICENCE, "periods"),
    Entry("cbs-police-crime/47018NED_WijkenEnBuurten.csv", "Politie / CBS", "47018NED (WijkenEnBuurten dimension)",
          "indeling 2024", CBS_LICENCE, "Nederland and the gemeenten (wijken and buurten left out)",
          _gemeenten_only),
    Entry("cbs-83648NED/83648NED_gemeenten_totaal_2010_2020.csv", "CBS", "83648NED", "2010-2020", CBS_LICENCE,
          "registered crime, suspects and clearance, 'Misdrijven, totaal', Nederland and gemeenten"),
    Entry("cbs-83648NED/83648NED_provincies_hoofdgroepen_2010_2020.csv", "CBS", "83648NED", "2010-2020",
          CBS_LICENCE, "registered crime by main group, provincies"),
    Entry("cbs-83648NED/83648NED_SoortMisdrijf.csv", "CBS", "83648NED (SoortMisdrijf dimension)", "2020",
          CBS_LICENCE, "crime classification of 83648NED"),
    Entry("municipalities/gemeenten_NL_gini_2023.csv", "CBS / Politie", "gemeentelijst 2024 with 47018NED totals",
          "2023", CBS_LICENCE, "342 gemeenten: code, name, population, provincie"),
    Entry("municipalities/municipality_in_province_2024.csv", "CBS", "gemeenten per provincie", "2024",
          CBS_LICENCE, "gemeente -> provincie"),
    Entry("municipalities/cbs_population_by_region_2022.csv", "CBS", "population per region (83648NED basis)",
          "2022", CBS_LICENCE, "population of Nederland, provincies and gemeenten (incl. former)"),
    Entry("municipalities/minvws-gemeente_veiligheidsregio_2020.json", "Ministerie van VWS",
          "gemeente -> veiligheidsregio", "2020", MINVWS_LICENCE, "355 gemeenten of 2020 with their veiligheidsregio"),
    Entry("geo/minvws-nl-vr-gm.topo.json", "Ministerie van VWS", "gemeente and veiligheidsregio boundaries",
          "2023", MINVWS_LICENCE, "simplified TopoJSON: gemeenten, veiligheidsregio's, Nederland"),
    Entry("geo/gemeenten_2022_83648NED_totals.geojson", "CBS", "83648NED + gemeentegrenzen 2022", "2022",
          CBS_LICENCE, "gemeente boundaries 2022 with 83648NED totals"),
]

# Where the public copies were taken from (see the source folder's SOURCES.md).
ORIGIN_FILE = "SOURCES.md"


def _origins(source: Path) -> dict[str, str]:
    """path -> 'repository@commit', read from the source folder's list of sources."""
    found: dict[str, str] = {}
    listing = source / ORIGIN_FILE
    if not listing.is_file():
        return found
    for line in listing.read_text(encoding="utf-8").splitlines():
        if not line.startswith("- `"):
            continue
        parts = [p.strip().strip("`") for p in line[2:].split("|")]
        if len(parts) >= 4:
            found[parts[0]] = f"{parts[1]}@{parts[3]}"
    return found


def _gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def build(source: Path) -> dict[str, bytes]:
    """Every file of the package (relative path -> bytes), MANIFEST.json included."""
    origins = _origins(source)
    files: dict[str, bytes] = {}
    manifest: list[dict[str, object]] = []
    for e in ENTRIES:
        raw = (source / e.path).read_bytes()
        data = e.reduce(raw) if e.reduce else raw
        packed = _gzip(data)
        files[e.path + ".gz"] = packed
        manifest.append({
            "path": e.path, "file": e.path + ".gz", "publisher": e.publisher, "table": e.table,
            "period": e.period, "licence": e.licence, "content": e.content,
            "reduced": bool(e.reduce), "origin": origins.get(e.path, ""), "built_on": BUILT_ON,
            "source_sha256": hashlib.sha256(raw).hexdigest(), "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        })
    files["MANIFEST.json"] = (json.dumps({"package": "cyberbeeld-refdata", "built_on": BUILT_ON,
                                          "files": manifest}, indent=1, ensure_ascii=False) + "\n").encode()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--check", action="store_true", help="fail when the committed package differs")
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"build_refdata: source folder not found: {args.source}", file=sys.stderr)
        return 2
    try:
        files = build(args.source)
    except FileNotFoundError as exc:
        print(f"build_refdata: missing source file: {exc.filename}", file=sys.stderr)
        return 2
    if args.check:
        stale = [rel for rel, data in files.items()
                 if not (TARGET / rel).is_file() or (TARGET / rel).read_bytes() != data]
        if stale:
            print("build_refdata: package out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print(f"build_refdata: package up to date ({len(files)} files)")
        return 0
    for rel, data in files.items():
        out = TARGET / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    total = sum(len(d) for d in files.values())
    print(f"build_refdata: {len(files)} files, {total / 1024:.0f} KiB in {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
