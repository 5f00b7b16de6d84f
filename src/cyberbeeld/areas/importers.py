"""``cyberbeeld import-areas``: read reference files about gemeenten and their regions.

Formats (recognised by their columns/structure; the same formats are accepted from a user):

==========================  ==============================================================
format                      columns / structure
==========================  ==============================================================
``gemeenten``               CSV ``naam, nummer, bevolking, provincie`` (+ anything else)
``gemeente-provincie``      CSV ``municipality_id, province_lab``
``cbs-bevolking``           CSV ``Populatie, Key, Regio`` (CBS region keys, padded)
``cbs-regiocodes``          CSV ``Key, Title`` of a CBS region dimension (NL, PV, RE, GM codes)
``gemeente-veiligheidsregio`` JSON list of ``{name, gemcode, safetyRegion}``
``topojson``                TopoJSON with ``gm_features``/``vr_features`` (property ``code``)
``geojson``                 GeoJSON FeatureCollection with ``statcode``/``statnaam``
``koppeling``               CSV ``gemeente, politie_eenheid, politie_district, basisteam, veiligheidsregio``
                            (codes; empty cells are left as they are) — how a beheerder completes
                            mappings the public files lack
``herindeling``             CSV ``code_oud, code_nieuw, datum`` (YYYY-MM-DD)
==========================  ==============================================================

Every file is validated completely before anything is written; any bad row gives an
:class:`AreaImportError` naming file, row and field, and the database is left unchanged
(one transaction). Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from cyberbeeld import (
    inputs,
    refdata,  # reads settings; the importers above stay usable without them
)
from cyberbeeld.accounts import audit
from cyberbeeld.common.errors import ImportRefused, RowError

from .models import Area, AreaImport, AreaKind, PeerGroup
from .names import remember

VR_NAMES_FILE = Path(__file__).parent / "data" / "veiligheidsregios.csv"
PROVINCE_ALIASES = {"friesland": "fryslan"}

# Size classes (gemeentegrootteklassen by inhabitants) used as default peer groups.
DEFAULT_PEER_GROUPS = [
    ("tot-20k", "minder dan 20.000 inwoners", "fewer than 20,000 inhabitants", 0, 20_000),
    ("20k-50k", "20.000 tot 50.000 inwoners", "20,000 to 50,000 inhabitants", 20_000, 50_000),
    ("50k-100k", "50.000 tot 100.000 inwoners", "50,000 to 100,000 inhabitants", 50_000, 100_000),
    ("100k-250k", "100.000 tot 250.000 inwoners", "100,000 to 250,000 inhabitants", 100_000, 250_000),
    ("250k-plus", "250.000 inwoners of meer", "250,000 inhabitants or more", 250_000, None),
]


def _row_error(file: str, row: int, field: str, nl: str, en: str | None = None) -> RowError:
    """The area importer's reasons are Dutch (the reference files are Dutch); an English one where known."""
    return RowError(nl=nl, en=en or nl, file=file, row=row, field=field)


class AreaImportError(ImportRefused):
    code = "area-import"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        more = f" (en nog {len(errors) - 1} fouten)" if len(errors) > 1 else ""
        self.args = (f"{errors[0]}{more}",)


@dataclass
class ImportResult:
    file: str
    file_format: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    names_added: int = 0
    missing: list[str] = field(default_factory=list)


ProgressFn = Callable[[int, int], None]


def _code(raw: str, prefix: str, width: int = 4) -> str:
    raw = (raw or "").strip().upper()
    if raw.startswith(prefix):
        raw = raw[len(prefix):]
    if not raw.isdigit():
        raise ValueError(f"'{raw}' is geen geldige code")
    return f"{prefix}{int(raw):0{width}d}"


def _refused(name: str, exc: inputs.InputRefused) -> AreaImportError:
    return AreaImportError([_row_error(name, exc.row or 0, exc.column or "-", exc.reason_nl, exc.reason_en)])


def _read_text(path: Path) -> str:
    """The file's text, through the shared reading guards (size, encoding)."""
    try:
        inputs.check_size(path.stat().st_size, path.name)
        return inputs.decode(path.read_bytes(), path.name)[0]
    except inputs.InputRefused as exc:
        raise _refused(path.name, exc) from None


