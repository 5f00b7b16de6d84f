"""The API under /api/v1/: each app contributes a router from its own ``api.py``.

Authentication: an API token (``Authorization: Bearer …``, see ``api.auth``) or the browser session (with
CSRF on unsafe methods). Every endpoint reads through ``accounts.policy``; an object the caller may not see
is a 404 with the same body as a missing one. Every error is RFC 9457 problem+json (``common.problems``).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.apps import apps as django_apps
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cyberbeeld import __version__
from cyberbeeld.common import problems
from cyberbeeld.common.errors import ApplicationError

from .auth import AUTH, SAFE, family_of
from .docs import VendoredSwagger


class ProblemAPI(NinjaAPI):
    """The API whose OpenAPI document lists, per operation, the problem+json answers it can give."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = problems.document(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))
        return _document_scopes(schema)


def _document_scopes(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation names the API-token scope it needs (``x-cyberbeeld-scope``, and a line in its
    description): ``<family>:read`` for GET, ``<family>:write`` for any other method (``write`` includes
    ``read``); none for reference data and /me. An OIDC access token has no scopes: the person's roles decide."""
    for path, item in schema.get("paths", {}).items():
        family = family_of(path if path.startswith("/api/v1/") else "/api/v1" + path)
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            scope = f"{family}:{'read' if method.upper() in SAFE else 'write'}" if family else None
            op["x-cyberbeeld-scope"] = scope
            line = (f"API-sleutel: bereik `{scope}` / API token: scope `{scope}`" if scope else
                    "API-sleutel: elk geldig bereik / API token: any valid scope")
            op["description"] = (op.get("description", "") + "\n\n" + line).strip()
    return schema


api = ProblemAPI(
    title="Cyberbeeld API",
    version=__version__,
    description=("Tokens: `Authorization: Bearer cbt_…` (made by a beheerder under Organisatie → API-sleutels, "
                 "or `cyberbeeld api-token`). Errors: RFC 9457 problem+json with Dutch and English text. "
                 "Lists: cursor pagination (`cursor`, `limit`)."),
    urls_namespace="api-v1",
    auth=AUTH,
    docs=VendoredSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(problems.ApiProblem)
def _problem(request: HttpRequest, exc: problems.ApiProblem) -> HttpResponse:
    return problems.response(request, exc.status, exc.detail, exc.errors, exc.headers)  # type: ignore[arg-type]


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """Every application error a service raises (``common.errors``): one problem+json shape. Another
    organisation's object (``NotYours``) is a 404 with the same body as a missing one."""
    if exc.status == 404:
        return problems.response(request, 404, problems.DETAILS["not-found"])
    return problems.error_response(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problems.response(request, 401, problems.DETAILS["login"], headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    text = str(exc.message)
    return problems.response(request, exc.status_code, (text, text))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problems.response(request, 422, problems.DETAILS["invalid"], problems.schema_errors(exc.errors))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problems.response(request, 404, problems.DETAILS["not-found"])


def routers() -> list[tuple[str, str, Any]]:
    """``(app label, mount point, router)`` of every installed Cyberbeeld app with an ``api.py`` that exposes
    ``router``; the mount point is the module's ``PREFIX``, else ``/<app label>``. In INSTALLED_APPS order."""
    found = []
    for config in django_apps.get_app_configs():
        module_name = f"{config.name}.api"
        if not config.name.startswith("cyberbeeld.") or importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        router = getattr(module, "router", None)
        if router is not None:
            found.append((config.label, getattr(module, "PREFIX", f"/{config.label}"), router))
    return found


def _register() -> None:
    for _label, prefix, router in routers():
        api.add_router(prefix, router)


_register()


def ok(data: Any) -> dict[str, Any]:
    return {"ok": True, "data": data}
