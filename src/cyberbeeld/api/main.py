"""The API under /api/v1/: each app contributes a router from its own ``api.py``.

Authentication: the browser session (with CSRF on unsafe methods). Every endpoint reads through
``accounts.policy``; an object the caller may not see is a 404 with the same body as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import SessionAuth

from cyberbeeld import __version__

api = NinjaAPI(
    title="Cyberbeeld API",
    version=__version__,
    urls_namespace="api-v1",
    auth=SessionAuth(csrf=True),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"ok": False, "error": str(exc.message)}, status=exc.status_code)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"ok": False, "error": "Not found"}, status=404)


from django.http import Http404  # noqa: E402

api.add_exception_handler(Http404, _not_found)


# app -> mount point. Each app's ``api.py`` exposes ``router``; apps without one are skipped.
ROUTERS = {"accounts": "/", "areas": "/areas", "incidents": "/incidents", "indicators": "/indicators",
           "risks": "/risks", "reports": "/reports", "sharing": "/sharing", "actions": "/actions"}


def _register() -> None:
    import importlib
    import importlib.util

    for app, prefix in ROUTERS.items():
        module_name = f"cyberbeeld.{app}.api"
        if importlib.util.find_spec(module_name) is None:
            continue
        api.add_router(prefix, importlib.import_module(module_name).router)


_register()


def ok(data: Any) -> dict[str, Any]:
    return {"ok": True, "data": data}