def _load_json(path: Path) -> Any:
    """JSON through the shared guards: nesting limit, no duplicate keys, finite numbers only."""
    try:
        return inputs.load_json(_read_text(path), path.name)
    except inputs.InputRefused as exc:
        raise _refused(path.name, exc) from None


def _csv_rows(text: str, name: str = "-") -> tuple[list[str], list[dict[str, str]]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    try:
        _delim, records = inputs.csv_rows(text, name, delimiter)
        table = [row for _line, row in records]
    except inputs.InputRefused as exc:
        raise _refused(name, exc) from None
    if not table:
        return [], []
    header = [h.strip() for h in table[0]]
    rows = []
    for line, row in enumerate(table[1:], start=2):
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            raise AreaImportError([_row_error(name, line, "-", f"{len(row)} velden, maar de kop heeft er {len(header)}")])
        rows.append({h: (row[i] if i < len(row) else "") for i, h in enumerate(table[0])})
    return header, rows


def sniff(path: Path) -> str:
    text = _read_text(path)
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        data = _load_json(path)
        if isinstance(data, dict) and data.get("type") == "Topology":
            return "topojson"
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            return "geojson"
        if isinstance(data, list) and data and isinstance(data[0], dict) and "gemcode" in data[0]:
            return "gemeente-veiligheidsregio"
        raise AreaImportError([_row_error(path.name, 1, "-", "onbekend JSON-formaat voor gebieden")])
    headers, _rows = _csv_rows(text, path.name)
    h = {x.lower() for x in headers}
    if {"naam", "nummer", "provincie"} <= h:
        return "gemeenten"
    if {"municipality_id", "province_lab"} <= h:
        return "gemeente-provincie"
    if {"populatie", "key", "regio"} <= h:
        return "cbs-bevolking"
    if {"code_oud", "code_nieuw", "datum"} <= h:
        return "herindeling"
    if "gemeente" in h and h & {"politie_eenheid", "politie_district", "basisteam", "veiligheidsregio"}:
        return "koppeling"
    if {"key", "title"} <= h:
        return "cbs-regiocodes"
    raise AreaImportError([_row_error(path.name, 1, ", ".join(headers) or "-", "onbekende kolommen: dit is geen bekend gebiedenbestand")])


class _Importer:
    def __init__(self, path: Path, by: Any, progress: ProgressFn | None) -> None:
        self.path, self.by, self.progress = path, by, progress
        self.name = path.name
        self.errors: list[RowError] = []
        self.result = ImportResult(file=self.name, file_format="")
        self._cache: dict[str, Area] = {a.code: a for a in Area.objects.all()}
        self.seen_names: dict[str, list[str]] = {}

    def name_seen(self, code: str, name: str) -> None:
        """Keep every spelling a file gives an area (``areas.names``: importers match on all of them)."""
        if name and name.strip():
            self.seen_names.setdefault(code, []).append(name.strip())

    def store_names(self) -> None:
        for code, names in self.seen_names.items():
            area = self._cache.get(code) or Area.objects.filter(code=code).first()
            if area is not None:
                self.result.names_added += remember(area, names, source=self.name)

    def err(self, row: int, fieldname: str, reason: str) -> None:
        self.errors.append(_row_error(self.name, row, fieldname, reason))

    def upsert(self, code: str, **values: Any) -> Area:
        area = self._cache.get(code)
        if area is None:
            values.setdefault("slug", slugify(values.get("name", code)))
            area = Area.objects.create(code=code, **values)
            self._cache[code] = area
            self.result.created += 1
            return area
        changed = {k: v for k, v in values.items() if getattr(area, k) != v and not (k == "slug" and area.slug)}
        if changed:
            for k, v in changed.items():
                setattr(area, k, v)
            area.save(update_fields=list(changed))
            self.result.updated += 1
        return area

    def need(self, code: str, row: int, fieldname: str) -> Area | None:
        area = self._cache.get(code)
        if area is None:
            self.err(row, fieldname, f"{code} is onbekend; importeer eerst de gemeentelijst")
        return area

    def tick(self, i: int, total: int) -> None:
        if self.progress and (i % 50 == 0 or i == total):
            self.progress(i, total)


def _ensure_nl(imp: _Importer) -> Area:
    return imp.upsert("NL01", kind=AreaKind.LAND, name="Nederland", slug="nederland")


def _ensure_vrs(imp: _Importer) -> None:
    with VR_NAMES_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            imp.upsert(row["code"], kind=AreaKind.VEILIGHEIDSREGIO, name=row["name"], slug=slugify(row["name"]))


def _province_by_name(imp: _Importer, name: str) -> Area | None:
    slug = slugify(name.replace("(PV)", "").strip())
    slug = PROVINCE_ALIASES.get(slug, slug)
    for area in imp._cache.values():
        if area.kind == AreaKind.PROVINCIE and area.slug == slug:
            return area
    return None


def _peer_group(population: int | None) -> PeerGroup | None:
    if population is None:
        return None
    for pg in PeerGroup.objects.all():
        if population >= pg.min_population and (pg.max_population is None or population < pg.max_population):
            return pg
    return None


def _ensure_peer_groups() -> None:
    for code, nl, en, lo, hi in DEFAULT_PEER_GROUPS:
        PeerGroup.objects.get_or_create(code=code, defaults={"name_nl": nl, "name_en": en, "min_population": lo,
                                                              "max_population": hi})


def _int(raw: str, imp: _Importer, row: int, fieldname: str) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None
    try:
        value = float(raw.replace(".", "").replace(",", ".")) if "," in raw else float(raw)
    except ValueError:
        imp.err(row, fieldname, f"'{raw}' is geen getal")
        return None
    if not inputs.finite(value) or value >= 2**31:
        imp.err(row, fieldname, f"'{raw}' is geen eindig getal binnen het bereik")
        return None
    if value < 0:
        imp.err(row, fieldname, f"'{raw}' is negatief: een aantal inwoners kan niet negatief zijn")
        return None
    return int(value)


def _rows(imp: _Importer) -> list[dict[str, str]]:
    _headers, rows = _csv_rows(_read_text(imp.path), imp.name)
    return [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in rows]


def import_gemeenten(imp: _Importer) -> None:
    rows = _rows(imp)
    _ensure_nl(imp)
    for i, r in enumerate(rows, start=2):
        try:
            code = _code(r["nummer"], "GM")
        except ValueError as exc:
            imp.err(i, "nummer", str(exc))
            continue
        if not r.get("naam"):
            imp.err(i, "naam", "naam ontbreekt")
            continue
        pop = _int(r.get("bevolking", ""), imp, i, "bevolking")
        imp.name_seen(code, r["naam"])
        prov = _province_by_name(imp, r.get("provincie", ""))
        values: dict[str, Any] = {"kind": AreaKind.GEMEENTE, "name": r["naam"], "slug": slugify(r["naam"]),
                                  "superseded": False}
        if pop is not None:
            values.update(population=pop, peer_group=_peer_group(pop))
        if prov is not None:
            values["provincie"] = prov
        elif r.get("provincie"):
            imp.result.missing.append(f"{code}: provincie '{r['provincie']}' onbekend (importeer eerst CBS-regiocodes)")
        imp.upsert(code, **values)
        imp.tick(i - 1, len(rows))
    imp.result.rows = len(rows)
    current = {_code(r["nummer"], "GM") for r in rows if r.get("nummer", "").strip().isdigit()}
    for area in list(imp._cache.values()):
        if area.kind == AreaKind.GEMEENTE and area.code not in current and not area.superseded and area.valid_to is None:
            area.superseded = True
            area.save(update_fields=["superseded"])
            imp.result.updated += 1
    _report_missing(imp)


def import_gemeente_provincie(imp: _Importer) -> None:
    rows = _rows(imp)
    for i, r in enumerate(rows, start=2):
        try:
            code = _code(r["municipality_id"], "GM")
        except ValueError as exc:
            imp.err(i, "municipality_id", str(exc))
            continue
        area = imp.need(code, i, "municipality_id")
        prov = _province_by_name(imp, r.get("province_lab", ""))
        if prov is None:
            imp.err(i, "province_lab", f"provincie '{r.get('province_lab')}' onbekend (importeer eerst CBS-regiocodes)")
            continue
        if area is not None and area.provincie_id != prov.pk:
            area.provincie = prov
            area.save(update_fields=["provincie"])
            imp.result.updated += 1
        imp.tick(i - 1, len(rows))
    imp.result.rows = len(rows)


def _kind_of(code: str) -> str | None:
    return {"NL": AreaKind.LAND, "PV": AreaKind.PROVINCIE, "RE": AreaKind.POLITIE_EENHEID,
            "GM": AreaKind.GEMEENTE, "VR": AreaKind.VEILIGHEIDSREGIO}.get(code[:2])


def import_cbs_regiocodes(imp: _Importer) -> None:
    rows = _rows(imp)
    for i, r in enumerate(rows, start=2):
        code = r.get("key", "").strip().upper()
        title = r.get("title", "").strip()
        kind = _kind_of(code)
        if not code:
            imp.err(i, "Key", "code ontbreekt")
            continue
        if kind is None or code in ("RE99", "GM0998", "GM0999"):
            continue  # landsdelen, abroad/unknown gemeente: not areas here
        if not title:
            imp.err(i, "Title", "naam ontbreekt")
            continue
        name = title.replace(" (PV)", "").replace(" (RE)", "").replace(" (gemeente)", "").strip()
        if code == "PV99":
            name = title  # "Niet in te delen (PV)": kept as such, so figures CBS could not allocate stay visible
        imp.name_seen(code if kind != AreaKind.LAND else "NL01", title)
        if kind == AreaKind.GEMEENTE:
            if code not in imp._cache:
                imp.upsert(code, kind=kind, name=name, slug=slugify(name))
        elif kind == AreaKind.LAND:
            imp.upsert("NL01", kind=kind, name="Nederland", slug="nederland")
        else:
            imp.upsert(code, kind=kind, name=name, slug=slugify(name))
        imp.tick(i - 1, len(rows))
    imp.result.rows = len(rows)


def import_cbs_bevolking(imp: _Importer) -> None:
    rows = _rows(imp)
    _ensure_nl(imp)
    for i, r in enumerate(rows, start=2):
        code = r.get("key", "").strip().upper()
        kind = _kind_of(code)
        if kind is None:
            imp.err(i, "Key", f"'{code}' is geen CBS-regiocode (NL, PV of GM)")
            continue
        pop = _int(r.get("populatie", ""), imp, i, "Populatie")
        name = r.get("regio", "").replace(" (PV)", "").strip()
        if kind == AreaKind.LAND:
            code = "NL01"
        imp.name_seen(code, r.get("regio", ""))
        values: dict[str, Any] = {"kind": kind, "name": name}
        if pop is not None:
            values.update(population=pop, population_year=2022)
            if kind == AreaKind.GEMEENTE:
                values["peer_group"] = _peer_group(pop)
        area = imp._cache.get(code)
        if area is not None and kind == AreaKind.GEMEENTE:
            values.pop("name")  # the gemeentelijst is leading for names
            if area.population_year and area.population_year > 2022 or (area.population and area.population_year is None):
                values = {}  # keep the newer population figure
        elif area is None and kind == AreaKind.GEMEENTE:
            values["superseded"] = True  # in this 2022 list but not (yet) in the gemeentelijst
        if values:
            imp.upsert(code, **values)
        imp.tick(i - 1, len(rows))
    imp.result.rows = len(rows)


def import_gemeente_vr(imp: _Importer) -> None:
    data = _load_json(imp.path)
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise AreaImportError([_row_error(imp.name, 1, "-", "verwacht een JSON-lijst van objecten")])
    _ensure_vrs(imp)
    for i, item in enumerate(data, start=1):
        try:
            code = _code(str(item.get("gemcode", "")), "GM")
        except ValueError as exc:
            imp.err(i, "gemcode", str(exc))
            continue
        vr_code = str(item.get("safetyRegion", "")).strip().upper()
        vr = imp._cache.get(vr_code)
        if vr is None:
            imp.err(i, "safetyRegion", f"'{vr_code}' is geen veiligheidsregio (VR01–VR25)")
            continue
        area = imp._cache.get(code)
        if area is None:
            name = str(item.get("name", "")).strip()
            imp.name_seen(str(item.get("gemcode", "")).strip().upper(), name)
            if not name:
                imp.err(i, "name", "naam ontbreekt")
                continue
            # Only in this (older) list: keep it, with its region, as a former gemeente.
            imp.upsert(code, kind=AreaKind.GEMEENTE, name=name, slug=slugify(name), veiligheidsregio=vr,
                       superseded=True)
        elif area.veiligheidsregio_id != vr.pk:
            area.veiligheidsregio = vr
            area.save(update_fields=["veiligheidsregio"])
            imp.result.updated += 1
        imp.tick(i, len(data))
    imp.result.rows = len(data)
    _report_missing(imp)


def _decode_topology(topo: dict[str, Any], object_name: str) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """Turn a (quantized) TopoJSON object into GeoJSON geometries."""
    transform = topo.get("transform")
    arcs: list[list[list[float]]] = []
    for arc in topo["arcs"]:
        points, x, y = [], 0.0, 0.0
        for p in arc:
            if transform:
                x, y = x + p[0], y + p[1]
                sx, sy = transform["scale"]
                tx, ty = transform["translate"]
                points.append([round(x * sx + tx, 6), round(y * sy + ty, 6)])
            else:
                points.append([p[0], p[1]])
        arcs.append(points)

    def ring(indexes: list[int]) -> list[list[float]]:
        out: list[list[float]] = []
        for idx in indexes:
            pts = arcs[idx] if idx >= 0 else list(reversed(arcs[~idx]))
            out.extend(pts if not out else pts[1:])
        return out

    for geom in topo["objects"][object_name]["geometries"]:
        if geom["type"] == "Polygon":
            g = {"type": "Polygon", "coordinates": [ring(r) for r in geom["arcs"]]}
        elif geom["type"] == "MultiPolygon":
            g = {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in geom["arcs"]]}
        else:
            continue
        yield geom.get("properties") or {}, g


