from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.common.forms import add_error
from cyberbeeld.common.params import uuid_param
from cyberbeeld.risks.models import Scenario
from cyberbeeld.sharing.models import Approach

from . import clock, exports, pdf, selectors, services
from .forms import (
    AdHocInjectForm,
    AdoptApproachForm,
    CampaignForm,
    EvaluationForm,
    ExerciseForm,
    ExerciseNewForm,
    InjectForm,
    InstrumentForm,
    LogForm,
    MeasureForm,
    ObservationMeasureForm,
    ParticipantForm,
    PortfolioForm,
    ReassessForm,
)
from .models import (
    INSTRUMENT_TEXT_FIELDS,
    Campaign,
    Exercise,
    ExerciseMode,
    ExerciseStatus,
    Inject,
    LogEntry,
    LogKind,
    Measure,
    Portfolio,
    PowersVersion,
)

SHARE_SALT = "cyberbeeld.actions.exercise-pdf"
SHARE_MAX_AGE = 60 * 60 * 24 * 30


def _org(request: HttpRequest) -> Organisation | None:
    return request.organisation  # type: ignore[attr-defined,no-any-return]


def _may_write(request: HttpRequest) -> bool:
    org = _org(request)
    return policy.can_create_in(request.user, org)


def _require_org(request: HttpRequest) -> Organisation:
    org = _org(request)
    if org is None:
        raise Http404
    return org


def _require_writer(request: HttpRequest) -> Organisation:
    if not _may_write(request):
        raise Http404
    return _require_org(request)


def _cleaned(form: Any, names: list[str]) -> dict[str, Any]:
    """The form's values for the service (a label field is absent for whoever may not share)."""
    return {k: form.cleaned_data[k] for k in names if k in form.cleaned_data}


def _save_or_error(form: Any, save: Any) -> Any:
    """Run a service; a label above the ceiling of the source becomes a form error, not a 500."""
    try:
        return save()
    except policy.CeilingError as exc:
        add_error(form, exc)
        return None


# --------------------------------------------------------------------------------- measures


@login_required
def measure_list(request: HttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip() for k in ("q", "status")}
    qs = selectors.measures_visible_to(request.user, **params)
    return render(request, "actions/measure_list.html", {
        "measures": qs, "params": params, "statuses": Measure._meta.get_field("status").choices,
        "may_create": _may_write(request), "section": "measures"})


@login_required
def measure_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    measure = selectors.measure_get(request.user, uuid)
    return render(request, "actions/measure_detail.html", {
        "measure": measure, "may_change": policy.can_change(request.user, measure), "section": "measures",
        "scenarios": policy.visible(request.user, measure.scenarios.all())})


