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

        _invalidate_cached_pages_on_write()

        # deferred: apps not ready: the card and the demo import the models
        from . import dashboard  # noqa: F401  (dashboard card)
        from .demo import load

        if load not in demo_hooks.HOOKS:
            demo_hooks.HOOKS.append(load)


def _invalidate_cached_pages_on_write() -> None:
    """Every committed write of what the monitor pages show makes their cached content stale
    (``accounts.pagecache``, kind ``selectors.CACHE_KIND``): observations, import batches, indicators, areas and
    peer groups saved or deleted one by one; the bulk paths of the import raise the generation themselves."""
    from django.db.models.signals import post_delete, post_save

    from cyberbeeld.accounts import pagecache
    from cyberbeeld.areas.models import Area, PeerGroup

    from .models import ImportBatch, Indicator, Observation
    from .selectors import CACHE_KIND

    def changed(sender: object, **kwargs: object) -> None:
        pagecache.bump(CACHE_KIND)

    for model in (Observation, ImportBatch, Indicator, Area, PeerGroup):
        name = model._meta.label_lower
        post_save.connect(changed, sender=model, dispatch_uid=f"indicators-pagecache-save-{name}", weak=False)
        post_delete.connect(changed, sender=model, dispatch_uid=f"indicators-pagecache-delete-{name}", weak=False)
