"""Every write to organisations, memberships and audiences: in a transaction, with an audit event."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from cyberbeeld.common import jobs
from cyberbeeld.common.errors import Conflict, NotAllowed, NotYours

from . import audit, policy
from .models import Audience, Membership, Organisation, OrganisationTheme, Role
from .policy import actor_for
from .tlp import TLP


@transaction.atomic
def organisation_create(
    *, by: Any, kind: str, name: str, slug: str = "", area: Any = None, regions: Iterable[Any] = (),
    is_example: bool = False,
) -> Organisation:
    org = Organisation.objects.create(
        kind=kind, name=name, slug=slug or slugify(name), area=area, is_example=is_example
    )
    org.regions.set(list(regions))
    audit.record(user=by, action="create", obj=org, organisation=org,
                 changes={"kind": kind, "name": name, "regions": [r.code for r in regions]})
    return org


@transaction.atomic
def organisation_set_area(*, by: Any, organisation: Organisation, area: Any) -> Organisation:
    """The gemeente an organisation stands for, chosen once by its beheerder at the start (audited); its
    veiligheidsregio becomes its own region for sharing. A chosen gemeente is not changed here."""
    if organisation.area_id is not None:
        raise Conflict("De gemeente van deze organisatie is al gekozen.",
                       "This organisation's gemeente has already been chosen.")
    if by is not None and getattr(by, "is_authenticated", False):
        if not actor_for(by).has_role(organisation.pk, Role.COORDINATOR):
            raise NotAllowed("Alleen een beheerder of coördinator van de organisatie kiest haar gemeente.",
                             "Only a beheerder or coordinator of the organisation chooses its gemeente.")
    organisation.area = area
    organisation.save(update_fields=["area"])
    regions = [area.veiligheidsregio] if getattr(area, "veiligheidsregio", None) is not None else []
    organisation.regions.add(*regions)
    audit.record(user=by, action="update", obj=organisation, organisation=organisation,
                 changes={"area": area.code, "regions": [r.code for r in regions]})
    return organisation


@transaction.atomic
def membership_set(*, by: Any, user: Any, organisation: Organisation, role: str) -> Membership:
    Role(role)  # validates
    membership, created = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    audit.record(user=by, action="create" if created else "update", obj=membership, organisation=organisation,
                 changes={"user": user.get_username(), "role": role})
    return membership


@transaction.atomic
def membership_remove(*, by: Any, membership: Membership) -> None:
    org = membership.organisation
    audit.record(user=by, action="delete", obj=membership, organisation=org,
                 changes={"user": membership.user.get_username()})
    membership.delete()


@transaction.atomic
def user_create(*, by: Any, username: str, password: str, email: str = "", first_name: str = "",
                last_name: str = "") -> Any:
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email, first_name=first_name, last_name=last_name
    )
    audit.record(user=by, action="create", object_type="auth.user", object_id=str(user.pk),
                 object_repr=username, changes={"username": username, "email": email})
    return user


@transaction.atomic
def audience_save(
    *, by: Any, owner: Organisation, name: str, organisations: Iterable[Organisation] = (),
    includes: Iterable[Audience] = (), confidential: bool = False, description: str = "",
    audience: Audience | None = None, slug: str = "",
) -> Audience:
    orgs, incl = list(organisations), list(includes)
    if audience is None:
        audience = Audience.objects.create(owner=owner, name=name, slug=slug or slugify(name),
                                           confidential=confidential, description=description)
        action, before = "create", {}
    else:
        before = {"name": audience.name, "confidential": audience.confidential,
                  "organisations": sorted(o.slug for o in audience.organisations.all()),
                  "includes": sorted(a.slug for a in audience.includes.all())}
        audience.name, audience.confidential, audience.description = name, confidential, description
        audience.save()
        action = "update"
    if audience in incl or any(_includes(a, audience) for a in incl):
        raise ValueError("An audience cannot include itself.")
    audience.organisations.set(orgs)
    audience.includes.set(incl)
    after = {"name": name, "confidential": confidential, "organisations": sorted(o.slug for o in orgs),
             "includes": sorted(a.slug for a in incl)}
    audit.record(user=by, action=action, obj=audience, organisation=owner, changes=audit.diff(before, after))
    return audience


def _includes(audience: Audience, target: Audience, seen: set[int] | None = None) -> bool:
    seen = seen or set()
    for child in audience.includes.all():
        if child.pk == target.pk:
            return True
        if child.pk not in seen:
            seen.add(child.pk)
            if _includes(child, target, seen):
                return True
    return False


@transaction.atomic
def share_set(
    *, by: Any, obj: Any, tlp: str, organisations: Iterable[Organisation] = (),
    audiences: Iterable[Audience] = (), region: bool = False, community: bool = False,
    recipients: Iterable[Any] = (),
) -> None:
    """Set the TLP label and audience of any Shareable object (narrow or widen), audited.

    The one way a label or audience changes: only a coördinator or beheerder of the owner (a call
    without a person is the platform itself: demo, command line), and never above the ceiling of what
    the object was made from (``policy.check_ceiling``)."""
    TLP(tlp)
    if getattr(by, "is_authenticated", False) and not policy.can_share(by, obj):
        raise NotAllowed("Alleen een coördinator of beheerder van de eigenaar wijzigt label en publiek.",
                         "Only a coordinator or beheerder of the owner changes label and audience.")
    orgs, auds, users = list(organisations), list(audiences), list(recipients)
    policy.check_ceiling(obj, policy.Sharing(tlp, organisations=orgs, audiences=auds, region=region,
                                             community=community, recipients=users))
    before = {
        "tlp": obj.tlp, "organisations": sorted(o.slug for o in obj.audience_organisations.all()),
        "audiences": sorted(a.slug for a in obj.audiences.all()), "region": obj.audience_region,
        "community": obj.audience_community,
        "recipients": sorted(u.get_username() for u in obj.recipients.all()),
    }
    obj.tlp, obj.audience_region, obj.audience_community = tlp, region, community
    obj.save(update_fields=["tlp", "audience_region", "audience_community", "updated_at"])
    obj.audience_organisations.set(orgs)
    obj.audiences.set(auds)
    obj.recipients.set(users)
    after = {"tlp": tlp, "organisations": sorted(o.slug for o in orgs), "audiences": sorted(a.slug for a in auds),
             "region": region, "community": community, "recipients": sorted(u.get_username() for u in users)}
    audit.record(user=by, action="share", obj=obj, changes=audit.diff(before, after))


def stored_sharing(obj: Any) -> tuple[str, bool]:
    """The label and region flag as stored (a ModelForm has already copied its input onto ``obj``)."""
    row = type(obj)._default_manager.filter(pk=obj.pk).values_list("tlp", "audience_region").first()
    return (row[0], row[1]) if row else (obj.tlp, obj.audience_region)


def relabel(*, by: Any, obj: Any, tlp: str, region: bool | None = None) -> bool:
    """An edit form's label (and region flag) as a share: through ``share_set`` (coördinator of the owner,
    within the ceiling, audited), keeping the rest of the audience. Returns whether anything changed."""
    region = obj.audience_region if region is None else region
    if TLP(tlp).value == obj.tlp and region == obj.audience_region:
        return False
    label = TLP(tlp)
    red = label == TLP.RED
    share_set(by=by, obj=obj, tlp=label.value, organisations=[] if red else list(obj.audience_organisations.all()),
              audiences=[] if red else list(obj.audiences.all()), region=False if red else region,
              community=obj.audience_community and label == TLP.GREEN,
              recipients=list(obj.recipients.all()) if red else [])
    return True


def take_sharing(obj: Any, data: dict[str, Any]) -> dict[str, Any]:
    """For an update: take the label and region flag out of ``data`` (they change only through
    :func:`relabel`) and put the stored values back on ``obj``. Returns what was asked for."""
    if obj is None or obj.pk is None:
        return {}
    wanted = {}
    if "tlp" in data:
        wanted["tlp"] = data.pop("tlp")
    if "audience_region" in data:
        wanted["region"] = data.pop("audience_region")
    obj.tlp, obj.audience_region = stored_sharing(obj)
    return wanted


def give_sharing(*, by: Any, obj: Any, wanted: dict[str, Any]) -> None:
    """After the update is saved: the label change :func:`take_sharing` held back, as a share."""
    if wanted:
        relabel(by=by, obj=obj, tlp=wanted.get("tlp") or obj.tlp, region=wanted.get("region"))


def _snapshot(fields: Iterable[str]) -> Callable[[Any], dict[str, Any]]:
    return lambda obj: {f: getattr(obj, f) for f in fields}


_S = TypeVar("_S")


def save_shareable(obj: _S | None, *, model: type[_S] | None = None, by: Any, owner: Organisation, data: dict[str, Any],
                   fields: Iterable[str], extra_fields: Iterable[str] = (), is_example: bool = False,
                   noun: str = "", snapshot: Callable[[Any], dict[str, Any]] | None = None,
                   stored: Callable[[Any], Any] | None = None,
                   prepare: Callable[[Any, dict[str, Any], str], None] | None = None,
                   clean_exclude: Iterable[str] = ("owner", "created_by"),
                   after_save: Callable[[Any], dict[str, Any] | None] | None = None,
                   conceal: Iterable[str] = (),
                   finish: Callable[[Any, dict[str, Any]], object] | None = None) -> _S:
    """The one "save a Shareable object, diff, audit" of every app: create or update ``obj`` (``None``
    or unsaved: a new object of ``model``, owned by ``owner``), all or nothing, audited.

    1. ``data`` holds only ``fields`` (and ``extra_fields``), else ``ValueError``; on an update the label
       and region flag are taken out of it (they change only as a share, :func:`take_sharing`);
    2. an update of another organisation's object is refused (:class:`~cyberbeeld.common.errors.NotYours`,
       a 404 like every read of it);
    3. ``data`` goes onto the object, ``prepare(obj, before, action)`` derives what the app derives
       (redaction, defaults), ``full_clean`` validates (before the write transaction);
    4. in one transaction: save, ``after_save(obj)`` (many-to-many sets; returns extra change entries),
       the diff of ``snapshot`` before and after (``conceal``: fields whose text the audit log never holds),
       one audit event (``create``/``update``), the held-back label change as a share, ``finish``.

    ``before`` is taken from ``stored(obj)`` when given (the row as stored: a ModelForm has already copied
    its input onto ``obj``)."""
    target: Any = obj  # one of the Shareable models (mypy sees _S: the caller's own type)
    data = dict(data)
    fields = list(fields)
    snapshot = snapshot or _snapshot(fields)
    unknown = set(data) - set(fields) - set(extra_fields)
    if unknown:
        raise ValueError(f"unknown {noun + ' ' if noun else ''}fields: {sorted(unknown)}")
    wanted = take_sharing(target, data)  # a label changes only as a share (coördinator, within the ceiling)
    if target is None or target.pk is None:
        if target is None:
            assert model is not None, "save_shareable needs the model to make a new object"
            target = model()
        target.owner = owner
        target.created_by = by if getattr(by, "is_authenticated", False) else None
        target.is_example = is_example
        before: dict[str, Any] = {}
        action = "create"
    else:
        if target.owner_id != owner.pk:
            raise NotYours()  # the same answer as for a missing object: a write reveals no more than a read
        before = snapshot(stored(target) if stored else target)
        action = "update"
    for key, value in data.items():
        setattr(target, key, value)
    if prepare is not None:
        prepare(target, before, action)
    target.full_clean(exclude=list(clean_exclude))
    with transaction.atomic():
        target.save()
        extra = (after_save(target) or {}) if after_save is not None else {}
        changes = audit.diff(before, snapshot(target))
        for key in conceal:  # the audit log never holds this text itself
            if key in changes:
                changes[key] = ["…", "…"]
        changes.update(extra)
        audit.record(user=by, action=action, obj=target, changes=changes)
        give_sharing(by=by, obj=target, wanted=wanted)
        if finish is not None:
            finish(target, before)
    return target  # type: ignore[no-any-return]


THEME_FIELDS = ("display_name", "primary_color", "logo_alt", "website_url", "contact_url", "privacy_url",
                "accessibility_url")


@transaction.atomic
def theme_save(*, by: Any, organisation: Organisation, data: dict[str, Any], logo: tuple[bytes, str] | None = None,
               remove_logo: bool = False) -> Any:
    """Set an organisation's house style; the audit event lists what changed (the logo as 'new'/'removed')."""
    theme, created = OrganisationTheme.objects.select_for_update().get_or_create(organisation=organisation)
    changes: dict[str, Any] = {}
    for name in THEME_FIELDS:
        if name in data and getattr(theme, name) != data[name]:
            changes[name] = data[name]
            setattr(theme, name, data[name])
    if logo is not None:
        theme.logo, theme.logo_type = logo
        changes["logo"] = "new"
    elif remove_logo and theme.logo:
        theme.logo, theme.logo_type = b"", ""
        changes["logo"] = "removed"
    theme.save()
    audit.record(user=by, action="create" if created else "update", obj=theme, organisation=organisation,
                 changes=changes)
    return theme


def job_cancel(job: Any, *, by: Any) -> bool:
    """A user cancels a queued or running job (audited; the life cycle is ``common.jobs``)."""
    with transaction.atomic():
        ok = jobs.cancel(job)
        if ok:
            audit.record(user=by, action="job-cancel", obj=job, organisation=jobs.organisation_of(job),
                         changes={"job": jobs.kind_of(job).key})
    return ok


def job_retry(job: Any, *, by: Any) -> bool:
    """A user queues a failed or cancelled job again (audited)."""
    if not jobs.can_retry(job):
        return False
    with transaction.atomic():
        ok = jobs.retry(job)
        if ok:
            audit.record(user=by, action="job-retry", obj=job, organisation=jobs.organisation_of(job),
                         changes={"job": jobs.kind_of(job).key})
    return ok
