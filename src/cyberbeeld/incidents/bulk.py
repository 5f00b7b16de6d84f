"""Bulk import (CSV/XLSX/ODS) and export (CSV/XLSX/ODS) of the incident register.

Import is all-or-nothing and idempotent:

1. *check* — every row is read, validated and prepared (redaction, classification of rows without a
   form) outside any transaction; errors name the row (as numbered in a spreadsheet: the header is
   row 1), the column and the reason in Dutch and English. One bad row: nothing is written.
2. *save* — new keys are created, known keys with changed values are updated, known keys with the same
   values are left alone. The same file twice changes nothing. New rows are written in short chunks that
   stay invisible until one short final transaction swaps them in (``save_rows``): other writers wait at
   most one chunk, and a crash leaves nothing visible.

The row key is the ``sleutel`` column (``external_id``), unique per owner organisation.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cyberbeeld import inputs
from cyberbeeld.accounts import audit, pagecache, policy, shared_text
from cyberbeeld.accounts.models import AuditEvent, Organisation
from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.areas.models import Area
from cyberbeeld.common.errors import Invalid, RowError
from cyberbeeld.common.jobs import JobStopped
from cyberbeeld.common.models import ImportJob
from cyberbeeld.spreadsheets import dataset

from . import questions
from .models import Impact, Incident, Sector, SourceKind, Status
from .selectors import CACHE_KIND
from .services import classifier, current_forms, redact

Progress = Callable[[int, int, str], None]

# canonical column → accepted headers (Dutch first, English aliases)
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("sleutel", "external_id", "key", "id"),
    "title": ("titel", "title"),
    "raw_description": ("beschrijving", "description"),
    "occurred_on": ("datum_voorval", "occurred_on"),
    "reported_on": ("datum_melding", "reported_on"),
    "area": ("gemeente", "area", "gemeentecode"),
    "postcode4": ("pc4", "postcode4", "postcodegebied"),
    "form": ("vorm", "form"),
    "sector": ("sector",),
    "victim_type": ("soort_slachtoffer", "victim_type"),
    "modus": ("modus", "modus_operandi"),
    "impact": ("impact",),
    "source": ("bron", "source"),
    "status": ("status",),
    "tlp": ("tlp",),
}
DETAIL_PREFIXES = ("vraag_", "detail_")
COMPARED = ["title", "raw_description", "occurred_on", "reported_on", "area_id", "postcode4", "form_id", "sector",
            "victim_type", "modus", "impact", "source", "status", "tlp", "details"]
MAX_ERRORS = 500
CHUNK = 2000
# SQLite: a pause after each committed chunk, in which a waiting writer (retrying its BEGIN IMMEDIATE every
# few ms, ``config/sqlite``) takes the lock; without it the next chunk takes it again at once.
CHUNK_PAUSE = 0.01


CHUNK_SECONDS = 0.1  # the aimed-for length of one write transaction of a bulk import


def _pause() -> None:
    if connection.vendor == "sqlite":
        time.sleep(CHUNK_PAUSE)


def _write_in_chunks(items: list[Any], write: Callable[[list[Any]], Any], *, check: Callable[[], None] | None = None,
                     progress: Callable[[int], None] | None = None) -> None:
    """``write`` successive slices of ``items``, each in its own transaction of about ``CHUNK_SECONDS``:
    the slice grows or shrinks with the time the last one took (between 100 and ``CHUNK`` items), so that a
    busy machine makes the transactions smaller, not longer."""
    size, low, i = min(500, CHUNK), min(100, CHUNK), 0
    while i < len(items):
        if check:
            check()
        start = time.monotonic()
        with transaction.atomic():
            write(items[i:i + size])
        took = time.monotonic() - start
        i += size
        _pause()
        if progress:
            progress(min(i, len(items)))
        size = max(low, min(CHUNK, int(size * CHUNK_SECONDS / max(took, 0.001))))


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.error_count


class ImportFileError(Invalid):
    """The file as a whole cannot be read (format, header)."""

    code = "import-file"

    def __init__(self, nl: str, en: str) -> None:
        super().__init__(nl, en)
        self.args = (f"{nl} / {en}",)


def _row_error(row: int, column: str, nl: str, en: str) -> RowError:
    return RowError(nl=nl, en=en, row=row, field=column, noun="column")


# --------------------------------------------------------------------------- reading


def _norm_header(h: Any) -> str:
    return str(h or "").strip().lower().replace(" ", "_").replace("-", "_")


def read_table(filename: str, data: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of a CSV (comma or semicolon; UTF-8 with or without BOM, UTF-16 with BOM, or
    plausible Windows-1252), XLSX or ODS file, within the limits of :mod:`cyberbeeld.inputs`."""
    try:
        return _read_table(filename, data)
    except inputs.InputRefused as exc:
        raise ImportFileError(exc.nl, exc.en) from None