def import_topojson(imp: _Importer) -> None:
    topo = _load_json(imp.path)
    _ensure_vrs(imp)
    n = 0
    objects = topo.get("objects")
    if not isinstance(objects, dict) or not isinstance(topo.get("arcs"), list):
        raise AreaImportError([_row_error(imp.name, 1, "objects/arcs", "TopoJSON zonder 'objects' of 'arcs'")])
    for obj_name in ("gm_features", "vr_features"):
        if obj_name not in objects:
            continue
        try:
            decoded = list(_decode_topology(topo, obj_name))
        except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
            raise AreaImportError([_row_error(imp.name, 1, obj_name,
                                            f"TopoJSON is beschadigd ({type(exc).__name__}: {exc})")]) from None
        for i, (props, geom) in enumerate(decoded, start=1):
            n += 1
            code = str(props.get("code", "")).strip().upper()
            area = imp._cache.get(code)
            if area is None:
                imp.err(i, f"{obj_name}.properties.code", f"'{code}' is onbekend; importeer eerst de gemeentelijst")
                continue
            if area.geometry != geom:
                area.geometry = geom
                area.save(update_fields=["geometry"])
                imp.result.updated += 1
    imp.result.rows = n


def import_geojson(imp: _Importer) -> None:
    data = _load_json(imp.path)
    features = data.get("features", [])
    if not isinstance(features, list):
        raise AreaImportError([_row_error(imp.name, 1, "features", "GeoJSON 'features' is geen lijst")])
    for i, feat in enumerate(features, start=1):
        if not isinstance(feat, dict) or not isinstance(feat.get("properties") or {}, dict):
            imp.err(i, "features", "geen GeoJSON-feature (object met properties)")
            continue
        geometry = feat.get("geometry")
        if geometry is not None and not (isinstance(geometry, dict) and isinstance(geometry.get("type"), str)
                                         and isinstance(geometry.get("coordinates"), list)):
            imp.err(i, "geometry", "geometrie zonder type of coördinaten")
            continue
        props = feat.get("properties") or {}
        code = str(props.get("statcode", "")).strip().upper()
        if not code.startswith("GM"):
            imp.err(i, "properties.statcode", f"'{code}' is geen gemeentecode")
            continue
        area = imp._cache.get(code)
        if area is None:
            imp.result.missing.append(f"{code} {props.get('statnaam', '')}: staat niet in de gemeentelijst; geometrie overgeslagen")
            continue
        geom = feat.get("geometry")
        if not area.geometry and geom:
            area.geometry = geom
            area.save(update_fields=["geometry"])
            imp.result.updated += 1
    imp.result.rows = len(data.get("features", []))


