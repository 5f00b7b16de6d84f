"""Keep the monitor pages' cached content fresh (``accounts.pagecache``).

Connected in IndicatorsConfig.ready().
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from cyberbeeld.accounts import pagecache
from cyberbeeld.areas.models import Area, PeerGroup

from .models import ImportBatch, Indicator, Observation
from .selectors import CACHE_KIND


def connect() -> None:
    """Every committed write of what the monitor pages show makes their cached content stale
    (``accounts.pagecache``, kind ``selectors.CACHE_KIND``): observations, import batches, indicators, areas and
    peer groups saved or deleted one by one; the bulk paths of the import raise the generation themselves."""

    def changed(sender: object, **kwargs: object) -> None:
        pagecache.bump(CACHE_KIND)

    for model in (Observation, ImportBatch, Indicator, Area, PeerGroup):
        name = model._meta.label_lower
        post_save.connect(changed, sender=model, dispatch_uid=f"indicators-pagecache-save-{name}", weak=False)
        post_delete.connect(changed, sender=model, dispatch_uid=f"indicators-pagecache-delete-{name}", weak=False)
