"""The drafted picture: what the evidence suggests deserves attention, each with its reasons.

Four signals, each a :class:`~cyberbeeld.risks.models.Proposal` with a fixed key so that the same
signal is proposed once (a dismissed proposal stays dismissed, in the history):

* an indicator of the gemeente that **rose significantly** between its latest two periods of one
  series (``indicators.comparisons.change``; never across a method break);
* an **incident surge** flagged by the early warning (``incidents.surveillance.detect`` on the
  monthly counts per form of the organisation's register);
* a **form frequent** in the gemeente's incidents (≥ ``FORM_GAP_MIN`` in the last 12 months) that
  none of its scenarios covers;
* an **asset without any scenario**.

The advisor accepts (evidence is linked to the matching scenario, or the proposed template is
adopted), accepts and edits, or dismisses each proposal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from cyberbeeld.accounts import audit, policy
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.incidents import earlywarning
from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import current_forms
from cyberbeeld.indicators import comparisons as cmp
from cyberbeeld.indicators import figures
from cyberbeeld.indicators.models import Indicator, Observation, Polarity

from .models import Asset, Proposal, ProposalKind, Scenario, ScenarioStatus, ScenarioTemplate
from .services import scenario_adopt, scenario_save

FORM_GAP_MIN = 3
SURGE_LAST_PERIODS = 3  # kept for callers; the computation lives in incidents.earlywarning (LAST)


def _form_names() -> dict[str, tuple[str, str, list[str], str]]:
    return {f.code: (f.name_nl, f.name_en, list(f.indicators or []), f.category.code) for f in current_forms()}


def _templates_for_forms(codes: set[str]) -> ScenarioTemplate | None:
    for t in ScenarioTemplate.objects.order_by("order", "code"):
        if codes & set(t.form_codes):
            return t
    return None


def _scenario_for_forms(owner: Organisation, codes: set[str]) -> Scenario | None:
    for s in Scenario.objects.filter(owner=owner, status=ScenarioStatus.ACTIEF).order_by("title"):
        if codes & set(s.form_codes):
            return s
    return None


def _fmt(x: float, lang: str = "nl") -> str:
    s = f"{x:.1f}"
    return s.replace(".", ",") if lang == "nl" else s


def indicator_signals(owner: Organisation) -> list[dict[str, Any]]:
    """Indicators of the owner's gemeente with a significant worsening between the latest two periods.

    Through the one adapter (``indicators.figures``): the test fits the kind of number and no claim
    spans a method break; a rise of something where more is better (cleared crimes) or neutral
    (suspects) is no signal."""
    area = owner.area
    if area is None:
        return []
    by_indicator: dict[int, list[Any]] = defaultdict(list)
    for o in Observation.objects.filter(area=area).select_related("indicator").order_by("indicator_id", "period"):
        by_indicator[o.indicator_id].append(o)
    out = []
    for rows in by_indicator.values():
        if len(rows) < 2:
            continue
        ref, cur = rows[-2], rows[-1]
        ind = cur.indicator
        if ind.polarity != Polarity.HIGHER_IS_WORSE:
            continue
        entry = figures.change(ind, ref, cur, "nl", area.name)
        if not (entry["significant"] and (entry.get("estimate") or 0) > 0):
            continue
        bases = figures.bases_for(ind, [ref, cur])
        pops = figures.populations_for(ind, [ref, cur])
        ch = cmp.change(
            figures.pure(ref, ind, area.name, bases.get((ref.area_id, ref.period)), pops.get((ref.area_id, ref.period))),
            figures.pure(cur, ind, area.name, bases.get((cur.area_id, cur.period)), pops.get((cur.area_id, cur.period))),
            indicator=figures.pure_indicator(ind))
        out.append({"indicator": ind, "reference": ref, "current": cur, "change": ch})
    return out


def surge_signals(owner: Organisation, today: dt.date) -> list[dict[str, Any]]:
    """Early-warning alerts of the owner's own incidents: the same computation as the early-warning page
    (``incidents.earlywarning.compute``), so a proposal states the same expectation and threshold."""
    out = []
    for a in earlywarning.alerts_for_owner(owner, today=today):
        out.append({"form": a.form.code, "alert": a, "incidents": a.incidents,
                    "area": a.area if a.area.pk != owner.area_id else None})
    return out


def form_gap_signals(owner: Organisation, today: dt.date) -> list[dict[str, Any]]:
    since = today - dt.timedelta(days=365)
    counts: dict[str, list[str]] = defaultdict(list)
    for inc in policy.organisation_wide(Incident.objects.filter(form__isnull=False), owner).select_related("form"):
        d = inc.occurred_on or inc.reported_on or inc.created_at.date()
        if d >= since:
            counts[inc.form.code].append(str(inc.uuid))
    covered = set()
    for s in Scenario.objects.filter(owner=owner, status=ScenarioStatus.ACTIEF):
        covered |= set(s.form_codes)
    return [{"form": code, "incidents": ids} for code, ids in sorted(counts.items())
            if len(ids) >= FORM_GAP_MIN and code not in covered]


def asset_gap_signals(owner: Organisation) -> list[Asset]:
    return list(Asset.objects.filter(owner=owner).exclude(scenarios__status=ScenarioStatus.ACTIEF)
                .order_by("name").distinct())


@transaction.atomic
def generate(*, by: Any, owner: Organisation, today: dt.date | None = None) -> list[Proposal]:
    """Create the proposals the evidence supports (idempotent: one proposal per signal key)."""
    today = today or timezone.localdate()
    forms = _form_names()
    new: list[Proposal] = []

    def propose(key: str, kind: str, title: tuple[str, str], reason: tuple[str, str], data: dict[str, Any],
                template: ScenarioTemplate | None, source: Any = None) -> None:
        if Proposal.objects.filter(owner=owner, key=key).exists():
            return
        # a proposal that names a scenario or asset gets at least its label (a RED asset: its recipients only)
        sharing = policy.inherit_sharing(None, source, owner, tlp="amber") if source is not None else None
        red = sharing is not None and sharing.tlp == TLP.RED
        p = Proposal.objects.create(owner=owner, area=owner.area, kind=kind, key=key, title_nl=title[0],
                                    title_en=title[1], reason_nl=reason[0], reason_en=reason[1], data=data,
                                    template=template, tlp="amber",
                                    created_by=by if getattr(by, "is_authenticated", False) and not red else None)
        if sharing is not None:
            sharing.apply(p, by=by, source=source)
        audit.record(user=by, action="propose", obj=p, changes={"kind": kind, "key": key})
        new.append(p)

    for sig in indicator_signals(owner):
        ind, ch = sig["indicator"], sig["change"]
        codes = {c for c, (_, _, inds, _) in forms.items() if ind.code in inds}
        scen = _scenario_for_forms(owner, codes)
        tpl = None if scen else _templates_for_forms(codes)
        propose(
            f"indicator-rise:{ind.code}:{sig['current'].period}", ProposalKind.INDICATOR_RISE,
            (f"{ind.name_nl}: significant gestegen", f"{ind.name_en}: significant increase"),
            (ch.sentence("nl") + (f" Koppel dit als onderbouwing aan het scenario '{scen.title}' en herzie de "
                                  "waarschijnlijkheid." if scen else
                                  " Er is nog geen scenario voor deze vormen: neem een scenario op."),
             ch.sentence("en") + (f" Link it as evidence to the scenario '{scen.title}' and review the likelihood."
                                  if scen else " There is no scenario for these forms yet: add one.")),
            {"indicator": ind.code, "scenario": str(scen.uuid) if scen else None, "estimate": ch.estimate,
             "p_value": ch.p_value, "periods": [sig["reference"].period, sig["current"].period]},
            tpl, scen)

    for sig in surge_signals(owner, today):
        code, a = sig["form"], sig["alert"]
        nl_name, en_name = forms.get(code, (code, code, [], ""))[:2]
        scen = _scenario_for_forms(owner, {code})
        where = f":{sig['area'].code}" if sig.get("area") is not None else ""
        propose(
            f"incident-surge:{code}:{a.period}{where}", ProposalKind.INCIDENT_SURGE,
            (f"Toename: {nl_name}", f"Surge: {en_name}"),
            (f"De vroegsignalering ({a.method}) ziet in {a.period} {int(a.observed)} incidenten '{nl_name}', "
             f"tegen {_fmt(a.expected)} verwacht (drempel {_fmt(a.threshold)})."
             + (f" Herzie het scenario '{scen.title}'." if scen else " Neem een scenario op."),
             f"Early warning ({a.method}) sees {int(a.observed)} incidents '{en_name}' in {a.period}, against "
             f"{_fmt(a.expected, 'en')} expected (threshold {_fmt(a.threshold, 'en')})."
             + (f" Review the scenario '{scen.title}'." if scen else " Add a scenario.")),
            {"form": code, "incidents": sig["incidents"], "scenario": str(scen.uuid) if scen else None,
             "observed": a.observed, "expected": a.expected, "threshold": a.threshold, "period": a.period},
            None if scen else _templates_for_forms({code}), scen)

    for sig in form_gap_signals(owner, today):
        code = sig["form"]
        nl_name, en_name = forms.get(code, (code, code, [], ""))[:2]
        n = len(sig["incidents"])
        propose(
            f"form-gap:{code}", ProposalKind.FORM_GAP,
            (f"Geen scenario voor: {nl_name}", f"No scenario for: {en_name}"),
            (f"{n} incidenten '{nl_name}' in de afgelopen twaalf maanden, maar geen scenario dat deze vorm "
             "behandelt.",
             f"{n} incidents '{en_name}' in the past twelve months, but no scenario covers this form."),
            {"form": code, "incidents": sig["incidents"]}, _templates_for_forms({code}))

    for asset in asset_gap_signals(owner):
        tpl = next((t for t in ScenarioTemplate.objects.order_by("order", "code") if asset.kind in t.asset_kinds),
                   None)
        propose(
            f"asset-gap:{asset.uuid}", ProposalKind.ASSET_GAP,
            (f"Object zonder scenario: {asset.name}", f"Asset without a scenario: {asset.name}"),
            (f"'{asset.name}' ({asset.get_kind_display()}, kritikaliteit {asset.criticality}) komt in geen enkel "
             "scenario voor.",
             f"'{asset.name}' ({asset.kind}, criticality {asset.criticality}) is not part of any scenario."),
            {"asset": str(asset.uuid)}, tpl, asset)
    return new


def apply_proposal(*, by: Any, proposal: Proposal, template: ScenarioTemplate | None = None) -> Scenario:
    """Carry out an accepted proposal; returns the scenario it concerns."""
    owner = proposal.owner
    data = proposal.data or {}
    scenario = None
    if data.get("scenario"):
        scenario = Scenario.objects.filter(owner=owner, uuid=data["scenario"]).first()
    indicators = list(Indicator.objects.filter(code=data["indicator"])) if data.get("indicator") else []
    incidents = list(Incident.objects.filter(owner=owner, uuid__in=data.get("incidents") or []))
    assets = list(Asset.objects.filter(owner=owner, uuid=data["asset"])) if data.get("asset") else []
    if scenario is None:
        # a scenario drafted from a proposal gets at least the proposal's label and audience
        sharing = policy.inherit_sharing(by, proposal, owner, tlp="amber")
        tpl = template or proposal.template
        if tpl is not None:
            scenario = scenario_adopt(by=by, owner=owner, template=tpl, overrides={"tlp": sharing.tlp.value})
        else:
            form = data.get("form", "")
            scenario = scenario_save(by=by, owner=owner, data={
                "title": proposal.title_nl, "description": proposal.reason_nl, "tlp": sharing.tlp.value,
                "road": "openbare-orde" if form in ("online-oproep-ordeverstoring", "treitervloggers") else "cybercrime",
                "threat_actor": "cybercrimineel", "form_codes": [form] if form else []})
        scenario.source_proposal = proposal
        scenario.save(update_fields=["source_proposal"])
        sharing.apply(scenario, by=by, source=proposal)
        policy.check_ceiling(scenario)
    scenario_save(by=by, owner=owner, scenario=scenario, data={
        "evidence_indicators": list(scenario.evidence_indicators.all()) + indicators,
        "evidence_incidents": list(scenario.evidence_incidents.all()) + incidents,
        "assets": list(scenario.assets.all()) + assets,
    })
    return scenario
