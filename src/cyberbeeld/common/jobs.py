"""Background jobs that end: every job (incident import, indicator import, report) is claimed by one run,
has a heartbeat while it runs, a time limit, a bounded number of attempts, a visible failed state with the
reason in Dutch and English, can be cancelled or retried by its owner, and is reaped when its worker died.

Each app registers its job model with :func:`register` in its ``AppConfig.ready()`` (the shell knows no
app). The job row is the truth: a django-tasks task only carries the job's primary key, and a task whose
job is no longer queued does nothing (cancelled, reaped, or already claimed by another run).

* claim: ``queued → running`` with ``attempts + 1`` in one conditional UPDATE; the run owns the job while
  ``(state is running, attempts == its attempt)``, so a reaped or cancelled run can never write a result.
* heartbeat: a thread of the worker updates ``heartbeat_at`` every ``JOB_HEARTBEAT_INTERVAL`` seconds; it
  notices a cancel (or a reap) and the time limit, and the job stops at its next progress step.
* reaper (:func:`reap`, run by every worker on start and periodically): a running job whose heartbeat is
  older than ``JOB_STALE_AFTER`` lost its worker (kill -9, a crash): it is queued again while attempts are
  left, else failed; a job running past ``JOB_TIMEOUT`` is failed.
* the uploaded file (``payload_field``) is deleted when the job ends: done, failed, cancelled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .errors import JobError

logger = logging.getLogger("cyberbeeld.jobs")


class JobFields(models.Model):
    """The fields every job has (abstract)."""

    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    failure_nl = models.CharField(max_length=500, blank=True)
    failure_en = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True

    def failure(self, lang: str | None = None) -> str:
        lang = lang or get_language() or "nl"
        return (self.failure_en if lang.startswith("en") and self.failure_en else self.failure_nl)


@dataclass(frozen=True)
class JobKind:
    """How one job model maps onto the common life cycle."""

    key: str
    model: str  # "app_label.Model"
    task: str  # dotted path of the django-tasks task taking the job's primary key
    queued: str
    running: tuple[str, ...]  # the first is set when the job is claimed
    done: str
    failed: str
    cancelled: str
    state_field: str = "state"
    payload_field: str | None = None  # the uploaded file, deleted when the job ends
    finished_field: str | None = "finished_at"
    reset: dict[str, Any] = field(default_factory=dict)  # progress fields cleared when (re)queued
    on_end: str | None = None  # dotted path of a cleanup hook(job_pk) run when a job ends without success
    where: dict[str, Any] = field(default_factory=dict)  # the rows of a shared model that are this kind's

    @property
    def Model(self) -> type[models.Model]:  # noqa: N802 - a class

        return apps.get_model(self.model)

    def qs(self) -> models.QuerySet[Any]:
        return self.Model._default_manager.filter(**self.where)

    def owns(self, obj: models.Model) -> bool:
        return obj._meta.label == self.model and all(getattr(obj, k) == v for k, v in self.where.items())

    def active(self) -> Q:
        return Q(**{f"{self.state_field}__in": self.running})

    def ended_fields(self, state: str) -> dict[str, Any]:
        out: dict[str, Any] = {self.state_field: state, "heartbeat_at": None}
        if self.payload_field:
            out[self.payload_field] = b""
        if self.finished_field:
            out[self.finished_field] = timezone.now()
        return out


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.key] = kind


def kind_of(obj: models.Model) -> JobKind:
    for kind in KINDS.values():
        if kind.owns(obj):
            return kind
    raise LookupError(obj._meta.label)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def max_attempts() -> int:
    return int(_setting("JOB_MAX_ATTEMPTS", 3))


# --------------------------------------------------------------------------- messages (Dutch first, English)

def _msg_lost(attempts: int) -> tuple[str, str]:
    return (f"De achtergrondverwerker is tijdens deze taak gestopt; na {attempts} pogingen is de taak opgegeven. "
            "Probeer het opnieuw.",
            f"The background worker stopped during this job; it was given up after {attempts} attempts. "
            "Please try again.")


def _msg_timeout(seconds: float) -> tuple[str, str]:
    return (f"De taak duurde langer dan de tijdslimiet van {seconds:.0f} seconden en is gestopt.",
            f"The job took longer than the time limit of {seconds:.0f} seconds and was stopped.")


def _msg_error(exc: BaseException) -> tuple[str, str]:
    text = f"{type(exc).__name__}: {exc}"[:300]
    return (f"Onverwachte fout tijdens de verwerking: {text}", f"Unexpected error while processing: {text}")


def _msg_db(attempts: int, exc: BaseException) -> tuple[str, str]:
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return (f"De database was niet bereikbaar ({text}); na {attempts} pogingen is de taak opgegeven.",
            f"The database could not be reached ({text}); the job was given up after {attempts} attempts.")


MSG_CANCELLED = ("Geannuleerd.", "Cancelled.")


# --------------------------------------------------------------------------- queueing


def enqueue(kind: JobKind, pk: Any) -> None:
    """Queue the job's task once the current transaction (if any) commits."""
    task = import_string(kind.task)
    transaction.on_commit(lambda: task.enqueue(pk))


