from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.models import AuditEvent
from cyberbeeld.common.charts import render_svg
from cyberbeeld.common.forms import add_error
from cyberbeeld.incidents.services import current_forms
from cyberbeeld.risks.scoring import compact_diagram_spec

from . import drafting, scoring, selectors, services
from .forms import AssessmentForm, AssetForm, DecisionForm, ScenarioForm
from .models import (
    Assessment,
    AssessmentStatus,
    Asset,
    Lane,
    Proposal,
    ProposalStatus,
    Road,
    Scenario,
    ScenarioTemplate,
)


def _lang() -> str:
    return "en" if (get_language() or "nl").startswith("en") else "nl"


def current_org(request: HttpRequest) -> Any:
    org = getattr(request, "organisation", None)
    if not org:
        return None
    return getattr(org, "_wrapped", org)


def _may_edit(request: HttpRequest, org: Any) -> bool:
    return policy.can_create_in(request.user, org)


def _require_editor(request: HttpRequest) -> Any:
    org = current_org(request)
    if not _may_edit(request, org):
        raise Http404
    return org


def diagram_context(pic: selectors.Picture, lang: str, *, title: str | None = None) -> dict[str, Any] | None:
    """SVG, accessible label and the same data as a table, for ``risks/_diagram.html``."""
    d = pic.diagram(lang, title=title)
    if d is None:
        return None
    return {
        "svg": render_svg(d.spec, lang),
        "svg_narrow": render_svg(compact_diagram_spec(d.spec), lang),  # shown instead on a phone (CSS)
        "label": d.spec.get("description", ""),
        "title": d.spec.get("title", ""),
        "headers": [h for _, h in d.columns],
        # (value, is user content): scenario titles are marked with their language on pages in another one
        "rows": [[(row[k], k == "scenario") for k, _ in d.columns] for row in d.rows],
        "unverified": pic.method.unverified if pic.method else (),
        "method": pic.method,
    }


def _history(obj: Any) -> Any:
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.uuid))


# --------------------------------------------------------------------------------- picture


@login_required
def picture(request: HttpRequest, lane: str = "") -> HttpResponse:
    org = current_org(request)
    road = request.GET.get("weg", "")
    lane = lane or request.GET.get("spoor", "")
    if lane and lane not in Lane.values:
        raise Http404
    qs = selectors.scenarios_visible_to(request.user, owner=org, lane=lane, road=road) if org else Scenario.objects.none()
    pic = selectors.picture(list(qs))
    lang = _lang()
    title = _("Risicodiagram") if not lane else (_("Risicodiagram CISO (eigen organisatie)") if lane == Lane.CISO
                                                 else _("Risicodiagram OOV"))
    return render(request, "risks/picture.html", {
        "pic": pic, "diagram": diagram_context(pic, lang, title=title), "lane": lane, "road": road,
        "roads": Road.choices, "lanes": Lane.choices, "may_edit": _may_edit(request, org),
        "open_proposals": selectors.open_proposals_count(request.user, org) if org else 0,
        "is_ciso_view": lane == Lane.CISO,
    })


@login_required
def ciso(request: HttpRequest) -> HttpResponse:
    return picture(request, lane=Lane.CISO)


@login_required
def region(request: HttpRequest) -> HttpResponse:
    org = current_org(request)
    vr = selectors.region_of(request.user, org) if org else None
    if vr is None:
        raise Http404
    pic, summary, gemeenten = selectors.regional(request.user, vr)
    lang = _lang()
    titles = {t.code: t.title for t in ScenarioTemplate.objects.all()}
    rows = [{"template": titles.get(s.template, s.template), "n": s.n_areas, "areas": ", ".join(s.areas),
             "max_likelihood": s.max_likelihood, "max_impact": s.max_impact_class,
             "median_likelihood": s.median_likelihood, "median_impact": s.median_impact_class,
             "at_max": ", ".join(s.areas_at_max_risk)} for s in summary]
    return render(request, "risks/region.html", {
        "region": vr, "pic": pic, "gemeenten": gemeenten, "summary": rows,
        "diagram": diagram_context(pic, lang, title=_("Risicodiagram %(regio)s") % {"regio": vr.name}),
    })


# --------------------------------------------------------------------------------- library


