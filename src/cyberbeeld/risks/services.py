"""Every write of the threat picture: one transaction, one audit event.

Assessments follow the method's rule: scores are made under one frozen method version (id +
fingerprint); a final assessment is never edited; re-scoring (new judgement or a new method
version) always makes a new assessment that ``supersedes`` the old one, and the old one stays.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from cyberbeeld.accounts import audit
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.accounts.services import save_shareable

from . import scoring
from .models import (
    Assessment,
    AssessmentStatus,
    Asset,
    FinalAssessmentError,
    Proposal,
    ProposalStatus,
    Scenario,
    ScenarioTemplate,
)

TEMPLATES_FILE = Path(__file__).parent / "data" / "scenario_templates.json"

ASSET_FIELDS = ["name", "kind", "description", "operator", "criticality", "area", "location", "latitude",
                "longitude", "tlp"]
SCENARIO_FIELDS = ["title", "description", "template", "area", "road", "lane", "threat_actor", "malicious",
                   "form_codes", "evidence_other", "risk_owner", "review_cycle_months", "review_date",
                   "method_id", "status", "tlp", "audience_region"]
SCENARIO_M2M = ["assets", "evidence_indicators", "evidence_incidents", "evidence_cases"]
ASSESSMENT_FIELDS = ["likelihood", "likelihood_low", "likelihood_high", "likelihood_rationale", "impact",
                     "impact_rationale", "assessor_name", "assessed_on", "note"]


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


@lru_cache(maxsize=16)
def method(method_id: str) -> scoring.Method:
    """A shipped method version (cached: methods are immutable)."""
    return scoring.load_method(method_id)


# --------------------------------------------------------------------------------- templates


@transaction.atomic
def templates_sync(*, by: Any = None) -> int:
    """Load the scenario library from the data file (idempotent: upsert by code)."""
    raw = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    changed = 0
    for order, t in enumerate(raw["templates"]):
        values = {
            "title_nl": t["title"]["nl"], "title_en": t["title"]["en"],
            "description_nl": t["description"]["nl"], "description_en": t["description"]["en"],
            "road": t["road"], "lane": t.get("lane", "oov"), "threat_actor": t["threat_actor"],
            "malicious": t.get("malicious", True), "form_codes": list(t.get("form_codes", [])),
            "asset_kinds": list(t.get("asset_kinds", [])), "source": t.get("source", ""), "order": order,
        }
        obj = ScenarioTemplate.objects.filter(code=t["code"]).first()
        if obj is None:
            ScenarioTemplate.objects.create(code=t["code"], **values)
            changed += 1
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
            changed += 1
    if changed:
        audit.record(user=_user(by), action="import", object_type="risks.scenariotemplate",
                     object_repr="scenario_templates.json", changes={"changed": changed})
    return changed


def ensure_templates() -> None:
    if not ScenarioTemplate.objects.exists():
        templates_sync()


# --------------------------------------------------------------------------------- assets


@transaction.atomic
def asset_save(*, by: Any, owner: Organisation, data: dict[str, Any], asset: Asset | None = None,
               is_example: bool = False) -> Asset:
    data = dict(data)
    deps = data.pop("dependencies", None)

    def prepare(obj: Asset, before: dict[str, Any], action: str) -> None:
        if obj.area_id is None and owner.area_id is not None:
            obj.area_id = owner.area_id

    def set_dependencies(saved: Asset) -> dict[str, Any]:
        if deps is None:
            return {}
        kept = [d for d in deps if d.pk != saved.pk and d.owner_id == owner.pk]
        saved.dependencies.set(kept)
        return {"dependencies": sorted(str(d.uuid) for d in kept)}

    return save_shareable(asset, model=Asset, by=by, owner=owner, data=data, fields=ASSET_FIELDS, noun="asset",
                          is_example=is_example, prepare=prepare, after_save=set_dependencies)


# --------------------------------------------------------------------------------- scenarios


def _set_m2m(scenario: Scenario, m2m: dict[str, Any]) -> dict[str, Any]:
    changes = {}
    for name, values in m2m.items():
        if values is None:
            continue
        values = list(values)
        if name == "assets":  # only the owner's own assets (or ones visible: keep own for integrity)
            values = [a for a in values if a.owner_id == scenario.owner_id]
        getattr(scenario, name).set(values)
        changes[name] = sorted(str(getattr(v, "uuid", None) or v.pk) for v in values)
    return changes


@transaction.atomic
def scenario_save(*, by: Any, owner: Organisation, data: dict[str, Any], scenario: Scenario | None = None,
                  is_example: bool = False) -> Scenario:
    """Create or update a scenario. Scores live in assessments, never on the scenario."""
    data = dict(data)
    m2m = {k: data.pop(k) for k in SCENARIO_M2M if k in data}

    def prepare(obj: Scenario, before: dict[str, Any], action: str) -> None:
        if obj.area_id is None and owner.area_id is not None:
            obj.area_id = owner.area_id
        if obj.review_date is None:
            obj.review_date = timezone.localdate() + dt.timedelta(days=30 * obj.review_cycle_months)
        method(obj.method_id)  # unknown method ids are refused

    return save_shareable(scenario, model=Scenario, by=by, owner=owner, data=data, fields=SCENARIO_FIELDS,
                          noun="scenario", is_example=is_example, prepare=prepare,
                          after_save=lambda saved: _set_m2m(saved, m2m))


@transaction.atomic
def scenario_adopt(*, by: Any, owner: Organisation, template: ScenarioTemplate, overrides: dict[str, Any] | None = None,
                   is_example: bool = False) -> Scenario:
    """Adopt a library template as the organisation's own scenario (then adapt it)."""
    en = (get_language() or "nl").startswith("en")
    data: dict[str, Any] = {
        "title": template.title_en if en else template.title_nl,
        "description": template.description_en if en else template.description_nl,
        "template": template, "road": template.road, "lane": template.lane,
        "threat_actor": template.threat_actor, "malicious": template.malicious,
        "form_codes": list(template.form_codes),
    }
    data.update(overrides or {})
    if "assets" not in data:
        data["assets"] = list(Asset.objects.filter(owner=owner, kind__in=template.asset_kinds))
    scenario = scenario_save(by=by, owner=owner, data=data, is_example=is_example)
    audit.record(user=_user(by), action="adopt", obj=scenario, changes={"template": template.code})
    return scenario


