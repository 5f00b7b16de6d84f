"""The indicator catalogue: Veiligheidsmonitor online victimisation and police/CBS cyber categories.

``data/catalogue.json`` is the single source; :func:`seed` writes it idempotently (used by the demo
hook and ``cyberbeeld seed-indicators``), and :func:`match` maps an imported cell (measure and
dimensions such as ``SoortMisdrijf``) onto a catalogue code, so a police table lands on the same
indicator as the catalogue instead of creating a new one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction

from cyberbeeld.accounts import audit

from .models import Frequency, Indicator, MeasureType, Source, Unit

DATA = Path(__file__).parent / "data" / "catalogue.json"
VM_URL = "https://www.veiligheidsmonitor.nl/"
POLICE_URL = "https://data.politie.nl/"
CBS_URL = "https://opendata.cbs.nl/statline/#/CBS/nl/dataset/83648NED/table"
_FIELDS = ("name_nl", "name_en", "definition_nl", "definition_en", "unit", "polarity", "source", "category",
           "series", "method_breaks", "source_table", "source_url", "form", "in_catalogue", "measure_type",
           "rate_per", "denominator_nl", "denominator_en", "decimals", "frequency", "subject_nl", "subject_en")
# What a measure is, read from CBS metadata where the catalogue is silent.
MEASURE_FIELDS = ("measure_type", "unit", "rate_per", "decimals", "polarity", "name_nl", "name_en", "subject_nl",
                  "subject_en", "definition_nl", "definition_en", "denominator_nl", "denominator_en")


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def entries() -> dict[str, dict[str, Any]]:
    """Catalogue code → the field values of its Indicator row."""
    raw = _raw()
    out: dict[str, dict[str, Any]] = {}
    for item in raw["indicators"]:
        source = item.get("source", Source.VEILIGHEIDSMONITOR)
        default_table = "Veiligheidsmonitor" if source == Source.VEILIGHEIDSMONITOR else ""
        default_url = VM_URL if source == Source.VEILIGHEIDSMONITOR else (
            CBS_URL if item.get("source_table") == "83648NED" else POLICE_URL)
        out[item["code"]] = {
            "name_nl": item["name_nl"], "name_en": item["name_en"],
            "definition_nl": item.get("definition_nl", ""), "definition_en": item.get("definition_en", ""),
            "unit": item.get("unit", Unit.PERCENT), "polarity": item.get("polarity", "higher-worse"),
            "source": source, "category": item.get("category", ""), "series": item["series"],
            "method_breaks": [raw["breaks"][b] for b in item.get("breaks", [])],
            "source_table": item.get("source_table", default_table), "source_url": item.get("source_url", default_url),
            "form": item.get("form", ""), "in_catalogue": True,
            "measure_type": item.get("measure_type", MeasureType.PERCENTAGE if source != Source.POLITIE
                                     else MeasureType.COUNT),
            "rate_per": item.get("rate_per"), "denominator_nl": item.get("denominator_nl", ""),
            "denominator_en": item.get("denominator_en", ""), "decimals": item.get("decimals"),
            "frequency": item.get("frequency", Frequency.YEAR), "subject_nl": item.get("subject_nl", ""),
            "subject_en": item.get("subject_en", ""),
        }
    return out


def bases() -> dict[str, str]:
    """Catalogue code → the code of the count it rests on (a rate's events, a percentage's base)."""
    return {item["code"]: item["basis"] for item in _raw()["indicators"] if item.get("basis")}


def table_info(identifier: str) -> dict[str, Any]:
    """What the catalogue knows about a source table (title, publisher, url, measures)."""
    return dict(_raw().get("tables", {}).get(identifier, {}))


def reporting_pairs(code: str) -> list[dict[str, Any]]:
    """Like-for-like survey ↔ register pairs (documented in the catalogue) that ``code`` is part of."""
    return [p for p in _raw().get("reporting", {}).get("pairs", []) if code in p["survey"] or code in p["register"]]


def reporting_shares(series: str) -> list[dict[str, Any]]:
    """Reporting rates CBS published for a survey series, with their source."""
    return [s for s in _raw().get("reporting", {}).get("shares", []) if s.get("series") == series]


def table_breaks(identifier: str) -> list[dict[str, Any]]:
    """The method breaks of every series of a source table (e.g. police registration changes)."""
    raw = _raw()
    return [raw["breaks"][b] for b in raw.get("tables", {}).get(identifier, {}).get("breaks", [])]


def known_file(columns: list[str]) -> dict[str, Any] | None:
    """A known extract recognised by its exact columns (table id, national area, columns to skip)."""
    wanted = [c.strip().lower() for c in columns]
    for item in _raw().get("files", []):
        if [c.lower() for c in item["columns"]] == wanted:
            return dict(item)
    return None


def measure_meta(table: str, measure: str, unit: str = "", decimals: int | None = None, title: str = "",
                 description: str = "") -> dict[str, Any]:
    """What a measure is: the table's own metadata (DataProperties Unit, Decimals, Title, Description),
    with the catalogue's ``tables`` entry overriding where it says more.

    >>> measure_meta("83648NED", "GeregistreerdeMisdrijvenPer1000Inw_3")["measure_type"]
    'rate'
    >>> measure_meta("X", "Y", unit="%", decimals=1, title="Aandeel")["measure_type"]
    'percentage'
    """
    out: dict[str, Any] = {}
    u = unit.strip().lower()
    if u:
        per = re.search(r"per\s*([\d .]+)", u)
        if "%" in u or "procent" in u or "percent" in u:
            out.update(measure_type=MeasureType.PERCENTAGE, unit=Unit.PERCENT)
        elif per:
            n = int(re.sub(r"[ .]", "", per.group(1)) or 0)
            out.update(measure_type=MeasureType.RATE, rate_per=n or None,
                       unit=Unit.PER_1000 if n == 1000 else Unit.PER_100000 if n == 100_000 else Unit.COUNT)
            den = u.split(per.group(1), 1)[-1].strip()
            if den:
                out["denominator_nl"] = den
        elif "index" in u:
            out.update(measure_type=MeasureType.INDEX, unit=Unit.INDEX, polarity="neutral")
        elif "gemiddeld" in u:
            out.update(measure_type=MeasureType.MEAN, unit=Unit.MEAN)
        elif u in ("aantal", "x 1 000", "x 1000", "absoluut"):
            out.update(measure_type=MeasureType.COUNT, unit=Unit.COUNT)
    if decimals is not None:
        out["decimals"] = decimals
    if title:
        out["name_nl"] = title
    if description:
        out["definition_nl"] = description
    out.update({k: v for k, v in table_info(table).get("measures", {}).get(measure, {}).items()})
    return out


@lru_cache(maxsize=1)
def _matchers() -> list[tuple[str, frozenset[str] | None, dict[str, frozenset[str]]]]:
    rules = []
    for item in _raw()["indicators"]:
        m = item.get("match")
        if not m:
            continue
        measures = frozenset(m["measures"]) if "measures" in m else None
        dims = {k: frozenset(v) for k, v in m.items() if k != "measures"}
        rules.append((item["code"], measures, dims))
    return rules


def match(measure: str, dimensions: Mapping[str, str], frequency: str = "year") -> str | None:
    """The catalogue code for an imported cell, or None. Years and months are separate series.

    >>> match("incident_count", {"SoortMisdrijf": "3.7.4 Cybercrime"})
    'politie-3-7-4-cybercrime'
    >>> match("frequency", {"SoortMisdrijf": "3.7.4 Cybercrime"}, "month")
    'politie-3-7-4-cybercrime-maand'
    """
    for code, measures, dims in _matchers():
        if measures is not None and measure not in measures:
            continue
        freq = dims.get("frequency")
        if freq is not None and frequency not in freq:
            continue
        other = {k: v for k, v in dims.items() if k != "frequency"}
        if other and all(str(dimensions.get(k, "")).strip() in keys for k, keys in other.items()) \
                and set(dimensions) <= set(other):
            return code
    return None


def ensure(code: str) -> Indicator:
    """The catalogue indicator ``code``, created from the catalogue if missing (no audit: part of an import)."""
    ind = Indicator.objects.filter(code=code).first()
    if ind is None:
        ind = Indicator.objects.create(code=code, **entries()[code])
        _link_bases([ind])
    return ind


def _link_bases(indicators: list[Indicator]) -> int:
    wanted = bases()
    changed = 0
    for ind in indicators:
        target = wanted.get(ind.code)
        if not target:
            continue
        basis = Indicator.objects.filter(code=target).first() or (ensure(target) if target in entries() else None)
        if basis is not None and ind.basis_id != basis.pk:
            ind.basis = basis
            ind.save(update_fields=["basis"])
            changed += 1
    return changed


@transaction.atomic
def seed(*, by: Any = None) -> dict[str, int]:
    """Create or update every catalogue indicator; a second run changes nothing."""
    created = updated = 0
    existing = {i.code: i for i in Indicator.objects.filter(code__in=entries())}
    for code, values in entries().items():
        ind = existing.get(code)
        if ind is None:
            Indicator.objects.create(code=code, **values)
            created += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(ind, k) != v}
        if changed:
            for k, v in changed.items():
                setattr(ind, k, v)
            ind.save(update_fields=list(changed))
            updated += 1
    updated += _link_bases(list(Indicator.objects.filter(code__in=bases())))
    if created or updated:
        audit.record(user=by, action="seed", object_type="indicators.indicator", object_repr="catalogus", changes={"catalogue": "indicators", "created": created,
                                                                  "updated": updated})
    return {"created": created, "updated": updated, "total": len(entries())}
