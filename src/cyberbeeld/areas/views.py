from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cyberbeeld.accounts import policy

from . import services
from .forms import MappingForm
from .models import Area, AreaImport, AreaKind


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    areas = Area.objects.gemeenten().current().select_related("provincie", "veiligheidsregio", "politie_eenheid", "peer_group")
    if q:
        areas = areas.filter(Q(name__icontains=q) | Q(code__iexact=q))
    return render(request, "areas/list.html", {"areas": areas, "q": q, "may_maintain": policy.may_maintain_reference_data(request.user)})


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(
        Area.objects.select_related("provincie", "veiligheidsregio", "politie_eenheid", "politie_district",
                                    "basisteam", "peer_group", "successor"),
        code=code.upper(),
    )
    return render(request, "areas/detail.html", {
        "area": area, "predecessors": area.predecessors.all(), "may_maintain": policy.may_maintain_reference_data(request.user),
    })


@login_required
def missing_mappings(request: HttpRequest) -> HttpResponse:
    if not policy.may_maintain_reference_data(request.user):
        raise Http404
    current = Area.objects.gemeenten().current()
    ctx = {
        "no_pe": current.filter(politie_eenheid__isnull=True).order_by("name"),
        "no_vr": current.filter(veiligheidsregio__isnull=True).order_by("name"),
        "no_successor": Area.objects.gemeenten().filter(superseded=True, successor__isnull=True).order_by("name"),
        "imports": AreaImport.objects.all()[:10],
    }
    return render(request, "areas/missing.html", ctx)


@login_required
def edit_mapping(request: HttpRequest, code: str) -> HttpResponse:
    if not policy.may_maintain_reference_data(request.user):
        raise Http404
    area = get_object_or_404(Area, code=code.upper(), kind=AreaKind.GEMEENTE)
    form = MappingForm(request.POST or None, instance=Area.objects.get(pk=area.pk))
    if request.method == "POST" and form.is_valid():
        services.area_mapping_update(by=request.user, area=area, **{f: form.cleaned_data[f] for f in services.MAPPING_FIELDS})
        messages.success(request, _("Koppelingen van %(name)s opgeslagen.") % {"name": area.name})
        return redirect("areas:detail", code=area.code)
    return render(request, "areas/edit_mapping.html", {"area": area, "form": form})
