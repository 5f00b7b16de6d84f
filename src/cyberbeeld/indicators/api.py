"""The indicator API: the catalogue and the observations with their provenance (paginated).

The same rule as the monitor pages: a signed-in user reads the figures (public statistics); an unknown
indicator or area is a 404. Each observation says which method-break segment of its series it lies in
(figures in different segments are not comparable) and where it came from (table, source row, import).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from cyberbeeld.areas.models import Area

from . import figures, selectors
from .models import Indicator, Observation
from .monitor import fmt

router = Router(tags=["indicators"])


class MethodBreakOut(Schema):
    year: int
    month: int | None = None
    note_nl: str
    note_en: str


class IndicatorOut(Schema):
    code: str
    name_nl: str
    name_en: str
    definition_nl: str
    definition_en: str
    measure_type: str
    unit: str
    unit_label_nl: str
    unit_label_en: str
    rate_per: int | None
    denominator_nl: str
    denominator_en: str
    decimals: int
    frequency: str
    polarity: str
    source: str
    source_table: str
    source_url: str
    series: str
    method_breaks: list[MethodBreakOut]
    basis: str | None


class ProvenanceOut(Schema):
    source_table: str
    source_row: int | None
    import_batch: int | None
    import_source: str | None
    imported_at: dt.datetime | None
    import_origin: str | None  # import-cbs, upload, fetch-cbs, referentiedata, demo, eigen-onderzoek, migratie
    source_file: str | None
    source_period_from: str | None
    source_period_to: str | None
    bron_nl: str  # the "Bron" line as the pages show it: table, period of the source, import date
    bron_en: str


class ObservationOut(Schema):
    indicator: str
    area: str
    area_name: str
    period: str
    value: Decimal
    value_text_nl: str
    value_text_en: str
    ci_low: Decimal | None
    ci_high: Decimal | None
    se: Decimal | None
    n: int | None
    status: str
    series_segment: int
    provenance: ProvenanceOut


def _indicator_out(ind: Indicator) -> dict[str, Any]:
    labels = {}
    for lang in ("nl", "en"):
        with translation.override(lang):
            labels[lang] = ind.unit_label
    return {
        "code": ind.code, "name_nl": ind.name_nl, "name_en": ind.name_en, "definition_nl": ind.definition_nl,
        "definition_en": ind.definition_en, "measure_type": ind.measure_type, "unit": ind.unit,
        "unit_label_nl": labels["nl"], "unit_label_en": labels["en"], "rate_per": ind.rate_per,
        "denominator_nl": ind.denominator_nl, "denominator_en": ind.denominator_en, "decimals": ind.shown_decimals,
        "frequency": ind.frequency, "polarity": ind.polarity, "source": ind.source, "source_table": ind.source_table,
        "source_url": ind.source_url, "series": ind.series,
        "method_breaks": [{"year": int(b.get("year", 0)), "month": b.get("month"), "note_nl": b.get("note_nl", ""),
                           "note_en": b.get("note_en", "")} for b in ind.method_breaks or []],
        "basis": ind.basis.code if ind.basis_id and ind.basis else None,
    }


@router.get("/", response=list[IndicatorOut], summary="De indicatoren / the indicators")
@paginate(LimitOffsetPagination)
def indicators(request: HttpRequest, q: str = "") -> Any:
    qs = Indicator.objects.select_related("basis").order_by("code")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name_nl__icontains=q) | Q(name_en__icontains=q))
    return [_indicator_out(i) for i in qs]


@router.get("/{code}", response=IndicatorOut, summary="Eén indicator / one indicator")
def indicator(request: HttpRequest, code: str) -> dict[str, Any]:
    return _indicator_out(selectors.indicator_or_404(code))


@router.get("/{code}/observations", response=list[ObservationOut],
            summary="Waarnemingen met herkomst / observations with their provenance")
@paginate(LimitOffsetPagination)
def observations(request: HttpRequest, code: str, area: str = "", period: str = "") -> Any:
    ind = selectors.indicator_or_404(code)
    qs = Observation.objects.filter(indicator=ind).select_related("area", "import_batch").order_by("area__code",
                                                                                                  "period")
    if area:
        ref = area.strip()
        found = Area.objects.filter(Q(code=ref.upper()) | Q(slug=ref.lower())).order_by("superseded").first()
        if found is None:
            raise Http404
        qs = qs.filter(area=found)
    if period:
        qs = qs.filter(period=period.strip())
    out = []
    for o in qs:
        b = o.import_batch
        out.append({
            "indicator": ind.code, "area": o.area.code, "area_name": o.area.name, "period": o.period, "value": o.value,
            "value_text_nl": fmt(o.value, ind, "nl"), "value_text_en": fmt(o.value, ind, "en"),
            "ci_low": o.ci_low, "ci_high": o.ci_high, "se": o.se, "n": o.n, "status": o.status,
            "series_segment": figures.segment(ind, o.period),
            "provenance": {"source_table": o.source_table or ind.source_table, "source_row": o.source_row,
                           "import_batch": b.pk if b else None, "import_source": b.source if b else None,
                           "imported_at": b.at if b else None, "import_origin": b.origin if b else None,
                           "source_file": (b.file_name or None) if b else None,
                           "source_period_from": (b.first_period or None) if b else None,
                           "source_period_to": (b.last_period or None) if b else None,
                           **figures.bron_lines(o, ind)},
        })
    return out
