"""Storing parsed indicator files: all-or-nothing, idempotent, audited.

The pure parsing layer (``parsers.py``) turns a file into records; this module maps them onto the
catalogue and the areas and writes them in one transaction. Importing the same file twice changes
nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from cyberbeeld.accounts import audit, pagecache, policy
from cyberbeeld.areas.models import Area
from cyberbeeld.areas.names import AreaNames, remember
from cyberbeeld.common.errors import ImportRefused, NotAllowed, RowError
from cyberbeeld.common.models import ImportJob

from . import catalogue, ownership, parsers
from .models import (
    Frequency,
    ImportBatch,
    Indicator,
    MeasureType,
    Observation,
    PublicTheme,
    Source,
    SourceTable,
    StagedObservation,
    Unit,
)
from .ownership import FigureWriter
from .selectors import CACHE_KIND

POLICE_TABLES = {"47018NED", "47022NED", "47025NED", "83648NED"}


class ImportFailed(ImportRefused):
    """A file was refused; ``errors`` name file, row, column and reason. Nothing was written.

    ``problems`` keeps the dictionaries the import job stores (and its page shows)."""

    code = "indicator-import"

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        super().__init__([RowError.from_dict(p) for p in problems])
        first = problems[0]
        where = ", ".join(x for x in (
            first.get("file") or "", f"rij {first['row']}" if first.get("row") else "",
            f"kolom '{first['column']}'" if first.get("column") else "") if x)
        more = f" (en nog {len(problems) - 1})" if len(problems) > 1 else ""
        self.args = (f"{where}: {first['reason']}{more}",)


@dataclass
class ImportSummary:
    batch: ImportBatch | None
    observations: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    indicators_created: list[str] = field(default_factory=list)
    indicators_updated: list[str] = field(default_factory=list)
    already_imported: bool = False


def _indicator_code(table: str, measure: str, dims: dict[str, str]) -> str:
    parts = [table or "tabel", measure, *[f"{k}-{v}" for k, v in sorted(dims.items())]]
    return slugify("-".join(p for p in parts if p))[:100]


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
def _header(path: Path) -> list[str]:
    """The column names of a CSV file (empty for anything else)."""
    if not path.is_file() or path.suffix.lower() not in (".csv", ".txt"):
        return []

    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline()
    try:
        return next(csv.reader([first], delimiter=";" if first.count(";") > first.count(",") else ","))
    except StopIteration:
        return []


def import_observations(path: Path | str, *, writer: FigureWriter, by: Any = None, progress: Callable[[int, int | None], None] | None = None,
                        store_progress: Callable[[int, int], None] | None = None,
                        area_aliases: dict[str, str] | None = None, origin: str = ImportBatch.Origin.CLI,
                        job_id: int | None = None, final_check: Callable[[], None] | None = None,
                        **options: Any) -> ImportSummary:
    """Store every observation of one file, or nothing.

    Parsing (``progress(done, total)``) runs before anything is written, so a caller can report its
    progress; storing (``store_progress(done, total)``) is staged in short transactions and made visible
    at once at the end (``store_table``). Areas are matched by
    code first, then by any name the area register knows (``areas.names``); ``area_aliases`` adds
    names for one import. A known extract (``catalogue.known_file``: e.g. the national police files)
    gets its table id, national area and skipped columns without options. Cells that map onto the
    catalogue (e.g. police ``SoortMisdrijf`` 3.7.4) land on the catalogue indicator.
    ``writer`` says on whose behalf the figures are written (``indicators.ownership``): a cell it may
    not write refuses the whole file. ``origin`` says how the file came in (``ImportBatch.Origin``): the
    batch is every observation's provenance (table, file, source row, period of the source, import date).
    """
    path = Path(path)
    known = catalogue.known_file(_header(path))
    if known:
        options.setdefault("source_table", known["table"])
        if known.get("area"):
            options.setdefault("area", known["area"])
        if known.get("ignore_columns"):
            options.setdefault("ignore_columns", tuple(known["ignore_columns"]))
    digest = _digest(path)
    names = AreaNames.load(extra=area_aliases)
    try:
        table = parsers.parse(path, area_lookup=names, on_progress=progress, **options)
    except parsers.ParseError as exc:
        raise ImportFailed([{"file": p.file, "row": p.row, "column": p.column, "reason": p.reason_nl,
                             "reason_en": p.reason_en} for p in exc.problems]) from exc
    return store_table(table, path=path, digest=digest, writer=writer, by=by, store_progress=store_progress,
                       origin=origin, job_id=job_id, final_check=final_check)


LEGACY_NOT_FIGURES = ("total_incident_count", "total-incident-count")  # a column summing every type: not a figure
_RAW_KEY = re.compile(r"\b[A-Z][a-z]+[A-Z]\w*_\d+\b|\b(?:total_)?incident_count\b")


def cleanup_legacy_indicators(indicator_model: Any = None) -> dict[str, int]:
    """Indicators left by earlier versions: ones made from the police files' ``total_incident_count`` column (a sum
    over every crime type, not a figure) go with their observations; ones still named by a raw source key
    (``GeregistreerdeMisdrijvenPer1000Inw_3 — …``, ``incident_count — 1.1.1 …``) get a readable name. Idempotent;
    used by migration 0010 (with the historical model) and by the demo's refresh."""
    model = indicator_model or Indicator
    legacy = model.objects.filter(in_catalogue=False).filter(
        models.Q(source_measure__in=LEGACY_NOT_FIGURES) | models.Q(code__icontains=LEGACY_NOT_FIGURES[1])
        | models.Q(code__icontains=LEGACY_NOT_FIGURES[0]))
    deleted = legacy.count()
    legacy.delete()
    renamed = 0
    names = ("name_nl", "name_en", "subject_nl", "subject_en")
    for ind in model.objects.filter(in_catalogue=False).only("pk", *names):  # checked here: one regex for every DB
        if not any(_RAW_KEY.search(getattr(ind, n)) for n in names):
            continue
        for n in names:
            limit = 300 if n.startswith("name") else 200
            setattr(ind, n, _RAW_KEY.sub(lambda m: humanise(m.group(0)), getattr(ind, n))[:limit])
        ind.save(update_fields=list(names))
        renamed += 1
    return {"deleted": deleted, "renamed": renamed}


