"""Retention (Archiefwet, AVG): what happens to incidents when, shown before it happens, logged.

A :class:`RetentionRule` of the owner organisation says, for the raw description (counted from
registration) or for closed incidents (counted from closing), after how many days they are
anonymised (raw text blanked, the redacted text kept) or deleted. :func:`plan` lists what is due
now and in the coming period (the page and the notice on an incident's detail page);
:func:`apply_retention` carries out what is due — one audit event per incident and one for the
run — and does nothing but report with ``dry_run``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cyberbeeld.accounts import audit
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.common.errors import NotYours

from .models import Incident, RetentionAction, RetentionRule, RetentionTarget, Status

HORIZON_DAYS = 90


@dataclass(frozen=True)
class Planned:
    incident: Incident
    rule: RetentionRule
    due: dt.date

    @property
    def action(self) -> str:
        return self.rule.action


@dataclass
class RunReport:
    dry_run: bool
    anonymised: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "anonymised": len(self.anonymised), "deleted": len(self.deleted)}


def _start(incident: Incident, rule: RetentionRule) -> dt.date | None:
    if rule.target == RetentionTarget.RAW_TEXT:
        return timezone.localdate(incident.created_at)
    if incident.status != Status.AFGESLOTEN:
        return None
    return timezone.localdate(incident.closed_at or incident.updated_at)


def _candidates(rule: RetentionRule, until: dt.date) -> QuerySet[Incident]:
    limit = until - dt.timedelta(days=rule.period_days)
    qs = Incident.objects.filter(owner_id=rule.owner_id)
    end = timezone.make_aware(dt.datetime.combine(limit + dt.timedelta(days=1), dt.time.min))
    if rule.target == RetentionTarget.RAW_TEXT:
        qs = qs.filter(created_at__lt=end)
    else:
        qs = qs.filter(status=Status.AFGESLOTEN).filter(
            Q(closed_at__lt=end) | Q(closed_at__isnull=True, updated_at__lt=end))
    if rule.action == RetentionAction.ANONYMISE:
        qs = qs.exclude(raw_description="")
    return qs


def plan(*, owner: Organisation | None = None, today: dt.date | None = None, horizon_days: int = HORIZON_DAYS,
         incidents: QuerySet[Incident] | None = None) -> list[Planned]:
    """Everything due on or before ``today + horizon_days``; per incident the first thing that happens."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=horizon_days)
    rules = RetentionRule.objects.filter(active=True)
    if owner is not None:
        rules = rules.filter(owner=owner)
    best: dict[int, Planned] = {}
    for rule in rules.select_related("owner"):
        qs = _candidates(rule, until)
        if incidents is not None:
            qs = qs.filter(pk__in=incidents.values("pk"))
        for inc in qs.select_related("owner", "form", "area"):
            start = _start(inc, rule)
            if start is None:
                continue
            p = Planned(inc, rule, start + dt.timedelta(days=rule.period_days))
            old = best.get(inc.pk)
            if old is None or _order(p, today) < _order(old, today):
                best[inc.pk] = p
    return sorted(best.values(), key=lambda p: (p.due, p.incident.title))


def _order(p: Planned, today: dt.date) -> tuple[dt.date, int]:
    """What happens first; of what is already due, deletion wins (anonymising first would be pointless)."""
    return (max(p.due, today), 0 if p.action == RetentionAction.DELETE else 1)


def planned_for(incident: Incident, today: dt.date | None = None) -> Planned | None:
    found = plan(owner=incident.owner, today=today, incidents=Incident.objects.filter(pk=incident.pk))
    return found[0] if found else None


def apply_retention(*, by: Any = None, dry_run: bool = False, today: dt.date | None = None,
                    owner: Organisation | None = None) -> RunReport:
    """Carry out every action due today; each incident logged, and the run itself."""
    today = today or timezone.localdate()
    report = RunReport(dry_run=dry_run)
    due = [p for p in plan(owner=owner, today=today, horizon_days=0) if p.due <= today]
    with transaction.atomic():
        for p in due:
            inc = p.incident
            basis = {"rule": p.rule.pk, "legal_basis": p.rule.legal_basis, "period_days": p.rule.period_days,
                     "due": p.due.isoformat(), "dry_run": dry_run}
            if p.action == RetentionAction.DELETE:
                report.deleted.append(str(inc.uuid))
                if not dry_run:
                    audit.record(user=by, action="retention-delete", obj=inc, changes=basis)
                    inc.feedback.update(incident=None)
                    inc.delete()
            else:
                report.anonymised.append(str(inc.uuid))
                if not dry_run:
                    Incident.objects.filter(pk=inc.pk).update(raw_description="", anonymised_at=timezone.now())
                    audit.record(user=by, action="retention-anonymise", obj=inc,
                                 changes={**basis, "raw_description": ["…", ""]})
        audit.record(user=by, action="retention-run" if not dry_run else "retention-dry-run", organisation=owner,
                     object_type="incidents.retention", object_repr=today.isoformat(),
                     changes={**report.as_dict(), "date": today.isoformat()})
    return report


@transaction.atomic
def rule_save(*, by: Any, owner: Organisation, data: dict[str, Any], rule: RetentionRule | None = None) -> RetentionRule:
    if rule is not None and rule.owner_id != owner.pk:
        raise NotYours()  # another organisation's rule: as if it did not exist
    before = {} if rule is None else {k: getattr(rule, k) for k in data}
    rule = rule or RetentionRule(owner=owner)
    for k, v in data.items():
        setattr(rule, k, v)
    rule.full_clean(exclude=["owner"])
    rule.save()
    audit.record(user=by, action="create" if not before else "update", obj=rule, organisation=owner,
                 changes=audit.diff(before, {k: getattr(rule, k) for k in data}))
    return rule


@transaction.atomic
def rule_delete(*, by: Any, rule: RetentionRule) -> None:
    audit.record(user=by, action="delete", obj=rule, organisation=rule.owner, changes={"rule": str(rule)})
    rule.delete()
