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

from django.db import transaction
from django.utils.text import slugify

from cyberbeeld.accounts import audit
from cyberbeeld.areas.models import Area

from . import parsers
from .models import ImportBatch, Indicator, Observation, Source, Unit

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


@transaction.atomic
def import_observations(path: Path | str, *, by: Any = None, progress: Callable[[int, int | None], None] | None = None,
                        **options: Any) -> ImportSummary:
    path = Path(path)
    digest = hashlib.sha256(path.read_bytes() if path.is_file() else str(sorted(p.name for p in path.iterdir())).encode()).hexdigest()
    try:
        table = parsers.parse(path, area_lookup=_area_lookup(), on_progress=progress, **options)
    except parsers.ParseError as exc:
        raise ImportFailed([{"file": p.file, "row": p.row, "column": p.column, "reason": p.reason_nl,
                             "reason_en": p.reason_en} for p in exc.problems]) from exc
    meta = table.metadata
    areas = {a.code: a for a in Area.objects.all()}
    problems = [
        {"file": path.name, "row": o.source_row, "column": "area", "reason": f"gebied {o.area} is onbekend",
         "reason_en": f"area {o.area} is unknown"}
        for o in table.observations if o.area not in areas
    ]
    if problems:
        raise ImportFailed(problems[:100])
    batch = ImportBatch.objects.create(source=f"{meta.identifier or path.name}", sha256=digest, by=by,
                                       rows=len(table.observations), note=meta.title[:300])
    summary = ImportSummary(batch=batch, observations=len(table.observations))
    indicators: dict[str, Indicator] = {i.code: i for i in Indicator.objects.all()}
    existing = {
        (o.indicator_id, o.area_id, o.period): o
        for o in Observation.objects.filter(source_table=meta.identifier or path.name)
    } if meta.identifier else {}
    for rec in table.observations:
        if rec.value is None:
            continue
        dims = dict(rec.dimensions)
        code = rec.measure_code if rec.measure_code in indicators and not dims else _indicator_code(
            meta.identifier, rec.measure_code, dims)
        indicator = indicators.get(code)
        if indicator is None:
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
        area = areas[rec.area]
        period = _period(rec.period)
        values = {"value": rec.value, "ci_low": rec.ci_low, "ci_high": rec.ci_high, "se": rec.se, "n": rec.n,
                  "status": rec.status or Observation.Status.DEFINITIVE, "source_table": meta.identifier or path.name}
        obs = existing.get((indicator.pk, area.pk, period))
        if obs is None:
            obs = Observation.objects.filter(indicator=indicator, area=area, period=period).first()
        if obs is None:
            Observation.objects.create(indicator=indicator, area=area, period=period, import_batch=batch, **values)
            summary.created += 1
            continue
        changed = {k: v for k, v in values.items() if _differs(getattr(obs, k), v)}
        if changed:
            for k, v in changed.items():
                setattr(obs, k, v)
            obs.import_batch = batch
            obs.save()
            summary.updated += 1
        else:
            summary.unchanged += 1
    if not (summary.created or summary.updated or summary.indicators_created):
        summary.already_imported = True
        transaction.set_rollback(True)  # nothing changed: not even a batch row
        summary.batch = None
        return summary
    audit.record(user=by, action="import", obj=batch, changes={
        "file": path.name, "created": summary.created, "updated": summary.updated,
        "indicators_created": len(summary.indicators_created)})
    return summary


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) and new is not None:
        return old != Decimal(new)
    return old != new
