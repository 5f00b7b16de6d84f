from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cyberbeeld.accounts import audit, policy
from cyberbeeld.accounts import services as account_services
from cyberbeeld.accounts.models import AuditEvent, Role
from cyberbeeld.common.charts import render_svg
from cyberbeeld.common.models import ImportJob
from cyberbeeld.common.pagination import CappedPaginator
from cyberbeeld.common.params import int_param, pk_param

from . import bulk, earlywarning, questions, retention, selectors, services
from .forms import DetailFieldsForm, ImportForm, IncidentForm, RetentionRuleForm, TaxonomyImportForm
from .models import Category, Form, Incident, RetentionRule, Status, TaxonomyVersion

FILTERS = ("q", "form", "category", "status", "area", "sort")
LIST_COUNT_CAP = 1_000  # the list counts at most this many rows (a bounded count at any register size)


def _org(request: HttpRequest) -> Any:
    return getattr(request, "organisation", None)


def _has_role(request: HttpRequest, role: str) -> bool:
    org = _org(request)
    return org is not None and policy.actor_for(request.user).has_role(org.pk, role)


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip() for k in FILTERS}
    qs = selectors.incident_list_visible_to(request.user, **params)
    page = CappedPaginator(qs, 25, cap=LIST_COUNT_CAP).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in params.items() if v})
    return render(request, "incidents/list.html", {
        "page": page, "params": params, "forms": services.current_forms(), "query": query,
        "categories": Category.objects.filter(taxonomy__in=services.current_forms().values("taxonomy")).distinct(),
        "statuses": Status.choices,
        "may_create": _has_role(request, Role.BEWERKER),
    })


def _history_line(event: AuditEvent) -> dict[str, Any]:
    """One readable line of an incident's history: who did what, and which fields (by their label) changed."""
    verbs = {"create": _("registreerde het incident"), "update": _("wijzigde"), "delete": _("verwijderde het incident"),
             "relabel": _("gaf een ander TLP-label"), "share": _("deelde het incident")}
    labels = []
    if event.action != "create" and isinstance(event.changes, dict):
        for name in event.changes:
            try:
                labels.append(str(Incident._meta.get_field(name).verbose_name))
            except Exception:  # a key that is not a model field (e.g. 'details'): its own wording
                labels.append(_("antwoorden op de vragen") if name == "details" else name.replace("_", " "))
    return {"at": event.at, "who": event.username or _("systeem"), "verb": verbs.get(event.action, event.action),
            "fields": labels}


@login_required
def incident_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    incident = selectors.incident_get(request.user, uuid)
    own = selectors.raw_text_visible(request.user, incident)
    events = AuditEvent.objects.filter(object_type="incidents.incident", object_id=str(incident.uuid)) if own else []
    return render(request, "incidents/detail.html", {
        "incident": incident, "show_raw": own, "history": [_history_line(e) for e in events],
        "may_change": policy.can_change(request.user, incident),
        "details": questions.display(incident.form.code if incident.form else None, incident.details),
        "retention": retention.planned_for(incident) if own else None,
    })


@login_required
def incident_edit(request: HttpRequest, uuid: str | None = None) -> HttpResponse:
    org = _org(request)
    if uuid is None:
        if not _has_role(request, Role.BEWERKER):
            raise Http404
        incident = None
    else:
        incident = policy.get_changeable_or_404(request.user, Incident.objects.all(), uuid=uuid)
        org = incident.owner
    # a new incident is most often in the organisation's own gemeente: that is the default
    own_gemeente = {"area": org.area_id} if incident is None and org is not None and org.area_id else None
    form = IncidentForm(request.POST or None, instance=incident, viewer=request.user, initial=own_gemeente)
    code = form.chosen_form_code()
    details_form = DetailFieldsForm(request.POST or None, form_code=code,
                                    initial=questions.initial(incident.details) if incident else None)
    if request.method == "POST" and form.is_valid() and details_form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.INCIDENT_FIELDS if k in form.cleaned_data}
        data["details"] = details_form.details()
        saved = services.incident_save(by=request.user, owner=org, data=data, incident=incident)
        messages.success(request, _("Incident opgeslagen."))
        return redirect("incidents:detail", uuid=saved.uuid)
    return render(request, "incidents/edit.html", {"form": form, "details_form": details_form, "incident": incident})


@login_required
def detail_fields(request: HttpRequest) -> HttpResponse:
    """htmx: the questions of the form chosen in the incident form."""
    code = Form.objects.filter(pk=pk_param(request, "form") or 0).values_list("code", flat=True).first()
    return render(request, "incidents/_detail_fields.html", {"details_form": DetailFieldsForm(form_code=code)})


# --------------------------------------------------------------------------- export and import


@login_required
def incident_export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx", "ods"):
        raise Http404
    params = {k: request.GET.get(k, "").strip() for k in FILTERS}
    qs = selectors.incident_list_visible_to(request.user, **params)
    ds = bulk.export_dataset(request.user, qs)
    content, ctype = bulk.render_export(ds, fmt)
    audit.record(user=request.user, action="export", organisation=_org(request), object_type="incidents.incident",
                 object_repr=f"{len(ds)} incidents", changes={"format": fmt, "rows": len(ds), "filters": params})
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="incidenten-{timezone.localdate():%Y%m%d}.{fmt}"'
    return response


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    if not _has_role(request, Role.BEWERKER):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        job = services.import_job_create(by=request.user, owner=_org(request), filename=f.name, data=f.read())
        return redirect("incidents:import_job", uuid=job.uuid)
    jobs = ImportJob.objects.filter(kind=ImportJob.Kind.INCIDENTS, owner=_org(request)).defer("data")[:10]
    return render(request, "incidents/import.html", {"form": form, "jobs": jobs, "columns": bulk.COLUMNS,
                                                     "form_codes": services.current_forms()})


