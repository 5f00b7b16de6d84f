"""The start page of a new organisation (``/<lang>/start/``): thin views over ``start.py`` (reads) and the
audited services (writes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cyberbeeld.accounts import policy
from cyberbeeld.accounts import services as account_services
from cyberbeeld.accounts.models import Role
from cyberbeeld.common.errors import NotAllowed
from cyberbeeld.indicators.models import Indicator
from cyberbeeld.indicators.services import public_theme_draft_save
from cyberbeeld.risks.services import ensure_templates

from . import services, start
from .forms import GemeenteForm, NarrativeForm
from .tasks import build_report


def _org(request: HttpRequest) -> Any:
    org = getattr(request, "organisation", None)
    return getattr(org, "_wrapped", org) if org else None


def _lang() -> str:
    return "en" if (get_language() or "nl").startswith("en") else "nl"


def _editor_org(request: HttpRequest) -> Any:
    org = _org(request)
    if org is None or not policy.can_create_in(request.user, org):
        raise NotAllowed()
    return org


@login_required
def index(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    if org is None:
        return redirect("web:dashboard")
    lang = _lang()
    actor = policy.actor_for(request.user)
    may_edit = policy.can_create_in(request.user, org)
    may_coordinate = actor.has_role(org.pk, Role.COORDINATOR)
    area = org.area
    context: dict[str, Any] = {"org": org, "area": area, "may_edit": may_edit, "may_coordinate": may_coordinate,
                               "steps": start.checklist(request.user, org)}
    context["done"] = sum(1 for s in context["steps"] if s.done)
    if area is None:
        guess = start.guess_gemeente(org)
        context["gemeente_form"] = GemeenteForm(initial={"gemeente": guess.code} if guess else None)
        return render(request, "reports/start.html", context)

    ensure_templates()  # the library, as its own page does: the roads suggest a first scenario from it
    figures = start.headline_figures(area, lang)
    theme = start.draft_theme(org)
    if theme is not None and theme.narrative_nl:
        initial = {"narrative_nl": theme.narrative_nl, "narrative_en": theme.narrative_en}
    else:  # each language's draft from the figures' sentences in that language
        initial = {}
        for code in ("nl", "en"):
            with translation.override(code):
                drafted = figures if code == lang else start.headline_figures(area, code)
                initial[f"narrative_{code}"] = start.drafted_narrative(area, drafted, code)
    context.update(facts=start.facts(area, lang), figures=figures, roads=start.roads(request.user, org, lang),
                   partners=start.partners(org), theme=theme, narrative_form=NarrativeForm(initial=initial),
                   published=bool(theme and policy.may_publish(theme)))
    return render(request, "reports/start.html", context)


@login_required
@require_POST
def choose_gemeente(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    if org is None or not policy.actor_for(request.user).has_role(org.pk, Role.COORDINATOR):
        raise NotAllowed()
    if org.area_id is not None:
        return redirect("start:index")
    form = GemeenteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Kies een gemeente uit de lijst."))
        return redirect("start:index")
    account_services.organisation_set_area(by=request.user, organisation=org, area=form.cleaned_data["gemeente"])
    messages.success(request, _("Gemeente %(g)s gekozen. Hieronder staat wat Cyberbeeld er al over weet.")
                     % {"g": form.cleaned_data["gemeente"].name})
    return redirect("start:index")


@login_required
@require_POST
def draft(request: HttpRequest) -> HttpResponse:
    org = _editor_org(request)
    if org.area_id is None:
        return redirect("start:index")
    new = services.draft_first_picture(by=request.user, owner=org)
    if new:
        messages.success(request, ngettext("%(n)s nieuw voorstel opgesteld.", "%(n)s nieuwe voorstellen opgesteld.",
                                           len(new)) % {"n": len(new)})
    else:
        messages.success(request, _("De cijfers en incidenten wijzen nu niet op een nieuw scenario. Begin met een "
                                    "scenario uit de bibliotheek per weg."))
    return redirect(reverse("start:index") + "#scenarios")


@login_required
@require_POST
def narrative(request: HttpRequest) -> HttpResponse:
    org = _editor_org(request)
    if org.area_id is None:
        return redirect("start:index")
    form = NarrativeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("De toelichting in het Nederlands is nodig."))
        return redirect("start:index")
    figures = start.headline_figures(org.area, _lang())

    codes = [f.code for f in figures if f.code]
    theme = public_theme_draft_save(by=request.user, owner=org, gemeente=org.area,
                                    narrative_nl=form.cleaned_data["narrative_nl"],
                                    narrative_en=form.cleaned_data["narrative_en"],
                                    indicators=list(Indicator.objects.filter(code__in=codes[:3])))
    messages.success(request, _("Toelichting bewaard. Bekijk hoe de pagina voor inwoners eruitziet."))
    return redirect("indicators:public_preview", uuid=theme.uuid)


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    theme = start.draft_theme(org) if org is not None else None
    if theme is None:
        raise Http404
    if not policy.can_share(request.user, theme):
        raise NotAllowed()
    account_services.share_set(by=request.user, obj=theme, tlp="clear")
    messages.success(request, _("De pagina voor inwoners is openbaar."))
    return redirect("start:index")


@login_required
@require_POST
def report(request: HttpRequest) -> HttpResponse:
    org = _editor_org(request)
    if org.area_id is None:
        return redirect("start:index")
    lang = request.POST.get("lang") if request.POST.get("lang") in ("nl", "en") else _lang()
    rep = services.report_request(by=request.user, owner=org, area=org.area, lang=lang, fmt="pdf")
    build_report.enqueue(rep.pk)
    return redirect("reports:detail", uuid=rep.uuid)