def _limited(name: str, header: list[Any], rows: Iterator[Any]) -> tuple[list[str], Iterator[list[Any]]]:
    lim = inputs.limits()
    if len(header) > lim.max_columns:
        raise inputs.refuse(name, f"meer dan {lim.max_columns} kolommen (max_columns)",
                            f"more than {lim.max_columns} columns (max_columns)", row=1)

    def gen() -> Iterator[list[Any]]:
        for n, r in enumerate(rows, start=2):
            if n - 1 > lim.max_rows:
                raise ImportFileError(f"{name}: meer dan {lim.max_rows} rijen (max_rows)",
                                      f"{name}: more than {lim.max_rows} rows (max_rows)")
            cells = list(r)[: lim.max_columns + 1]
            for v in cells:
                if isinstance(v, str) and len(v) > lim.max_field_chars:
                    raise ImportFileError(f"{name}, rij {n}: een veld is langer dan {lim.max_field_chars} tekens "
                                          "(max_field_chars)", f"{name}, row {n}: a field is longer than "
                                          f"{lim.max_field_chars} characters (max_field_chars)")
            yield cells

    return [str(h or "") for h in header], gen()


def _read_table(filename: str, data: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    name = filename.lower()
    inputs.check_size(len(data), filename)
    if name.endswith((".xlsx", ".xlsm")):
        import openpyxl  # deferred: heavy import (openpyxl ~0.8 s), only for an xlsx upload

        inputs.check_zip(data, filename)
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = wb.worksheets[0].iter_rows(values_only=True)
            header = next(rows, None)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise ImportFileError("Het Excel-bestand kan niet worden gelezen.", "The Excel file cannot be read.") from exc
        if header is None:
            raise ImportFileError("Het bestand is leeg.", "The file is empty.")
        return _limited(filename, list(header), rows)
    if name.endswith(".ods"):
        inputs.check_zip(data, filename)
        try:
            ds = tablib.Dataset().load(data, format="ods")
        except Exception as exc:  # noqa: BLE001
            raise ImportFileError("Het ODS-bestand kan niet worden gelezen.", "The ODS file cannot be read.") from exc
        return _limited(filename, list(ds.headers or []), iter(ds))
    if not name.endswith((".csv", ".txt")):
        raise ImportFileError("Alleen CSV, XLSX en ODS worden ingelezen.", "Only CSV, XLSX and ODS can be imported.")
    text, _encoding = inputs.decode(data, filename)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    _delim, records = inputs.csv_rows(text, filename, delimiter)
    first_record = next(records, None)
    if not first_record or not first_record[1]:
        raise ImportFileError("Het bestand is leeg.", "The file is empty.")

    def rest() -> Iterator[list[Any]]:
        try:
            for _line, row in records:
                yield row
        except inputs.InputRefused as exc:
            raise ImportFileError(exc.nl, exc.en) from None

    return first_record[1], rest()


# --------------------------------------------------------------------------- validating


class _Lookups:
    def __init__(self, owner: Organisation) -> None:
        self.areas: dict[str, Any] = {}
        for a in Area.objects.gemeenten().current().only("pk", "code", "name"):
            self.areas[a.code.upper()] = a
            self.areas[a.name.strip().lower()] = a
        self.forms: dict[str, Any] = {}
        for f in current_forms():
            self.forms[f.code] = f
            self.forms[f.name_nl.strip().lower()] = f
            self.forms[f.name_en.strip().lower()] = f
        self.choices = {
            "sector": _choice_map(Sector), "impact": _choice_map(Impact), "source": _choice_map(SourceKind),
            "status": _choice_map(Status),
        }
        self.today = timezone.localdate()


def _choice_map(choices: Any) -> dict[str, str]:
    out = {}
    for value, label in choices.choices:
        out[str(value).lower()] = value
        out[str(label).lower()] = value
    return out


def _parse_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = str(v).strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError(s)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _check_row(n: int, raw: dict[str, Any], headers: dict[str, str], lk: _Lookups,
               detail_cols: dict[str, str]) -> tuple[dict[str, Any] | None, list[RowError]]:
    errs: list[RowError] = []

    def err(col: str, nl: str, en: str) -> None:
        errs.append(_row_error(n, headers.get(col, col), nl, en))

    out: dict[str, Any] = {}
    key = _cell(raw.get("external_id"))
    if not key:
        err("external_id", "sleutel ontbreekt (nodig om dubbel inlezen te voorkomen)",
            "key missing (needed to make re-imports harmless)")
    elif len(key) > 100:
        err("external_id", "sleutel is langer dan 100 tekens", "key longer than 100 characters")
    out["external_id"] = key
    title = _cell(raw.get("title"))
    if not title:
        err("title", "titel ontbreekt", "title missing")
    elif len(title) > 300:
        err("title", "titel is langer dan 300 tekens", "title longer than 300 characters")
    out["title"] = title
    out["raw_description"] = _cell(raw.get("raw_description"))
    for col in ("occurred_on", "reported_on"):
        v = raw.get(col)
        out[col] = None
        if v is None or _cell(v) == "":
            continue
        try:
            d = _parse_date(v)
        except ValueError:
            err(col, f"'{_cell(v)}' is geen datum (gebruik JJJJ-MM-DD of DD-MM-JJJJ)",
                f"'{_cell(v)}' is not a date (use YYYY-MM-DD or DD-MM-YYYY)")
            continue
        if d > lk.today:
            err(col, f"datum {d.isoformat()} ligt in de toekomst", f"date {d.isoformat()} is in the future")
        elif d.year < 1990:
            err(col, f"datum {d.isoformat()} ligt vóór 1990", f"date {d.isoformat()} is before 1990")
        out[col] = d
    if out["occurred_on"] and out["reported_on"] and out["reported_on"] < out["occurred_on"]:
        err("reported_on", "datum melding ligt vóór de datum van het voorval",
            "reported date is before the date it occurred")
    area = _cell(raw.get("area"))
    out["area"] = None
    if area:
        found = lk.areas.get(area.upper()) or lk.areas.get(area.lower())
        if found is None:
            err("area", f"onbekende gemeente '{area}' (gebruik de CBS-code, bijv. GM0935, of de huidige naam)",
                f"unknown municipality '{area}' (use the CBS code, e.g. GM0935, or the current name)")
        out["area"] = found
    pc4 = _cell(raw.get("postcode4"))
    if pc4 and not (len(pc4) == 4 and pc4.isdigit() and pc4[0] != "0"):
        err("postcode4", f"'{pc4}' is geen postcodegebied van 4 cijfers", f"'{pc4}' is not a 4-digit postcode area")
    out["postcode4"] = pc4
    form = _cell(raw.get("form"))
    out["form"] = None
    if form:
        f = lk.forms.get(form) or lk.forms.get(form.lower())
        if f is None:
            err("form", f"onbekende vorm '{form}' (gebruik een code uit de taxonomie)",
                f"unknown form '{form}' (use a code from the taxonomy)")
        out["form"] = f
    for col in ("sector", "impact", "source", "status"):
        v = _cell(raw.get(col))
        if not v:
            out[col] = "" if col != "status" else Status.NIEUW
            continue
        value = lk.choices[col].get(v.lower())
        if value is None:
            allowed = ", ".join(sorted({c for c in lk.choices[col].values()}))
            err(col, f"onbekende waarde '{v}' (toegestaan: {allowed})", f"unknown value '{v}' (allowed: {allowed})")
        out[col] = value or ""
    for col, limit in (("victim_type", 100), ("modus", 300)):
        v = _cell(raw.get(col))
        if len(v) > limit:
            err(col, f"langer dan {limit} tekens", f"longer than {limit} characters")
        out[col] = v
    tlp = _cell(raw.get("tlp"))
    out["tlp"] = TLP.AMBER.value
    if tlp:
        try:
            label = TLP.parse(tlp)
        except ValueError:
            err("tlp", f"onbekend TLP-label '{tlp}' (CLEAR, GREEN, AMBER, AMBER+STRICT)",
                f"unknown TLP label '{tlp}' (CLEAR, GREEN, AMBER, AMBER+STRICT)")
        else:
            if label == TLP.RED:
                err("tlp", "TLP:RED kan niet via een bulkimport: kies per incident de ontvangers",
                    "TLP:RED cannot be bulk-imported: choose recipients per incident")
            out["tlp"] = label.value
    details: dict[str, Any] = {}
    for col in detail_cols:
        v = raw.get(col)
        if v is not None and _cell(v) != "":
            details[col.removeprefix("detail:")] = v if isinstance(v, (bool, int, float, dt.date)) else _cell(v)
    if details:
        code = out["form"].code if out["form"] else None
        known = {q["key"] for q in questions.questions_for(code)}
        for k in details:
            if k not in known:
                errs.append(_row_error(n, detail_cols["detail:" + k], f"vraag '{k}' hoort niet bij vorm '{code or '—'}'",
                                     f"question '{k}' does not belong to form '{code or '—'}'"))
        if not errs:
            try:
                details = questions.clean_details(code, details)
            except ValueError as exc:
                errs.append(_row_error(n, detail_cols.get("detail:" + str(exc), str(exc)), "ongeldig antwoord", "invalid answer"))
    out["details"] = details
    return (None if errs else out), errs


def check_file(owner: Organisation, filename: str, data: bytes, *, progress: Progress | None = None,
               redact_texts: bool = True) -> tuple[list[dict[str, Any]], ImportResult]:
    """Read and validate every row; prepare redaction and suggestions. Writes nothing."""
    result = ImportResult()
    header, rows = read_table(filename, data)
    mapping: dict[int, str] = {}
    headers: dict[str, str] = {}
    detail_cols: dict[str, str] = {}
    for i, h in enumerate(header):
        norm = _norm_header(h)
        canonical = next((c for c, names in COLUMNS.items() if norm in names), None)
        if canonical is None and norm.startswith(DETAIL_PREFIXES):
            canonical = "detail:" + norm.split("_", 1)[1]
            detail_cols[canonical] = str(h)
        if canonical is None:
            raise ImportFileError(f"onbekende kolom '{h}' in rij 1", f"unknown column '{h}' in row 1")
        if canonical in headers:
            raise ImportFileError(f"kolom '{h}' staat twee keer in rij 1", f"column '{h}' appears twice in row 1")
        mapping[i] = canonical
        headers[canonical] = str(h)
    for required in ("external_id", "title"):
        if required not in headers:
            name = COLUMNS[required][0]
            raise ImportFileError(f"kolom '{name}' ontbreekt in rij 1", f"column '{name}' missing in row 1")
    lk = _Lookups(owner)
    # texts already stored under the same key need no new redaction (a re-import stays cheap)
    known = {k: (raw, red) for k, raw, red in Incident.objects.filter(owner=owner).exclude(external_id="")
             .values_list("external_id", "raw_description", "redacted_description")}
    cleaned: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    all_rows = list(rows)
    total = sum(1 for r in all_rows if any(_cell(v) for v in r))
    result.total = total
    done = 0
    for n, values in enumerate(all_rows, start=2):
        if not any(_cell(v) for v in values):
            continue  # empty lines are ignored
        raw = {mapping[i]: v for i, v in enumerate(values) if i in mapping}
        row, errs = _check_row(n, raw, headers, lk, detail_cols)
        if row is not None:
            first = seen.get(row["external_id"])
            if first is not None:
                errs.append(_row_error(n, headers["external_id"], f"sleutel '{row['external_id']}' staat ook in rij {first}",
                                     f"key '{row['external_id']}' also in row {first}"))
                row = None
            else:
                seen[row["external_id"]] = n
        if errs:
            result.error_count += len(errs)
            if len(result.errors) < MAX_ERRORS:
                result.errors.extend(errs[: MAX_ERRORS - len(result.errors)])
        elif row is not None and not result.error_count:
            row["row"] = n
            stored = known.get(row["external_id"])
            if stored is not None and stored[0] == row["raw_description"]:
                row["redacted_description"] = stored[1]
            elif redact_texts:
                row["redacted_description"] = redact(row["raw_description"])
            else:  # benchmark only: the caller guarantees texts without personal data
                row["redacted_description"] = row["raw_description"]
            cleaned.append(row)
        done += 1
        if progress and (done % 500 == 0 or done == total):
            progress(done, total, "check")
    if result.error_count:
        return [], result
    # suggestions for rows without a form (new incidents only; a known key keeps its form)
    todo = [r for r in cleaned if r["form"] is None and r["external_id"] not in known]
    if todo:
        forms = {f.code: f for f in current_forms()}
        clf = classifier()
        for start in range(0, len(todo), 1000):
            batch = todo[start:start + 1000]
            for r, s in zip(batch, clf.suggest_many([(r["title"], r["redacted_description"]) for r in batch]), strict=True):
                code = s.alternatives[0].form if s.unsure and s.alternatives else s.form
                r["suggested_form"] = forms.get(code)
                r["suggestion_probability"] = s.probability
                if not s.unsure:
                    r["form"] = forms.get(code)
    return cleaned, result


# --------------------------------------------------------------------------- saving


def _values(inc: Incident) -> dict[str, Any]:
    return {k: getattr(inc, k) for k in COMPARED}


def _audit_event(user: Any, owner: Organisation, inc: Incident, changes: dict[str, Any]) -> AuditEvent:
    return AuditEvent(user=user, username=user.get_username() if user else "", organisation=owner, action="import",
                      object_type="incidents.incident", object_id=str(inc.uuid), object_repr=inc.title[:300],
                      changes=changes)


UPDATED_FIELDS = [*COMPARED, "redacted_description", "closed_at", "updated_at"]


def _update_rows(changed: list[Incident]) -> None:
    """Plain ``UPDATE … WHERE id = %s`` per changed row, in one executemany (far faster than bulk_update's
    CASE expressions, so the final transaction stays short)."""
    using = Incident._base_manager.db
    conn = connections[using]
    fields = [Incident._meta.get_field(name) for name in UPDATED_FIELDS]
    qn = conn.ops.quote_name
    sql = (f"UPDATE {qn(Incident._meta.db_table)} SET " + ", ".join(f"{qn(f.column)} = %s" for f in fields)
           + f" WHERE {qn(Incident._meta.pk.column)} = %s")
    with conn.cursor() as cur:
        for start in range(0, len(changed), CHUNK):
            cur.executemany(sql, [[f.get_db_prep_save(getattr(inc, f.attname), conn) for f in fields] + [inc.pk]
                                  for inc in changed[start:start + CHUNK]])


def _in_chunks(qs: QuerySet[Incident], fn: Callable[[QuerySet[Incident]], Any]) -> None:
    """Apply ``fn`` to ``qs`` in chunks of primary keys, each chunk its own short transaction."""
    pks = list(qs.values_list("pk", flat=True))
    _write_in_chunks(pks, lambda part: fn(Incident._base_manager.filter(pk__in=part)))


def discard_staged(job_id: Any) -> None:
    """Delete the rows an unfinished import staged (a failed, cancelled or killed job; or before a rerun)."""
    _in_chunks(Incident._base_manager.filter(staged_job_id=job_id), lambda qs: qs._raw_delete(qs.db))


def _unstage_done(owner: Organisation) -> None:
    """Rows of finished imports no longer need their job link (they are visible either way)."""
    _in_chunks(Incident._base_manager.filter(owner=owner, staged_job__state=ImportJob.State.DONE),
               lambda qs: qs.update(staged_job=None))


def save_rows(owner: Organisation, by: Any, rows: list[dict[str, Any]], result: ImportResult, *,
              filename: str = "", progress: Progress | None = None, is_example: bool = False,
              job: Any = None, check: Callable[[], None] | None = None,
              finish: Callable[[dict[str, Any]], bool] | None = None) -> ImportResult:
    """Write checked rows, all-or-nothing to every reader, in short write transactions:

    1. without a transaction: compare with what is stored; prepare new rows, changed rows, audit events;
    2. new rows are written in chunks (``_write_in_chunks``: about ``CHUNK_SECONDS`` each), each chunk its
       own transaction, hidden from every query (``staged_job``; see ``IncidentManager``) — another writer
       waits at most one chunk for the lock;
    3. one short transaction: the changed rows are updated, the job is marked done (this makes the new
       rows visible, all at once) and the import is audited;
    4. the audit event of every created or updated row, in chunks.

    A crash before 3 leaves nothing visible; the rerun deletes the staged rows first, so it is idempotent.
    ``job``: the :class:`ImportJob` (without one, e.g. from the command line, a job row holds the staged rows
    while the import runs — waiting, so that no worker touches it — and is removed afterwards); ``check`` runs
    between chunks (a cancelled or timed-out job stops there); ``finish(counts)`` marks the job done inside
    the final transaction and returns False when the job is no longer this run's (nothing is written)."""
    user = by if getattr(by, "is_authenticated", False) else None
    now = timezone.now()
    own_job = job is None
    if job is None:
        job = ImportJob.objects.create(kind=ImportJob.Kind.INCIDENTS, owner=owner, created_by=user,
                                       filename=filename[:255], data=b"", state=ImportJob.State.QUEUED,
                                       total=result.total, done=result.total)
    if finish is None:
        def finish(fields: dict[str, Any]) -> bool:
            return bool(ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.DONE, data=b"",
                                                                   finished_at=timezone.now(), **fields))
    check = check or (lambda: None)
    discard_staged(job.pk)
    _unstage_done(owner)
    # 1. compare (reads only)
    existing = {i.external_id: i for i in Incident.objects.filter(owner=owner).exclude(external_id="")}
    new: list[Incident] = []
    changed: list[Incident] = []
    events: list[AuditEvent] = []
    for r in rows:
        inc = existing.get(r["external_id"])
        data = {k: r[k] for k in ("title", "raw_description", "occurred_on", "reported_on", "postcode4", "sector",
                                  "victim_type", "modus", "impact", "source", "status", "tlp", "details")}
        for k in Incident.shared_text_fields:  # stored without personal data, as every save does
            if k in data:
                data[k] = shared_text.redact(data[k])
        data["area_id"] = r["area"].pk if r["area"] else None
        if r["form"] is not None:
            data["form_id"] = r["form"].pk
        if inc is None:
            inc = Incident(owner=owner, created_by=user, external_id=r["external_id"], is_example=is_example,
                           redacted_description=r["redacted_description"], staged_job=job,
                           suggested_form=r.get("suggested_form"),
                           suggestion_probability=r.get("suggestion_probability"), **data)
            if inc.status == Status.AFGESLOTEN:
                inc.closed_at = now
            new.append(inc)
            events.append(_audit_event(user, owner, inc, {"file": filename, "created": True}))
            result.created += 1
            continue
        # an import never relabels an existing incident: relabelling is sharing (a coördinator, through the
        # share service); an empty label cell (= AMBER) would even lower a RED one
        data["tlp"] = inc.tlp
        before = _values(inc)
        diff = {k: [str(before[k]), str(v)] for k, v in data.items() if before[k] != v}
        if not diff:
            result.unchanged += 1
            continue
        for k, v in data.items():
            setattr(inc, k, v)
        inc.redacted_description = r["redacted_description"]
        inc.updated_at = now
        if inc.status == Status.AFGESLOTEN and inc.closed_at is None:
            inc.closed_at = now
        elif inc.status != Status.AFGESLOTEN:
            inc.closed_at = None
        if "raw_description" in diff:
            diff["raw_description"] = ["…", "…"]
        changed.append(inc)
        events.append(_audit_event(user, owner, inc, {"file": filename, **diff}))
        result.updated += 1
    # 2. new rows, staged in short transactions. The garbage collector's full passes over the objects just
    # built (100,000 rows: millions of objects, seconds) must not fall inside a write transaction.
    gc.collect()
    gc.freeze()
    try:
        _write_in_chunks(new, lambda part: Incident.objects.bulk_create(part, batch_size=500), check=check,
                         progress=(lambda done: progress(done, len(new) + len(changed), "save")) if progress else None)
        check()
        # 3. swap in: one short transaction
        counts = {"total": result.total, "done": result.total, "phase": "", "problems": [],
                  "result": {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}}
        with transaction.atomic():
            if changed:
                _update_rows(changed)
            if not finish(counts):
                raise JobStopped("lost")
            pagecache.bump(CACHE_KIND)  # the new rows become visible with this commit
            if result.created or result.updated:  # an import that changes nothing writes nothing, not even a log line
                audit.record(user=by, action="bulk-import", organisation=owner, object_type="incidents.import",
                             object_repr=filename[:300], changes={"file": filename, "rows": result.total,
                                                                  "created": result.created, "updated": result.updated,
                                                                  "unchanged": result.unchanged})
    except BaseException as exc:  # stopped (cancelled, timed out) or failed: the staged rows go, nothing was visible
        requeued = isinstance(exc, JobStopped) and exc.reason == "lost" and ImportJob.objects.filter(
            pk=job.pk, state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]).exists()
        gc.unfreeze()
        if not requeued:  # a job queued again (its worker was taken for dead) is cleaned by its next run
            discard_staged(job.pk)
        raise
    # 4. the per-row audit trail, and the rows no longer need their job link
    try:
        _write_in_chunks(events, lambda part: AuditEvent.objects.bulk_create(part, batch_size=500))
        _unstage_done(owner)
    finally:
        gc.unfreeze()
    if own_job:
        ImportJob.objects.filter(pk=job.pk).delete()
    if progress:
        progress(len(rows), len(rows), "save")
    return result


