"""Who calls the API: an API token (``Authorization: Bearer cbt_…``), an OIDC access token from the configured
provider (``Authorization: Bearer <JWT>``, ``accounts.oidc_bearer``) or the browser session (with CSRF).

A token acts for its organisation within its scopes (``accounts.tokens``). The scope an operation needs
follows from its path and method: ``/api/v1/<family>/…`` with GET/HEAD/OPTIONS needs ``<family>:read``,
any other method ``<family>:write``; reference data (areas) and ``/me`` need only a valid token.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from cyberbeeld.accounts import oidc_bearer, sso, tokens
from cyberbeeld.common.problems import ApiProblem

log = logging.getLogger(__name__)

SAFE = ("GET", "HEAD", "OPTIONS")
ROOT = "/api/v1/"


def family_of(path: str) -> str | None:
    """The scope family of an API path (None: reference data or /me)."""
    rest = path.split(ROOT, 1)[1] if ROOT in path else ""
    first = rest.split("/", 1)[0]
    return first if first in tokens.FAMILIES else None


def _oidc(token: str) -> Any:
    """An OIDC access token, when single sign-on is configured; None otherwise (then it is a malformed API
    token)."""
    cfg = sso.config()
    if cfg is None or token.startswith(tokens.PREFIX) or not oidc_bearer.looks_like_jwt(token):
        return None
    try:
        return oidc_bearer.resolve(token, cfg)
    except oidc_bearer.BearerRefused as exc:
        log.info("OIDC bearer token refused: %s %s", exc.reason, exc.log_detail[:200])
        if exc.reason == "unavailable":
            raise ApiProblem(503, "oidc-unavailable", headers={"Retry-After": "30"}) from exc
        raise ApiProblem(401, f"oidc-{exc.reason}",
                         headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        grant = _oidc(token)
        if grant is None:
            try:
                grant = tokens.resolve(token)
            except tokens.TokenRefused as exc:
                raise ApiProblem(401, exc.reason,
                                 headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
        family = family_of(request.path)
        write = request.method not in SAFE
        if not grant.allows(family, write):
            raise ApiProblem(403, "scope", params={"scope": f"{family}:{'write' if write else 'read'}"},
                             headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        request.user = grant.user
        org = grant.organisation if grant.token is None else grant.token.organisation
        request.organisation = org  # type: ignore[attr-defined]
        request.api_token = grant.token  # type: ignore[attr-defined]
        return grant


class SessionCsrfAuth(SessionAuth):
    """The browser session; unsafe methods need the CSRF token (as the pages do)."""

    def __init__(self) -> None:
        super().__init__(csrf=True)


AUTH = [TokenAuth(), SessionCsrfAuth()]