@login_required
def library(request: HttpRequest) -> HttpResponse:
    services.ensure_templates()
    org = current_org(request)
    adopted = set()
    if org is not None:
        adopted = set(Scenario.objects.filter(owner=org, template__isnull=False).values_list("template__code", flat=True))
    return render(request, "risks/library.html", {
        "templates": ScenarioTemplate.objects.all(), "adopted": adopted, "may_edit": _may_edit(request, org),
    })


@login_required
@require_POST
def adopt(request: HttpRequest, code: str) -> HttpResponse:
    org = _require_editor(request)
    try:
        tpl = ScenarioTemplate.objects.get(code=code)
    except ScenarioTemplate.DoesNotExist as exc:
        raise Http404 from exc
    scenario = services.scenario_adopt(by=request.user, owner=org, template=tpl)
    messages.success(request, _("Scenario overgenomen uit de bibliotheek. Pas het aan op uw gemeente."))
    return redirect("risks:scenario_edit", uuid=scenario.uuid)


# --------------------------------------------------------------------------------- scenarios


@login_required
def scenario_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    s = selectors.scenario_get(request.user, uuid)
    own = s.owner_id in policy.actor_for(request.user).org_ids
    assessments = list(s.assessments.select_related("supersedes").order_by("-assessed_on", "-pk"))
    if not own:
        assessments = [a for a in assessments if a.is_final]
    current = selectors.current_assessment(s)
    m = services.method(s.method_id)
    lang = _lang()
    result = selectors.result_of(s, current) if current else None
    crit_rows = []
    if current is not None and result is not None:
        for c in m.criteria:
            cs = result.impact.criterion(c.code)
            crit_rows.append({"code": c.code, "name": c.name(lang), "cls": current.impact.get(c.code),
                              "label": m.class_label(cs.classes.best, lang),
                              "rationale": (current.impact_rationale or {}).get(c.code, "")})
    spread = selectors.spread_of(s)
    spread_rows = []
    if spread is not None:
        spread_rows = [{"code": c.code, "name": m.criterion(c.code).name(lang), "min": c.min_class,
                        "median": c.median_class, "max": c.max_class, "n": c.n_scored} for c in spread.criteria]
    return render(request, "risks/scenario_detail.html", {
        "scenario": s, "current": current, "result": result, "method": m, "crit_rows": crit_rows,
        "assessments": assessments, "may_change": policy.can_change(request.user, s),
        "history": _history(s) if own else [], "spread": spread, "spread_rows": spread_rows,
        "likelihood_label": m.likelihood_scale(s.malicious).label(current.likelihood, lang) if current else "",
        "forms": _form_names(s.form_codes), "zone": scoring.ZONE_LABELS[result.zone][lang] if result else "",
        # linked evidence and assets only as far as this user may see them
        "ev_incidents": policy.visible(request.user, s.evidence_incidents.all()),
        "ev_cases": policy.visible(request.user, s.evidence_cases.all()),
        "ev_assets": policy.visible(request.user, s.assets.all()),
    })


def _form_names(codes: list[str]) -> list[str]:
    names = {f.code: f.name for f in current_forms().filter(code__in=codes)}
    return [names.get(c, c) for c in codes]


@login_required
def scenario_edit(request: HttpRequest, uuid: str | None = None) -> HttpResponse:
    if uuid is None:
        org = _require_editor(request)
        scenario = None
    else:
        scenario = policy.get_changeable_or_404(request.user, Scenario.objects.all(), uuid=uuid)
        org = scenario.owner
    form = ScenarioForm(request.POST or None, instance=scenario, owner=org, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields if k in form.cleaned_data}
        try:
            saved = services.scenario_save(by=request.user, owner=org, data=data, scenario=scenario)
        except policy.CeilingError as exc:  # a drafted scenario: never wider than its proposal
            add_error(form, exc)
        else:
            messages.success(request, _("Scenario opgeslagen."))
            return redirect("risks:scenario", uuid=saved.uuid)
    return render(request, "risks/scenario_edit.html", {"form": form, "scenario": scenario})


# --------------------------------------------------------------------------------- assessments


@login_required
def assess(request: HttpRequest, uuid: str) -> HttpResponse:
    """Score a scenario: a new draft, or continue the open draft of this user."""
    scenario = policy.get_changeable_or_404(request.user, Scenario.objects.all(), uuid=uuid)
    draft = scenario.assessments.filter(status=AssessmentStatus.DRAFT, assessor=request.user,
                                        method_id=scenario.method_id).first()
    return _assessment_form(request, scenario, draft)


