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
