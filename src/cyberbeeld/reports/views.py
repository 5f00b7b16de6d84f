from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from cyberbeeld.accounts import policy
from cyberbeeld.accounts import services as account_services
from cyberbeeld.areas.models import Area

from . import render as doc
from . import services
from .forms import ReportForm
from .models import Report, ReportStatus
from .tasks import build_report


def _org(request: HttpRequest) -> Any:
    org = getattr(request, "organisation", None)
    return getattr(org, "_wrapped", org) if org else None


def _areas(org: Any) -> list[Area]:
    if org is None or org.area is None:
        return list(org.regions.all()) if org is not None else []
    out = [org.area]
    if org.area.veiligheidsregio_id:
        out.append(org.area.veiligheidsregio)
    return out


def _visible_reports(request: HttpRequest) -> Any:
    return policy.visible(request.user, Report.objects.select_related("area", "owner"))


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    may_create = policy.can_create_in(request.user, org)
    areas = _areas(org)
    lang = "en" if (get_language() or "nl").startswith("en") else "nl"
    form = ReportForm(request.POST or None, areas=areas, initial={"lang": lang})
    if request.method == "POST":
        if not may_create:
            raise Http404
        if form.is_valid():
            area = next(a for a in areas if a.code == form.cleaned_data["area"])
            report = services.report_request(by=request.user, owner=org, area=area, lang=form.cleaned_data["lang"],
                                             fmt=form.cleaned_data["format"])

            build_report.enqueue(report.pk)
            return redirect("reports:detail", uuid=report.uuid)
    reports = _visible_reports(request).defer("content", "snapshot")[:50]
    return render(request, "reports/list.html", {"form": form, "reports": reports, "may_create": may_create})


def _get(request: HttpRequest, uuid: str) -> Report:
    return policy.get_visible_or_404(request.user, Report.objects.select_related("area", "owner"), uuid=uuid)


@login_required
def report_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    report = _get(request, uuid)
    return render(request, "reports/detail.html", {"report": report, "may_export": policy.may_export(request.user, report),
                                                   "may_change": policy.can_change(request.user, report)})


@login_required
def report_status(request: HttpRequest, uuid: str) -> HttpResponse:
    """The progress fragment, polled with htmx while the background task runs."""
    report = _get(request, uuid)
    return render(request, "reports/_status.html", {"report": report,
                                                    "may_export": policy.may_export(request.user, report),
                                                    "may_change": policy.can_change(request.user, report)})


@login_required
def report_download(request: HttpRequest, uuid: str) -> HttpResponse:
    report = _get(request, uuid)
    if report.status != ReportStatus.DONE or not policy.may_export(request.user, report):
        raise Http404
    ctype = "application/pdf" if report.format == "pdf" else "text/html; charset=utf-8"
    resp = HttpResponse(bytes(report.content), content_type=ctype)
    resp["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    resp["X-Content-SHA256"] = report.content_sha256
    return resp


@login_required
def report_view(request: HttpRequest, uuid: str) -> HttpResponse:
    """The document as a page of the app (re-rendered from the stored snapshot)."""
    report = _get(request, uuid)
    if report.status != ReportStatus.DONE:
        raise Http404
    return render(request, "reports/view.html", {"report": report,
                                                 "body": doc.render_html(report.snapshot, standalone=False)})


@login_required
@require_POST
def report_cancel(request: HttpRequest, uuid: str) -> HttpResponse:
    """Stop a queued or running report (its owner's editors); another organisation's report is a 404."""
    report = _get(request, uuid)
    if not policy.can_change(request.user, report):
        raise Http404
    account_services.job_cancel(report, by=request.user)
    return redirect("reports:detail", uuid=report.uuid)


@login_required
@require_POST
def report_retry(request: HttpRequest, uuid: str) -> HttpResponse:
    report = _get(request, uuid)
    if not policy.can_change(request.user, report) or report.status not in (ReportStatus.FAILED,
                                                                            ReportStatus.CANCELLED):
        raise Http404
    new = services.report_request(by=request.user, owner=report.owner, area=report.area, lang=report.lang,
                                  fmt=report.format)

    build_report.enqueue(new.pk)
    return redirect("reports:detail", uuid=new.uuid)
