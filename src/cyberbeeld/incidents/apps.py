from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common import demo_hooks
from cyberbeeld.common.navigation import register


class IncidentsConfig(AppConfig):
    name = "cyberbeeld.incidents"
    label = "incidents"
    verbose_name = _("Incidenten")

    def ready(self) -> None:
        register("incidents", _("Incidenten"), "incidents:list", order=30)

        # deferred: apps not ready: common.jobs defines an abstract model
        from cyberbeeld.common import jobs
        from cyberbeeld.common.models import ImportJob, import_job_kind

        jobs.register(import_job_kind(ImportJob.Kind.INCIDENTS, task="cyberbeeld.incidents.tasks.run_import_job",
                                      on_end="cyberbeeld.incidents.bulk.discard_staged"))

        # deferred: apps not ready: the card and the signals import the models
        from . import dashboard, signals  # noqa: F401  (dashboard registers its card on import)

        signals.connect()
        from .demo import load, load_history  # deferred: apps not ready: the demo imports the models

        for hook in (load, load_history):
            if hook not in demo_hooks.HOOKS:
                demo_hooks.HOOKS.append(hook)
