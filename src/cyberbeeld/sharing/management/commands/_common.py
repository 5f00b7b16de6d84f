"""Shared helpers of the exchange commands: resolve the organisation and the member acting for it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from cyberbeeld.accounts.models import Membership, Organisation, Role


def organisation_and_member(slug: str, username: str | None) -> tuple[Organisation, Any]:
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"Onbekende organisatie: {slug}")
    members = Membership.objects.filter(organisation=org).select_related("user")
    if username:
        m = members.filter(user__username=username).first()
        if m is None:
            raise CommandError(f"{username} is geen lid van {slug}")
        return org, m.user
    ranked = sorted(members, key=lambda m: (-Role.rank(m.role), m.user.username))
    if not ranked:
        raise CommandError(f"{slug} heeft geen leden; de export handelt namens een lid (gebruik --user)")
    return org, ranked[0].user


def user_by_name(username: str | None) -> Any:
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()