def _import_job_or_404(request: HttpRequest, uuid: str) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.filter(kind=ImportJob.Kind.INCIDENTS).defer("data"), uuid=uuid)
    if job.owner_id not in policy.actor_for(request.user).org_ids:
        raise Http404
    return job


@login_required
def import_job(request: HttpRequest, uuid: str) -> HttpResponse:
    job = _import_job_or_404(request, uuid)
    template = "incidents/_import_status.html" if getattr(request, "htmx", False) else "incidents/import_job.html"
    return render(request, template, {"job": job, "may_manage": policy.actor_for(request.user).has_role(
        job.owner_id, Role.BEWERKER)})


def _manageable_job(request: HttpRequest, uuid: str) -> ImportJob:
    """The job of the user's organisation (else 404), for a bewerker of it (else 404)."""
    job = _import_job_or_404(request, uuid)
    if not policy.actor_for(request.user).has_role(job.owner_id, Role.BEWERKER):
        raise Http404
    return job


@login_required
@require_POST
def import_job_cancel(request: HttpRequest, uuid: str) -> HttpResponse:
    job = _manageable_job(request, uuid)
    if account_services.job_cancel(job, by=request.user):
        messages.success(request, _("Import geannuleerd: er is niets ingelezen."))
    else:
        messages.info(request, _("Deze import was al klaar of gestopt."))
    return redirect("incidents:import_job", uuid=job.uuid)


@login_required
@require_POST
def import_job_retry(request: HttpRequest, uuid: str) -> HttpResponse:
    """Run a failed or cancelled import again. Its uploaded file was deleted when it ended (it may hold
    personal data): then the owner chooses the file again."""
    job = _manageable_job(request, uuid)
    if account_services.job_retry(job, by=request.user):
        return redirect("incidents:import_job", uuid=job.uuid)
    messages.info(request, _("Het bestand van deze import is na afloop verwijderd: kies het bestand opnieuw."))
    return redirect("incidents:import")


# --------------------------------------------------------------------------- retention


@login_required
def retention_overview(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    if org is None:
        raise Http404
    may_edit = _has_role(request, Role.COORDINATOR)
    form = RetentionRuleForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            retention.rule_save(by=request.user, owner=org, data=form.cleaned_data)
            messages.success(request, _("Bewaarregel opgeslagen."))
            return redirect("incidents:retention")
    planned = retention.plan(owner=org)
    return render(request, "incidents/retention.html", {
        "rules": RetentionRule.objects.filter(owner=org), "planned": planned, "form": form, "may_edit": may_edit,
        "horizon": retention.HORIZON_DAYS, "today": timezone.localdate(),
    })


@login_required
@require_POST
def retention_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RetentionRule, pk=pk)
    if not policy.actor_for(request.user).has_role(rule.owner_id, Role.COORDINATOR):
        raise Http404
    retention.rule_delete(by=request.user, rule=rule)
    messages.success(request, _("Bewaarregel verwijderd."))
    return redirect("incidents:retention")


# --------------------------------------------------------------------------- taxonomy


@login_required
def taxonomy_overview(request: HttpRequest) -> HttpResponse:
    version = services.current_taxonomy_version()
    may_import = policy.may_maintain_reference_data(request.user, _org(request))
    form = TaxonomyImportForm(request.POST or None, request.FILES or None) if may_import else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                v, created = services.taxonomy_import(by=request.user, organisation=_org(request),
                                                      text=form.cleaned_data["file"].read(),
                                                      lang=form.cleaned_data["lang"])
            except ValueError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, _("Versie %(v)s ingelezen.") % {"v": v.version} if created
                                 else _("Deze versie bestond al: niets gewijzigd."))
                return redirect("incidents:taxonomy")
    categories = []
    if version is not None:
        for c in version.categories.all():
            categories.append((c, list(version.forms.filter(category=c))))
    return render(request, "incidents/taxonomy.html", {
        "version": version, "categories": categories, "form": form, "may_import": may_import,
        "versions": TaxonomyVersion.objects.select_related("maintained_by").defer("data"),
    })


@login_required
def taxonomy_export(request: HttpRequest) -> HttpResponse:
    lang = request.GET.get("lang", "en")
    if lang not in ("en", "nl"):
        raise Http404
    version = None
    number = int_param(request, "version", minimum=1, maximum=2**31 - 1)  # a PositiveIntegerField
    if number is not None:
        version = get_object_or_404(TaxonomyVersion, version=number)
    try:
        text = services.taxonomy_export(version, lang)
    except ValueError as exc:
        raise Http404 from exc
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="machinetag.json"'
    return response


# --------------------------------------------------------------------------- early warning


@login_required
def early_warning(request: HttpRequest) -> HttpResponse:
    lang = get_language() or "nl"
    alerts = earlywarning.alerts_for(request.user, _org(request))
    shown = [(a, render_svg(earlywarning.chart_spec(a), lang)) for a in alerts[:20]]
    return render(request, "incidents/early_warning.html", {
        "alerts": shown, "n_alerts": len(alerts), "areas": earlywarning.organisation_areas(_org(request)),
        "last": earlywarning.LAST, "min_incidents": earlywarning.MIN_INCIDENTS,
    })
