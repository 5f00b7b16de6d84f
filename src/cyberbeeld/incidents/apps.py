from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "cyberbeeld.incidents"
    label = "incidents"
    verbose_name = _("Incidenten")

    def ready(self) -> None:
        from cyberbeeld.common import demo_hooks
        from cyberbeeld.common.navigation import register

        register("incidents", _("Incidenten"), "incidents:list", order=30)

        from cyberbeeld.common import jobs

        jobs.register(jobs.JobKind(
            key="incidents.import", model="incidents.ImportJob", task="cyberbeeld.incidents.tasks.run_import_job",
            queued="wachtend", running=("controleren", "opslaan"), done="klaar", failed="mislukt",
            cancelled="geannuleerd", payload_field="data", on_end="cyberbeeld.incidents.bulk.discard_staged",
            reset={"processed": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": []}))

        from . import dashboard  # noqa: F401  (dashboard card)
        from .demo import load, load_history

        for hook in (load, load_history):
            if hook not in demo_hooks.HOOKS:
                demo_hooks.HOOKS.append(hook)
