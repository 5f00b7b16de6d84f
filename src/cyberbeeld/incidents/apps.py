from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
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

        jobs.register(jobs.JobKind(
            key="incidents.import", model="incidents.ImportJob", task="cyberbeeld.incidents.tasks.run_import_job",
            queued="wachtend", running=("controleren", "opslaan"), done="klaar", failed="mislukt",
            cancelled="geannuleerd", payload_field="data", on_end="cyberbeeld.incidents.bulk.discard_staged",
            reset={"processed": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": []}))

        # deferred: apps not ready: the card's module imports the models
        from . import dashboard  # noqa: F401  (dashboard card)

        _invalidate_cached_parts_on_write()
        from .demo import load, load_history  # deferred: apps not ready: the demo imports the models

        for hook in (load, load_history):
            if hook not in demo_hooks.HOOKS:
                demo_hooks.HOOKS.append(hook)


def _invalidate_cached_parts_on_write() -> None:
    """Every committed write of an incident (or of whom it is shared with) makes the cached page parts
    built on incidents stale (``accounts.pagecache``); the bulk import raises the generation itself."""
    # deferred: apps not ready: pagecache, models and selectors import the models
    from cyberbeeld.accounts import pagecache

    from .models import Incident
    from .selectors import CACHE_KIND

    def changed(sender: object, **kwargs: object) -> None:
        pagecache.bump(CACHE_KIND)

    post_save.connect(changed, sender=Incident, dispatch_uid="incidents-pagecache-save", weak=False)
    post_delete.connect(changed, sender=Incident, dispatch_uid="incidents-pagecache-delete", weak=False)
    for field in ("audience_organisations", "audiences", "recipients"):
        m2m_changed.connect(changed, sender=getattr(Incident, field).through,
                            dispatch_uid=f"incidents-pagecache-{field}", weak=False)