@login_required
def assessment_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    a = selectors.assessment_get(request.user, uuid)
    if not policy.can_change(request.user, a.scenario) or a.is_final:
        raise Http404
    return _assessment_form(request, a.scenario, a)


def _assessment_form(request: HttpRequest, scenario: Scenario, draft: Assessment | None) -> HttpResponse:
    m = services.method(draft.method_id if draft else scenario.method_id)
    previous = selectors.current_assessment(scenario)
    form = AssessmentForm(request.POST or None, method=m, malicious=scenario.malicious,
                          initial_scores=draft or previous)
    if request.method == "POST" and form.is_valid():
        try:
            a = services.assessment_save(by=request.user, scenario=scenario, data=form.data_for_service(),
                                         assessment=draft, method_id=m.id, supersedes=previous)
        except scoring.ScoreError as exc:
            add_error(form, exc)
        else:
            if "finalise" in request.POST:
                services.assessment_finalise(by=request.user, assessment=a)
                messages.success(request, _("Beoordeling definitief vastgesteld."))
            else:
                messages.success(request, _("Conceptbeoordeling opgeslagen."))
            return redirect("risks:scenario", uuid=scenario.uuid)
    return render(request, "risks/assess.html", {
        "form": form, "scenario": scenario, "method": m, "draft": draft, "previous": previous,
        "criteria_fields": form.criteria_fields(),
    })


@login_required
@require_POST
def finalise(request: HttpRequest, uuid: str) -> HttpResponse:
    a = selectors.assessment_get(request.user, uuid)
    if not policy.can_change(request.user, a.scenario) or a.is_final:
        raise Http404
    services.assessment_finalise(by=request.user, assessment=a)
    messages.success(request, _("Beoordeling definitief vastgesteld."))
    return redirect("risks:scenario", uuid=a.scenario.uuid)


@login_required
@require_POST
def reassess(request: HttpRequest, uuid: str) -> HttpResponse:
    """Start a new assessment from a final one (optionally under another method version)."""
    a = selectors.assessment_get(request.user, uuid)
    if not policy.can_change(request.user, a.scenario):
        raise Http404
    method_id = request.POST.get("method_id") or a.scenario.method_id
    if method_id not in scoring.available_methods():
        raise Http404
    if method_id != a.scenario.method_id:
        services.scenario_save(by=request.user, owner=a.scenario.owner, scenario=a.scenario,
                               data={"method_id": method_id})
    new = services.assessment_new_from(by=request.user, previous=a, method_id=method_id)
    return redirect("risks:assessment_edit", uuid=new.uuid)


# --------------------------------------------------------------------------------- assets


@login_required
def assets(request: HttpRequest) -> HttpResponse:
    org = current_org(request)
    qs = selectors.assets_visible_to(request.user, owner=org) if org else Asset.objects.none()
    return render(request, "risks/assets.html", {"assets": qs.prefetch_related("scenarios"),
                                                 "may_edit": _may_edit(request, org)})


@login_required
def asset_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    a = selectors.asset_get(request.user, uuid)
    return render(request, "risks/asset_detail.html", {
        "asset": a, "may_change": policy.can_change(request.user, a),
        "scenarios": selectors.scenarios_visible_to(request.user).filter(assets=a),
        "dependents": selectors.assets_visible_to(request.user).filter(dependencies=a),
    })


@login_required
def asset_edit(request: HttpRequest, uuid: str | None = None) -> HttpResponse:
    if uuid is None:
        org = _require_editor(request)
        asset = None
    else:
        asset = policy.get_changeable_or_404(request.user, Asset.objects.all(), uuid=uuid)
        org = asset.owner
    form = AssetForm(request.POST or None, instance=asset, owner=org, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields if k in form.cleaned_data}
        data["dependencies"] = list(data["dependencies"])
        saved = services.asset_save(by=request.user, owner=org, data=data, asset=asset)
        messages.success(request, _("Object opgeslagen."))
        return redirect("risks:asset", uuid=saved.uuid)
    return render(request, "risks/asset_edit.html", {"form": form, "asset": asset})


