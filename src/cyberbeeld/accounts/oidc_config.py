"""Single sign-on configuration, read from the environment (pure: no Django).

One deployment talks to one OpenID Connect provider. Everything that differs per deployment comes from
``CYBERBEELD_OIDC_*`` environment variables (see docs/operations.md, "Single sign-on"); this module turns
them into the settings of mozilla-django-oidc and of Cyberbeeld's backend, lists what is missing or wrong
(production refuses to start on one line), and maps claim values to organisations and roles.

Profile choices (NL GOV Assurance profile for OAuth 2.0 / OpenID Connect): authorization code flow only,
PKCE with S256, ``state`` and ``nonce`` always, asymmetrically signed ID tokens (RS256 by default; HS256 and
``none`` are refused), the issuer, audience, expiry and issue time of every ID token checked, the ``acr``
claim recorded (and optionally required).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PREFIX = "CYBERBEELD_OIDC_"
REQUIRED = ("ISSUER", "AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT", "JWKS_ENDPOINT", "CLIENT_ID",
            "CLIENT_SECRET", "ORGANISATION_CLAIM", "ORGANISATION_MAPPING")
# Every variable that switches single sign-on on: one of them set means all required ones must be.
ALL = (*REQUIRED, "USERINFO_ENDPOINT", "SCOPES", "SIGN_ALGO", "ACR_VALUES", "REQUIRED_ACR", "PROVIDER_NAME",
       "USERNAME_CLAIM", "EMAIL_CLAIM", "GIVEN_NAME_CLAIM", "FAMILY_NAME_CLAIM", "TIMEOUT", "LEEWAY",
       "API_AUDIENCE", "JWKS_CACHE_SECONDS")
ROLES = ("lezer", "bewerker", "coordinator", "beheerder")
ROLE_RANK = {role: i for i, role in enumerate(ROLES)}
SIGN_ALGOS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_endpoint: str
    client_id: str
    client_secret: str
    organisation_claim: str
    mapping: dict[str, tuple[str, str]]  # claim value -> (organisation slug, role)
    userinfo_endpoint: str = ""
    scopes: str = "openid email profile"
    sign_algo: str = "RS256"
    acr_values: str = ""
    required_acr: tuple[str, ...] = ()
    provider_name: str = ""
    username_claim: str = "preferred_username"
    email_claim: str = "email"
    given_name_claim: str = "given_name"
    family_name_claim: str = "family_name"
    timeout: float = 10.0
    leeway: int = 60
    api_audience: str = ""  # the ``aud`` of access tokens for the API (default: the client id)
    jwks_cache_seconds: int = 300
    extra: dict[str, Any] = field(default_factory=dict)


def parse_mapping(text: str) -> dict[str, tuple[str, str]]:
    """``{"claim value": {"organisation": "slug", "role": "bewerker"}, ...}`` → {value: (slug, role)}.

    Raises ValueError with a one-line reason."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{PREFIX}ORGANISATION_MAPPING is geen geldige JSON / is not valid JSON ({exc.msg})") from exc
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{PREFIX}ORGANISATION_MAPPING moet een niet-leeg JSON-object zijn / "
                         "must be a non-empty JSON object")
    mapping: dict[str, tuple[str, str]] = {}
    for value, target in raw.items():
        if not isinstance(target, dict) or not isinstance(target.get("organisation"), str) \
                or not target.get("organisation"):
            raise ValueError(f"{PREFIX}ORGANISATION_MAPPING[{value!r}]: 'organisation' ontbreekt / is missing")
        role = target.get("role", "lezer")
        if role not in ROLES:
            raise ValueError(f"{PREFIX}ORGANISATION_MAPPING[{value!r}]: onbekende rol / unknown role {role!r} "
                             f"({', '.join(ROLES)})")
        mapping[str(value)] = (target["organisation"], role)
    return mapping


