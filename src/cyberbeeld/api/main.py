"""The API under /api/v1/: each app contributes a router from its own ``api.py``.

Authentication: an API token (``Authorization: Bearer …``, see ``api.auth``) or the browser session (with
CSRF on unsafe methods). Every endpoint reads through ``accounts.policy``; an object the caller may not see
is a 404 with the same body as a missing one. Every error is RFC 9457 problem+json (``common.problems``).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cyberbeeld import __version__
from cyberbeeld.common import problems

from .auth import AUTH
from .docs import VendoredSwagger


class ProblemAPI(NinjaAPI):
    """The API whose OpenAPI document lists, per operation, the problem+json answers it can give."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        return problems.document(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


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


# app -> mount point. Each app's ``api.py`` exposes ``router``; apps without one are skipped.
ROUTERS = {"accounts": "/", "areas": "/areas", "incidents": "/incidents", "indicators": "/indicators",
           "risks": "/risks", "reports": "/reports", "sharing": "/sharing", "actions": "/actions"}


def _register() -> None:
    for app, prefix in ROUTERS.items():
        module_name = f"cyberbeeld.{app}.api"
        if importlib.util.find_spec(module_name) is None:
            continue
        api.add_router(prefix, importlib.import_module(module_name).router)


_register()


def ok(data: Any) -> dict[str, Any]:
    return {"ok": True, "data": data}