# --------------------------------------------------------------------------------- proposals


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    org = current_org(request)
    qs = selectors.proposals_visible_to(request.user, owner=org) if org else Proposal.objects.none()
    return render(request, "risks/proposals.html", {
        "open": qs.filter(status=ProposalStatus.OPEN), "decided": qs.exclude(status=ProposalStatus.OPEN),
        "may_edit": _may_edit(request, org), "decision_form": DecisionForm(),
    })


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    org = _require_editor(request)
    services.ensure_templates()
    new = drafting.generate(by=request.user, owner=org)
    messages.success(request, ngettext("%(n)s nieuw voorstel.", "%(n)s nieuwe voorstellen.", len(new)) % {"n": len(new)})
    return redirect("risks:proposals")


@login_required
@require_POST
def decide(request: HttpRequest, uuid: str) -> HttpResponse:
    p = selectors.proposal_get(request.user, uuid)
    if not policy.can_change(request.user, p) or p.status != ProposalStatus.OPEN:
        raise Http404
    decision = request.POST.get("decision", "")
    if decision not in (ProposalStatus.ACCEPTED, ProposalStatus.EDITED, ProposalStatus.DISMISSED):
        raise Http404
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    p = services.proposal_decide(by=request.user, proposal=p, decision=decision, note=note)
    if decision == ProposalStatus.DISMISSED:
        messages.success(request, _("Voorstel afgewezen."))
        return redirect("risks:proposals")
    if decision == ProposalStatus.EDITED and p.scenario is not None:
        messages.success(request, _("Voorstel overgenomen. Pas het scenario aan."))
        return redirect("risks:scenario_edit", uuid=p.scenario.uuid)
    messages.success(request, _("Voorstel overgenomen."))
    return redirect("risks:scenario", uuid=p.scenario.uuid) if p.scenario else redirect("risks:proposals")


# --------------------------------------------------------------------------------- method description


def _unverified_reason(path: str) -> str:
    if path.startswith("settings."):
        return _("De instelling staat niet vast in de bronnen die Cyberbeeld kon controleren (verschilt per editie "
                 "van de methode); daarom is zij instelbaar.")
    if ".bands" in path or path.startswith("criteria."):
        return _("De grenzen per klasse komen niet uit een gecontroleerde primaire bron (Leidraad 2008, Handreiking "
                 "RRP); het zijn indicatieve waarden die een regio zelf vaststelt.")
    return _("Niet gecontroleerd tegen de officiële bron; instelbaar.")


@login_required
def method_page(request: HttpRequest) -> HttpResponse:
    """How risks are scored: the method version, its settings and criteria, the likelihood scale, the risk
    bands (Cyberbeeld's own choice) and every value that is not verified, with the reason."""
    ids = scoring.available_methods()
    chosen = request.GET.get("m", "")
    method_id = chosen if chosen in ids else (ids[0] if ids else "")
    if not method_id:
        raise Http404
    m = services.method(method_id)
    lang = _lang()
    unverified = set(m.unverified)
    bands = []
    for total in range(2, 11):
        zone = scoring.risk_zone(total // 2, total - total // 2)
        bands.append({"sum": total, "zone": scoring.ZONE_LABELS[zone]["en" if lang == "en" else "nl"]})
    zones = []
    for zone in scoring.ZONES:
        sums = [b["sum"] for b in bands if b["zone"] == scoring.ZONE_LABELS[zone]["en" if lang == "en" else "nl"]]
        zones.append({"zone": scoring.ZONE_LABELS[zone]["en" if lang == "en" else "nl"],
                      "from": min(sums), "to": max(sums)})
    points = [(cls, m.class_base ** i) for i, cls in enumerate(scoring.IMPACT_CLASSES)]
    return render(request, "risks/method.html", {
        "m": m, "ids": ids, "method_id": method_id, "zones": zones, "points": points,
        "criteria": [{"c": c, "name": c.name_en if lang == "en" else c.name_nl,
                      "verified": f"criteria.{c.code}" not in unverified and c.verified} for c in m.criteria],
        "likelihood": [{"code": lc.code, "label": lc.label_en if lang == "en" else lc.label_nl,
                        "descriptor": (lc.descriptor_en if lang == "en" else lc.descriptor_nl) or ""}
                       for lc in m.likelihood_threat.classes],
        "unverified": [{"path": p, "reason": _unverified_reason(p)} for p in sorted(unverified)],
        "settings_unverified": any(p.startswith("settings.") for p in unverified),
    })
