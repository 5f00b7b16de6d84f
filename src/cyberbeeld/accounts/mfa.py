"""Two-factor authentication for local accounts: TOTP (django-otp) and single-use recovery codes.

Who must do what is decided per request by :func:`state` (``SecondFactorMiddleware``): a person with a
confirmed authenticator enters a code after the password; a person with a role in
``settings.MFA_REQUIRED_ROLES`` (beheerder) and no authenticator enrols first. Single sign-on sessions are
exempt (the provider authenticated them). Every write is transactional and audited.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Value
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .models import Membership, Organisation, RecoveryCode, RecoveryCodeDevice

SESSION_VERIFIED = "cyberbeeld_mfa_user"  # the user id whose second factor this session has verified
RECOVERY_CODES = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols: 5 bits each, no 0/O or 1/I confusion
_CODE_LENGTH = 16  # 80 bits: a stolen hash cannot be reversed by trying codes

OK, VERIFY, ENROL = "ok", "verify", "enrol"


def has_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_required(user: Any) -> bool:
    roles = list(getattr(settings, "MFA_REQUIRED_ROLES", ()))
    return bool(roles) and Membership.objects.filter(user=user, role__in=roles).exists()


def organisations_with_facts(user: Any) -> list[Any]:
    """The user's organisations by name (area and house style joined, the logo's bytes left out), each annotated
    with ``mfa_role`` (the user's role there) and ``mfa_device`` (the user has a confirmed authenticator): the
    organisations the page shell needs and the second-factor facts of every request in one query."""
    # the role from the membership row the filter joins (one per user and organisation), not a subquery
    return list(Organisation.objects.filter(memberships__user=user).select_related("area", "house_style")
                .defer("house_style__logo")
                .annotate(mfa_role=F("memberships__role"),
                          mfa_device=Exists(TOTPDevice.objects.filter(user=user, confirmed=True)))
                .order_by("name"))


def state(request: HttpRequest, organisations: Callable[[HttpRequest], list[Any]] | None = None) -> str:
    """OK, VERIFY (enter a code first) or ENROL (set up an authenticator first) for a signed-in user.
    ``organisations``: the request's organisation loader (``organisations_with_facts``): its rows answer both
    questions; a user without any organisation is asked in a query of its own."""
    from .sso import SESSION_AUTH  # deferred: cycle sso -> middleware -> mfa -> sso

    user = request.user
    session = request.session
    if session.get(SESSION_AUTH) == "oidc":
        return OK
    if session.get(SESSION_VERIFIED) == user.pk:
        return OK
    orgs = organisations(request) if organisations is not None else []
    if orgs:
        roles = set(getattr(settings, "MFA_REQUIRED_ROLES", ()))
        device = bool(orgs[0].mfa_device)
        required = any(o.mfa_role in roles for o in orgs)
    else:
        device, required = _device_and_required(user)
    if device:
        return VERIFY
    if required:
        return ENROL
    return OK


def _device_and_required(user: Any) -> tuple[bool, bool]:
    """(has a confirmed authenticator, holds a role that requires one): :func:`has_device` and
    :func:`is_required` in one query, as every request of a signed-in user asks both."""
    roles = list(getattr(settings, "MFA_REQUIRED_ROLES", ()))
    required = Exists(Membership.objects.filter(user=OuterRef("pk"), role__in=roles)) if roles else Value(False)
    row = (get_user_model().objects.filter(pk=user.pk)
           .annotate(device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)), required=required)
           .values_list("device", "required").first())
    return (bool(row[0]), bool(row[1])) if row else (False, False)


def mark_verified(request: HttpRequest, device: Any) -> None:
    django_otp.login(request, device)
    request.session[SESSION_VERIFIED] = request.user.pk
    request.session.cycle_key()  # a new session id at the change of privilege


# --- verification -----------------------------------------------------------------------------------


def _normalize(token: str) -> str:
    return "".join(ch for ch in token if ch.isalnum())


def verify(request: HttpRequest, token: str) -> tuple[Any, bool]:
    """(device that accepted the code or None, throttled?). A TOTP code is accepted once (a replayed or
    older code is refused: django-otp keeps the last time step); a recovery code is deleted on use."""
    user = request.user
    token = _normalize(token)
    with transaction.atomic():
        if token.isdigit() and len(token) <= 8:
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if device is None:
                return None, False
            if not device.verify_is_allowed()[0]:
                return None, True
            return (device if device.verify_token(token) else None), False
        recovery = RecoveryCodeDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if recovery is None or not token:
            return None, False
        if not recovery.verify_is_allowed()[0]:
            return None, True
        if recovery.verify_token(token):
            left = recovery.codes.count()
            audit.record(user=user, action="mfa.recovery_code_used", object_type="auth.user",
                         object_id=str(user.pk), object_repr=user.get_username(), changes={"left": left})
            return recovery, False
        return None, False


# --- enrolment ----------------------------------------------------------------------------------------


def pending_device(user: Any) -> TOTPDevice:
    """The authenticator being set up (unconfirmed), created with a fresh random key when there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app that cannot scan."""
    b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def qr_svg(device: TOTPDevice, title: str) -> str:
    """The otpauth:// URI as an inline SVG QR code, made on the server (no external service)."""
    qr = segno.make(device.config_url, error="m")
    svg: str = qr.svg_inline(scale=5, border=4, title=title, dark="#000", light="#fff")
    return svg


def _new_codes() -> list[str]:
    raw = ["".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH)) for _ in range(RECOVERY_CODES)]
    return ["-".join(code[i:i + 4] for i in range(0, _CODE_LENGTH, 4)) for code in raw]


def _replace_recovery_codes(user: Any) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="recovery", confirmed=True,
                                               salt=secrets.token_hex(16))
    codes = _new_codes()
    RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code_hash=device.hash(c)) for c in codes])
    return codes


@transaction.atomic
def confirm(request: HttpRequest, device_id: int, token: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from the app: it replaces any earlier one, new
    recovery codes are made (returned in clear once, stored hashed), and this session counts as verified."""
    user = request.user
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or not device.verify_token(_normalize(token)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_recovery_codes(user)
    audit.record(user=user, action="mfa.enrol", object_type="auth.user", object_id=str(user.pk),
                 object_repr=user.get_username(), changes={"device": "totp", "recovery_codes": len(codes)})
    mark_verified(request, device)
    return codes


@transaction.atomic
def regenerate_recovery_codes(user: Any) -> list[str]:
    codes = _replace_recovery_codes(user)
    audit.record(user=user, action="mfa.recovery_codes", object_type="auth.user", object_id=str(user.pk),
                 object_repr=user.get_username(), changes={"recovery_codes": len(codes)})
    return codes


@transaction.atomic
def disable(user: Any) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    audit.record(user=user, action="mfa.disable", object_type="auth.user", object_id=str(user.pk),
                 object_repr=user.get_username())
