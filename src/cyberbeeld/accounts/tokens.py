"""API tokens: create (the secret shown once), revoke, and resolve a presented token to who it acts as.

Scopes are ``<family>:read`` and ``<family>:write`` for each resource family of the API; ``write`` includes
``read``. Reference data (areas) and ``/me`` need only a valid token. A token acts for its organisation
only, through the same :mod:`cyberbeeld.accounts.policy` as the pages (see :func:`policy.bind_token`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common import problems
from cyberbeeld.common.errors import ApplicationError, NotAllowed

from . import audit, policy
from .models import ApiToken, Membership, Organisation, Role

FAMILIES: dict[str, Any] = {
    "incidents": _("incidenten"),
    "indicators": _("indicatoren en waarnemingen"),
    "risks": _("scenario's en beoordelingen"),
    "actions": _("maatregelen en oefeningen"),
    "sharing": _("casussen en aanpakken"),
}
SCOPES = [f"{family}:{level}" for family in FAMILIES for level in ("read", "write")]
PREFIX = "cbt_"
DEFAULT_DAYS = 90
MAX_DAYS = 366
# last_used_at is written at most this often per token: no write (lock) on every API request
TOUCH_EVERY = dt.timedelta(minutes=1)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_scopes(scopes: Any) -> list[str]:
    wanted = sorted(set(scopes or ()))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scopes: {unknown}")
    return wanted


def may_manage(user: Any, organisation: Organisation) -> bool:
    """API tokens of an organisation are made and revoked by its beheerders."""
    return policy.actor_for(user).has_role(organisation.pk, Role.BEHEERDER)


@transaction.atomic
def token_create(*, by: Any, organisation: Organisation, name: str, scopes: Any, days: int = DEFAULT_DAYS,
                 acting_as: Any = None) -> tuple[ApiToken, str]:
    """A new token for ``organisation``; returns the row and the token text (shown once, never stored).

    ``by`` is None only on the command line (an operator); otherwise a beheerder of the organisation. The
    token acts as ``acting_as`` (default ``by``), who must be a member of the organisation."""
    if by is not None and not may_manage(by, organisation):
        raise NotAllowed("Alleen een beheerder van de organisatie maakt haar API-sleutels.",
                         "Only a beheerder of the organisation makes its API tokens.")
    acting_as = acting_as if acting_as is not None else by
    if acting_as is None or not Membership.objects.filter(user=acting_as, organisation=organisation).exists():
        raise ValueError("a token acts as a member of its organisation")
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    name = (name or "").strip()
    if not name:
        raise ValueError("a token needs a name")
    prefix = secrets.token_hex(6)
    text = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organisation=organisation, name=name[:100], prefix=prefix, secret_hash=_hash(text),
        scopes=normalise_scopes(scopes), created_by=acting_as,
        expires_at=timezone.now() + dt.timedelta(days=int(days)))
    audit.record(user=by, action="api-token-create", obj=token, organisation=organisation,
                 object_repr=str(token), changes={"scopes": token.scopes, "expires_at": token.expires_at.isoformat()})
    return token, text


@transaction.atomic
def token_revoke(*, by: Any, token: ApiToken) -> ApiToken:
    if by is not None and not may_manage(by, token.organisation):
        raise NotAllowed("Alleen een beheerder van de organisatie trekt haar API-sleutels in.",
                         "Only a beheerder of the organisation revokes its API tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by if getattr(by, "is_authenticated", False) else None
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(user=by, action="api-token-revoke", obj=token, organisation=token.organisation,
                     object_repr=str(token))
    return token


class TokenRefused(ApplicationError):
    """A presented token that does not (or no longer) work: 401. ``reason`` names why (a key of
    ``common.problems.DETAILS``)."""

    code = "token-refused"
    status = 401

    def __init__(self, reason: str) -> None:
        super().__init__(*problems.DETAILS.get(reason, (reason, reason)), code=f"token-{reason}")
        self.args = (reason,)
        self.reason = reason


@dataclass(frozen=True)
class Grant:
    token: ApiToken
    user: Any
    role: str

    def allows(self, family: str | None, write: bool) -> bool:
        if family is None:  # reference data and /me: any valid token
            return True
        if f"{family}:write" in self.token.scopes:
            return True
        return not write and f"{family}:read" in self.token.scopes


def resolve(text: str) -> Grant:
    """The grant of a presented token, or :class:`TokenRefused` (malformed, unknown, revoked, expired,
    or its maker no longer a member of the organisation)."""
    text = (text or "").strip()
    if not text.startswith(PREFIX) or text.count("_") < 2 or len(text) > 200:
        raise TokenRefused("malformed")
    prefix = text[len(PREFIX):].split("_", 1)[0]
    token = ApiToken.objects.select_related("organisation", "created_by").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(text)):
        raise TokenRefused("unknown")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("revoked")
    if token.is_expired(now):
        raise TokenRefused("expired")
    user = token.created_by
    membership = None
    if user is not None and user.is_active:
        membership = Membership.objects.filter(user=user, organisation_id=token.organisation_id).first()
    if membership is None:
        raise TokenRefused("orphaned")
    writes = any(s.endswith(":write") for s in token.scopes)
    ceiling = Role.COORDINATOR if writes else Role.LEZER
    role = min(membership.role, ceiling, key=Role.rank)
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    policy.bind_token(user, token.organisation_id, role)
    return Grant(token=token, user=user, role=role)