def demo_batch(*, source: str, table_id: str = "", note: str = "", periods: list[str] | None = None) -> ImportBatch:
    """The provenance of figures the demo enters itself (one batch per source, reused on every run)."""
    periods = sorted(periods or [])
    batch, _ = ImportBatch.objects.get_or_create(
        origin=ImportBatch.Origin.DEMO, source=source[:300],
        defaults={"sha256": "-", "table_id": table_id[:100], "note": note[:300], "rows": len(periods),
                  "first_period": periods[0] if periods else "", "last_period": periods[-1] if periods else ""})
    return batch


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


def store_table(table: parsers.ParsedTable, *, path: Path, digest: str, writer: FigureWriter, by: Any = None,
                store_progress: Callable[[int, int], None] | None = None,
                origin: str = ImportBatch.Origin.CLI, job_id: int | None = None,
                final_check: Callable[[], None] | None = None) -> ImportSummary:
    """Write a parsed table all-or-nothing; a table already stored changes nothing.

    Every value is checked against its column, and every cell against ``writer`` (``indicators.ownership``),
    before anything is written. The write is staged so that no transaction holds the write lock for long:

    1. one short transaction opens the batch (status ``staging``) and makes the indicators the file needs;
    2. new cells go to :class:`StagedObservation` in chunks of ``_CHUNK`` rows, each in its own short
       transaction (no page or API reads that table);
    3. one short final transaction moves the staged cells into :class:`Observation` with a single
       ``INSERT … SELECT``, applies the changed cells and marks the batch done.

    Any failure, a cancel (``store_progress`` raising) or a killed process before 3 leaves nothing visible:
    the staged rows, the batch and the indicators it made are discarded (at once, by the job's end hook
    ``discard_staged``, or by the next import for a killed command-line run).
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
    discard_stale()
    periods_read = sorted({str(p) for p in {o.period for o in table.observations if o.value is not None}})
    source_table = meta.identifier or path.name
    with transaction.atomic():  # 1. the batch and the indicators (short)
        batch = ImportBatch.objects.create(source=f"{meta.identifier or path.name}", sha256=digest, by=by,
                                           rows=len(table.observations), note=meta.title[:300], origin=origin,
                                           table_id=(meta.identifier or "")[:100], file_name=path.name[:300],
                                           first_period=periods_read[0][:20], last_period=periods_read[-1][:20],
                                           status=STAGING)
        summary = ImportSummary(batch=batch, observations=len(table.observations))
        indicators: dict[str, Indicator] = {i.code: i for i in Indicator.objects.all()}
        # pass 1: which indicator each (measure, dimensions) combination lands on
        resolved: dict[tuple[str, tuple[tuple[str, str], ...], str], Indicator] = {}
        keys: list[Indicator | None] = []
        by_id: dict[tuple[str, int, str], Indicator] = {}
        for rec in table.observations:
            if rec.value is None:
                keys.append(None)
                continue
            fast = (rec.measure_code, id(rec.dimensions), rec.period.kind)  # the parser shares dimension mappings
            indicator = by_id.get(fast)
            if indicator is None:
                key = (rec.measure_code, tuple(sorted(rec.dimensions.items())), rec.period.kind)
                indicator = resolved.get(key)
                if indicator is None:
                    indicator = _resolve_indicator(rec, meta, path, indicators, summary)
                    resolved[key] = indicator
                by_id[fast] = indicator
            keys.append(indicator)
        _link_table_bases(resolved, meta, summary)
        batch.created_indicators = list(summary.indicators_created)
        batch.save(update_fields=["created_indicators"])
        if job_id is not None:  # so the job's end hook finds the staged rows
            ImportBatch.objects.filter(pk=batch.pk).update(job_id=job_id)
    try:
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
        # 2. new cells staged in chunks (plain INSERTs: the ORM's per-object cost would dominate a million-cell
        # table); changed ones collected for the final transaction
        to_update: list[Observation] = []
        rows: list[tuple[Any, ...]] = []
        default_status = Observation.Status.DEFINITIVE
        owner = (writer.organisation.pk if writer.organisation is not None else None,
                 "" if writer.organisation is not None else (source_table[:300] or ownership.REFERENCE))
        _store_rows(table, keys, existing, area_pk, periods, rows, to_update, summary, batch, source_table,
                    default_status, store_progress, path, adjusted, owner)
        summary.updated = len(to_update)
        if not (summary.created or summary.updated or summary.indicators_created or summary.indicators_updated):
            discard(batch)  # nothing changed: not even a batch row
            summary.already_imported = True
            summary.batch = None
            return summary
        with transaction.atomic():  # 3. swap in (short)
            if final_check is not None:
                final_check()  # e.g. the job runner: raise unless this run still owns the job
            _swap_in(batch, path)
            if to_update:
                Observation.objects.bulk_update(to_update, [*_VALUE_FIELDS, "reference_source", "import_batch"],
                                                batch_size=_CHUNK)
            ImportBatch.objects.filter(pk=batch.pk).update(status="done")
            batch.status = "done"
            pagecache.bump(CACHE_KIND)  # the new figures become visible with this commit
            audit.record(user=by, action="import", obj=batch, changes={
                "file": path.name, "created": summary.created, "updated": summary.updated,
                "indicators_created": len(summary.indicators_created)})
    except BaseException:
        discard(batch)
        raise
    _drop_staged(batch.pk)
    return summary


def import_job_create(*, by: Any, owner: Any, filename: str, data: bytes, area: str = "") -> ImportJob:
    """Store an uploaded file of figures as an :class:`ImportJob` and queue its task."""
    from .tasks import run_import_job  # deferred: cycle services<->tasks (tasks imports this module)

    job = ImportJob.objects.create(kind=ImportJob.Kind.INDICATORS, owner=owner,
                                   created_by=by if getattr(by, "is_authenticated", False) else None,
                                   filename=filename[:255], data=data, options={"area": area} if area else {})
    run_import_job.enqueue(job.pk)
    return job


STAGING = "staging"
STALE_AFTER = 3600  # seconds: a command-line import staged longer ago than this was killed


def _drop_staged(batch_id: int) -> None:
    while True:  # short transactions, so a large file never holds the lock for long
        ids = list(StagedObservation.objects.filter(batch_id=batch_id).values_list("pk", flat=True)[:_CHUNK])
        if not ids:
            return
        StagedObservation.objects.filter(pk__in=ids)._raw_delete(connection.alias)


def discard(batch: ImportBatch) -> None:
    """Undo an unfinished import: its staged rows, the indicators it made (if still empty) and the batch."""
    _drop_staged(batch.pk)
    with transaction.atomic():
        codes = list(batch.created_indicators or [])
        if codes:
            Indicator.objects.filter(code__in=codes, observations__isnull=True).delete()
        ImportBatch.objects.filter(pk=batch.pk, status=STAGING).delete()


def discard_staged(job_id: Any) -> None:
    """The indicator import job's end hook (failed, cancelled, reaped): nothing of the run stays."""
    for batch in ImportBatch.objects.filter(job_id=job_id, status=STAGING):
        discard(batch)