def read(environ: Mapping[str, str]) -> tuple[OidcConfig | None, list[str]]:
    """The configuration (None when single sign-on is off) and the problems found.

    Single sign-on is off when no ``CYBERBEELD_OIDC_*`` variable is set. When one is set, every required one
    must be: otherwise the problems name the missing ones and the configuration is None."""

    def get(name: str) -> str:
        return environ.get(PREFIX + name, "").strip()

    if not any(get(name) for name in ALL):
        return None, []
    problems: list[str] = []
    missing = [PREFIX + name for name in REQUIRED if not get(name)]
    if missing:
        problems.append("ontbreekt / missing: " + ", ".join(missing))
    mapping: dict[str, tuple[str, str]] = {}
    if get("ORGANISATION_MAPPING"):
        try:
            mapping = parse_mapping(get("ORGANISATION_MAPPING"))
        except ValueError as exc:
            problems.append(str(exc))
    algo = get("SIGN_ALGO") or "RS256"
    if algo not in SIGN_ALGOS:
        problems.append(f"{PREFIX}SIGN_ALGO={algo} is niet toegestaan / is not allowed "
                        f"(asymmetric signatures only: {', '.join(SIGN_ALGOS)})")
    for name in ("ISSUER", "AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT", "JWKS_ENDPOINT", "USERINFO_ENDPOINT"):
        value = get(name)
        if value and not value.startswith(("https://", "http://")):
            problems.append(f"{PREFIX}{name} moet een URL zijn / must be a URL")
    scopes = get("SCOPES") or "openid email profile"
    if "openid" not in scopes.split():
        problems.append(f"{PREFIX}SCOPES moet 'openid' bevatten / must contain 'openid'")
    numbers: dict[str, float] = {}
    for name, default in (("TIMEOUT", 10.0), ("LEEWAY", 60.0), ("JWKS_CACHE_SECONDS", 300.0)):
        try:
            numbers[name] = float(get(name) or default)
        except ValueError:
            problems.append(f"{PREFIX}{name} moet een getal zijn / must be a number")
            numbers[name] = default
    if problems:
        return None, problems
    config = OidcConfig(
        issuer=get("ISSUER"), authorization_endpoint=get("AUTHORIZATION_ENDPOINT"),
        token_endpoint=get("TOKEN_ENDPOINT"), jwks_endpoint=get("JWKS_ENDPOINT"),
        client_id=get("CLIENT_ID"), client_secret=get("CLIENT_SECRET"),
        organisation_claim=get("ORGANISATION_CLAIM"), mapping=mapping,
        userinfo_endpoint=get("USERINFO_ENDPOINT"), scopes=scopes, sign_algo=algo,
        acr_values=get("ACR_VALUES"),
        required_acr=tuple(v for v in get("REQUIRED_ACR").split() if v),
        provider_name=get("PROVIDER_NAME"),
        username_claim=get("USERNAME_CLAIM") or "preferred_username",
        email_claim=get("EMAIL_CLAIM") or "email",
        given_name_claim=get("GIVEN_NAME_CLAIM") or "given_name",
        family_name_claim=get("FAMILY_NAME_CLAIM") or "family_name",
        timeout=numbers["TIMEOUT"], leeway=int(numbers["LEEWAY"]),
        api_audience=get("API_AUDIENCE"), jwks_cache_seconds=max(0, int(numbers["JWKS_CACHE_SECONDS"])),
    )
    return config, []


def django_settings(config: OidcConfig | None) -> dict[str, Any]:
    """The settings for mozilla-django-oidc and Cyberbeeld's backend (empty dict when off)."""
    if config is None:
        return {"CYBERBEELD_OIDC": None}
    extra: dict[str, str] = {}
    if config.acr_values:
        extra["acr_values"] = config.acr_values
    return {
        "CYBERBEELD_OIDC": config,
        "OIDC_RP_CLIENT_ID": config.client_id,
        "OIDC_RP_CLIENT_SECRET": config.client_secret,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": config.authorization_endpoint,
        "OIDC_OP_TOKEN_ENDPOINT": config.token_endpoint,
        "OIDC_OP_USER_ENDPOINT": config.userinfo_endpoint,
        "OIDC_OP_JWKS_ENDPOINT": config.jwks_endpoint,
        "OIDC_RP_SIGN_ALGO": config.sign_algo,
        "OIDC_RP_SCOPES": config.scopes,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_PKCE_CODE_VERIFIER_SIZE": 64,
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": extra,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_TIMEOUT": config.timeout,
        "OIDC_CREATE_USER": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc_authentication_callback",
    }


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """A claim as a list of strings (a single string, or a list of them; anything else is ignored)."""
    value = claims.get(name)
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def memberships_from_claims(config: OidcConfig, claims: Mapping[str, Any]) -> dict[str, str]:
    """{organisation slug: role} from the configured claim; the highest role wins per organisation.

    Values that are not in the mapping are ignored; an empty result means the user belongs to no
    organisation known to this deployment."""
    result: dict[str, str] = {}
    for value in claim_values(claims, config.organisation_claim):
        if value in config.mapping:
            slug, role = config.mapping[value]
            if slug not in result or ROLE_RANK[role] > ROLE_RANK[result[slug]]:
                result[slug] = role
    return result


def missing_lines(problems: Iterable[str]) -> str:
    """One line for ImproperlyConfigured."""
    return "Single sign-on (OIDC) onvolledig / incomplete: " + "; ".join(problems)