# --------------------------------------------------------------------------------- assessments


def _check_scores(m: scoring.Method, scenario: Scenario, values: dict[str, Any]) -> scoring.ScenarioResult:
    """Validate scores with the pure core (raises ScoreError)."""
    return scoring.assess(m, to_pure(values, scenario=scenario, method_id=m.id, fingerprint=m.fingerprint))


def _likelihood_score(likelihood: str, low: str = "", high: str = "") -> scoring.ClassScore:
    if low and high and (low, high) != (likelihood, likelihood):
        return (low, likelihood, high)
    return likelihood


def _impact_score(v: Any) -> scoring.ClassScore:
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return str(v)


def to_pure(values: Any, *, scenario: Scenario, method_id: str | None = None, fingerprint: str | None = None,
            assessor: str | None = None) -> scoring.Assessment:
    """An Assessment row (or a dict of its fields) as the pure core's ``scoring.Assessment``."""
    get = values.get if isinstance(values, dict) else (lambda k, d=None: getattr(values, k, d))
    return scoring.Assessment(
        method_id=method_id or get("method_id") or "",
        impact={k: _impact_score(v) for k, v in (get("impact") or {}).items()},
        likelihood=_likelihood_score(get("likelihood") or "", get("likelihood_low") or "",
                                     get("likelihood_high") or ""),
        scenario_id=str(scenario.uuid),
        title=scenario.title,
        template=scenario.template.code if scenario.template is not None else None,
        area=scenario.area.name if scenario.area is not None else None,
        assessor=assessor,
        malicious=scenario.malicious,
        method_fingerprint=fingerprint or get("method_fingerprint"),
    )


@transaction.atomic
def assessment_save(*, by: Any, scenario: Scenario, data: dict[str, Any], assessment: Assessment | None = None,
                    method_id: str | None = None, supersedes: Assessment | None = None) -> Assessment:
    """Create or update a *draft* assessment. The method version is frozen at creation; a new one may name the
    assessment it ``supersedes`` (ignored when updating a draft)."""
    unknown = set(data) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown assessment fields: {sorted(unknown)}")
    if assessment is None:
        m = method(method_id or scenario.method_id)
        assessment = Assessment(scenario=scenario, method_id=m.id, method_fingerprint=m.fingerprint,
                                assessor=_user(by), assessed_on=timezone.localdate(), supersedes=supersedes)
        if _user(by) is not None:
            assessment.assessor_name = by.get_full_name() or by.get_username()
        before: dict[str, Any] = {}
        action = "create"
    else:
        if assessment.is_final:
            raise FinalAssessmentError("A final assessment is never edited; make a new assessment.")
        m = method(assessment.method_id)
        before = {f: getattr(assessment, f) for f in ASSESSMENT_FIELDS}
        action = "update"
    if m.fingerprint != assessment.method_fingerprint:
        raise scoring.MethodVersionMismatch(
            f"method {m.id!r} changed since this assessment was started; make a new assessment")
    for k, v in data.items():
        setattr(assessment, k, v)
    missing = [c for c in m.codes if c not in (assessment.impact or {})]
    if missing:
        raise scoring.ScoreError(f"no score for criteria {missing} (use 'X' for not applicable)")
    result = _check_scores(m, scenario, {f: getattr(assessment, f) for f in ASSESSMENT_FIELDS})
    _cache(assessment, result)
    assessment.save()
    audit.record(user=_user(by), action=action, obj=assessment, organisation=scenario.owner,
                 object_repr=str(scenario)[:300],
                 changes=audit.diff(before, {f: getattr(assessment, f) for f in ASSESSMENT_FIELDS}))
    return assessment


