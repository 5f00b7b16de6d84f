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

        jobs.register(jobs.JobKind(
            key="indicators.import", model="indicators.ImportJob", task="cyberbeeld.indicators.tasks.run_import_job",
            queued="queued", running=("running",), done="done", failed="failed", cancelled="cancelled",
            payload_field="content", finished_field=None, on_end="cyberbeeld.indicators.services.discard_staged",
            reset={"done": 0, "total": None, "message": "", "problems": []}))

        # deferred: apps not ready: the card and the demo import the models
        from . import dashboard  # noqa: F401  (dashboard card)
        from .demo import load

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)
