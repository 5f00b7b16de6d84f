"""The ONE place that decides what a user may see and change.

Views, the API, search, exports, reports and exchange all ask this module. The rule (DESIGN §6,
TLP 2.0 as FIRST defines it, DOMAIN §4.4):

* ``TLP:CLEAR``  — everyone, also without logging in (the only label a public page may show);
* ``TLP:GREEN``  — the owner and the community it was shared with: named organisations, named
  audiences, the owner's veiligheidsregio, or (``audience_community``) every organisation in
  Cyberbeeld; never anonymous;
* ``TLP:AMBER``  — the owner organisation and the organisations it was shared with (named
  organisations, audiences, the owner's region); recipients may pass it on to their own clients;
* ``TLP:AMBER+STRICT`` — the same recipients, but only inside their own organisation: no onward
  sharing and no export by anyone but the owner;
* ``TLP:RED``    — only the author and the named individual recipients.

Objects a user may not see do not exist for them: views answer 404, never 403, so that not
even the existence of another organisation's object leaks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import Audience, Membership, Organisation, Role
from .tlp import TLP

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser

M = TypeVar("M", bound=Model)

_SHARED = [TLP.GREEN.value, TLP.AMBER.value, TLP.AMBER_STRICT.value]


class Actor:
    """What the policy needs to know about a user, computed once per request."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.authenticated = bool(user is not None and user.is_authenticated)
        if self.authenticated:
            rows = list(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        else:
            rows = []
        self.roles: dict[int, str] = dict(rows)
        self.org_ids: frozenset[int] = frozenset(self.roles)
        self._audience_ids: frozenset[int] | None = None
        self._region_ids: frozenset[int] | None = None
        self._region_org_ids: frozenset[int] | None = None

    @property
    def audience_ids(self) -> frozenset[int]:
        """Audiences any of the user's organisations belongs to, directly or through inclusion."""
        if self._audience_ids is None:
            direct = set(
                Audience.organisations.through.objects.filter(organisation_id__in=self.org_ids).values_list(
                    "audience_id", flat=True
                )
            )
            edges = list(Audience.includes.through.objects.values_list("from_audience_id", "to_audience_id"))
            found = set(direct)
            changed = True
            while changed:  # audience A includes B: members of B are members of A
                changed = False
                for parent, child in edges:
                    if child in found and parent not in found:
                        found.add(parent)
                        changed = True
            self._audience_ids = frozenset(found)
        return self._audience_ids

    @property
    def region_ids(self) -> frozenset[int]:
        if self._region_ids is None:
            self._region_ids = frozenset(
                Organisation.regions.through.objects.filter(organisation_id__in=self.org_ids).values_list(
                    "area_id", flat=True
                )
            )
        return self._region_ids

    @property
    def region_org_ids(self) -> frozenset[int]:
        """Organisations in any of the user's regions: an owner there reaches them with ``audience_region``."""
        if self._region_org_ids is None:
            self._region_org_ids = frozenset(
                Organisation.regions.through.objects.filter(area_id__in=self.region_ids).values_list(
                    "organisation_id", flat=True
                )
            )
        return self._region_org_ids

    def role_in(self, organisation_id: int | None) -> str | None:
        return self.roles.get(organisation_id) if organisation_id is not None else None

    def has_role(self, organisation_id: int | None, minimum: str) -> bool:
        role = self.role_in(organisation_id)
        return role is not None and Role.rank(role) >= Role.rank(minimum)


def actor_for(user: Any) -> Actor:
    """Cache the Actor on the user object for the duration of the request."""
    if user is None:
        return Actor(None)
    cached = getattr(user, "_cyberbeeld_actor", None)
    if cached is None:
        cached = Actor(user)
        try:
            user._cyberbeeld_actor = cached
        except AttributeError:  # pragma: no cover - exotic user objects
            pass
    return cached


def _linked(model: type[Model], field: str, values: Any) -> QuerySet[Any]:
    """Primary keys of ``model`` linked through the many-to-many ``field`` to any of ``values``.

    A subquery on the through table (indexed on both columns), not a join: the policy stays one row-wise
    condition, so no duplicate rows appear and no DISTINCT is needed.
    """
    m2m = model._meta.get_field(field)
    through = m2m.remote_field.through  # type: ignore[union-attr]
    return through._default_manager.filter(  # type: ignore[no-any-return]
        **{m2m.m2m_reverse_field_name() + "__in": values}  # type: ignore[union-attr]
    ).values(m2m.m2m_field_name())  # type: ignore[union-attr]


def visible_q(user: Any, model: type[Model]) -> Q:
    """A filter on the Shareable ``model``: the rows this user may see.

    Every relation is a subquery or a literal list computed once per request (organisations, audiences,
    organisations in the user's regions), never a join.
    """
    actor = actor_for(user)
    q = Q(tlp=TLP.CLEAR.value)
    if not actor.authenticated:
        return q
    if actor.org_ids:
        q |= Q(owner_id__in=actor.org_ids) & ~Q(tlp=TLP.RED.value)
    q |= Q(tlp=TLP.RED.value) & (Q(created_by=actor.user) | Q(pk__in=_linked(model, "recipients", [actor.user.pk])))
    if actor.org_ids:
        shared = Q(pk__in=_linked(model, "audience_organisations", actor.org_ids))
        if actor.audience_ids:
            shared |= Q(pk__in=_linked(model, "audiences", actor.audience_ids))
        if actor.region_org_ids:
            shared |= Q(audience_region=True, owner_id__in=actor.region_org_ids)
        q |= Q(tlp__in=_SHARED) & shared
        q |= Q(tlp=TLP.GREEN.value, audience_community=True)
    return q


def visible(user: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """Restrict any queryset of a Shareable model to what the user may see."""
    return queryset.filter(visible_q(user, queryset.model))


def can_view(user: Any, obj: Model) -> bool:
    return visible(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can_change(user: Any, obj: Any) -> bool:
    """Only members of the owning organisation with at least the role bewerker change an object."""
    return actor_for(user).has_role(obj.owner_id, Role.BEWERKER)


def can_create_in(user: Any, organisation: Organisation | None) -> bool:
    """New objects for an organisation are made by its members with at least the role bewerker (the rule
    :func:`can_change` applies to existing ones)."""
    return organisation is not None and actor_for(user).has_role(organisation.pk, Role.BEWERKER)


def can_share(user: Any, obj: Any) -> bool:
    """Sharing settings are changed by a coördinator or beheerder of the owner."""
    return actor_for(user).has_role(obj.owner_id, Role.COORDINATOR)


def get_visible_or_404(user: Any, queryset: QuerySet[M], **lookup: Any) -> M:
    """The object if the user may see it, else 404 — the same answer as for a missing object."""
    try:
        return visible(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def get_changeable_or_404(user: Any, queryset: QuerySet[M], **lookup: Any) -> M:
    """For edit views: an object the user may see but not change is still a 404."""
    obj = get_visible_or_404(user, queryset, **lookup)
    if not can_change(user, obj):
        raise Http404
    return obj


def may_export(user: Any, obj: Any) -> bool:
    """May this user pass the object on (export, exchange)?

    The owner always may (within its label); recipients may pass on CLEAR, GREEN and AMBER
    objects they can see, but never AMBER+STRICT or RED ones.
    """
    if not can_view(user, obj):
        return False
    actor = actor_for(user)
    if obj.owner_id in actor.org_ids:
        return True
    return TLP(obj.tlp) in (TLP.CLEAR, TLP.GREEN, TLP.AMBER)


def may_publish(obj: Any) -> bool:
    """The ceiling of every public page and the static site: only TLP:CLEAR content."""
    return TLP(obj.tlp) == TLP.CLEAR


def publishable(queryset: QuerySet[M]) -> QuerySet[M]:
    return queryset.filter(tlp=TLP.CLEAR.value)



def may_read_audit(user: Any, organisation: Organisation) -> bool:
    """The audit log of an organisation is readable by its beheerders."""
    return actor_for(user).has_role(organisation.pk, Role.BEHEERDER)


def audience_members(user: Any, audience: Audience) -> list[Organisation] | None:
    """Member organisations of an audience, or None when its membership is confidential to this user."""
    actor = actor_for(user)
    if audience.confidential and audience.owner_id not in actor.org_ids:
        return None
    return list(audience.organisations.all())


def organisations_of(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=actor_for(user).org_ids)
