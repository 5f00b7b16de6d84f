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

import uuid as _uuid
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cyberbeeld.common.errors import NotAllowed

from . import audit
from .models import Audience, Membership, Organisation, OrganisationKind, Role, Shareable
from .tlp import TLP

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser

M = TypeVar("M", bound=Model)

_SHARED = [TLP.GREEN.value, TLP.AMBER.value, TLP.AMBER_STRICT.value]


class Actor:
    """What the policy needs to know about a user, computed once per request."""

    def __init__(self, user: Any, organisation_ids: Any = None) -> None:
        self.user = user
        self.authenticated = bool(user is not None and user.is_authenticated)
        if organisation_ids is not None:  # an organisation as a reader (no person: never a RED recipient)
            self.authenticated = True
            rows = [(pk, Role.LEZER) for pk in organisation_ids]
        elif self.authenticated:
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
            through = Organisation.regions.through.objects
            regions = (self._region_ids if self._region_ids is not None  # else a subquery: one round trip
                       else through.filter(organisation_id__in=self.org_ids).values("area_id"))
            self._region_org_ids = frozenset(
                through.filter(area_id__in=regions).values_list("organisation_id", flat=True)
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


def bind_token(user: Any, organisation_id: int, role: str) -> Actor:
    """A request authenticated by an API token (``accounts.tokens``): ``user`` (the token's maker) acts
    for the token's organisation only, with at most ``role``, and never as a TLP:RED recipient (a token
    acts as its organisation, not as a person). Every rule below then applies unchanged."""
    return bind_organisations(user, {organisation_id: role})


def bind_organisations(user: Any, roles: dict[int, str]) -> Actor:
    """A request authenticated by a bearer credential acts for exactly these organisations with these roles
    (an API token: one; an OIDC access token: those its claims map to, as the login maps them), and never as a
    TLP:RED recipient or author: a bearer credential can be replayed by a machine, RED is for a person in a
    browser session."""
    actor = Actor(None, organisation_ids=list(roles))
    actor.roles = dict(roles)
    user._cyberbeeld_actor = actor
    return actor


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
    return _visible_q(actor_for(user), model)


def _visible_q(actor: Actor, model: type[Model]) -> Q:
    q = Q(tlp=TLP.CLEAR.value)
    if not actor.authenticated:
        return q
    if actor.org_ids:
        q |= Q(owner_id__in=actor.org_ids) & ~Q(tlp=TLP.RED.value)
    if actor.user is not None:
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


def owns(user: Any, obj: Any) -> bool:
    """Is the object's owner one of the organisations the user acts for (whatever the role)?"""
    return obj.owner_id in actor_for(user).org_ids


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


def exportable(user: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """:func:`may_export` as a row condition: what the user sees, minus other owners' AMBER+STRICT and RED."""
    others_strict = ~Q(owner_id__in=list(actor_for(user).org_ids)) & Q(tlp__in=[TLP.AMBER_STRICT.value,
                                                                                 TLP.RED.value])
    return visible(user, queryset).exclude(others_strict)


def may_publish(obj: Any) -> bool:
    """The ceiling of every public page and the static site: only TLP:CLEAR content."""
    return TLP(obj.tlp) == TLP.CLEAR


def publishable(queryset: QuerySet[M]) -> QuerySet[M]:
    return queryset.filter(tlp=TLP.CLEAR.value)



def may_read_audit(user: Any, organisation: Organisation) -> bool:
    """The audit log of an organisation is readable by its beheerders."""
    return actor_for(user).has_role(organisation.pk, Role.BEHEERDER)


def may_maintain_reference_data(user: Any, organisation: Organisation | None = None) -> bool:
    """Reference data (areas and herindelingen, the taxonomy, the powers catalogue, reference figures) is
    maintained by platform staff and by the beheerders of a kenniscentrum. With ``organisation`` (the one the
    user acts for), a non-staff user must be a beheerder of that organisation and it must be a kenniscentrum."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    roles = actor_for(user).roles
    if organisation is not None:
        return organisation.kind == OrganisationKind.KENNISCENTRUM and actor_for(user).has_role(organisation.pk, Role.BEHEERDER)
    return Organisation.objects.filter(pk__in=[o for o, r in roles.items() if r == Role.BEHEERDER],
                                       kind=OrganisationKind.KENNISCENTRUM).exists()


def organisation_wide(queryset: QuerySet[M], owners: Organisation | Any) -> QuerySet[M]:
    """What an organisation as a whole may draw on of its own objects when no one person is looking (a drafted
    picture, an early warning, a report for its owners without a reader): everything it owns except TLP:RED,
    which belongs to its author and named recipients only. ``owners``: one organisation or several."""
    many = owners if isinstance(owners, list | tuple | set | QuerySet) else [owners]
    return queryset.filter(owner__in=list(many)).exclude(tlp=TLP.RED.value)


def audience_members(user: Any, audience: Audience) -> list[Organisation] | None:
    """Member organisations of an audience, or None when its membership is confidential to this user."""
    actor = actor_for(user)
    if audience.confidential and audience.owner_id not in actor.org_ids:
        return None
    return list(audience.organisations.all())


def organisations_of(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=actor_for(user).org_ids)


# --- the ceiling of copies and relabels ------------------------------------------------------------
# Anything made from another object (adopt, promote, an exercise from a scenario, a measure from an
# observation, a drafted scenario, a report) inherits at least its source's label and no wider audience;
# a later relabel can never go above that ceiling. A model names the fields that point to what it was
# made from in ``SHARING_SOURCES``; :func:`inherit_sharing` decides at creation, :func:`check_ceiling`
# at every relabel (``accounts.services.share_set``) and every save of a derived object.

_PASSED_ON = (TLP.CLEAR, TLP.GREEN, TLP.AMBER)


class CeilingError(NotAllowed):
    """A copy or relabel that would show content to someone who may not see its source (a
    ``PermissionError``). The message is in the request's language."""

    code = "sharing-ceiling"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(str(message), field=field)
        self.message = message


class Sharing:
    """A label and audience: stored on an object or proposed for it."""

    def __init__(self, tlp: TLP | str, *, organisations: Any = (), audiences: Any = (), region: bool = False,
                 community: bool = False, recipients: Any = ()) -> None:
        self.tlp = TLP(tlp)
        self.organisations = list(organisations)
        self.audiences = list(audiences)
        self.region = bool(region)
        self.community = bool(community)
        self.recipients = list(recipients)

    @classmethod
    def of(cls, obj: Any) -> Sharing:
        if obj.pk is None:
            return cls(obj.tlp, region=obj.audience_region, community=obj.audience_community)
        return cls(obj.tlp, organisations=obj.audience_organisations.all(), audiences=obj.audiences.all(),
                   region=obj.audience_region, community=obj.audience_community, recipients=obj.recipients.all())

    def apply(self, obj: Any, *, by: Any = None, source: Any = None) -> None:
        """Store this label and audience on a new object made from ``source`` (a relabel is ``share_set``),
        audited."""
        obj.tlp, obj.audience_region, obj.audience_community = self.tlp.value, self.region, self.community
        obj.save(update_fields=["tlp", "audience_region", "audience_community"])
        obj.audience_organisations.set(self.organisations)
        obj.audiences.set(self.audiences)
        obj.recipients.set(self.recipients)
        audit.record(user=by, action="share-inherit", obj=obj, changes={
            "tlp": self.tlp.value, "organisations": sorted(o.slug for o in self.organisations),
            "audiences": sorted(a.slug for a in self.audiences), "region": self.region,
            "community": self.community, "recipients": sorted(u.get_username() for u in self.recipients),
            "source": f"{source._meta.label_lower}:{source.uuid}" if source is not None else None})


def _pk(x: Any) -> int:
    return int(x if isinstance(x, int) else x.pk)


def _audience_members(audience_ids: set[int]) -> set[int]:
    """Member organisations of audiences, including the members of audiences they include."""
    edges = list(Audience.includes.through.objects.values_list("from_audience_id", "to_audience_id"))
    todo, seen = set(audience_ids), set()
    while todo:
        a = todo.pop()
        seen.add(a)
        todo |= {child for parent, child in edges if parent == a and child not in seen}
    return set(Audience.organisations.through.objects.filter(audience_id__in=seen)
               .values_list("organisation_id", flat=True))


def _region_orgs(owner_id: int) -> set[int]:
    regions = Organisation.regions.through.objects.filter(organisation_id=owner_id).values_list("area_id", flat=True)
    return set(Organisation.regions.through.objects.filter(area_id__in=list(regions))
               .values_list("organisation_id", flat=True))


_EVERYONE = None  # a reach of every organisation (TLP:GREEN with the whole community)


def _reach(owner_id: int, created_by_id: int | None, s: Sharing) -> tuple[set[int] | None, set[int]]:
    """Who may see an object with this sharing: (organisations or _EVERYONE, named individuals).

    The same rule as :func:`visible_q`, as sets (for CLEAR the caller needs no reach)."""
    if s.tlp == TLP.RED:
        users = {_pk(u) for u in s.recipients}
        if created_by_id is not None:
            users.add(created_by_id)
        return set(), users
    if s.tlp == TLP.GREEN and s.community:
        return _EVERYONE, set()
    orgs = {owner_id} | {_pk(o) for o in s.organisations} | _audience_members({_pk(a) for a in s.audiences})
    if s.region:
        orgs |= _region_orgs(owner_id)
    return orgs, set()


def _admits(source: Any, owner_id: int, created_by_id: int | None, s: Sharing) -> bool:
    """Does ``s`` (on an object of ``owner_id``) show it only to people who may see ``source``?"""
    label = TLP(source.tlp)
    if s.tlp.rank < label.rank:
        return False
    if label == TLP.CLEAR:
        return True
    src_orgs, src_users = _reach(source.owner_id, source.created_by_id, Sharing.of(source))
    orgs, users = _reach(owner_id, created_by_id, s)
    if s.tlp == TLP.RED:  # every named person must see the source
        if label == TLP.RED:
            return users <= src_users
        if src_orgs is _EVERYONE:
            return all(Membership.objects.filter(user_id=u).exists() for u in users)
        return all(Membership.objects.filter(user_id=u, organisation_id__in=src_orgs).exists() for u in users)
    if src_orgs is _EVERYONE:
        return True
    return orgs is not _EVERYONE and orgs <= src_orgs


def sharing_sources(obj: Any) -> list[Any]:
    """The objects this one was made from (the model's ``SHARING_SOURCES`` fields that are set)."""
    found = []
    for name in getattr(type(obj), "SHARING_SOURCES", ()):
        source = getattr(obj, name, None)
        if source is not None:
            found.append(source)
    return found


def ceiling_message(source: Any) -> str:
    return _("Dit object is gemaakt uit een bron met %(label)s: het krijgt minstens dat label en geen ruimer "
             "publiek dan de bron.") % {"label": TLP(source.tlp).label}


def check_ceiling(obj: Any, sharing: Sharing | None = None, sources: list[Any] | None = None) -> None:
    """Refuse (CeilingError) a label and audience for ``obj`` wider than any of its sources allows.

    Narrowing a stored object is always allowed (also when its source has been narrowed since)."""
    if sharing is not None and obj.pk is not None and _admits(obj, obj.owner_id, obj.created_by_id, sharing):
        return
    sharing = sharing or Sharing.of(obj)
    for source in sharing_sources(obj) if sources is None else sources:
        if not _admits(source, obj.owner_id, obj.created_by_id, sharing):
            raise CeilingError(ceiling_message(source), field="tlp")  # the label asked for is the problem


def may_pass_on(user: Any, source: Any, into: Organisation) -> bool:
    """May ``user`` make something for ``into`` from ``source``?

    CLEAR, GREEN and AMBER: whoever sees the source. AMBER+STRICT and RED stay with the source's owner:
    only a member of it who sees the source makes a copy, and only for that owner. Without a person
    (demo, command line) only the organisation rule applies."""
    if user is not None and getattr(user, "is_authenticated", False) and not can_view(user, source):
        return False
    if TLP(source.tlp) in _PASSED_ON:
        return True
    if into.pk != source.owner_id:
        return False
    return user is None or not getattr(user, "is_authenticated", False) or source.owner_id in actor_for(user).org_ids


def inherit_sharing(user: Any, source: Any, into: Organisation, tlp: TLP | str | None = None,
                    created_by: Any = None) -> Sharing:
    """THE rule for copies: the label and audience of a new object of ``into`` made from ``source``.

    At least the source's label (or the more restrictive ``tlp`` asked for); the source's audience when
    the copy stays with the same owner, only the owner's own organisation otherwise; for TLP:RED the
    source's author and named recipients. Refuses (CeilingError) when ``user`` may not pass it on."""
    label = TLP(source.tlp)
    if not may_pass_on(user, source, into):
        raise CeilingError(_("U mag deze bron (%(label)s) niet doorgeven: TLP:AMBER+STRICT en TLP:RED blijven "
                             "bij de eigenaar en de genoemde ontvangers.") % {"label": label.label})
    wanted = TLP(tlp) if tlp else label
    result = Sharing(max(wanted, label, key=lambda t: t.rank))
    if into.pk == source.owner_id:
        src = Sharing.of(source)
        if result.tlp == TLP.RED:
            if label == TLP.RED:
                result.recipients = [*src.recipients, *([source.created_by] if source.created_by_id else [])]
        else:
            result.organisations, result.audiences, result.region = src.organisations, src.audiences, src.region
            result.community = src.community and result.tlp == TLP.GREEN
    by = created_by if created_by is not None else user
    by_id = by.pk if by is not None and getattr(by, "is_authenticated", False) else None
    if not _admits(source, into.pk, by_id, result):  # e.g. ``into`` is not among the source's recipients
        raise CeilingError(ceiling_message(source))
    return result


def sharing_floor(obj: Any) -> TLP:
    """The most open label ``obj`` may carry: the most restrictive label of its sources (CLEAR if none)."""
    return max((TLP(s.tlp) for s in sharing_sources(obj)), key=lambda t: t.rank, default=TLP.CLEAR)


def visible_within(user: Any, organisation: Organisation, queryset: QuerySet[M]) -> QuerySet[M]:
    """What ``user`` sees AND ``organisation`` as a whole sees (plus the RED objects naming ``user``):
    the parts a product of that organisation made by this user (a report) may hold."""
    org_actor = Actor(None, organisation_ids=[organisation.pk])
    model = queryset.model
    if user is None:  # the platform (command line): what the organisation sees, never RED
        return queryset.filter(_visible_q(org_actor, model))
    red_mine = Q(tlp=TLP.RED.value) & visible_q(user, model)
    return queryset.filter(visible_q(user, model)).filter(_visible_q(org_actor, model) | red_mine)


def withheld_audit_events(user: Any, events: Any) -> set[int]:
    """Primary keys of the audit events whose object this reader may not see: the log shows them withheld.

    An event of a shareable object is readable when the object is visible to the reader; an event of a
    part of one (an assessment of a scenario, an answer to a question of a case) when that object is. An
    object that no longer exists is withheld too (its label can no longer be checked)."""
    withheld: set[int] = set()
    for event in events:
        try:
            model = apps.get_model(event.object_type) if event.object_type else None
        except (LookupError, ValueError):
            model = None
        if model is None or not event.object_id:
            continue
        if issubclass(model, Shareable):
            if not _visible_by_id(user, model, event.object_id):
                withheld.add(event.pk)
            continue
        parent = _shareable_parent(model, event.object_id)
        if parent is not None and not can_view(user, parent):
            withheld.add(event.pk)
    return withheld


def _lookup(model: type[Model], object_id: str) -> Q:
    if any(f.name == "uuid" for f in model._meta.fields):
        try:
            return Q(uuid=_uuid.UUID(object_id))
        except ValueError:
            pass
    return Q(pk=object_id) if object_id.isdigit() else Q(pk__in=[])


def _visible_by_id(user: Any, model: type[Model], object_id: str) -> bool:
    return visible(user, model._default_manager.filter(_lookup(model, object_id))).exists()


def _shareable_parent(model: type[Model], object_id: str, depth: int = 0) -> Any:
    """The shareable object a non-shareable row belongs to (following foreign keys, two steps at most)."""
    if depth > 1:
        return None
    fks = [f for f in model._meta.fields if f.is_relation and f.many_to_one and f.name not in ("user", "owner")]
    if not fks:
        return None
    row = model._default_manager.filter(_lookup(model, object_id)).first()
    if row is None:
        return None
    for f in fks:
        target = f.related_model
        if isinstance(target, type) and issubclass(target, Shareable):
            value = getattr(row, f.name)
            if value is not None:
                return value
    for f in fks:
        target = f.related_model
        value = getattr(row, f.name, None)
        if value is not None and isinstance(target, type):
            found = _shareable_parent(target, str(getattr(value, "uuid", None) or value.pk), depth + 1)
            if found is not None:
                return found
    return None