def discard_stale() -> None:
    """Staged batches of runs that ended without finishing: a job that is no longer running, or a command-line
    run (no job) staged more than ``STALE_AFTER`` seconds ago."""
    cutoff = timezone.now() - dt.timedelta(seconds=STALE_AFTER)
    for batch in ImportBatch.objects.filter(status=STAGING).select_related("job"):
        state = batch.job.state if batch.job is not None else None
        if (state is None and batch.at < cutoff) or (state is not None and state not in (
                ImportJob.State.QUEUED, ImportJob.State.RUNNING)):
            discard(batch)


def _column(meta: Any, name: str) -> str:
    """The database column of a concrete field (the raw SQL of the staged import names columns)."""
    field = meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise LookupError(f"{meta.label}.{name} has no column")
    return field.column


def _swap_in(batch: ImportBatch, path: Path) -> None:
    """Move the staged cells of ``batch`` into the observations with one statement."""
    q = connection.ops.quote_name
    obs, st = Observation._meta, StagedObservation._meta
    fields = ("indicator", "area", "period", *_VALUE_FIELDS, "owner", "reference_source")
    target = ", ".join([*(q(_column(obs, f)) for f in fields), q("import_batch_id"), q("is_example")])
    source = ", ".join([*(q(_column(st, f)) for f in fields), q("batch_id"), "%s"])
    sql = (f"INSERT INTO {q(obs.db_table)} ({target}) SELECT {source} FROM {q(st.db_table)} "
           f"WHERE {q('batch_id')} = %s")
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [False, batch.pk])
    except IntegrityError as exc:
        raise ImportFailed([{"file": path.name, "row": None, "column": None,
                             "reason": "een waarneming (indicator, gebied, periode) komt twee keer voor",
                             "reason_en": "an observation (indicator, area, period) occurs twice"}]) from exc


