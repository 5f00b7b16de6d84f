"""Thin views of the casebook. Every object comes from selectors (policy); every write from services."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.incidents.models import Incident

from . import selectors, services
from .forms import AnswerForm, ApproachForm, AttachmentForm, CaseForm, QuestionForm, ShareForm, tlp_meaning
from .models import Approach, Case, Question

KIND_SLUGS = {"casus": "case", "aanpak": "approach"}
FACET_TITLES = {"form": "Vorm", "category": "Categorie", "sector": "Sector", "region": "Regio", "year": "Jaar",
                "tlp": "TLP"}


def _org(request: HttpRequest) -> Any:
    """The organisation the user acts for, or None (the middleware's lazy object may wrap None)."""
    return getattr(request, "organisation", None) or None


def _may_create(request: HttpRequest) -> bool:
    org = _org(request)
    return policy.can_create_in(request.user, org)


def _kind(slug: str) -> str:
    if slug not in KIND_SLUGS:
        raise Http404
    return KIND_SLUGS[slug]


def _get(request: HttpRequest, kind: str, uuid: Any) -> Any:
    return selectors.case_get(request.user, uuid) if kind == "case" else selectors.approach_get(request.user, uuid)


@login_required
def casebook(request: HttpRequest) -> HttpResponse:
    """List and search: cases or approaches, with facets counted over what the user may see."""
    kind = "approach" if request.GET.get("soort") == "aanpak" else "case"
    q = request.GET.get("q", "").strip()
    filters = {k: request.GET.get(k, "").strip() for k in selectors.FILTERS}
    result = selectors.search(request.user, kind=kind, q=q, filters=filters)
    page = Paginator(result.ids, 20).get_page(request.GET.get("page"))
    items = result.objects(page.object_list)
    base = {"soort": "aanpak" if kind == "approach" else "casus", "q": q, **{k: v for k, v in filters.items() if v}}
    facet_groups = []

    for key, title in FACET_TITLES.items():
        entries = []
        for f in result.facets.get(key, []):
            active = filters.get(key) == f["value"]
            params = {**base, key: "" if active else f["value"]}
            entries.append({**f, "active": active, "url": "?" + urlencode({k: v for k, v in params.items() if v})})
        facet_groups.append({"key": key, "title": _(title), "entries": entries})
    return render(request, "sharing/casebook.html", {
        "kind": kind, "slug": base["soort"], "q": q, "filters": filters, "page": page, "items": items, "total": result.total, "facet_groups": facet_groups,
        "may_create": _may_create(request),
        "recent": selectors.recent_region_cases(request.user, _org(request)),
        "partner_questions": selectors.open_partner_questions(request.user, _org(request)),
    })


@login_required
def item_detail(request: HttpRequest, slug: str, uuid: Any) -> HttpResponse:
    kind = _kind(slug)
    obj = _get(request, kind, uuid)
    org = _org(request)
    questions = selectors.questions_for(request.user, obj) if kind == "case" else []
    own = obj.owner_id in policy.actor_for(request.user).org_ids
    # a recipient is told how the share changed since their previous visit; on a first visit there is no news
    previous_visit = None if own else services.mark_seen(user=request.user, obj=obj)
    unseen = [] if own else selectors.changes_since(request.user, obj, previous_visit)
    ctx = {
        "obj": obj, "kind": kind, "slug": slug, "meaning": tlp_meaning(obj.tlp),
        "changes": selectors.changes_for(request.user, obj)[:10], "unseen_change": unseen[0] if unseen else None,
        "may_change": policy.can_change(request.user, obj), "may_share": policy.can_share(request.user, obj),
        "own": own,
        "questions": [(q, AnswerForm(prefix=f"a{q.pk}")) for q in questions],
        "question_form": QuestionForm(prefix="q"), "attachment_form": AttachmentForm(),
        "may_ask": org is not None and kind == "case",
        "adopted": kind == "approach" and org is not None and obj.adoptions.filter(organisation=org).exists(),
        "may_adopt": kind == "approach" and _may_create(request) and obj.owner_id != getattr(org, "pk", None),
    }
    return render(request, "sharing/detail.html", ctx)


@login_required
def item_edit(request: HttpRequest, slug: str, uuid: Any = None) -> HttpResponse:
    kind = _kind(slug)
    model, form_class = (Case, CaseForm) if kind == "case" else (Approach, ApproachForm)
    if uuid is None:
        if not _may_create(request):
            raise Http404
        obj, org = None, _org(request)
    else:
        obj = policy.get_changeable_or_404(request.user, model.objects.all(), uuid=uuid)
        org = obj.owner
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        fields = services.CASE_FIELDS if kind == "case" else services.APPROACH_FIELDS
        data = {k: form.cleaned_data[k] for k in fields if k in form.cleaned_data}
        save = services.case_save if kind == "case" else services.approach_save
        kwargs = {"case": obj} if kind == "case" else {"approach": obj}
        saved = save(by=request.user, owner=org, data=data, forms=form.cleaned_data["form_set"],
                     sectors=form.cleaned_data["sector_set"], **kwargs)
        messages.success(request, _("Opgeslagen."))
        return redirect("sharing:detail", slug=slug, uuid=saved.uuid)
    incidents = []
    if kind == "case" and obj is None and org is not None:
        incidents = list(policy.visible(request.user, Incident.objects.filter(owner=org)).order_by("-created_at")[:20])
    return render(request, "sharing/edit.html", {"form": form, "obj": obj, "kind": kind, "slug": slug,
                                                 "incidents": incidents})


@login_required
def item_share(request: HttpRequest, slug: str, uuid: Any) -> HttpResponse:
    kind = _kind(slug)
    obj = _get(request, kind, uuid)
    if not policy.can_share(request.user, obj):
        raise Http404
    initial = {"tlp": obj.tlp, "organisations": list(obj.audience_organisations.all()),
               "audiences": list(obj.audiences.all()), "region": obj.audience_region,
               "community": obj.audience_community, "legal_basis": obj.legal_basis, "purpose": obj.purpose}
    form = ShareForm(request.POST or None, owner=obj.owner, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.share(by=request.user, obj=obj, tlp=d["tlp"], organisations=d["organisations"],
                           audiences=d["audiences"], region=d["region"], community=d["community"],
                           legal_basis=d["legal_basis"], purpose=d["purpose"])
        except ValidationError as exc:
            form.add_error(None, exc)
        except policy.CeilingError as exc:  # wider than what it was made from (a promoted incident)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Delen aangepast."))
            return redirect("sharing:detail", slug=slug, uuid=obj.uuid)
    meanings = [(t, tlp_meaning(t)) for t in TLP]
    return render(request, "sharing/share.html", {"form": form, "obj": obj, "slug": slug, "meanings": meanings})


@login_required
@require_POST
def item_withdraw(request: HttpRequest, slug: str, uuid: Any) -> HttpResponse:
    obj = _get(request, _kind(slug), uuid)
    if not policy.can_share(request.user, obj):
        raise Http404
    services.withdraw(by=request.user, obj=obj)
    messages.success(request, _("Delen ingetrokken: alleen uw eigen organisatie ziet dit nog."))
    return redirect("sharing:detail", slug=slug, uuid=obj.uuid)


@login_required
@require_POST
def question_ask(request: HttpRequest, uuid: Any) -> HttpResponse:
    case = selectors.case_get(request.user, uuid)
    form = QuestionForm(request.POST, prefix="q")
    if form.is_valid():
        try:
            services.question_ask(by=request.user, case=case, organisation=_org(request), text=form.cleaned_data["text"])
        except PermissionError as exc:
            raise Http404 from exc
        messages.success(request, _("Vraag gesteld."))
    else:
        messages.error(request, _("Een vraag mag niet leeg zijn."))
    return redirect("sharing:detail", slug="casus", uuid=case.uuid)


@login_required
@require_POST
def answer_give(request: HttpRequest, uuid: Any) -> HttpResponse:
    question = Question.objects.filter(uuid=uuid).select_related("case").first()
    if question is None or not policy.can_view(request.user, question.case):
        raise Http404
    form = AnswerForm(request.POST, prefix=f"a{question.pk}")
    if form.is_valid():
        try:
            services.answer_give(by=request.user, question=question, organisation=_org(request),
                                 text=form.cleaned_data["text"])
        except PermissionError as exc:
            raise Http404 from exc
        messages.success(request, _("Antwoord geplaatst."))
    else:
        messages.error(request, _("Een antwoord mag niet leeg zijn."))
    return redirect("sharing:detail", slug="casus", uuid=question.case.uuid)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, slug: str, uuid: Any) -> HttpResponse:
    obj = _get(request, _kind(slug), uuid)
    if not policy.can_change(request.user, obj):
        raise Http404
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_ATTACHMENT_BYTES:
            messages.error(request, _("Het bestand is te groot (maximaal 10 MB)."))
        else:
            try:
                services.attachment_add(by=request.user, parent=obj, name=upload.name, content=upload.read())
                messages.success(request, _("Bijlage toegevoegd."))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Kies een bestand."))
    return redirect("sharing:detail", slug=slug, uuid=obj.uuid)


@login_required
def attachment_download(request: HttpRequest, uuid: Any) -> HttpResponse:
    att = selectors.attachment_get(request.user, uuid)
    response = FileResponse(att.file.open("rb"), content_type=att.content_type, as_attachment=True,
                            filename=att.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def promote(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Make a case from one of my incidents: only its redacted text is used."""
    incident = policy.get_changeable_or_404(request.user, Incident.objects.all(), uuid=uuid)
    if request.method == "POST":
        try:
            case = services.promote_incident(by=request.user, incident=incident)
        except policy.CeilingError as exc:
            messages.error(request, exc.message)
            return redirect("incidents:detail", uuid=incident.uuid)
        messages.success(request, _("Casus gemaakt van het incident (alleen de tekst zonder persoonsgegevens)."))
        return redirect("sharing:edit", slug="casus", uuid=case.uuid)
    return render(request, "sharing/promote.html", {"incident": incident})


def library(request: HttpRequest) -> HttpResponse:
    """The national library of approaches (TLP:CLEAR): open to everyone, also without logging in."""
    org = _org(request)
    like_mine = selectors.approaches_like_mine(request.user, org) if request.user.is_authenticated else []
    return render(request, "sharing/library.html", {
        "approaches": selectors.library(request.user)[:100], "like_mine": like_mine,
    })


@login_required
def library_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    return redirect("sharing:detail", slug="aanpak", uuid=uuid)


@login_required
@require_POST
def adopt(request: HttpRequest, uuid: Any) -> HttpResponse:
    approach = selectors.approach_get(request.user, uuid)
    org = _org(request)
    if org is None or not _may_create(request):
        raise Http404
    try:
        adoption = services.adopt(by=request.user, approach=approach, organisation=org)
    except policy.CeilingError as exc:  # AMBER+STRICT or RED of another owner: not passed on
        messages.error(request, exc.message)
        return redirect("sharing:detail", slug="aanpak", uuid=approach.uuid)
    if adoption.measure_ref:
        messages.success(request, _("Aanpak overgenomen als maatregel in uw plan."))
    else:
        messages.success(request, _("Overname vastgelegd; de maatregel kan later in het plan worden aangemaakt."))
    return redirect("sharing:detail", slug="aanpak", uuid=approach.uuid)