def _requeue(kind: JobKind, pk: Any, *, only_if: Q, reset_attempts: bool = False) -> bool:
    fields: dict[str, Any] = {kind.state_field: kind.queued, "heartbeat_at": None, "started_at": None,
                              "failure_nl": "", "failure_en": "", **kind.reset}
    if kind.finished_field:
        fields[kind.finished_field] = None
    if reset_attempts:
        fields["attempts"] = 0
    with transaction.atomic():
        n = kind.qs().filter(Q(pk=pk) & only_if).update(**fields)
        if n:
            enqueue(kind, pk)
    return bool(n)


def _end(kind: JobKind, pk: Any, state: str, msg: tuple[str, str] | None, *, only_if: Q,
         **extra: Any) -> bool:
    fields = kind.ended_fields(state)
    if msg is not None:
        fields.update(failure_nl=msg[0][:500], failure_en=msg[1][:500])
    fields.update(extra)
    n = kind.qs().filter(Q(pk=pk) & only_if).update(**fields)
    if n and state != kind.done and kind.on_end:
        import_string(kind.on_end)(pk)
    return bool(n)


# --------------------------------------------------------------------------- owner actions


def organisation_of(job: Any) -> Any:
    return getattr(job, "owner", None) or getattr(job, "organisation", None)


def can_cancel(job: Any) -> bool:
    kind = kind_of(job)
    return getattr(job, kind.state_field) in (kind.queued, *kind.running)


def can_retry(job: Any) -> bool:
    """A failed or cancelled job runs again only while its input is still there (a report always;
    an import's uploaded file is deleted when the job ends, so the owner uploads it again)."""
    kind = kind_of(job)
    if getattr(job, kind.state_field) not in (kind.failed, kind.cancelled):
        return False
    if kind.payload_field is None:
        return True
    return job.__class__._default_manager.filter(pk=job.pk).exclude(**{kind.payload_field: b""}).exists()


def cancel(job: Any) -> bool:
    """Cancel a queued or running job (the running task stops at its next step and writes nothing).
    A user's cancel is audited: call ``accounts.services.job_cancel``."""
    kind = kind_of(job)
    return _end(kind, job.pk, kind.cancelled, MSG_CANCELLED,
                only_if=Q(**{f"{kind.state_field}__in": (kind.queued, *kind.running)}))


def retry(job: Any) -> bool:
    """Queue a failed or cancelled job again with fresh attempts (``accounts.services.job_retry`` audits a
    user's retry)."""
    kind = kind_of(job)
    if not can_retry(job):
        return False
    return _requeue(kind, job.pk, reset_attempts=True,
                    only_if=Q(**{f"{kind.state_field}__in": (kind.failed, kind.cancelled)}))


# --------------------------------------------------------------------------- running


STOP_REASONS = {
    "timeout": ("De taak duurde langer dan toegestaan.", "The job ran past its time limit."),
    "lost": ("De taak is gestopt (geannuleerd of door een andere verwerker overgenomen).",
             "The job stopped (cancelled or taken over by another worker)."),
}


class JobStopped(JobError):
    """The run no longer owns its job (cancelled, reaped) or ran past its time limit. ``reason`` is the key."""

    code = "job-stopped"

    def __init__(self, reason: str) -> None:
        super().__init__(*STOP_REASONS.get(reason, (reason, reason)))
        self.args = (reason,)
        self.reason = reason


class Run:
    """One attempt at a job. ``check()`` in every progress step; ``owned()`` guards the final write."""

    def __init__(self, kind: JobKind, pk: Any, attempt: int, started: float) -> None:
        self.kind, self.pk, self.attempt, self.started = kind, pk, attempt, started
        self.stop_reason: str | None = None
        self.timeout = _setting("JOB_TIMEOUT", 3600)

    def owned(self) -> Q:
        return Q(pk=self.pk, attempts=self.attempt) & self.kind.active()

    def mine(self) -> models.QuerySet[Any]:
        """The job row while this run still owns it (use ``.update(...)`` for progress)."""
        return self.kind.qs().filter(self.owned())

    def check(self) -> None:
        if self.stop_reason is None and time.monotonic() - self.started > self.timeout:
            self.stop_reason = "timeout"
        if self.stop_reason is not None:
            raise JobStopped(self.stop_reason)

    def assert_owned(self) -> None:
        """Inside the final write transaction: raise unless this run still owns the job."""
        qs = self.mine()
        if connections[qs.db].features.has_select_for_update:
            qs = qs.select_for_update()
        if not qs.exists():
            raise JobStopped("lost")

    def finish(self, state: str, msg: tuple[str, str] | None = None, **fields: Any) -> bool:
        """End the job (done/failed) if this run still owns it; deletes the uploaded file."""
        return _end(self.kind, self.pk, state, msg, only_if=self.owned(), **fields)


