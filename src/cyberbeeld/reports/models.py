"""Versioned threat-picture reports: the input snapshot, its hash, the rendered file and its hash."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.models import Shareable
from cyberbeeld.common.jobs import JobFields


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    HTML = "html", "HTML"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("in de wachtrij")
    RUNNING = "running", _("bezig")
    DONE = "done", _("klaar")
    FAILED = "failed", _("mislukt")
    CANCELLED = "cancelled", _("geannuleerd")


class Report(JobFields, Shareable):
    """One generated threat-picture document.

    ``snapshot`` holds every input the document is built from (JSON, canonical); the document is
    a pure function of it, so the same snapshot gives the same bytes (``content_sha256``).
    ``version`` counts the reports of one organisation, area and language. The TLP label of the
    report is the most restrictive label of its parts.
    """

    area = models.ForeignKey("areas.Area", verbose_name=_("gebied"), on_delete=models.PROTECT, related_name="+")
    lang = models.CharField(max_length=5, default="nl")
    format = models.CharField(max_length=10, choices=ReportFormat.choices, default=ReportFormat.PDF)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    content = models.BinaryField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    shared_text_fields = ()  # generated from the figures and shared texts; no free text of its own

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rapport")
        verbose_name_plural = _("rapporten")

    def __str__(self) -> str:
        return f"{self.area.name} v{self.version} ({self.lang}, {self.format})"

    @property
    def filename(self) -> str:
        return f"dreigingsbeeld-{self.area.slug}-v{self.version}-{self.lang}.{self.format}"
