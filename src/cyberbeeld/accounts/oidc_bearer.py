"""OIDC access tokens as API credentials: ``Authorization: Bearer <JWT>`` from the configured provider.

Checked like the login checks an ID token (``accounts.sso``): an asymmetric signature (the configured
algorithm only) against the provider's JWKS, the issuer, the audience (``CYBERBEELD_OIDC_API_AUDIENCE``, by
default the client id), expiry and issue time (with the configured leeway), the required ``acr`` if one is
configured. The person is found only by (issuer, subject), as at login, and must be active; a bearer token
never creates an account (a person signs in through the browser once). The organisations and roles come
from the organisation claim through the deployment's mapping, exactly as the login maps them; claim values
that map to no organisation known here are refused. The request then acts for those organisations with those
roles, never as a TLP:RED recipient (``policy.bind_organisations``).

The JWKS is cached per process (``CYBERBEELD_OIDC_JWKS_CACHE_SECONDS``, default 300); a token signed with a
key id the cache does not know makes one refetch (key rotation), at most once per ``REFETCH_SECONDS``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from cyberbeeld.common.errors import ApplicationError

from . import policy
from .models import ExternalIdentity, Organisation
from .oidc_config import OidcConfig, memberships_from_claims

REFETCH_SECONDS = 30.0
MAX_TOKEN_LENGTH = 16_000


class BearerRefused(ApplicationError):
    """A presented access token that is not accepted: 401 (``reason`` names why), or 503 when the
    provider's keys cannot be fetched (``unavailable``)."""

    code = "bearer-refused"
    status = 401

    def __init__(self, reason: str, log_detail: str = "") -> None:
        super().__init__(reason, reason)
        self.reason = reason
        self.log_detail = log_detail


def looks_like_jwt(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 3 and all(parts[:2]) and len(text) <= MAX_TOKEN_LENGTH


class JwksCache:
    """The provider's signing keys by key id, fetched at most every ``ttl`` seconds (and once more for an
    unknown key id, at most every :data:`REFETCH_SECONDS`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, dict[str | None, Any]]] = {}
        self.fetches = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _fetch(self, url: str, timeout: float) -> dict[str | None, Any]:
        self.fetches += 1
        try:
            response = requests.get(url, timeout=timeout)
            response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
        except (requests.RequestException, ValueError, jwt.PyJWKSetError, json.JSONDecodeError) as exc:
            raise BearerRefused("unavailable", f"JWKS {url}: {exc}") from exc
        return {k.key_id: k for k in jwks.keys}

    def key(self, url: str, kid: str | None, *, ttl: float, timeout: float) -> Any:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(url)
            fresh = entry is not None and now - entry[0] < ttl
            if entry is not None and fresh and kid in entry[1]:
                return entry[1][kid]
            if entry is not None and fresh and now - entry[0] < REFETCH_SECONDS:
                raise BearerRefused("signature", f"unknown key id {kid!r}")
            keys = self._fetch(url, timeout)
            self._entries[url] = (now, keys)
        if kid in keys:
            return keys[kid]
        if kid is None and len(keys) == 1:
            return next(iter(keys.values()))
        raise BearerRefused("signature", f"unknown key id {kid!r}")


JWKS = JwksCache()


@dataclass(frozen=True)
class BearerGrant:
    """Who an OIDC access token acts as: the person, the organisation of ``request.organisation`` (the first by
    name, as the login chooses) and the role per organisation."""

    user: Any
    organisation: Organisation
    roles: dict[int, str]
    token: None = None  # not an API token

    def allows(self, family: str | None, write: bool) -> bool:
        return True  # no per-family scopes: the person's roles decide, through the policy


def verify(text: str, cfg: OidcConfig) -> dict[str, Any]:
    """The claims of a valid access token, or :class:`BearerRefused`."""
    try:
        header = jwt.get_unverified_header(text)
    except jwt.PyJWTError as exc:
        raise BearerRefused("malformed", str(exc)) from exc
    if header.get("alg") != cfg.sign_algo:
        raise BearerRefused("algorithm", f"alg {header.get('alg')!r}")
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    key = JWKS.key(cfg.jwks_endpoint, kid, ttl=cfg.jwks_cache_seconds, timeout=cfg.timeout)
    try:
        claims: dict[str, Any] = jwt.decode(
            text, key.key, algorithms=[cfg.sign_algo], audience=cfg.api_audience or cfg.client_id,
            issuer=cfg.issuer, leeway=cfg.leeway, options={"require": ["iss", "sub", "aud", "exp", "iat"]})
    except jwt.ExpiredSignatureError as exc:
        raise BearerRefused("expired", str(exc)) from exc
    except jwt.InvalidAudienceError as exc:
        raise BearerRefused("audience", str(exc)) from exc
    except jwt.InvalidIssuerError as exc:
        raise BearerRefused("issuer", str(exc)) from exc
    except jwt.InvalidSignatureError as exc:
        raise BearerRefused("signature", str(exc)) from exc
    except jwt.PyJWTError as exc:
        raise BearerRefused("invalid", str(exc)) from exc
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise BearerRefused("invalid", "no subject")
    acr = claims.get("acr") if isinstance(claims.get("acr"), str) else ""
    if cfg.required_acr and acr not in cfg.required_acr:
        raise BearerRefused("acr", f"acr {acr!r}")
    return claims


def resolve(text: str, cfg: OidcConfig) -> BearerGrant:
    """The grant of a presented OIDC access token (and the request's policy bound to it)."""
    claims = verify(text, cfg)
    wanted = memberships_from_claims(cfg, claims)
    orgs = {o.slug: o for o in Organisation.objects.filter(slug__in=wanted)}
    roles = {orgs[slug].pk: role for slug, role in wanted.items() if slug in orgs}
    if not roles:
        raise BearerRefused("organisation")
    identity = (ExternalIdentity.objects.select_related("user")
                .filter(issuer=cfg.issuer, subject=claims["sub"]).first())
    if identity is None:
        raise BearerRefused("person")
    user = identity.user
    if not user.is_active:
        raise BearerRefused("inactive")
    first = min((o for o in orgs.values() if o.pk in roles), key=lambda o: o.name)
    policy.bind_organisations(user, roles)
    return BearerGrant(user=user, organisation=first, roles=roles)
