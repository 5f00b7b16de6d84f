"""cyberbeeld export-cases --org SLUG --format stix|misp --out FILE

Exports what the organisation owns or may pass on (accounts.policy.may_export), acting as one of
its members (the highest role, or --user).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from cyberbeeld.accounts import policy
from cyberbeeld.sharing import exchange
from cyberbeeld.sharing.models import Case

from ._common import organisation_and_member


class Command(BaseCommand):
    help = "Exporteer casussen als STIX 2.1-bundel of MISP-events / export cases as STIX 2.1 or MISP"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", required=True)
        parser.add_argument("--format", choices=["stix", "misp"], default="stix")
        parser.add_argument("--out", required=True)
        parser.add_argument("--user", default=None, help="Lid namens wie wordt geëxporteerd")

    def handle(self, *args: Any, **opts: Any) -> None:
        org, member = organisation_and_member(opts["org"], opts["user"])
        # only objects this organisation owns or that reach it; then policy.may_export per object
        cases = [c for c in policy.visible(member, Case.objects.all()).prefetch_related("forms")
                 if c.owner_id == org.pk or c.owner_id not in policy.actor_for(member).org_ids]
        if opts["format"] == "stix":
            doc = exchange.stix_bundle(member, cases)
            n = sum(1 for o in doc["objects"] if o["type"] == "incident")
        else:
            doc = exchange.misp_document(member, cases)
            n = len(doc["response"])
        with open(opts["out"], "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1, default=str)
        self.stdout.write(f"{n} casussen geëxporteerd naar {opts['out']} ({opts['format']})")