def import_file(owner: Organisation, by: Any, filename: str, data: bytes, *, progress: Progress | None = None,
                redact_texts: bool = True, is_example: bool = False) -> ImportResult:
    """Check, then save all-or-nothing. A file-level problem raises :class:`ImportFileError`."""
    rows, result = check_file(owner, filename, data, progress=progress, redact_texts=redact_texts)
    if not result.ok:
        return result
    return save_rows(owner, by, rows, result, filename=filename, progress=progress, is_example=is_example)


# --------------------------------------------------------------------------- export

EXPORT_HEADERS = ["sleutel", "titel", "beschrijving", "beschrijving_zonder_persoonsgegevens", "datum_voorval",
                  "datum_melding", "gemeente", "pc4", "vorm", "categorie", "sector", "soort_slachtoffer", "modus",
                  "impact", "bron", "status", "tlp", "eigenaar"]


def export_dataset(user: Any, qs: QuerySet[Incident]) -> Any:
    """A tablib Dataset of the incidents; the raw description only for the owner's own incidents.

    Every cell goes through ``cyberbeeld.spreadsheets`` (formulas escaped)."""
    own = policy.actor_for(user).org_ids
    rows = []
    for i in policy.exportable(user, qs).select_related("form__category", "area", "owner").iterator(chunk_size=2000):
        mine = i.owner_id in own
        rows.append([
            i.external_id or str(i.uuid), i.title, i.raw_description if mine else "", i.redacted_description,
            i.occurred_on.isoformat() if i.occurred_on else "", i.reported_on.isoformat() if i.reported_on else "",
            i.area.code if i.area else "", i.postcode4, i.form.code if i.form else "",
            i.form.category.code if i.form else "", i.sector, i.victim_type, i.modus, i.impact, i.source, i.status,
            TLP(i.tlp).label, i.owner.slug,
        ])
    return dataset(EXPORT_HEADERS, rows)


def render_export(ds: Any, fmt: str) -> tuple[bytes, str]:
    """(content, content type). CSV the Dutch way: semicolons and a BOM so Excel reads UTF-8."""
    if fmt == "csv":
        text = ds.export("csv", delimiter=";")
        return ("\ufeff" + text).encode("utf-8"), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        return ds.export("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if fmt == "ods":
        return ds.export("ods"), "application/vnd.oasis.opendocument.spreadsheet"
    raise ValueError(fmt)
