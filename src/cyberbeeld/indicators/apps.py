from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "cyberbeeld.indicators"
    label = "indicators"
    verbose_name = _("Indicatoren")

    def ready(self) -> None:
        from cyberbeeld.common import demo_hooks
        from cyberbeeld.common.navigation import register

        register("monitor", _("Monitor"), "indicators:index", order=20)

        from cyberbeeld.common import jobs
        from cyberbeeld.common.models import ImportJob, import_job_kind

        jobs.register(import_job_kind(ImportJob.Kind.INDICATORS, task="cyberbeeld.indicators.tasks.run_import_job",
                                      on_end="cyberbeeld.indicators.services.discard_staged"))

        from . import dashboard  # noqa: F401  (dashboard card)
        from .demo import load

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)
