from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last sign of life of a background process (``cyberbeeld worker``, ``cyberbeeld scheduler``),
    written every ``HEARTBEAT_SECONDS``; ``/readyz`` reports it. No personal data."""

    process_id = models.CharField(_("proces"), max_length=200, unique=True)  # "worker:<host>:<pid>"
    role = models.CharField(_("rol"), max_length=20)  # worker | scheduler
    started_at = models.DateTimeField(_("gestart"))
    seen_at = models.DateTimeField(_("laatst gezien"), db_index=True)

    class Meta:
        verbose_name = _("hartslag")
        verbose_name_plural = _("hartslagen")

    def __str__(self) -> str:
        return self.process_id


class ScheduledRun(models.Model):
    """One run of a scheduled job (``cyberbeeld scheduler``): when, how long, and its outcome."""

    job = models.CharField(_("taak"), max_length=50, db_index=True)
    started_at = models.DateTimeField(_("gestart"), db_index=True)
    finished_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    ok = models.BooleanField(_("geslaagd"), default=False)
    summary = models.TextField(_("samenvatting"), blank=True)  # counts only, no personal data

    class Meta:
        verbose_name = _("geplande run")
        verbose_name_plural = _("geplande runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
