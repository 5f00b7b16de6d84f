from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cyberbeeld.indicators.catalogue import seed


class Command(BaseCommand):
    help = "Vul de indicatorcatalogus (Veiligheidsmonitor, politie/CBS) / seed the indicator catalogue"

    def handle(self, *args: Any, **opts: Any) -> None:
        result = seed()
        self.stdout.write(f"indicatorcatalogus: {result['created']} nieuw, {result['updated']} bijgewerkt, "
                          f"{result['total']} in totaal")