def import_koppeling(imp: _Importer) -> None:
    rows = _rows(imp)
    kinds = {"politie_eenheid": AreaKind.POLITIE_EENHEID, "politie_district": AreaKind.POLITIE_DISTRICT,
             "basisteam": AreaKind.BASISTEAM, "veiligheidsregio": AreaKind.VEILIGHEIDSREGIO}
    for i, r in enumerate(rows, start=2):
        try:
            code = _code(r.get("gemeente", ""), "GM")
        except ValueError as exc:
            imp.err(i, "gemeente", str(exc))
            continue
        area = imp.need(code, i, "gemeente")
        if area is None:
            continue
        changed = []
        for col, kind in kinds.items():
            ref = r.get(col, "").strip()
            if not ref:
                continue
            target = imp._cache.get(ref.upper())
            if target is None and kind in (AreaKind.POLITIE_DISTRICT, AreaKind.BASISTEAM):
                name = r.get(f"{col}_naam", "").strip() or ref
                target = imp.upsert(ref.upper(), kind=kind, name=name, slug=slugify(name))
            if target is None or target.kind != kind:
                imp.err(i, col, f"'{ref}' is geen bekende {kind}")
                continue
            if getattr(area, f"{col}_id") != target.pk:
                setattr(area, col, target)
                changed.append(col)
        if changed:
            area.save(update_fields=changed)
            imp.result.updated += 1
    imp.result.rows = len(rows)


