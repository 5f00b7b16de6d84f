"""Keep the cached page parts built on incidents fresh (``accounts.pagecache``).

Connected in IncidentsConfig.ready().
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from cyberbeeld.accounts import pagecache

from .models import Incident
from .selectors import CACHE_KIND


def connect() -> None:
    """Every committed write of an incident (or of whom it is shared with) makes the cached page parts
    built on incidents stale (``accounts.pagecache``); the bulk import raises the generation itself.

    Per owner: a new incident that only its owner organisation can see (not CLEAR, no region or community
    audience; named audiences and recipients are added after the row, and raise ``shared`` themselves)
    raises only the owner's generation, so other organisations' cached parts stay warm. Any other write
    (an update may have narrowed who sees the row, a delete removes it) raises ``shared`` as well."""

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
