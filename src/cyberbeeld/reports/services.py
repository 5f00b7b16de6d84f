"""Generating reports: snapshot → document → a versioned Report row (one transaction, audited)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cyberbeeld.accounts import audit, pagecache
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.areas.models import Area
from cyberbeeld.common.jobs import JobStopped
from cyberbeeld.risks import drafting
from cyberbeeld.risks.services import ensure_templates

from . import render, snapshot
from .models import Report, ReportFormat, ReportStatus
from .start import DRAFT_ACTION

Progress = Callable[[int, str], None]


def build_document(area: Area, *, lang: str = "nl", fmt: str = "pdf", user: Any = None,
                   organisation: Organisation | None = None,
                   progress: Progress | None = None) -> tuple[dict[str, Any], bytes]:
    """The snapshot and the rendered document (no database writes)."""
    if fmt not in ReportFormat.values:
        raise ValueError(f"unknown format {fmt!r}")
    progress = progress or (lambda p, m: None)
    snap = snapshot.build(area, lang=lang, user=user, organisation=organisation, progress=progress)
    content = render.render(snap, fmt, progress=progress)
    return snap, content


def owner_for(area: Area) -> Organisation | None:
    return Organisation.objects.filter(area=area).order_by("name").first()


@transaction.atomic
def report_request(*, by: Any, owner: Organisation, area: Area, lang: str, fmt: str) -> Report:
    report = Report.objects.create(owner=owner, created_by=by if getattr(by, "is_authenticated", False) else None,
                                   area=area, lang=lang, format=fmt, status=ReportStatus.QUEUED,
                                   progress_message="in de wachtrij")
    audit.record(user=by, action="report-request", obj=report, changes={"area": area.code, "lang": lang, "format": fmt})
    return report


def _progress(report: Report, outer: Progress | None, run: Any = None) -> Progress:
    def step(pct: int, message: str) -> None:
        if run is not None:  # a background job: stop when cancelled or past its time limit
            run.check()
            run.mine().update(progress=pct, progress_message=message[:300])
        else:
            Report.objects.filter(pk=report.pk).update(progress=pct, progress_message=message[:300],
                                                       status=ReportStatus.RUNNING)
        if outer is not None:
            outer(pct, message)

    return step


def report_build(report: Report, *, progress: Progress | None = None, as_user: bool = True, run: Any = None) -> Report:
    """Build the document of a requested report. With ``as_user`` the snapshot holds exactly what
    the requesting user may see; otherwise what the area's organisations own (command line).

    The snapshot is read and the document rendered before the one short write transaction that stores
    it. ``run``: the background job (``common.jobs``), which records a failure and owns the final write."""
    step = _progress(report, progress, run)
    user = report.created_by if as_user else None
    try:
        snap, content = build_document(report.area, lang=report.lang, fmt=report.format, user=user,
                                       organisation=report.owner, progress=step)
    except Exception as exc:
        if run is None:
            Report.objects.filter(pk=report.pk).update(status=ReportStatus.FAILED,
                                                       error=f"{type(exc).__name__}: {exc}"[:2000])
        else:
            if not isinstance(exc, JobStopped):
                run.mine().update(error=f"{type(exc).__name__}: {exc}"[:2000])
        report.refresh_from_db()
        raise
    step(95, "opslaan")
    return _store(report, snap, content, run)


@transaction.atomic
def _store(report: Report, snap: dict[str, Any], content: bytes, run: Any = None) -> Report:
    if run is not None:
        run.assert_owned()  # cancelled or reaped meanwhile: write nothing
        report.refresh_from_db(fields=["attempts", "started_at"])
    h = snapshot.snapshot_hash(snap)
    prev = Report.objects.filter(owner=report.owner, area=report.area, lang=report.lang,
                                 status=ReportStatus.DONE).exclude(pk=report.pk)
    same = prev.filter(snapshot_sha256=h).order_by("version").first()
    version = same.version if same else (prev.aggregate(v=Max("version"))["v"] or 0) + 1
    report.snapshot = snap
    report.snapshot_sha256 = h
    report.content = content
    report.content_sha256 = hashlib.sha256(content).hexdigest()
    report.version = version
    report.tlp = snap["tlp"]
    report.is_example = bool(snap.get("is_example"))
    report.status = ReportStatus.DONE
    report.progress = 100
    report.progress_message = "klaar"
    report.finished_at = timezone.now()
    report.heartbeat_at = None
    report.save()
    audit.record(user=report.created_by, action="report-generate", obj=report,
                 changes={"version": version, "snapshot_sha256": h, "content_sha256": report.content_sha256,
                          "tlp": report.tlp})
    return report


@transaction.atomic
def draft_first_picture(*, by: Any, owner: Organisation) -> list[Any]:
    """Run the drafted picture for a new organisation (``risks.drafting.generate``) and record the run itself,
    so the start page knows it was done even when the evidence pointed to nothing yet."""
    ensure_templates()
    new = drafting.generate(by=by, owner=owner)
    audit.record(user=by, action=DRAFT_ACTION, organisation=owner, object_type="risks.proposal",
                 object_repr=owner.name, changes={"new": len(new), "keys": [p.key for p in new]})
    pagecache.bump(pagecache.DASHBOARD_KIND)  # the start card reads this audit event (audit writes raise nothing)
    return new
