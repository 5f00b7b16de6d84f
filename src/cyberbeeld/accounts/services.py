"""Every write to organisations, memberships and audiences: in a transaction, with an audit event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cyberbeeld.common import jobs

from . import audit, policy
from .models import Audience, Membership, Organisation, OrganisationTheme, Role
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
        raise PermissionError(_("Alleen een coördinator of beheerder van de eigenaar wijzigt label en publiek."))
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