def import_herindeling(imp: _Importer) -> None:
    rows = _rows(imp)
    for i, r in enumerate(rows, start=2):
        try:
            old, new = _code(r.get("code_oud", ""), "GM"), _code(r.get("code_nieuw", ""), "GM")
        except ValueError as exc:
            imp.err(i, "code_oud/code_nieuw", str(exc))
            continue
        try:
            date = dt.date.fromisoformat(r.get("datum", ""))
        except ValueError:
            imp.err(i, "datum", f"'{r.get('datum')}' is geen datum (JJJJ-MM-DD)")
            continue
        a, b = imp.need(old, i, "code_oud"), imp.need(new, i, "code_nieuw")
        if a is None or b is None:
            continue
        if a.pk == b.pk:
            imp.err(i, "code_nieuw", "een gemeente kan niet in zichzelf opgaan")
            continue
        cycle = successor_cycle(a, b, imp._cache.values())
        if cycle:
            imp.err(i, "code_nieuw", "herindeling maakt een kring: " + " → ".join(cycle))
            continue
        if a.successor_id != b.pk or a.valid_to != date:
            a.successor, a.valid_to, a.superseded = b, date, True
            a.save(update_fields=["successor", "valid_to", "superseded"])
            imp.result.updated += 1
    imp.result.rows = len(rows)


