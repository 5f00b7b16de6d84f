"""Storing parsed indicator files: all-or-nothing, idempotent, audited.

The pure parsing layer (``parsers.py``) turns a file into records; this module maps them onto the
catalogue and the areas and writes them in one transaction. Importing the same file twice changes
nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from cyberbeeld.accounts import audit
from cyberbeeld.areas.models import Area

from . import catalogue, ownership, parsers
from .models import ImportBatch, Indicator, Observation, Source, Unit
from .ownership import FigureWriter

POLICE_TABLES = {"47018NED", "47022NED", "47025NED", "83648NED"}


class ImportFailed(Exception):
    """A file was refused; ``problems`` name file, row, column and reason. Nothing was written."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        first = problems[0]
        where = ", ".join(x for x in (
            first.get("file") or "", f"rij {first['row']}" if first.get("row") else "",
            f"kolom '{first['column']}'" if first.get("column") else "") if x)
        more = f" (en nog {len(problems) - 1})" if len(problems) > 1 else ""
        super().__init__(f"{where}: {first['reason']}{more}")


@dataclass
class ImportSummary:
    batch: ImportBatch | None
    observations: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    indicators_created: list[str] = field(default_factory=list)
    already_imported: bool = False


def _indicator_code(table: str, measure: str, dims: dict[str, str]) -> str:
    parts = [table or "tabel", measure, *[f"{k}-{v}" for k, v in sorted(dims.items())]]
    return slugify("-".join(p for p in parts if p))[:100]


def _area_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, name in Area.objects.values_list("code", "name"):
        lookup.setdefault(name, code)
        lookup.setdefault(f"{name} (gemeente)", code)
    return lookup


def _period(p: parsers.Period) -> str:
    return str(p)