_CHUNK = 5000
_VALUE_FIELDS = ("value", "ci_low", "ci_high", "se", "n", "status", "source_table", "source_row")
_STAGED_FIELDS = ("indicator", "area", "period", *_VALUE_FIELDS, "batch", "owner",
                  "reference_source")  # source_row is in _VALUE_FIELDS


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
                         rec.status or default_status, source_table, rec.source_row or None, batch.pk,
                         owner_id, reference_source))
            if len(rows) >= _CHUNK:
                _insert(rows, path)
                summary.created += len(rows)
                rows = []
                if store_progress:
                    store_progress(i + 1, total)
            continue
        values = {"value": value, "ci_low": ci_low, "ci_high": ci_high, "se": se, "n": rec.n,
                  "status": rec.status or default_status, "source_table": source_table,
                  "source_row": rec.source_row or None, "reference_source": reference_source}
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
    """Plain INSERTs of new observations into the staging table, in their own short transaction (Decimals are
    adapted by the database driver)."""
    meta = StagedObservation._meta
    q = connection.ops.quote_name
    cols = ", ".join(q(_column(meta, f)) for f in _STAGED_FIELDS)
    sql = f"INSERT INTO {q(meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(_STAGED_FIELDS))})"
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(sql, rows)


_FREQ_NL = {"month": "per maand", "quarter": "per kwartaal", "halfyear": "per halfjaar"}
_FREQ_EN = {"month": "per month", "quarter": "per quarter", "halfyear": "per half year"}


def humanise(key: str) -> str:
    """A readable name for a source key a person should never see raw: ``TotaalGeregistreerdeMisdrijven_1``
    → ``Totaal geregistreerde misdrijven``, ``incident_count`` → ``Incident count``."""
    text = re.sub(r"_\d+$", "", key).replace("_", " ")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).strip().lower()
    return text[:1].upper() + text[1:]


def _is_total(title: str) -> bool:
    t = title.strip().lower()
    return t.startswith("totaal") or t.endswith(", totaal") or t.endswith(" totaal")