def successor_cycle(area: Area, successor: Area, areas: Iterable[Area]) -> list[str]:
    """The codes of the cycle that making ``successor`` the successor of ``area`` would close
    (empty when there is none): a gemeente cannot (indirectly) merge into itself."""
    by_pk = {a.pk: a for a in areas}
    path = [area.code, successor.code]
    current: Area | None = successor
    seen: set[int] = set()
    while current is not None:
        if current.pk == area.pk:
            return path
        if current.pk in seen or current.successor_id is None:
            return []
        seen.add(current.pk)
        current = by_pk.get(current.successor_id) or Area.objects.filter(pk=current.successor_id).first()
        if current is not None:
            path.append(current.code)
    return []


def _report_missing(imp: _Importer) -> None:
    gemeenten = [a for a in imp._cache.values() if a.kind == AreaKind.GEMEENTE]
    current = [a for a in gemeenten if not a.superseded and a.valid_to is None]
    no_pe = sum(1 for a in current if a.politie_eenheid_id is None)
    no_vr = [a for a in current if a.veiligheidsregio_id is None]
    gone = [a for a in gemeenten if a.superseded and a.successor_id is None]
    if current and no_pe:
        imp.result.missing.append(
            f"{no_pe} gemeenten zonder politie-eenheid: die koppeling staat niet in de bestanden. "
            "Een beheerder vult haar aan (pagina Ontbrekende koppelingen, of een koppelingsbestand)."
        )
    if current and no_vr and any(a.veiligheidsregio_id for a in current):
        imp.result.missing.append(
            f"{len(no_vr)} gemeenten zonder veiligheidsregio: " + ", ".join(f"{a.code} {a.name}" for a in no_vr[:10])
        )
    if gone:
        imp.result.missing.append(
            f"{len(gone)} gemeenten staan niet meer in de actuele lijst; hun opvolger staat niet in de bestanden "
            "(herindelingsbestand nodig): " + ", ".join(f"{a.code} {a.name}" for a in gone[:10])
        )