def _digest(path: Path) -> str:
    """SHA-256 of a file, or of a table folder's files (names and contents): a changed download is new."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    h = hashlib.sha256()
    for p in sorted(q for q in path.iterdir() if q.is_file()):
        h.update(p.name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def import_observations(path: Path | str, *, writer: FigureWriter, by: Any = None, progress: Callable[[int, int | None], None] | None = None,
                        store_progress: Callable[[int, int], None] | None = None,
                        area_aliases: dict[str, str] | None = None, **options: Any) -> ImportSummary:
    """Store every observation of one file, or nothing.

    Parsing (``progress(done, total)``) runs before the transaction, so a caller can report its
    progress; storing (``store_progress(done, total)``) runs in one transaction. ``area_aliases``
    adds area names the area register spells differently (``{"Noardeast-Fryslân": "GM1970"}``). Cells that map onto
    the catalogue (e.g. police ``SoortMisdrijf`` 3.7.4) land on the catalogue indicator. ``writer`` says on whose
    behalf the figures are written (``indicators.ownership``): a cell it may not write refuses the whole file.
    """
    path = Path(path)
    digest = _digest(path)
    try:
        table = parsers.parse(path, area_lookup={**_area_lookup(), **(area_aliases or {})}, on_progress=progress,
                              **options)
    except parsers.ParseError as exc:
        raise ImportFailed([{"file": p.file, "row": p.row, "column": p.column, "reason": p.reason_nl,
                             "reason_en": p.reason_en} for p in exc.problems]) from exc
    return store_table(table, path=path, digest=digest, writer=writer, by=by, store_progress=store_progress)


_NUMERIC = ("value", "ci_low", "ci_high", "se")


def _checked_values(table: parsers.ParsedTable, path: Path) -> dict[int, dict[str, Any]]:
    """Refuse values no column can hold (not finite, too many digits); the rounded ones by record index."""
    problems: list[dict[str, Any]] = []
    adjusted: dict[int, dict[str, Any]] = {}
    for i, rec in enumerate(table.observations):
        for name in _NUMERIC:
            raw = getattr(rec, name)
            if raw is None:
                continue
            stored, why = ownership.checked_value(name, raw)
            if why is not None:
                problems.append({"file": path.name, "row": rec.source_row, "column": ownership.COLUMN_NAMES[name],
                                 "reason": why[0], "reason_en": why[1]})
            elif stored is not raw:
                adjusted.setdefault(i, {})[name] = stored
        if rec.n is not None:
            _, why = ownership.checked_count(rec.n)
            if why is not None:
                problems.append({"file": path.name, "row": rec.source_row, "column": "n", "reason": why[0],
                                 "reason_en": why[1]})
        if len(problems) >= 100:
            break
    if problems:
        raise ImportFailed(problems[:100])
    return adjusted


@transaction.atomic
def store_table(table: parsers.ParsedTable, *, path: Path, digest: str, writer: FigureWriter, by: Any = None,
                store_progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Write a parsed table all-or-nothing; a table already stored changes nothing.

    Every value is checked against its column, and every cell against ``writer`` (``indicators.ownership``),
    before anything is written.
    """
    meta = table.metadata
    area_pk = dict(Area.objects.values_list("code", "pk"))
    problems = [
        {"file": path.name, "row": o.source_row, "column": "area", "reason": f"gebied {o.area} is onbekend",
         "reason_en": f"area {o.area} is unknown"}
        for o in table.observations if o.area not in area_pk
    ]
    if problems:
        raise ImportFailed(problems[:100])
    adjusted = _checked_values(table, path)  # finite, within the columns (indicators.ownership)
    if not any(o.value is not None for o in table.observations):
        # all cells empty or missing ('.', 'NaN', …): that is not "already imported", it is no data
        raise ImportFailed([{"file": path.name, "row": None, "column": "waarde",
                             "reason": "het bestand bevat geen enkele waarde (alle cellen leeg of ontbrekend, bijv. NaN)",
                             "reason_en": "the file holds no value at all (every cell empty or missing, e.g. NaN)"}])
    batch = ImportBatch.objects.create(source=f"{meta.identifier or path.name}", sha256=digest, by=by,
                                       rows=len(table.observations), note=meta.title[:300])
    summary = ImportSummary(batch=batch, observations=len(table.observations))
    indicators: dict[str, Indicator] = {i.code: i for i in Indicator.objects.all()}
    source_table = meta.identifier or path.name
    # pass 1: which indicator each (measure, dimensions) combination lands on
    resolved: dict[tuple[str, tuple[tuple[str, str], ...]], Indicator] = {}
    keys: list[Indicator | None] = []
    by_id: dict[tuple[str, int], Indicator] = {}
    for rec in table.observations:
        if rec.value is None:
            keys.append(None)
            continue
        fast = (rec.measure_code, id(rec.dimensions))  # the parser shares identical dimension mappings
        indicator = by_id.get(fast)
        if indicator is None:
            key = (rec.measure_code, tuple(sorted(rec.dimensions.items())))
            indicator = resolved.get(key)
            if indicator is None:
                indicator = _resolve_indicator(rec, meta, path, indicators, summary)
                resolved[key] = indicator
            by_id[fast] = indicator
        keys.append(indicator)
    created_now = set(summary.indicators_created)
    old_ids = {i.pk for i in resolved.values() if i.code not in created_now}
    existing: dict[tuple[int, int, str], Observation] = {}
    if old_ids:
        for obs in Observation.objects.filter(indicator_id__in=old_ids).only(
                "pk", "indicator_id", "area_id", "period", "owner_id", "reference_source", *_VALUE_FIELDS
        ).iterator(chunk_size=20_000):
            existing[(obs.indicator_id, obs.area_id, obs.period)] = obs
    periods: dict[Any, str] = {}
    _check_cells(table, keys, existing, area_pk, periods, writer, path)
    # pass 2: insert new cells in chunks (plain INSERTs: the ORM's per-object cost would dominate
    # a million-cell table), collect changed ones for one bulk update
    to_update: list[Observation] = []
    rows: list[tuple[Any, ...]] = []
    default_status = Observation.Status.DEFINITIVE
    owner = (writer.organisation.pk if writer.organisation is not None else None,
             "" if writer.organisation is not None else (source_table[:300] or ownership.REFERENCE))
    _store_rows(table, keys, existing, area_pk, periods, rows, to_update, summary, batch, source_table,
                default_status, store_progress, path, adjusted, owner)
    if to_update:
        Observation.objects.bulk_update(to_update, [*_VALUE_FIELDS, "reference_source", "import_batch"],
                                        batch_size=_CHUNK)
    summary.updated = len(to_update)
    if not (summary.created or summary.updated or summary.indicators_created):
        summary.already_imported = True
        transaction.set_rollback(True)  # nothing changed: not even a batch row
        summary.batch = None
        return summary
    audit.record(user=by, action="import", obj=batch, changes={
        "file": path.name, "created": summary.created, "updated": summary.updated,
        "indicators_created": len(summary.indicators_created)})
    return summary


_CHUNK = 5000
_VALUE_FIELDS = ("value", "ci_low", "ci_high", "se", "n", "status", "source_table")
_INSERT_FIELDS = ("indicator", "area", "period", *_VALUE_FIELDS, "import_batch", "owner", "reference_source")


def _check_cells(table: parsers.ParsedTable, keys: list[Indicator | None],
                 existing: dict[tuple[int, int, str], Observation], area_pk: dict[str, int], periods: dict[Any, str],
                 writer: FigureWriter, path: Path) -> None:
    """Refuse the file if ``writer`` may not write any of its cells (nothing has been written yet)."""
    problems: list[dict[str, Any]] = []
    for rec, indicator in zip(table.observations, keys, strict=True):
        if indicator is None:
            continue
        period = periods.get(rec.period)
        if period is None:
            period = periods[rec.period] = _period(rec.period)
        area_id = area_pk[rec.area]
        obs = existing.get((indicator.pk, area_id, period)) if existing else None
        if (writer.organisation is not None and area_id == writer.gemeente_id and obs is None
                and not indicator.code.startswith(ownership.OWN_SURVEY_PREFIX)):
            continue  # the common case of an own upload, without a call
        why = ownership.cell_problem(writer, indicator_code=indicator.code, area_id=area_id, area_code=rec.area,
                                   existing=(obs.owner_id, obs.reference_source) if obs is not None else None)
        if why is not None:
            problems.append({"file": path.name, "row": rec.source_row, "column": why[0], "reason": why[1],
                             "reason_en": why[2]})
            if len(problems) >= 100:
                break
    if problems:
        raise ImportFailed(problems)


