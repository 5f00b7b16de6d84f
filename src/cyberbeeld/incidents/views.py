from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.models import AuditEvent, Role

from . import selectors, services
from .forms import IncidentForm
from .models import Category, Incident, Status


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip() for k in ("q", "form", "category", "status", "area", "sort")}
    qs = selectors.incident_list_visible_to(request.user, **params)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "incidents/list.html", {
        "page": page, "params": params, "forms": services.current_forms(),
        "categories": Category.objects.filter(taxonomy__in=services.current_forms().values("taxonomy")).distinct(),
        "statuses": Status.choices,
        "may_create": request.organisation is not None  # type: ignore[attr-defined]
        and policy.actor_for(request.user).has_role(request.organisation.pk, Role.BEWERKER),  # type: ignore[attr-defined]
    })


@login_required
def incident_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    incident = selectors.incident_get(request.user, uuid)
    own = selectors.raw_text_visible(request.user, incident)
    history = AuditEvent.objects.filter(object_type="incidents.incident", object_id=str(incident.uuid)) if own else []
    return render(request, "incidents/detail.html", {
        "incident": incident, "show_raw": own, "history": history,
        "may_change": policy.can_change(request.user, incident),
    })


@login_required
def incident_edit(request: HttpRequest, uuid: str | None = None) -> HttpResponse:
    org = request.organisation  # type: ignore[attr-defined]
    if uuid is None:
        if org is None or not policy.actor_for(request.user).has_role(org.pk, Role.BEWERKER):
            raise Http404
        incident = None
    else:
        incident = policy.get_changeable_or_404(request.user, Incident.objects.all(), uuid=uuid)
        org = incident.owner
    form = IncidentForm(request.POST or None, instance=incident)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.INCIDENT_FIELDS if k in form.cleaned_data}
        saved = services.incident_save(by=request.user, owner=org, data=data, incident=incident)
        messages.success(request, _("Incident opgeslagen."))
        return redirect("incidents:detail", uuid=saved.uuid)
    return render(request, "incidents/edit.html", {"form": form, "incident": incident})