class _Heartbeat(threading.Thread):
    def __init__(self, run: Run) -> None:
        super().__init__(name=f"heartbeat-{run.kind.key}-{run.pk}", daemon=True)
        self.run_, self.stopped = run, threading.Event()

    def run(self) -> None:
        interval = _setting("JOB_HEARTBEAT_INTERVAL", 5)
        try:
            while not self.stopped.wait(interval):
                try:
                    if not self.run_.mine().update(heartbeat_at=timezone.now()):
                        self.run_.stop_reason = self.run_.stop_reason or "lost"
                        return
                except DatabaseError as exc:  # locked or gone: the next beat tries again
                    logger.warning("job heartbeat %s/%s: %s", self.run_.kind.key, self.run_.pk,
                                   str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                    connections.close_all()
                if time.monotonic() - self.run_.started > self.run_.timeout:
                    self.run_.stop_reason = "timeout"
        finally:
            connections.close_all()  # this thread's own connections


def run_job(key: str, pk: Any, body: Callable[[Run, Any], Any]) -> Any:
    """Claim job ``pk`` of kind ``key`` and run ``body(run, job)`` with a heartbeat; record how it ended.

    ``body`` returns the task's result; it ends the job itself with ``run.finish(...)`` (so that its own
    fields are written in the same statement). Database errors (locked, disconnected) queue the job again
    while attempts are left; any other error fails it with the reason."""
    kind = KINDS[key]
    now = timezone.now()
    claimed = kind.qs().filter(pk=pk, **{kind.state_field: kind.queued}).update(
        **{kind.state_field: kind.running[0]}, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now,
        failure_nl="", failure_en="")
    if not claimed:
        return {"state": "skipped"}
    job = kind.qs().get(pk=pk)
    run = Run(kind, pk, job.attempts, time.monotonic())
    beat = _Heartbeat(run)
    beat.start()
    try:
        return body(run, job)
    except JobStopped as stop:
        if stop.reason == "timeout":
            run.finish(kind.failed, _msg_timeout(run.timeout))
        return {"state": "stopped", "reason": stop.reason}
    except (OperationalError, InterfaceError) as exc:
        logger.warning("job %s/%s attempt %s: database error: %s", key, pk, run.attempt,
                       str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        connections.close_all()
        if run.attempt < max_attempts():
            _requeue(kind, pk, only_if=run.owned())
            return {"state": "requeued"}
        run.finish(kind.failed, _msg_db(run.attempt, exc))
        return {"state": kind.failed}
    except Exception as exc:  # noqa: BLE001 - a job records why it stopped, in the job row
        logger.exception("job %s/%s failed", key, pk)
        run.finish(kind.failed, _msg_error(exc))
        return {"state": kind.failed}
    finally:
        beat.stopped.set()


# --------------------------------------------------------------------------- reaper


def reap(now: Any = None) -> dict[str, int]:
    """Queue again (or fail) the jobs whose worker died; fail the jobs past their time limit."""
    now = now or timezone.now()
    stale = now - timezone.timedelta(seconds=_setting("JOB_STALE_AFTER", 60))
    limit = now - timezone.timedelta(seconds=_setting("JOB_TIMEOUT", 3600))
    counts = {"requeued": 0, "failed": 0, "timed_out": 0}
    for kind in list(KINDS.values()):
        active = kind.qs().filter(kind.active())
        for pk, attempts in active.filter(started_at__lt=limit).values_list("pk", "attempts"):
            if _end(kind, pk, kind.failed, _msg_timeout(_setting("JOB_TIMEOUT", 3600)),
                    only_if=kind.active() & Q(attempts=attempts)):
                counts["timed_out"] += 1
        orphans = active.filter(Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True))
        for pk, attempts in orphans.values_list("pk", "attempts"):
            still = kind.active() & Q(attempts=attempts) & (Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True))
            if attempts < max_attempts():
                if _requeue(kind, pk, only_if=still):
                    counts["requeued"] += 1
            elif _end(kind, pk, kind.failed, _msg_lost(attempts), only_if=still):
                counts["failed"] += 1
    if any(counts.values()):
        logger.warning("job reaper: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    return counts