def _measure_fields(meta: Any, measure_code: str, dims: dict[str, str], frequency: str) -> dict[str, Any]:
    """Name, definition, measure type, unit, decimals, polarity and frequency of an indicator that is
    not in the catalogue: from the table's metadata with the catalogue's ``tables`` entry overriding."""
    info = meta.measures.get(measure_code)
    title = info.title if info and info.title and info.title != measure_code else ""
    mm = catalogue.measure_meta(meta.identifier, measure_code, unit=info.unit if info else "",
                                decimals=info.decimals if info else None, title=title,
                                description=info.description if info else "")
    name_nl = mm.get("name_nl") or humanise(measure_code)
    name_en = mm.get("name_en") or name_nl
    dim_titles = []
    for key, value in sorted(dims.items()):
        dinfo = meta.dimensions.get(key)
        item = dinfo.codes.get(value) if dinfo else None
        dim_titles.append(item.title if item and item.title else value)
    detail = [t for t in dim_titles if t]
    subject_nl = mm.get("subject_nl") or name_nl[:1].lower() + name_nl[1:]
    subject_en = mm.get("subject_en") or name_en[:1].lower() + name_en[1:]
    specific = [t for t in detail if not _is_total(t)]
    if specific:
        subject_nl += f" ({', '.join(t.lower() for t in specific)})"
        subject_en += f" ({', '.join(specific)})"
    if detail:
        name_nl += " — " + ", ".join(detail)
        name_en += " — " + ", ".join(detail)
    if frequency in _FREQ_NL:
        name_nl += f", {_FREQ_NL[frequency]}"
        name_en += f", {_FREQ_EN[frequency]}"
    mtype = mm.get("measure_type") or MeasureType.COUNT
    unit = mm.get("unit") or {MeasureType.PERCENTAGE: Unit.PERCENT, MeasureType.INDEX: Unit.INDEX,
                              MeasureType.MEAN: Unit.MEAN}.get(mtype, Unit.COUNT)
    return {
        "name_nl": name_nl[:300], "name_en": name_en[:300], "definition_nl": mm.get("definition_nl", ""),
        "definition_en": mm.get("definition_en", ""), "measure_type": mtype, "unit": unit,
        "rate_per": mm.get("rate_per"), "decimals": mm.get("decimals"),
        "polarity": mm.get("polarity", "neutral"), "denominator_nl": mm.get("denominator_nl", ""),
        "denominator_en": mm.get("denominator_en", ""), "subject_nl": subject_nl[:200],
        "subject_en": subject_en[:200], "frequency": frequency if frequency in dict(Frequency.choices) else "year",
        "source_measure": measure_code[:100],
        "method_breaks": catalogue.table_breaks(meta.identifier),
    }


def _resolve_indicator(rec: Any, meta: Any, path: Path, indicators: dict[str, Indicator],
                       summary: ImportSummary) -> Indicator:
    dims = dict(rec.dimensions)
    frequency = rec.period.kind
    code = catalogue.match(rec.measure_code, dims, frequency)
    if code is None:
        if rec.measure_code in indicators and not dims and frequency == "year":
            code = rec.measure_code
        else:
            code = _indicator_code(meta.identifier, rec.measure_code, dims)
            if frequency != "year":
                code = f"{code[:90]}-{frequency}"
    indicator = indicators.get(code)
    if indicator is not None:
        if not indicator.in_catalogue and code != rec.measure_code:  # an indicator this importer named
            fields = _measure_fields(meta, rec.measure_code, dims, frequency)
            changed = {k: v for k, v in fields.items() if getattr(indicator, k) != v}
            if changed:
                for k, v in changed.items():
                    setattr(indicator, k, v)
                indicator.save(update_fields=list(changed))
                summary.indicators_updated.append(code)
        return indicator
    if code in catalogue.entries():
        indicator = catalogue.ensure(code)
    else:
        indicator = Indicator.objects.create(
            code=code, **_measure_fields(meta, rec.measure_code, dims, frequency),
            source=Source.POLITIE if meta.identifier in POLICE_TABLES else Source.OWN_SURVEY,
            series=slugify(meta.identifier or path.stem)[:100], source_table=meta.identifier or path.name,
        )
    indicators[code] = indicator
    summary.indicators_created.append(code)
    return indicator


def _link_table_bases(resolved: dict[tuple[str, tuple[tuple[str, str], ...], str], Indicator], meta: Any,
                      summary: ImportSummary) -> None:
    """A rate rests on the count of the same table, dimensions and frequency (its events); a percentage of
    registrations on the count it is a share of. Link them so comparisons can use the count."""
    for (measure, dims, freq), ind in resolved.items():
        if ind.in_catalogue:
            continue
        basis_measure = catalogue.measure_meta(meta.identifier, measure).get("basis")
        basis = resolved.get((basis_measure, dims, freq)) if basis_measure else None
        if basis is not None and ind.basis_id != basis.pk:
            ind.basis = basis
            ind.save(update_fields=["basis"])
            if ind.code not in summary.indicators_created:
                summary.indicators_updated.append(ind.code)


