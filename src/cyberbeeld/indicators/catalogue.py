"""The indicator catalogue: Veiligheidsmonitor online victimisation and police/CBS cyber categories.

``data/catalogue.json`` is the single source; :func:`seed` writes it idempotently (used by the demo
hook and ``cyberbeeld seed-indicators``), and :func:`match` maps an imported cell (measure and
dimensions such as ``SoortMisdrijf``) onto a catalogue code, so a police table lands on the same
indicator as the catalogue instead of creating a new one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction

from cyberbeeld.accounts import audit

from .models import Indicator, Source, Unit

DATA = Path(__file__).parent / "data" / "catalogue.json"
VM_URL = "https://www.veiligheidsmonitor.nl/"
POLICE_URL = "https://data.politie.nl/"
CBS_URL = "https://opendata.cbs.nl/statline/#/CBS/nl/dataset/83648NED/table"
_FIELDS = ("name_nl", "name_en", "definition_nl", "definition_en", "unit", "polarity", "source", "category",
           "series", "method_breaks", "source_table", "source_url", "form", "in_catalogue")


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
        }
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


def match(measure: str, dimensions: Mapping[str, str]) -> str | None:
    """The catalogue code for an imported cell, or None.

    >>> match("incident_count", {"SoortMisdrijf": "3.7.4 Cybercrime"})
    'politie-3-7-4-cybercrime'
    """
    for code, measures, dims in _matchers():
        if measures is not None and measure not in measures:
            continue
        if dims and all(str(dimensions.get(k, "")).strip() in keys for k, keys in dims.items()) \
                and set(dimensions) <= set(dims):
            return code
    return None


def ensure(code: str) -> Indicator:
    """The catalogue indicator ``code``, created from the catalogue if missing (no audit: part of an import)."""
    ind = Indicator.objects.filter(code=code).first()
    return ind or Indicator.objects.create(code=code, **entries()[code])


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
    if created or updated:
        audit.record(user=by, action="seed", object_type="indicators.indicator", object_repr="catalogus", changes={"catalogue": "indicators", "created": created,
                                                                  "updated": updated})
    return {"created": created, "updated": updated, "total": len(entries())}