IMPORTERS: dict[str, Callable[[_Importer], None]] = {
    "gemeenten": import_gemeenten,
    "gemeente-provincie": import_gemeente_provincie,
    "cbs-regiocodes": import_cbs_regiocodes,
    "cbs-bevolking": import_cbs_bevolking,
    "gemeente-veiligheidsregio": import_gemeente_vr,
    "topojson": import_topojson,
    "geojson": import_geojson,
    "koppeling": import_koppeling,
    "herindeling": import_herindeling,
}


def import_file(path: Path | str, *, by: Any = None, progress: ProgressFn | None = None) -> ImportResult:
    """Import one file, all-or-nothing. Raises :class:`AreaImportError` naming file, row and field."""
    path = Path(path)
    if not path.is_file():
        raise AreaImportError([_row_error(str(path), 0, "-", "bestand bestaat niet")])
    fmt = sniff(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with transaction.atomic():
        _ensure_peer_groups()
        imp = _Importer(path, by, progress)
        imp.result.file_format = fmt
        IMPORTERS[fmt](imp)
        if not imp.errors:
            imp.store_names()
        if imp.errors:
            transaction.set_rollback(True)
            raise AreaImportError(imp.errors)
        AreaImport.objects.create(file_name=path.name, sha256=sha, file_format=fmt, rows=imp.result.rows,
                                  created=imp.result.created, updated=imp.result.updated,
                                  missing=imp.result.missing)
        if imp.result.created or imp.result.updated or imp.result.names_added:
            audit.record(user=by, action="import", object_type="areas.area", object_id=sha[:16],
                         object_repr=path.name,
                         changes={"format": fmt, "rows": imp.result.rows, "created": imp.result.created,
                                  "updated": imp.result.updated})
    return imp.result


# The order in which the shared reference files build on each other.
REFERENCE_ORDER = [
    ("cbs-police-crime", "politie_jaarcijfers_RegioS.csv"),
    ("municipalities", "gemeenten_NL_gini_2023.csv"),
    ("municipalities", "municipality_in_province_2024.csv"),
    ("municipalities", "cbs_population_by_region_2022.csv"),
    ("municipalities", "minvws-gemeente_veiligheidsregio_2020.json"),
    ("geo", "minvws-nl-vr-gm.topo.json"),
]


def reference_files(shared_data: Path | None = None) -> list[Path]:
    """The reference files in build order: from ``shared_data`` (default: the configured shared data folder)
    where it has them, else Cyberbeeld's bundled copies (``cyberbeeld.refdata``), so a bare install has them
    all."""
    found = [refdata.path(f"{d}/{f}", shared_dir=shared_data) for d, f in REFERENCE_ORDER]
    return [p for p in found if p is not None]
