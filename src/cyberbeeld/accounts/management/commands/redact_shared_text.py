"""Redact the declared free text of objects stored before ``shared_text_fields`` existed.

New and changed objects are redacted on every save (``accounts.shared_text``); this command brings rows
written earlier into line, once, after the upgrade. It changes only the declared fields (one UPDATE per
changed object, in one transaction per model) and reports how many objects changed per model.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from cyberbeeld.accounts.models import Shareable
from cyberbeeld.accounts.shared_text import declared_fields, redact_fields


class Command(BaseCommand):
    help = ("Persoonsgegevens verwijderen uit de gedeelde vrije tekst van bestaande objecten / redact the declared "
            "free text of existing objects")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="alleen tellen / only count")

    def handle(self, *args: Any, **opts: Any) -> None:
        for model in sorted((m for m in apps.get_models() if issubclass(m, Shareable)), key=lambda m: m._meta.label):
            fields = declared_fields(model)
            if not fields:
                continue
            changed = 0
            with transaction.atomic():
                for obj in model._default_manager.only("pk", *fields).iterator(chunk_size=500):
                    diff = redact_fields(obj)
                    if diff:
                        changed += 1
                        if not opts["dry_run"]:
                            model._default_manager.filter(pk=obj.pk).update(**{k: v[1] for k, v in diff.items()})
            self.stdout.write(f"{model._meta.label}: {changed} {'te wijzigen' if opts['dry_run'] else 'gewijzigd'}")
