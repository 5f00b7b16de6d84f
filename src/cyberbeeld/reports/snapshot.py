"""Collect every input of a threat-picture report into one JSON snapshot.

The document is a pure function of the snapshot (:mod:`cyberbeeld.reports.render`): the same
snapshot gives the same HTML and the same PDF bytes. The snapshot holds content only (no database
ids, no "now"): its date ``as_of`` is the newest date among the inputs.

What the snapshot contains depends on who asks. With a ``user`` it holds exactly what
``accounts.policy`` lets that user see; without one (the ``cyberbeeld report`` command, run by an
operator) it holds what the organisations of the area own, except TLP:RED.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils import translation

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.accounts.tlp import TLP, most_restrictive
from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import current_forms
from cyberbeeld.indicators import figures
from cyberbeeld.indicators.models import MeasureType, Observation
from cyberbeeld.indicators.monitor import fmt
from cyberbeeld.risks import scoring
from cyberbeeld.risks import selectors as risk_selectors
from cyberbeeld.risks.models import Asset, Scenario, ScenarioStatus
from cyberbeeld.risks.services import method as load_method

SCHEMA = 1
Progress = Callable[[int, str], None]


def canonical(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(snapshot).encode("utf-8")).hexdigest()


def _areas_of(area: Area) -> list[Area]:
    if area.kind == AreaKind.VEILIGHEIDSREGIO:
        return list(Area.objects.filter(kind=AreaKind.GEMEENTE, veiligheidsregio=area).order_by("name"))
    return [area]


def _scope(qs: Any, user: Any, owners: list[Organisation], organisation: Organisation | None = None) -> Any:
    """The parts a report may hold: with a user, what they see — and, for a report of an organisation,
    only what that organisation as a whole sees (or RED naming the user): the report is shown to all
    its members, so a part the user sees through another membership stays out."""
    if organisation is not None:
        return policy.visible_within(user, organisation, qs)
    if user is not None:
        return policy.visible(user, qs)
    return policy.organisation_wide(qs, owners)


def _d(x: Any) -> str | None:
    return x.isoformat() if x else None


def _num(x: Any) -> float | None:
    return None if x is None else round(float(x), 6)


def build(area: Area, *, lang: str = "nl", user: Any = None, organisation: Organisation | None = None,
          progress: Progress | None = None) -> dict[str, Any]:
    """The snapshot of the threat picture of ``area`` (a gemeente or a veiligheidsregio)."""
    with translation.override(lang):
        return _build(area, lang=lang, user=user, organisation=organisation, progress=progress or (lambda p, m: None))


def _build(area: Area, *, lang: str, user: Any, organisation: Organisation | None, progress: Progress) -> dict[str, Any]:
    areas = _areas_of(area)
    owners = list(Organisation.objects.filter(area__in=areas).order_by("name"))
    parts_tlp: list[TLP] = []
    dates: list[str] = []
    progress(10, "gegevens verzamelen")

    # -- assets
    assets = []
    for a in _scope(Asset.objects.filter(Q(area__in=areas) | Q(area__isnull=True, owner__in=owners)), user, owners, organisation) \
            .prefetch_related("dependencies").order_by("name"):
        parts_tlp.append(TLP(a.tlp))
        assets.append({"name": a.name, "kind": a.get_kind_display(), "operator": a.operator,
                       "criticality": a.get_criticality_display(), "location": a.location,
                       "dependencies": sorted(d.name for d in a.dependencies.all()), "is_example": a.is_example})

    # -- indicators with comparisons
    progress(25, "indicatoren en vergelijkingen")
    indicators = _indicators(area, lang, dates)

    # -- incidents by form
    progress(40, "incidenten per vorm")
    forms = {f.code: f for f in current_forms()}
    inc_qs = _scope(Incident.objects.filter(area__in=areas), user, owners, organisation).select_related("form")
    by_form: Counter[str] = Counter()
    n_incidents = 0
    for inc in inc_qs:
        n_incidents += 1
        parts_tlp.append(TLP(inc.tlp))
        by_form[inc.form.code if inc.form else ""] += 1
        d = inc.occurred_on or inc.reported_on
        if d:
            dates.append(d.isoformat())
    incidents = []
    for code, n in sorted(by_form.items(), key=lambda kv: (-kv[1], kv[0])):
        f = forms.get(code)
        incidents.append({"form": f.name if f else (code or ("zonder vorm" if lang == "nl" else "no form")),
                          "category": f.category.name if f else "", "count": n})

    # -- scenarios and assessments
    progress(55, "scenario's en risicodiagram")
    sc_qs = _scope(Scenario.objects.filter(area__in=areas, status=ScenarioStatus.ACTIEF), user, owners, organisation) \
        .select_related("area", "template", "owner").prefetch_related(risk_selectors._final_prefetch(), "assets")
    pic = risk_selectors.picture(list(sc_qs), with_area=area.kind == AreaKind.VEILIGHEIDSREGIO)
    scenarios = []
    m = pic.method
    seen_assets: set[int] | None = None
    if user is not None:
        seen_assets = set(_scope(Asset.objects.all(), user, owners, organisation).values_list("pk", flat=True))

    def may_see_asset(x: Any) -> bool:
        return seen_assets is None or x.pk in seen_assets

    for s, a, r in pic.entries:
        parts_tlp.append(TLP(s.tlp))
        dates.append(a.assessed_on.isoformat())
        assert m is not None
        scenarios.append({
            "title": s.title, "area": s.area.name if s.area else "", "lane": s.get_lane_display(),
            "road": s.get_road_display(), "road_code": s.road, "actor": s.get_threat_actor_display(),
            "forms": [forms[c].name if c in forms else c for c in s.form_codes],
            "assets": sorted(x.name for x in s.assets.all() if may_see_asset(x)), "risk_owner": s.risk_owner,
            "review_date": _d(s.review_date), "template": s.template.code if s.template else None,
            "malicious": s.malicious, "is_example": s.is_example, "tlp": s.tlp,
            "likelihood": a.likelihood, "likelihood_low": a.likelihood_low, "likelihood_high": a.likelihood_high,
            "likelihood_label": m.likelihood_scale(s.malicious).label(a.likelihood, lang),  # type: ignore[arg-type]
            "likelihood_rationale": a.likelihood_rationale, "impact": dict(a.impact),
            "impact_class": r.impact.impact_class, "impact_label": m.class_label(r.impact.impact_class, lang),  # type: ignore[arg-type]
            "zone": scoring.ZONE_LABELS[r.zone][lang], "zone_code": r.zone,
            "criteria": [{"code": c.code, "name": c.name(lang), "class": _cls(a.impact.get(c.code)),  # type: ignore[arg-type]
                          "rationale": (a.impact_rationale or {}).get(c.code, "")} for c in m.criteria],
            "method_id": a.method_id, "method_fingerprint": a.method_fingerprint,
            "assessed_on": a.assessed_on.isoformat(), "assessor": a.assessor_name,
        })
    unscored = []
    for s in pic.unscored + pic.other_method:
        parts_tlp.append(TLP(s.tlp))
        unscored.append({"title": s.title, "area": s.area.name if s.area else "", "lane": s.get_lane_display()})
    unscored.sort(key=lambda x: (x["area"], x["title"]))

    method = None
    if m is not None:
        method = {"id": m.id, "version": m.version, "name": m.name(lang), "fingerprint": m.fingerprint,  # type: ignore[arg-type]
                  "unverified": list(m.unverified), "official": m.official}
    else:
        m0 = load_method("lokaal-cyber-2026")
        method = {"id": m0.id, "version": m0.version, "name": m0.name(lang), "fingerprint": m0.fingerprint,  # type: ignore[arg-type]
                  "unverified": list(m0.unverified), "official": m0.official}

    progress(65, "maatregelen")
    measures = _measures(scenarios, pic, user, owners, parts_tlp, organisation)

    region = area.veiligheidsregio.name if area.veiligheidsregio_id else ""
    roads = defaultdict(int)
    for s in scenarios:
        roads[s["road"]] += 1
    high = [s["title"] for s in scenarios if s["zone_code"] in ("hoog", "zeer hoog")]
    snapshot: dict[str, Any] = {
        "schema": SCHEMA,
        "lang": lang,
        "area": {"code": area.code, "name": area.name, "kind": area.get_kind_display(), "kind_code": area.kind,
                 "population": area.population, "population_year": area.population_year, "region": region,
                 "gemeenten": [a.name for a in areas] if area.kind == AreaKind.VEILIGHEIDSREGIO else []},
        "organisation": organisation.name if organisation else (owners[0].name if len(owners) == 1 else ""),
        "as_of": max(dates) if dates else "2000-01-01",
        "tlp": most_restrictive(parts_tlp).value,
        "is_example": any(s["is_example"] for s in scenarios) or any(a["is_example"] for a in assets),
        "summary": {"scenarios": len(scenarios), "unscored": len(unscored), "high": high,
                    "incidents": n_incidents, "assets": len(assets),
                    "significant": [i["name"] for i in indicators if i["change"] and i["change"]["significant"]],
                    "roads": dict(sorted(roads.items()))},
        "assets": assets,
        "indicators": indicators,
        "incidents_by_form": incidents,
        "scenarios": scenarios,
        "unscored": unscored,
        "method": method,
        "measures": measures,
        "sources": _sources(indicators, method, lang),
    }
    progress(70, "momentopname vastgelegd")
    return snapshot


def _cls(v: Any) -> str:
    if isinstance(v, list):
        return "–".join([v[0], v[-1]]) if v[0] != v[-1] else v[0]
    return str(v) if v is not None else "X"


def _indicators(area: Area, lang: str, dates: list[str]) -> list[dict[str, Any]]:
    """Indicators with their latest change, through the one adapter (``indicators.figures``): the same
    test and the same method-break rule as the monitor pages; no claim spans a break."""
    rows: dict[int, list[Any]] = defaultdict(list)
    for o in Observation.objects.filter(area=area).select_related("indicator", "import_batch").order_by(
            "indicator__code", "period"):
        rows[o.indicator_id].append(o)
    out = []
    for obs in rows.values():
        ind = obs[-1].indicator
        change = None
        if len(obs) >= 2:
            ch = figures.change(ind, obs[-2], obs[-1], lang, area.name)
            change = {"sentence": ch["sentence"], "significant": ch["significant"],
                      "direction": (ch.get("direction") if lang == "nl" else ch.get("direction_en")) or "",
                      "estimate": round(ch["estimate"], 6) if ch.get("estimate") is not None else None,
                      "break_note": ch.get("break_note", "")}
        dates.append(str(obs[-1].period)[:4] + "-12-31")
        out.append({
            "code": ind.code, "name": ind.name_en if lang == "en" else ind.name_nl, "unit": ind.unit_label,
            "is_count": ind.measure_type == MeasureType.COUNT, "decimals": ind.shown_decimals,
            "source": ind.get_source_display(), "source_table": ind.source_table,
            "rows": [{"period": o.period, "value": _num(o.value), "ci_low": _num(o.ci_low), "ci_high": _num(o.ci_high),
                      "text": fmt(o.value, ind, lang),
                      "ci_text": (f"{fmt(o.ci_low, ind, lang)}–{fmt(o.ci_high, ind, lang)}"
                                  if o.ci_low is not None and o.ci_high is not None else "")}
                     for o in obs[-6:]],
            "change": change,
            # provenance: the tables the figures come from and the latest import
            "tables": sorted({o.source_table or ind.source_table for o in obs if o.source_table or ind.source_table}),
            "imported": max((o.import_batch.at.date().isoformat() for o in obs if o.import_batch_id and o.import_batch),
                            default=""),
            # the "Bron" line of the figure shown: table, period of the source, file and row, import date
            "bron": figures.bron_lines(obs[-1], ind)["bron_en" if lang == "en" else "bron_nl"],
        })
    out.sort(key=lambda i: (not (i["change"] or {}).get("significant", False), i["name"]))
    return out


def _measures(scenarios: list[dict[str, Any]], pic: Any, user: Any, owners: list[Organisation],
              parts_tlp: list[TLP], organisation: Organisation | None = None) -> dict[str, Any] | None:
    """Measures per scenario, if the actions app has a Measure model; None otherwise (no section)."""
    try:
        # deferred: optional app: without actions.models the report has no measures section
        from cyberbeeld.actions import models as action_models
    except ImportError:
        return None
    Measure = getattr(action_models, "Measure", None)
    if Measure is None:
        return None
    qs = Measure.objects.all()
    if hasattr(Measure, "tlp"):
        qs = _scope(qs, user, owners, organisation)
    items = []
    covered: set[str] = set()
    titles = {s.pk: s.title for s, _, _ in pic.entries}
    for meas in qs.order_by("pk"):
        rel = getattr(meas, "scenarios", None)
        pks = set(rel.values_list("pk", flat=True)) if rel is not None and hasattr(rel, "values_list") else set()
        linked = sorted(titles[pk] for pk in pks if pk in titles)
        if not linked:
            continue
        covered |= set(linked)
        if hasattr(meas, "tlp"):
            parts_tlp.append(TLP(meas.tlp))
        status = meas.get_status_display() if hasattr(meas, "get_status_display") else str(getattr(meas, "status", ""))
        owner = (getattr(meas, "portfolio_holder", "") or getattr(meas, "portfolio", None)
                 or getattr(meas, "responsible", "") or "")
        items.append({"title": str(getattr(meas, "title", "") or meas), "scenarios": linked, "status": status,
                      "owner": str(owner), "due": _d(getattr(meas, "due_date", None) or getattr(meas, "due", None))})
    items.sort(key=lambda x: (x["scenarios"], x["title"]))
    gaps = [s["title"] for s in scenarios if s["zone_code"] in ("hoog", "zeer hoog", "midden") and s["title"] not in covered]
    return {"items": items, "gaps": gaps}


def _sources(indicators: list[dict[str, Any]], method: dict[str, Any], lang: str) -> list[str]:
    nl = lang == "nl"
    out = [
        (f"Risicobeoordeling: {method['name']} (versie {method['version']}, {method['id']}), gebaseerd op de "
         "Nationale Risicobeoordeling en de Handreiking Regionaal Risicoprofiel." if nl else
         f"Risk assessment: {method['name']} (version {method['version']}, {method['id']}), based on the Dutch "
         "National Risk Assessment and the Regional Risk Profile guide."),
        "CCV, Lokale Cyberwegenkaart (vier wegen)." if nl else "CCV, Lokale Cyberwegenkaart (four roads).",
        "NCTV/NCSC, Cybersecuritybeeld Nederland (actortypologie)." if nl
        else "NCTV/NCSC, Cybersecuritybeeld Nederland (actor typology).",
        "Incidentenregister in Cyberbeeld (vormen volgens de Cyberbeeld-taxonomie)." if nl
        else "Incident register in Cyberbeeld (forms per the Cyberbeeld taxonomy).",
    ]
    tables = sorted({f"{i['source']}{' — ' + i['source_table'] if i['source_table'] else ''}" for i in indicators})
    out += tables
    return out
