"""Models every app shares. Foreign keys name their target as a string: the bottom floor imports no app."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .jobs import JobFields, JobKind


class ImportJob(JobFields):
    """An uploaded file imported by a background task (``common.jobs``: claimed, heartbeat, cancel, retry,
    reaped), one model for every kind of import (incidents, indicator figures, ...).

    Progress is ``done`` of ``total`` rows; a running job may name its ``phase`` (e.g. checking, then saving);
    the outcome is ``result`` (counts, by kind) and, for a refused file, ``problems``: one row per error,
    ``{"row", "column", "nl", "en"}``. The uploaded file (``data``) is deleted when the job ends."""

    class Kind(models.TextChoices):
        INCIDENTS = "incidents", _("incidenten")
        INDICATORS = "indicators", _("cijfers")

    class State(models.TextChoices):
        QUEUED = "queued", _("in de wachtrij")
        RUNNING = "running", _("bezig")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt: niets gewijzigd")
        CANCELLED = "cancelled", _("geannuleerd: niets gewijzigd")

    class Phase(models.TextChoices):
        CHECKING = "checking", _("bezig met controleren")
        SAVING = "saving", _("bezig met opslaan")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    filename = models.CharField(max_length=255)
    data = models.BinaryField(editable=False)
    options = models.JSONField(default=dict, blank=True, help_text=_("Instellingen van de import, bijv. het gebied"))
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "owner", "-created_at"], name="common_importjob_list")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, int(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED, self.State.CANCELLED)

    @property
    def state_label(self) -> Any:
        """The state as shown: a running job says what it is doing when it knows."""
        if self.state == self.State.RUNNING and self.phase:
            return self.get_phase_display()
        return self.get_state_display()


#: the progress fields cleared when a job is queued (again)
RESET: dict[str, Any] = {"done": 0, "total": None, "phase": "", "result": {}, "problems": []}


def import_job_kind(kind: str, *, task: str, on_end: str | None = None) -> Any:
    """The ``common.jobs`` life cycle of one kind of import (an app registers it in ``AppConfig.ready``)."""
    S = ImportJob.State
    return JobKind(key=f"{kind}.import", model="common.ImportJob", task=task, queued=S.QUEUED,
                   running=(S.RUNNING,), done=S.DONE, failed=S.FAILED, cancelled=S.CANCELLED, payload_field="data",
                   on_end=on_end, reset=dict(RESET), where={"kind": kind})
