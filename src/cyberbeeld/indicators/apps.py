from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common import demo_hooks
from cyberbeeld.common.navigation import register


class IndicatorsConfig(AppConfig):
    name = "cyberbeeld.indicators"
    label = "indicators"
    verbose_name = _("Indicatoren")

    def ready(self) -> None:
        register("monitor", _("Monitor"), "indicators:index", order=20)

        # deferred: apps not ready: common.jobs defines an abstract model
        from cyberbeeld.common import jobs
        from cyberbeeld.common.models import ImportJob, import_job_kind

        jobs.register(import_job_kind(ImportJob.Kind.INDICATORS, task="cyberbeeld.indicators.tasks.run_import_job",
                                      on_end="cyberbeeld.indicators.services.discard_staged"))

        # deferred: apps not ready: the signals, the card and the demo import the models
        from . import dashboard, signals  # noqa: F401  (dashboard registers its card on import)
        from .demo import load

        signals.connect()

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)