_STORED = Decimal("0.000001")  # Observation values are stored with 6 decimals


def _differs(old: Any, new: Any) -> bool:
    """Whether a stored value differs from a new one as the database would store it (so float noise
    such as ``195.89999999999998`` in an extract does not count as a change on a second import)."""
    if isinstance(old, Decimal) and new is not None:
        return old.quantize(_STORED) != Decimal(new).quantize(_STORED)
    return bool(old != new)


# --- metadata files of a source table (TableInfos, DataProperties, code lists) -------------------

_TABLE_PREFIX = re.compile(r"^(\d{5}[A-Z]{3}|\d{4}[a-z]{4})_")


def _csv_records(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
        return [(h or "").strip() for h in (reader.fieldnames or [])], rows


def metadata_kind(path: Path) -> str | None:
    """``tableinfos``, ``dataproperties`` or ``codelist`` for a CBS metadata file, else None (a data file)."""
    if not path.is_file() or path.suffix.lower() != ".csv":
        return None
    cols = set(_header(path))
    cols = {c.strip().strip('"') for c in cols}
    if {"Key", "Type", "Title"} <= cols and ("Unit" in cols or "Datatype" in cols):
        return "dataproperties"
    if {"Identifier", "Title"} <= cols and ("ShortTitle" in cols or "Modified" in cols):
        return "tableinfos"
    if {"Key", "Title"} <= cols and not (cols - {"", "Key", "Title", "Description", "CategoryGroupID", "Status",
                                                  "Municipality", "DetailRegionCode"}):
        return "codelist"
    return None


def _table_and_name(path: Path) -> tuple[str, str]:
    m = _TABLE_PREFIX.match(path.name)
    if m:
        return m.group(1), path.stem[len(m.group(0)):]
    table, _, name = path.stem.rpartition("_")
    return table or path.stem, name or path.stem


@dataclass
class MetadataSummary:
    kind: str
    table: str
    name: str
    rows: int = 0
    changed: bool = False
    area_names_added: int = 0
    indicators_updated: int = 0


@transaction.atomic
def import_metadata(path: Path | str, *, by: Any = None) -> MetadataSummary:
    """Store a CBS metadata file as what it is: table information, measure properties, or a code list.

    Code lists of region dimensions feed the area name register (a gemeente by every name CBS gives it);
    DataProperties say what each measure is (unit, decimals, title, description) for later imports and
    update the indicators already made from that table. A second import changes nothing."""
    path = Path(path)
    kind = metadata_kind(path)
    if kind is None:
        raise ImportFailed([{"file": path.name, "row": 1, "column": None,
                             "reason": "geen metadatabestand van een CBS-tabel", "reason_en": "not a CBS metadata file"}])
    header, rows = _csv_records(path)
    table, name = _table_and_name(path)
    summary = MetadataSummary(kind=kind, table=table, name=name, rows=len(rows))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    st, _created = SourceTable.objects.get_or_create(identifier=table)
    info = catalogue.table_info(table)
    changed: dict[str, Any] = {}
    if kind == "tableinfos":
        if not rows:
            raise ImportFailed([{"file": path.name, "row": 2, "column": "Title", "reason": "het bestand is leeg",
                                 "reason_en": "the file is empty"}])
        r = rows[0]
        if r.get("Identifier") and r["Identifier"] != table:
            st_other, _ = SourceTable.objects.get_or_create(identifier=r["Identifier"])
            st, table, summary.table = st_other, r["Identifier"], r["Identifier"]
        changed = {"title": r.get("Title", "")[:500], "modified": r.get("Modified", "")[:40],
                   "period": r.get("Period", "")[:100], "frequency": r.get("Frequency", "")[:40],
                   "publisher": (r.get("Catalog") or info.get("publisher", ""))[:200]}
    elif kind == "dataproperties":
        measures = {}
        for i, r in enumerate(rows, start=2):
            if r.get("Type") != "Topic":
                continue
            if not r.get("Key"):
                raise ImportFailed([{"file": path.name, "row": i, "column": "Key", "reason": "sleutel ontbreekt",
                                     "reason_en": "key is missing"}])
            dec = r.get("Decimals", "")
            measures[r["Key"]] = {"title": r.get("Title", ""), "unit": r.get("Unit", ""),
                                  "decimals": int(dec) if dec.isdigit() else None,
                                  "description": r.get("Description", ""), "datatype": r.get("Datatype", "")}
        changed = {"measures": measures}
    else:
        codes = {r["Key"]: r.get("Title", "") for r in rows if r.get("Key")}
        lists = dict(st.code_lists or {})
        lists[name] = codes
        changed = {"code_lists": lists}
        area_codes = {(parsers.normalise_area_code(k) or ""): t for k, t in codes.items()}
        if any(c.startswith(("GM", "PV", "NL")) for c in area_codes):
            areas = {a.code: a for a in Area.objects.filter(code__in=[c for c in area_codes if c])}
            for code, title in area_codes.items():
                if code in areas and title:
                    summary.area_names_added += remember(areas[code], [title], source=path.name)
    for k, v in changed.items():
        if getattr(st, k) != v:
            setattr(st, k, v)
            summary.changed = True
    files = [f for f in (st.files or []) if f.get("name") != path.name]
    if [f for f in (st.files or []) if f.get("name") == path.name] != [{"name": path.name, "sha256": digest}]:
        st.files = [*files, {"name": path.name, "sha256": digest}]
        summary.changed = True
    if summary.changed:
        st.save()
    if kind == "dataproperties":
        for ind in Indicator.objects.filter(source_table=table, in_catalogue=False).exclude(source_measure=""):
            m = st.measures.get(ind.source_measure)
            if not m:
                continue
            mm = catalogue.measure_meta(table, ind.source_measure, unit=m["unit"], decimals=m["decimals"])
            upd = {k: mm[k] for k in ("measure_type", "unit", "rate_per", "decimals") if k in mm
                   and getattr(ind, k) != mm[k]}
            if upd:
                for k, v in upd.items():
                    setattr(ind, k, v)
                ind.save(update_fields=list(upd))
                summary.indicators_updated += 1
    if summary.changed or summary.area_names_added or summary.indicators_updated:
        audit.record(user=by, action="import", object_type="indicators.sourcetable", object_repr=f"{table} {name}",
                     changes={"file": path.name, "kind": kind, "rows": len(rows),
                              "area_names_added": summary.area_names_added})
    return summary


DRAFT_THEME_SLUG = "cyberveiligheid"


@transaction.atomic
def public_theme_draft_save(*, by: Any, owner: Any, gemeente: Area, narrative_nl: str, narrative_en: str = "",
                            title_nl: str = "", title_en: str = "", indicators: list[Indicator] | None = None) -> Any:
    """The gemeente's public page as a draft: only the owner sees it (TLP:AMBER, no audience) until it is
    relabelled CLEAR through ``accounts.services.share_set``. Creating it or changing its text is audited; an
    existing page keeps its label (a CLEAR page stays public), its title when none is given, and its figures
    when ``indicators`` is None."""
    if not policy.can_create_in(by, owner) or owner.area_id != gemeente.pk:
        raise NotAllowed("Alleen een bewerker van de eigen organisatie van de gemeente schrijft haar publieke pagina.",
                         "Only an editor of the gemeente's own organisation writes its public page.")
    theme = PublicTheme.objects.filter(owner=owner, gemeente=gemeente, slug=DRAFT_THEME_SLUG).first()
    created = theme is None
    if theme is None:
        theme = PublicTheme(owner=owner, gemeente=gemeente, slug=DRAFT_THEME_SLUG, tlp="amber",
                            created_by=by if getattr(by, "is_authenticated", False) else None)
    theme.title_nl = title_nl or theme.title_nl or f"Cyberveiligheid in {gemeente.name}"
    theme.title_en = title_en or theme.title_en or f"Cyber security in {gemeente.name}"
    theme.narrative_nl, theme.narrative_en = narrative_nl, narrative_en
    theme.last_update = timezone.localdate()
    theme.save()
    if indicators is not None:
        theme.indicators.set(indicators)
    audit.record(user=by, action="create" if created else "update", obj=theme, organisation=owner,
                 changes={"narrative_nl": len(narrative_nl), "narrative_en": len(narrative_en),
                          "indicators": [i.code for i in indicators] if indicators is not None else None})
    return theme
