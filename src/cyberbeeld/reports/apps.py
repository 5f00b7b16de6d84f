from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common.navigation import register


class ReportsConfig(AppConfig):
    name = "cyberbeeld.reports"
    label = "reports"
    verbose_name = _("Rapportages en publicatie")

    def ready(self) -> None:
        register("reports", _("Rapport"), "reports:list", order=80)
        register("start", _("Eerste stappen"), "start:index", order=5)

        # deferred: apps not ready: common.jobs defines an abstract model
        from cyberbeeld.common import jobs

        from . import dashboard  # noqa: F401 - registers the start card

        jobs.register(jobs.JobKind(
            key="reports.build", model="reports.Report", task="cyberbeeld.reports.tasks.build_report",
            state_field="status", queued="queued", running=("running",), done="done", failed="failed",
            cancelled="cancelled", reset={"progress": 0, "progress_message": "in de wachtrij", "error": ""}))