def _store_rows(table: parsers.ParsedTable, keys: list[Indicator | None], existing: dict[tuple[int, int, str], Observation],
                area_pk: dict[str, int], periods: dict[Any, str], rows: list[tuple[Any, ...]],
                to_update: list[Observation], summary: ImportSummary, batch: ImportBatch, source_table: str,
                default_status: str, store_progress: Callable[[int, int], None] | None, path: Path,
                adjusted: dict[int, dict[str, Any]], owner: tuple[int | None, str]) -> None:
    total = len(table.observations)
    owner_id, reference_source = owner
    for i, (rec, indicator) in enumerate(zip(table.observations, keys, strict=True)):
        if indicator is None:
            continue
        period = periods.get(rec.period)
        if period is None:
            period = periods[rec.period] = _period(rec.period)
        area_id = area_pk[rec.area]
        obs = existing.get((indicator.pk, area_id, period)) if existing else None
        fix = adjusted.get(i) if adjusted else None
        value, ci_low, ci_high, se = (rec.value, rec.ci_low, rec.ci_high, rec.se) if fix is None else (
            fix.get("value", rec.value), fix.get("ci_low", rec.ci_low), fix.get("ci_high", rec.ci_high),
            fix.get("se", rec.se))
        if obs is None:
            rows.append((indicator.pk, area_id, period, value, ci_low, ci_high, se, rec.n,
                         rec.status or default_status, source_table, batch.pk, owner_id, reference_source, False))
            if len(rows) >= _CHUNK:
                _insert(rows, path)
                summary.created += len(rows)
                rows = []
                if store_progress:
                    store_progress(i + 1, total)
            continue
        values = {"value": value, "ci_low": ci_low, "ci_high": ci_high, "se": se, "n": rec.n,
                  "status": rec.status or default_status, "source_table": source_table,
                  "reference_source": reference_source}
        changed = {k: v for k, v in values.items() if _differs(getattr(obs, k), v)}
        if changed:
            for k, v in changed.items():
                setattr(obs, k, v)
            obs.import_batch = batch
            to_update.append(obs)
        else:
            summary.unchanged += 1
    if rows:
        _insert(rows, path)
        summary.created += len(rows)


def _insert(rows: list[tuple[Any, ...]], path: Path) -> None:
    """Plain INSERTs of new observations (Decimals are adapted by the database driver)."""
    meta = Observation._meta
    q = connection.ops.quote_name
    cols = ", ".join([*(q(meta.get_field(f).column) for f in _INSERT_FIELDS), q("is_example")])
    sql = f"INSERT INTO {q(meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * (len(_INSERT_FIELDS) + 1))})"
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows)
    except IntegrityError as exc:
        raise ImportFailed([{"file": path.name, "row": None, "column": None,
                             "reason": "een waarneming (indicator, gebied, periode) komt twee keer voor",
                             "reason_en": "an observation (indicator, area, period) occurs twice"}]) from exc


def _resolve_indicator(rec: Any, meta: Any, path: Path, indicators: dict[str, Indicator],
                       summary: ImportSummary) -> Indicator:
    dims = dict(rec.dimensions)
    code = catalogue.match(rec.measure_code, dims)
    if code is None:
        code = rec.measure_code if rec.measure_code in indicators and not dims else _indicator_code(
            meta.identifier, rec.measure_code, dims)
    indicator = indicators.get(code)
    if indicator is not None:
        return indicator
    if code in catalogue.entries():
        indicator = catalogue.ensure(code)
    else:
        measure = meta.measures.get(rec.measure_code)
        titles = [measure.title if measure else rec.measure_code]
        for key, value in sorted(dims.items()):
            info = meta.dimensions.get(key)
            item = info.codes.get(value) if info else None
            titles.append(item.title if item else value)
        unit_text = (measure.unit if measure else "").lower()
        indicator = Indicator.objects.create(
            code=code, name_nl=" — ".join(titles)[:300], name_en=" — ".join(titles)[:300],
            unit=Unit.PERCENT if "%" in unit_text or "procent" in unit_text else Unit.COUNT,
            source=Source.POLITIE if meta.identifier in POLICE_TABLES else Source.OWN_SURVEY,
            series=slugify(meta.identifier or path.stem)[:100], source_table=meta.identifier or path.name,
        )
    indicators[code] = indicator
    summary.indicators_created.append(code)
    return indicator


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) and new is not None:
        return old != Decimal(new)
    return old != new
