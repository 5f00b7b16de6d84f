"""Single sign-on with OpenID Connect (mozilla-django-oidc), configured by ``accounts.oidc_config``.

The backend verifies the ID token completely (signature with the provider's JWKS, issuer, audience,
authorised party, expiry, issue time, nonce; PKCE and state are checked by the provider and
mozilla-django-oidc), then maps the organisation claim to memberships. A person whose claim maps to no
organisation known here is refused (:class:`Refused`): nothing is created. Otherwise the account is
created or updated, and its memberships set to what the provider says, in one transaction with audit
events.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from cyberbeeld.common.errors import NotAllowed

from . import audit
from .middleware import SESSION_KEY
from .models import ExternalIdentity, Membership, Organisation
from .oidc_config import OidcConfig, claim_values, memberships_from_claims

log = logging.getLogger(__name__)

SESSION_AUTH = "cyberbeeld_auth"  # "oidc" for a single sign-on session (no local second factor asked)
SESSION_ACR = "cyberbeeld_acr"


def config() -> OidcConfig | None:
    return getattr(settings, "CYBERBEELD_OIDC", None)


def enabled() -> bool:
    return config() is not None


def provider_name() -> str:
    cfg = config()
    return (cfg.provider_name if cfg else "") or _("uw organisatie")


class Refused(NotAllowed):
    """A login the provider vouched for, but that this deployment does not accept (``message`` in the
    request's language)."""

    code = "sso-refused"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(str(message), code=f"sso-{reason}")
        self.args = (reason,)
        self.reason = reason
        self.message = message


@dataclass
class LoginResult:
    organisation: Organisation
    role: str
    acr: str
    created: bool


class OidcBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with full ID-token checks and claim-based memberships."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.cfg = config()
        if self.cfg is not None:  # the parent reads (and requires) the OIDC_* settings
            super().__init__(*args, **kwargs)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if self.cfg is None or request is None:
            return None
        return super().authenticate(request, **kwargs)

    # --- the ID token -----------------------------------------------------------------------------
    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        assert self.cfg is not None
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.cfg.sign_algo:
            raise SuspiciousOperation(f"ID token algorithm {header.get('alg')!r} is not {self.cfg.sign_algo}")
        try:
            claims: dict[str, Any] = jwt.decode(
                payload, key, algorithms=[self.cfg.sign_algo], audience=self.cfg.client_id,
                issuer=self.cfg.issuer, leeway=self.cfg.leeway,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.cfg.client_id:
            raise SuspiciousOperation("ID token with several audiences and another authorised party")
        return claims

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint when one is configured (whose ``sub``
        must be the ID token's, OpenID Connect Core 5.3.2)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo 'sub' differs from the ID token's")
            for key, value in info.items():
                claims.setdefault(key, value)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    # --- the account --------------------------------------------------------------------------------
    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        assert self.cfg is not None
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("claims without 'sub'")
        acr = claims.get("acr") if isinstance(claims.get("acr"), str) else ""
        if self.cfg.required_acr and acr not in self.cfg.required_acr:
            raise Refused("acr", _("Het betrouwbaarheidsniveau van deze inlog is te laag voor Cyberbeeld."))
        wanted = memberships_from_claims(self.cfg, claims)
        orgs = {o.slug: o for o in Organisation.objects.filter(slug__in=wanted)}
        wanted = {slug: role for slug, role in wanted.items() if slug in orgs}
        if not wanted:
            # the claim values are not personal data (group or organisation codes) and help the beheerder
            audit.record(user=None, action="login.oidc.refused", object_type="auth.user",
                         changes={"reason": "unknown_organisation",
                                  "values": claim_values(claims, self.cfg.organisation_claim)[:10]})
            raise Refused("unknown_organisation", _(
                "Uw organisatie is (nog) niet aangesloten op deze Cyberbeeld-omgeving. Er is geen account "
                "aangemaakt. Neem contact op met de beheerder van uw organisatie."))
        user, created = self._save(claims, wanted, orgs, acr)
        first = min(wanted, key=lambda slug: orgs[slug].name)
        self.request.cyberbeeld_oidc = LoginResult(orgs[first], wanted[first], acr, created)
        return user

    @transaction.atomic
    def _save(self, claims: dict[str, Any], wanted: dict[str, str], orgs: dict[str, Organisation],
              acr: str) -> tuple[Any, bool]:
        assert self.cfg is not None
        User = get_user_model()
        identity = (ExternalIdentity.objects.select_for_update().select_related("user")
                    .filter(issuer=self.cfg.issuer, subject=claims["sub"]).first())
        fields = {
            "email": _claim(claims, self.cfg.email_claim)[:254],
            "first_name": _claim(claims, self.cfg.given_name_claim)[:150],
            "last_name": _claim(claims, self.cfg.family_name_claim)[:150],
        }
        created = identity is None
        if identity is None:
            user = User(username=self._free_username(claims), **fields)
            user.set_unusable_password()  # signs in through the provider only
            user.save()
            identity = ExternalIdentity.objects.create(user=user, issuer=self.cfg.issuer, subject=claims["sub"])
            audit.record(user=None, action="create", obj=user, object_repr=user.get_username(),
                         changes={"via": "oidc", "issuer": self.cfg.issuer})
        else:
            user = identity.user
            if not user.is_active:
                raise Refused("inactive", _("Dit account is uitgeschakeld. Neem contact op met uw beheerder."))
            changed = {k: [getattr(user, k), v] for k, v in fields.items() if v and getattr(user, k) != v}
            if changed:
                for key, (_old, new) in changed.items():
                    setattr(user, key, new)
                user.save(update_fields=list(changed))
                audit.record(user=None, action="update", obj=user, object_repr=user.get_username(),
                             changes={k: "…" for k in changed})  # which fields, not their (personal) values
        # memberships: exactly what the provider says
        current = {m.organisation.slug: m for m in Membership.objects.filter(user=user).select_related("organisation")}
        for slug, role in wanted.items():
            m = current.get(slug)
            if m is None or m.role != role:
                m, was_new = Membership.objects.update_or_create(user=user, organisation=orgs[slug],
                                                                 defaults={"role": role})
                audit.record(user=None, action="create" if was_new else "update", obj=m, organisation=orgs[slug],
                             changes={"user": user.get_username(), "role": role, "via": "oidc"})
        for slug, m in current.items():
            if slug not in wanted:
                audit.record(user=None, action="delete", obj=m, organisation=m.organisation,
                             changes={"user": user.get_username(), "role": m.role, "via": "oidc"})
                m.delete()
        identity.last_login_at = timezone.now()
        identity.last_acr = acr[:255]
        identity.save(update_fields=["last_login_at", "last_acr"])
        return user, created

    def _free_username(self, claims: dict[str, Any]) -> str:
        assert self.cfg is not None
        User = get_user_model()
        base = (_claim(claims, self.cfg.username_claim) or str(claims["sub"]))[:120]
        if not User.objects.filter(username=base).exists():
            return base
        # never the account of someone else with that name: a suffix from issuer and subject
        digest = hashlib.sha256(f"{self.cfg.issuer}|{claims['sub']}".encode()).hexdigest()[:8]
        return f"{base}-{digest}"


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


# --- views --------------------------------------------------------------------------------------------


def refusal(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "accounts/oidc_refused.html",
                  {"message": message, "provider": provider_name()}, status=status)


class LoginStartView(OIDCAuthenticationRequestView):
    """Redirects to the provider (state, nonce, PKCE S256 challenge kept in the session)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if enabled():
            super().__init__(*args, **kwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: a refusal page (NL/EN) instead of a bare 400 for every failure."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not enabled():
            raise Http404
        # the language of the page the person came from (the callback URL has none of its own)
        lang = translation.get_language_from_path(request.session.get("oidc_login_next") or "")
        if lang:
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        try:
            return super().dispatch(request, *args, **kwargs)
        except Refused as exc:
            log.warning("single sign-on refused: %s", exc.reason)
            return refusal(request, exc.message)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, ValueError, KeyError) as exc:
            # a tampered or expired token, a wrong nonce or audience, an unreachable provider: no details
            # for the browser (they help an attacker), the reason in the log and the audit log
            log.warning("single sign-on failed: %s", exc)
            audit.record(user=None, action="login.oidc.refused", object_type="auth.user",
                         changes={"reason": type(exc).__name__, "detail": str(exc)[:200]})
            return refusal(request, _("De inlog bij de identiteitsprovider kon niet worden gecontroleerd. "
                                      "Probeer het opnieuw of neem contact op met uw beheerder."))

    def login_failure(self) -> HttpResponse:
        if self.request.GET.get("error"):
            return refusal(self.request, _("De identiteitsprovider heeft de inlog afgebroken."))
        return refusal(self.request, _("De inlog bij de identiteitsprovider kon niet worden gecontroleerd. "
                                       "Probeer het opnieuw of neem contact op met uw beheerder."))

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        result: LoginResult | None = getattr(self.request, "cyberbeeld_oidc", None)
        session = self.request.session
        session[SESSION_AUTH] = "oidc"
        if result is not None:
            session[SESSION_ACR] = result.acr
            session[SESSION_KEY] = result.organisation.slug
            audit.record(user=self.user, action="login.oidc", object_type="auth.user", object_id=str(self.user.pk),
                         object_repr=self.user.get_username(), organisation=result.organisation,
                         changes={"acr": result.acr, "role": result.role, "created": result.created})
        return response
