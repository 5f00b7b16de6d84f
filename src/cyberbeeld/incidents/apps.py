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
        from cyberbeeld.common.models import ImportJob, import_job_kind

        jobs.register(import_job_kind(ImportJob.Kind.INCIDENTS, task="cyberbeeld.incidents.tasks.run_import_job",
                                      on_end="cyberbeeld.incidents.bulk.discard_staged"))

        # deferred: apps not ready: the card's module imports the models
        from . import dashboard  # noqa: F401  (dashboard card)

        _invalidate_cached_parts_on_write()
        from .demo import load, load_history  # deferred: apps not ready: the demo imports the models

        for hook in (load, load_history):
            if hook not in demo_hooks.HOOKS:
                demo_hooks.HOOKS.append(hook)


def _invalidate_cached_parts_on_write() -> None:
    """Every committed write of an incident (or of whom it is shared with) makes the cached page parts
    built on incidents stale (``accounts.pagecache``); the bulk import raises the generation itself.

    Per owner: a new incident that only its owner organisation can see (not CLEAR, no region or community
    audience; named audiences and recipients are added after the row, and raise ``shared`` themselves)
    raises only the owner's generation, so other organisations' cached parts stay warm. Any other write
    (an update may have narrowed who sees the row, a delete removes it) raises ``shared`` as well."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from cyberbeeld.accounts import pagecache

    from .models import Incident
    from .selectors import CACHE_KIND

    def saved(sender: object, instance: Incident, created: bool = False, **kwargs: object) -> None:
        owner_only = created and instance.tlp != "clear" and not instance.audience_region \
            and not instance.audience_community
        pagecache.bump_owner(CACHE_KIND, instance.owner_id, shared=not owner_only)

    def changed(sender: object, instance: object, **kwargs: object) -> None:
        if str(kwargs.get("action", "post_")).startswith("pre_"):
            return  # a many-to-many change signals before and after: the "post_" one counts
        if isinstance(instance, Incident):
            pagecache.bump_owner(CACHE_KIND, instance.owner_id, shared=True)
        else:  # the reverse side of a many-to-many (an organisation or audience): not one owner
            pagecache.bump(CACHE_KIND)

    post_save.connect(saved, sender=Incident, dispatch_uid="incidents-pagecache-save", weak=False)
    post_delete.connect(changed, sender=Incident, dispatch_uid="incidents-pagecache-delete", weak=False)
    for field in ("audience_organisations", "audiences", "recipients"):
        m2m_changed.connect(changed, sender=getattr(Incident, field).through,
                            dispatch_uid=f"incidents-pagecache-{field}", weak=False)
