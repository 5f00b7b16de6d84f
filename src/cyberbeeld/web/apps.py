from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from cyberbeeld import inputs
from cyberbeeld.common.navigation import register


def analyze_sqlite(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate``: refresh SQLite's planner statistics (``ANALYZE``).

    A migration that alters a table makes SQLite rebuild it, and its statistics go with it; without them
    the planner can pick a plan several times slower (measured: the casebook search, 39 → 128 ms at
    100,000 cases). PostgreSQL's autovacuum keeps its own statistics current.
    """
    conn = connections[using]
    if conn.vendor == "sqlite":
        with conn.cursor() as cur:
            cur.execute("ANALYZE")


class WebConfig(AppConfig):
    name = "cyberbeeld.web"
    label = "web"
    verbose_name = _("Webomgeving")

    def ready(self) -> None:
        inputs.configure(**getattr(settings, "CYBERBEELD_INPUT_LIMITS", {}))

        register("dashboard", _("Overzicht"), "web:dashboard", order=0)

        post_migrate.connect(analyze_sqlite, sender=self, dispatch_uid="cyberbeeld_analyze_sqlite")