def _cache(assessment: Assessment, result: scoring.ScenarioResult) -> None:
    assessment.total = result.impact.total
    assessment.impact_class = result.impact.impact_class
    assessment.risk_index = result.risk_index


@transaction.atomic
def assessment_finalise(*, by: Any, assessment: Assessment) -> Assessment:
    """Make a draft final. From now on it is history: never edited, never deleted."""
    if assessment.is_final:
        raise FinalAssessmentError("This assessment is already final.")
    m = method(assessment.method_id)
    result = scoring.assess(m, to_pure(assessment, scenario=assessment.scenario))  # raises on a changed method
    _cache(assessment, result)
    assessment.status = AssessmentStatus.FINAL
    assessment.finalised_at = timezone.now()
    assessment.save()
    audit.record(user=_user(by), action="finalise", obj=assessment, organisation=assessment.scenario.owner,
                 object_repr=str(assessment.scenario)[:300],
                 changes={"method": m.id, "likelihood": assessment.likelihood,
                          "impact_class": assessment.impact_class, "total": assessment.total})
    return assessment


@transaction.atomic
def assessment_new_from(*, by: Any, previous: Assessment, method_id: str | None = None) -> Assessment:
    """A new draft that starts from ``previous`` (a re-assessment, or scoring under a new method
    version). Criteria the new method lacks are dropped; new criteria start as ``X`` and must be
    reviewed. The previous assessment is untouched."""
    m = method(method_id or previous.method_id)
    impact = {c: (previous.impact or {}).get(c, scoring.NOT_APPLICABLE) for c in m.codes}
    rationale = {c: (previous.impact_rationale or {}).get(c, "") for c in m.codes}
    new = Assessment(scenario=previous.scenario, method_id=m.id, method_fingerprint=m.fingerprint,
                     likelihood=previous.likelihood, likelihood_low=previous.likelihood_low,
                     likelihood_high=previous.likelihood_high, likelihood_rationale=previous.likelihood_rationale,
                     impact=impact, impact_rationale=rationale, assessor=_user(by),
                     assessor_name=(by.get_full_name() or by.get_username()) if _user(by) else previous.assessor_name,
                     assessed_on=timezone.localdate(), supersedes=previous)
    _cache(new, scoring.assess(m, to_pure(new, scenario=previous.scenario)))
    new.save()
    audit.record(user=_user(by), action="reassess", obj=new, organisation=previous.scenario.owner,
                 object_repr=str(previous.scenario)[:300],
                 changes={"supersedes": str(previous.uuid), "method": [previous.method_id, m.id]})
    return new


@transaction.atomic
def assessment_delete_draft(*, by: Any, assessment: Assessment) -> None:
    if assessment.is_final:
        raise FinalAssessmentError("A final assessment is never deleted.")
    audit.record(user=_user(by), action="delete", obj=assessment, organisation=assessment.scenario.owner,
                 object_repr=str(assessment.scenario)[:300])
    assessment.delete()


# --------------------------------------------------------------------------------- proposals


@transaction.atomic
def proposal_decide(*, by: Any, proposal: Proposal, decision: str, note: str = "",
                    template: ScenarioTemplate | None = None) -> Proposal:
    """Accept (``accepted``), accept for editing (``edited``) or dismiss (``dismissed``) a proposal.

    Accepting links the evidence to the matching scenario of the organisation, or adopts the
    proposed template as a new scenario when there is none."""
    # deferred: cycle drafting->services (drafting saves through services)
    from .drafting import apply_proposal

    if proposal.status != ProposalStatus.OPEN:
        raise ValueError("This proposal has already been decided.")
    if decision not in (ProposalStatus.ACCEPTED, ProposalStatus.EDITED, ProposalStatus.DISMISSED):
        raise ValueError(f"unknown decision {decision!r}")
    if decision != ProposalStatus.DISMISSED:
        proposal.scenario = apply_proposal(by=by, proposal=proposal, template=template)
    proposal.status = decision
    proposal.decided_by = _user(by)
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.save()
    audit.record(user=_user(by), action=f"proposal-{decision}", obj=proposal,
                 changes={"kind": proposal.kind, "key": proposal.key, "note": note,
                          "scenario": str(proposal.scenario.uuid) if proposal.scenario else None})
    return proposal