@login_required
def measure_edit(request: HttpRequest, uuid: str | None = None) -> HttpResponse:
    if uuid is None:
        org = _require_writer(request)
        measure = None
    else:
        measure = policy.get_changeable_or_404(request.user, Measure.objects.all(), uuid=uuid)
        org = measure.owner
    initial: dict[str, Any] = {}
    scenario_uuid = uuid_param(request, "scenario") if measure is None else None
    if scenario_uuid is not None:
        initial["scenarios"] = list(Scenario.objects.filter(owner=org, uuid=scenario_uuid))
    form = MeasureForm(request.POST or None, instance=measure, owner=org, viewer=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _cleaned(form, services.MEASURE_FIELDS + services.MEASURE_M2M)
        saved = _save_or_error(form, lambda: services.measure_save(by=request.user, owner=org, data=data,
                                                                   measure=measure))
        if saved is not None:
            messages.success(request, _("Maatregel opgeslagen."))
            return redirect("actions:measure_detail", uuid=saved.uuid)
    return render(request, "actions/edit.html", {
        "form": form, "title": _("Maatregel bewerken") if measure else _("Nieuwe maatregel"), "section": "measures",
        "cancel": reverse("actions:measure_detail", args=[measure.uuid]) if measure else reverse("actions:list")})


@login_required
def adopt_approach(request: HttpRequest, uuid: str) -> HttpResponse:
    """The casebook's "adopt this approach as a measure": pick the scenarios and a due date, then create."""
    org = _require_writer(request)
    approach = policy.get_visible_or_404(request.user, Approach.objects.all(), uuid=uuid)
    form = AdoptApproachForm(request.POST or None, owner=org, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        measure = _save_or_error(form, lambda: services.measure_from_approach(
            by=request.user, owner=org, approach=approach, scenarios=form.cleaned_data["scenarios"],
            due_date=form.cleaned_data["due_date"], portfolio=form.cleaned_data["portfolio"]))
        if measure is not None:
            messages.success(request, _("Aanpak overgenomen als maatregel."))
            return redirect("actions:measure_detail", uuid=measure.uuid)
    return render(request, "actions/edit.html", {
        "form": form, "title": _("Aanpak overnemen als maatregel: %(t)s") % {"t": approach.title},
        "intro": _("Titel, omschrijving, partners en vormen komen uit de aanpak; u kunt de maatregel daarna aanpassen.")
        + " " + _("Dit object krijgt minstens het label van de bron: %(label)s") % {"label": approach.tlp_label.label},
        "section": "measures", "cancel": reverse("actions:list")})


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    org = _require_org(request)
    rows = selectors.coverage(request.user, org)
    return render(request, "actions/coverage.html", {
        "rows": rows, "uncovered": [r for r in rows if not r.live], "may_create": _may_write(request),
        "section": "coverage"})


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    org = _require_org(request)
    return render(request, "actions/overdue.html", {"measures": selectors.overdue_measures(request.user, org),
                                                    "section": "overdue"})


@login_required
def measure_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    qs = [m for m in selectors.measures_visible_to(request.user) if policy.may_export(request.user, m)]
    body, content_type = exports.measures(qs, fmt)
    resp = HttpResponse(body, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="maatregelen.{fmt}"'
    return resp


# --------------------------------------------------------------------------------- portfolios


@login_required
def portfolio_matrix(request: HttpRequest, printable: bool = False) -> HttpResponse:
    org = _require_org(request)
    ctx = {**selectors.portfolio_matrix(request.user, org), "organisation": org, "section": "portfolios",
           "may_create": _may_write(request), "printed_on": timezone.localdate()}
    if request.GET.get("format") == "pdf":
        body = pdf.render_pdf("actions/portfolio_print.html", {**ctx, "standalone": True})
        resp = HttpResponse(body, content_type="application/pdf")
        resp["Content-Disposition"] = 'inline; filename="portefeuilles-cyber.pdf"'
        return resp
    return render(request, "actions/portfolio_print.html" if printable else "actions/portfolio_matrix.html", ctx)


@login_required
def portfolio_edit(request: HttpRequest, uuid: str | None = None) -> HttpResponse:
    if uuid is None:
        org = _require_writer(request)
        portfolio = None
    else:
        portfolio = policy.get_changeable_or_404(request.user, Portfolio.objects.all(), uuid=uuid)
        org = portfolio.owner
    form = PortfolioForm(request.POST or None, instance=portfolio, owner=org, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = _cleaned(form, services.PORTFOLIO_FIELDS + services.PORTFOLIO_M2M)
        services.portfolio_save(by=request.user, owner=org, data=data, portfolio=portfolio)
        messages.success(request, _("Portefeuille opgeslagen."))
        return redirect("actions:portfolios")
    return render(request, "actions/edit.html", {
        "form": form, "title": _("Portefeuille bewerken") if portfolio else _("Nieuwe portefeuille"),
        "section": "portfolios", "cancel": reverse("actions:portfolios")})


# --------------------------------------------------------------------------------- mayor's powers


@login_required
def powers(request: HttpRequest, version: int | None = None) -> HttpResponse:
    current = services.powers_current()
    shown = current if version is None else get_object_or_404(PowersVersion, version=version)
    return render(request, "actions/powers.html", {
        "version": shown, "current": current, "versions": PowersVersion.objects.all(),
        "instruments": shown.instruments.all() if shown else [], "may_edit": policy.may_maintain_reference_data(request.user),
        "section": "powers"})


@login_required
def powers_edit(request: HttpRequest, code: str) -> HttpResponse:
    if not policy.may_maintain_reference_data(request.user):
        raise Http404
    current = services.powers_current()
    if current is None:
        raise Http404
    instrument = get_object_or_404(current.instruments, code=code)
    # the date of the last check carries over unless the editor enters a new one
    form = InstrumentForm(request.POST or None, instance=instrument, initial={"checked_on": current.checked_on})
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in INSTRUMENT_TEXT_FIELDS if f in form.cleaned_data}
        new = services.powers_new_version(by=request.user, note=form.cleaned_data["note"],
                                          checked_on=form.cleaned_data.get("checked_on"), changes={code: changes})
        messages.success(request, _("Nieuwe versie %(v)s opgeslagen; eerdere versies blijven bewaard.") % {"v": new.version})
        return redirect("actions:powers")
    # the form edits a copy: the stored instrument of this version never changes
    return render(request, "actions/edit.html", {
        "form": form, "title": _("Instrument bijwerken: %(a)s") % {"a": instrument.article}, "section": "powers",
        "intro": _("Opslaan maakt een nieuwe versie van de hele inhoud; de huidige versie blijft bewaard."),
        "cancel": reverse("actions:powers")})


@login_required
def decision_aid(request: HttpRequest, uuid: str) -> HttpResponse:
    scenario = policy.get_visible_or_404(request.user, Scenario.objects.all(), uuid=uuid)
    current = services.powers_current()
    return render(request, "actions/decision_aid.html", {
        "scenario": scenario, "digital": selectors.is_digital_component(scenario), "version": current,
        "instruments": current.instruments.all() if current else [], "section": "powers",
        "exercises": selectors.exercises_visible_to(request.user).filter(scenario=scenario,
                                                                        owner_id__in=policy.actor_for(request.user).org_ids)})


# --------------------------------------------------------------------------------- exercises


def _template_choices() -> list[tuple[str, str]]:
    en = (get_language() or "nl").startswith("en")
    return [(t["code"], t["title"]["en" if en else "nl"]) for t in services.exercise_templates()]


@login_required
def exercise_list(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    qs = selectors.exercises_visible_to(request.user).filter(owner_id__in=policy.actor_for(request.user).org_ids)
    return render(request, "actions/exercise_list.html", {
        "exercises": qs, "templates": services.exercise_templates(get_language() or "nl"), "may_create": _may_write(request),
        "organisation": org, "section": "exercises"})


@login_required
def exercise_new(request: HttpRequest) -> HttpResponse:
    org = _require_writer(request)
    initial = {}
    scenario_uuid = uuid_param(request, "scenario")
    if scenario_uuid is not None:
        initial["scenario"] = Scenario.objects.filter(owner=org, uuid=scenario_uuid).first()
    if request.GET.get("template"):
        initial["template"] = request.GET["template"]
    form = ExerciseNewForm(request.POST or None, owner=org, viewer=request.user, templates=_template_choices(),
                           initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if d["template"]:
            ex = _save_or_error(form, lambda: services.exercise_from_template(
                by=request.user, owner=org, code=d["template"], scenario=d["scenario"], mode=d["mode"],
                planned_for=d["planned_for"]))
        else:
            ex = _save_or_error(form, lambda: services.exercise_from_scenario(
                by=request.user, owner=org, scenario=d["scenario"], mode=d["mode"], planned_for=d["planned_for"]))
        if ex is not None:
            messages.success(request, _("Oefening aangemaakt."))
            return redirect("actions:exercise_detail", uuid=ex.uuid)
    return render(request, "actions/edit.html", {"form": form, "title": _("Nieuwe oefening"), "section": "exercises",
                                                 "cancel": reverse("actions:exercises")})


@login_required
def exercise_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    ex = selectors.exercise_get(request.user, uuid)
    return render(request, "actions/exercise_detail.html", {
        "exercise": ex, "may_change": policy.can_change(request.user, ex), "section": "exercises",
        "injects": ex.injects.all(), "participants": ex.participants.all(),
        "inject_form": InjectForm(prefix="inj"), "participant_form": ParticipantForm(prefix="p"),
        "digital": ex.scenario is not None and selectors.is_digital_component(ex.scenario),
        "share_links": _share_links(request, ex) if policy.can_change(request.user, ex) else None})


@login_required
def exercise_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    ex = selectors.exercise_changeable(request.user, uuid)
    form = ExerciseForm(request.POST or None, instance=ex, owner=ex.owner, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        saved = _save_or_error(form, lambda: services.exercise_save(
            by=request.user, owner=ex.owner, exercise=ex, data=_cleaned(form, services.EXERCISE_FIELDS)))
        if saved is not None:
            messages.success(request, _("Oefening opgeslagen."))
            return redirect("actions:exercise_detail", uuid=ex.uuid)
    return render(request, "actions/edit.html", {"form": form, "title": _("Oefening bewerken"), "section": "exercises",
                                                 "cancel": reverse("actions:exercise_detail", args=[ex.uuid])})


@login_required
@require_POST
def exercise_inject_add(request: HttpRequest, uuid: str) -> HttpResponse:
    ex = selectors.exercise_changeable(request.user, uuid)
    form = InjectForm(request.POST, prefix="inj")
    if form.is_valid():
        services.inject_save(by=request.user, exercise=ex, data=form.cleaned_data)
        messages.success(request, _("Inject toegevoegd."))
    else:
        messages.error(request, _("Inject niet toegevoegd: controleer de velden."))
    return redirect("actions:exercise_detail", uuid=ex.uuid)


@login_required
@require_POST
def exercise_inject_delete(request: HttpRequest, uuid: str, inject: str) -> HttpResponse:
    ex = selectors.exercise_changeable(request.user, uuid)
    obj = get_object_or_404(Inject, exercise=ex, uuid=inject)
    try:
        services.inject_delete(by=request.user, exercise=ex, inject=obj)
        messages.success(request, _("Inject verwijderd."))
    except services.ExerciseStateError:
        messages.error(request, _("Tijdens de oefening sla je een inject over in plaats van hem te verwijderen."))
    return redirect("actions:exercise_detail", uuid=ex.uuid)


@login_required
@require_POST
def exercise_participant_add(request: HttpRequest, uuid: str) -> HttpResponse:
    ex = selectors.exercise_changeable(request.user, uuid)
    form = ParticipantForm(request.POST, prefix="p")
    if form.is_valid():
        services.participant_add(by=request.user, exercise=ex, **form.cleaned_data)
        messages.success(request, _("Deelnemer toegevoegd."))
    return redirect("actions:exercise_detail", uuid=ex.uuid)


def _run_context(request: HttpRequest, ex: Any) -> dict[str, Any]:
    schedule = services.exercise_schedule(ex)
    injects = {str(i.uuid): i for i in ex.injects.all()}
    state = services.clock_of(ex)

    def rows(items: Any) -> list[Any]:
        return [injects[i.key] for i in items if i.key in injects]

    log = list(ex.log.select_related("measure").all())
    paused = clock.is_paused(state)
    # what the live region shows; the ticking clock is outside it (static/actions/clock.js)
    sig = hashlib.sha256(repr((ex.status, paused, [i.key for i in schedule.played],
                               [i.key for i in schedule.skipped], sorted(injects),
                               [e.pk for e in log])).encode()).hexdigest()[:16]
    elapsed = int(schedule.elapsed)
    return {
        "exercise": ex, "schedule": schedule, "played": rows(schedule.played), "upcoming": rows(schedule.upcoming),
        "skipped": rows(schedule.skipped), "paused": paused, "running": clock.is_running(state),
        "elapsed_label": f"{elapsed // 3600:d}:{(elapsed % 3600) // 60:02d}:{elapsed % 60:02d}",
        "elapsed_seconds": f"{schedule.elapsed:.1f}",
        "next_offset": None if schedule.next is None else f"{schedule.next.offset:.1f}",
        "next_in": None if schedule.seconds_to_next is None else int(schedule.seconds_to_next),
        "next_in_label": None if schedule.seconds_to_next is None else mm_ss(int(schedule.seconds_to_next)),
        "log": log, "facilitator": ex.mode == ExerciseMode.FACILITATOR, "all_injects": list(injects.values()),
        "sig": sig,
    }


@login_required
def exercise_run(request: HttpRequest, uuid: str) -> HttpResponse:
    ex = selectors.exercise_changeable(request.user, uuid)
    return render(request, "actions/exercise_run.html", {
        **_run_context(request, ex), "log_form": LogForm(prefix="log"), "adhoc_form": AdHocInjectForm(prefix="adhoc"),
        "section": "exercises"})


@login_required
def exercise_clock(request: HttpRequest, uuid: str) -> HttpResponse:
    """The htmx fragment: the state is recomputed from the server-side clock on every poll."""
    ex = selectors.exercise_changeable(request.user, uuid)
    ctx = _run_context(request, ex)
    if request.GET.get("v") == ctx["sig"]:
        return HttpResponse(status=204)  # nothing new: htmx keeps the live region as it is (no announcement)
    return render(request, "actions/_clock.html", ctx)


@login_required
@require_POST
def exercise_action(request: HttpRequest, uuid: str, op: str) -> HttpResponse:
    ex = selectors.exercise_changeable(request.user, uuid)
    try:
        if op == "start":
            services.exercise_start(by=request.user, exercise=ex)
        elif op == "pauze":
            services.exercise_pause(by=request.user, exercise=ex)
        elif op == "hervat":
            services.exercise_resume(by=request.user, exercise=ex)
        elif op == "overslaan":
            inject_uuid = uuid_param(request, "inject", source="POST")
            if inject_uuid is not None:
                inject = get_object_or_404(Inject, exercise=ex, uuid=inject_uuid)
            else:  # the next upcoming inject
                nxt = services.exercise_schedule(ex).next
                inject = get_object_or_404(Inject, exercise=ex, uuid=nxt.key) if nxt else None
            if inject is not None:
                services.exercise_skip(by=request.user, exercise=ex, inject=inject)
        elif op == "beeindig":
            services.exercise_finish(by=request.user, exercise=ex)
            return redirect("actions:exercise_evaluation", uuid=ex.uuid)
        elif op == "adhoc":
            form = AdHocInjectForm(request.POST, prefix="adhoc")
            if form.is_valid():
                d = form.cleaned_data
                services.exercise_add_inject(by=request.user, exercise=ex, delay_minutes=float(d["delay_minutes"]),
                                             data={"channel": d["channel"], "message": d["message"],
                                                   "is_media": d["is_media"]})
                messages.success(request, _("Inject toegevoegd."))
        elif op == "log":
            form = LogForm(request.POST, prefix="log")
            if form.is_valid():
                services.log_add(by=request.user, exercise=ex, kind=form.cleaned_data["kind"],
                                 text=form.cleaned_data["text"], role=form.cleaned_data["role"])
                messages.success(request, _("Vastgelegd in het logboek."))
            else:
                messages.error(request, _("Niets vastgelegd: vul een tekst in."))
        else:
            raise Http404
    except services.ExerciseStateError:
        messages.error(request, _("Dat kan niet in deze fase van de oefening."))
    return redirect(reverse("actions:exercise_run", args=[ex.uuid]) + "#main")


@login_required
def exercise_evaluation(request: HttpRequest, uuid: str) -> HttpResponse:
    ex = selectors.exercise_changeable(request.user, uuid)
    if ex.status not in (ExerciseStatus.AFGEROND, ExerciseStatus.GEEVALUEERD):
        return redirect("actions:exercise_run", uuid=ex.uuid)
    current = ex.scenario.current_assessment() if ex.scenario is not None else None
    eval_form = EvaluationForm(request.POST if request.POST.get("what") == "evaluation" else None, prefix="ev",
                               initial={"evaluation": ex.evaluation})
    reassess_form = ReassessForm(request.POST if request.POST.get("what") == "reassess" else None, prefix="ra",
                                 initial={"likelihood": current.likelihood if current else "C"})
    if request.method == "POST":
        what = request.POST.get("what")
        if what == "evaluation" and eval_form.is_valid():
            services.exercise_evaluate(by=request.user, exercise=ex, evaluation=eval_form.cleaned_data["evaluation"])
            messages.success(request, _("Evaluatie opgeslagen."))
            return redirect("actions:exercise_evaluation", uuid=ex.uuid)
        if what == "reassess" and reassess_form.is_valid():
            try:
                new = services.exercise_reassess(by=request.user, exercise=ex,
                                                 likelihood=reassess_form.cleaned_data["likelihood"],
                                                 rationale=reassess_form.cleaned_data["rationale"])
            except services.ExerciseStateError:
                messages.error(request, _("Dit scenario heeft nog geen beoordeling: beoordeel eerst de impact in het dreigingsbeeld."))
                return redirect("actions:exercise_evaluation", uuid=ex.uuid)
            messages.success(request, _("Nieuwe beoordeling vastgelegd (%(d)s); de vorige blijft in de geschiedenis.")
                             % {"d": new.assessed_on})
            return redirect("actions:exercise_evaluation", uuid=ex.uuid)
    previous = current
    history = list(ex.scenario.assessments.all()) if ex.scenario is not None else []
    return render(request, "actions/exercise_evaluation.html", {
        "exercise": ex, "log": ex.log.select_related("measure").filter(kind__in=[LogKind.OBSERVATIE, LogKind.BESLUIT]),
        "eval_form": eval_form, "reassess_form": reassess_form, "history": history, "current": previous,
        "measure_form": ObservationMeasureForm(prefix="m"), "section": "exercises"})


@login_required
@require_POST
def observation_measure(request: HttpRequest, uuid: str, entry: str) -> HttpResponse:
    ex = selectors.exercise_changeable(request.user, uuid)
    log_entry = get_object_or_404(LogEntry, exercise=ex, uuid=entry)
    form = ObservationMeasureForm(request.POST, prefix="m")
    data: dict[str, Any] = {}
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v}
    try:
        measure = services.observation_to_measure(by=request.user, exercise=ex, entry=log_entry, data=data)
    except services.ExerciseStateError:
        messages.error(request, _("Dat kan niet in deze fase van de oefening."))
        return redirect("actions:exercise_evaluation", uuid=ex.uuid)
    except policy.CeilingError as exc:
        messages.error(request, exc.message)
        return redirect("actions:exercise_evaluation", uuid=ex.uuid)
    messages.success(request, _("Maatregel gemaakt: %(t)s") % {"t": measure.title})
    return redirect("actions:exercise_evaluation", uuid=ex.uuid)


def _share_links(request: HttpRequest, ex: Any) -> dict[str, str]:
    out = {}
    for kind in ("draaiboek", "debrief"):
        token = signing.dumps({"e": str(ex.uuid), "k": kind}, salt=SHARE_SALT)
        out[kind] = request.build_absolute_uri(reverse("actions:exercise_shared_pdf", args=[token]))
    return out


def _pdf_response(ex: Any, kind: str) -> HttpResponse:
    body = pdf.exercise_pdf(ex, kind)
    resp = HttpResponse(body, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{kind}-{str(ex.uuid)[:8]}.pdf"'
    return resp


@login_required
def exercise_pdf(request: HttpRequest, uuid: str, kind: str) -> HttpResponse:
    ex = selectors.exercise_get(request.user, uuid)
    if kind not in ("draaiboek", "debrief"):
        raise Http404
    return _pdf_response(ex, kind)


def exercise_shared_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """For players without an account: a signed link (30 days) that a member of the owner handed out."""
    try:
        data = signing.loads(token, salt=SHARE_SALT, max_age=SHARE_MAX_AGE)
    except signing.BadSignature as exc:
        raise Http404 from exc
    ex = get_object_or_404(Exercise, uuid=data.get("e"))
    if data.get("k") not in ("draaiboek", "debrief"):
        raise Http404
    return _pdf_response(ex, data["k"])


# --------------------------------------------------------------------------------- prevention


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    return render(request, "actions/campaign_list.html", {
        "campaigns": selectors.campaigns_visible_to(request.user), "may_create": _may_write(request),
        "signals": selectors.group_signals(org) if org is not None else [], "organisation": org,
        "section": "campaigns"})


@login_required
def campaign_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    c = selectors.campaign_get(request.user, uuid)
    return render(request, "actions/campaign_detail.html", {
        "campaign": c, "may_change": policy.can_change(request.user, c), "section": "campaigns",
        "observations": list(c.indicator.observations.filter(area_id=c.owner.area_id).order_by("-period")[:12])
        if c.indicator_id and c.owner.area_id else []})


@login_required
def campaign_edit(request: HttpRequest, uuid: str | None = None) -> HttpResponse:
    if uuid is None:
        org = _require_writer(request)
        campaign = None
    else:
        campaign = policy.get_changeable_or_404(request.user, Campaign.objects.all(), uuid=uuid)
        org = campaign.owner
    form = CampaignForm(request.POST or None, instance=campaign, owner=org, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = _cleaned(form, services.CAMPAIGN_FIELDS + services.CAMPAIGN_M2M)
        saved = services.campaign_save(by=request.user, owner=org, data=data, campaign=campaign)
        messages.success(request, _("Campagne opgeslagen."))
        return redirect("actions:campaign_detail", uuid=saved.uuid)
    return render(request, "actions/edit.html", {
        "form": form, "title": _("Campagne bewerken") if campaign else _("Nieuwe preventiecampagne"),
        "section": "campaigns", "cancel": reverse("actions:campaigns")})


def mm_ss(seconds: int) -> str:
    """A countdown as minutes:seconds ("4:56"), never a bare number of seconds."""
    seconds = max(0, seconds)
    return f"{seconds // 60:d}:{seconds % 60:02d}"
