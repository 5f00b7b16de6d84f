"""``cyberbeeld apply-retention [--dry-run]``: carry out the retention rules (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cyberbeeld.incidents.retention import apply_retention, plan
from cyberbeeld.incidents.tasks import apply_retention_task


class Command(BaseCommand):
    help = "Bewaartermijnen uitvoeren (dagelijks) / apply retention rules (daily)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="alleen tonen / only report")
        parser.add_argument("--enqueue", action="store_true", help="als achtergrondtaak / as a background task")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["enqueue"]:
            result = apply_retention_task.enqueue(dry_run=opts["dry_run"])
            self.stdout.write(f"taak / task {result.id} in de wachtrij / enqueued")
            return
        if opts["dry_run"]:
            for p in plan(horizon_days=0):
                self.stdout.write(f"{p.due.isoformat()} {p.action:9s} {p.incident.owner.slug} {p.incident.uuid} "
                                  f"({p.rule.legal_basis})")
        report = apply_retention(by=None, dry_run=opts["dry_run"])
        verb = "zou / would" if opts["dry_run"] else ""
        self.stdout.write(f"{verb} {len(report.anonymised)} geanonimiseerd / anonymised, "
                          f"{len(report.deleted)} verwijderd / deleted".strip())
