from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "cyberbeeld.reports"
    label = "reports"
    verbose_name = _("Rapportages en publicatie")

    def ready(self) -> None:
        from cyberbeeld.web.navigation import register

        register("reports", _("Rapport"), "reports:list", order=80)
