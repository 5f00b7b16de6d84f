"""cyberbeeld import-cases FILE --org SLUG

Reads a STIX 2.1 bundle or MISP events; all or nothing, keeping the sender's TLP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cyberbeeld import inputs
from cyberbeeld.sharing import exchange

from ._common import organisation_and_member


class Command(BaseCommand):
    help = "Lees casussen in uit een STIX 2.1-bundel of MISP-events / import cases"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--org", required=True)
        parser.add_argument("--user", default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        org, member = organisation_and_member(opts["org"], opts["user"])
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"Bestand niet gevonden: {path}")
        try:
            data = inputs.load_json(path.read_bytes(), path.name)  # size, nesting, duplicate keys, NaN
            _check_shape(data, path.name)
            if isinstance(data, dict) and data.get("type") == "bundle":
                cases = exchange.import_stix(data, organisation=org, by=member)
            else:
                cases = exchange.import_misp(data, organisation=org, by=member)
        except (exchange.ExchangeError, inputs.InputRefused) as exc:
            raise CommandError(f"Niets ingelezen: {exc}") from exc
        self.stdout.write(f"{len(cases)} casussen ingelezen voor {org.slug}")


def _check_shape(data: Any, name: str) -> None:
    """The outline a STIX bundle or a MISP export must have, before the exchange reads it."""
    if isinstance(data, dict) and data.get("type") == "bundle":
        objects = data.get("objects", [])
        if not isinstance(objects, list):
            raise exchange.ExchangeError(f"{name}: 'objects' is geen lijst")
        for i, obj in enumerate(objects, start=1):
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
                raise exchange.ExchangeError(f"{name}: object {i} in 'objects' is geen STIX-object (met 'type')")
        return
    events = data if isinstance(data, list) else [data]
    for i, ev in enumerate(events, start=1):
        if not isinstance(ev, dict):
            raise exchange.ExchangeError(f"{name}: item {i} is geen MISP-event (object)")
