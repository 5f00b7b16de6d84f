"""Every read of the register goes through accounts.policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cyberbeeld.accounts import policy

from .models import Incident

CACHE_KIND = "incidents"  # accounts.pagecache: raised after every incident write (incidents.apps)
SORTS = {"reported": "-reported_on", "-reported": "reported_on", "title": "title", "impact": "-impact"}


def incident_list_visible_to(user: Any, *, q: str = "", form: str = "", category: str = "", status: str = "",
                             area: str = "", sort: str = "") -> QuerySet[Incident]:
    qs = policy.visible(user, Incident.objects.all()).select_related("form__category", "area", "owner")
    if q:
        # Search only what the user may read: title and the redacted text, never the raw text of others.
        own = Q(owner_id__in=policy.actor_for(user).org_ids)
        qs = qs.filter(Q(title__icontains=q) | Q(redacted_description__icontains=q) | (own & Q(raw_description__icontains=q)))
    if form:
        qs = qs.filter(form__code=form)
    if category:
        qs = qs.filter(form__category__code=category)
    if status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(area__code=area.upper())
    return qs.order_by(SORTS.get(sort, "-reported_on"), "-created_at")


def raw_text_visible(user: Any, incident: Incident) -> bool:
    """The raw description is visible only inside the owning organisation."""
    return incident.owner_id in policy.actor_for(user).org_ids


def incident_get(user: Any, uuid: Any) -> Incident:
    return policy.get_visible_or_404(user, Incident.objects.select_related("form__category", "area", "owner"), uuid=uuid)
