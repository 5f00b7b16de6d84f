"""``/healthz`` (the process answers), ``/metrics`` (Prometheus, see metrics.py) and ``/readyz`` (it can serve: database reachable, migrations
applied, cache working; the background worker's heartbeat reported but never failing readiness).

Served by a middleware placed first, so a load balancer's probe needs no allowed host name, no HTTPS
redirect, no session and no language prefix. JSON, no authentication, no personal data.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .metrics import metrics_view
from .models import Heartbeat

HEARTBEAT_SECONDS = 30
_migrations_ok = False  # once applied, they stay applied for the life of this process


def _version() -> str:
    try:
        return version("cyberbeeld")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        result = {"status": "error", "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()
    return {"status": "ok", "vendor": connection.vendor}


def check_migrations() -> dict[str, Any]:
    global _migrations_ok
    if _migrations_ok:
        return {"status": "ok"}

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return {"status": "error", "pending": len(plan)}
    _migrations_ok = True
    return {"status": "ok"}


def check_cache() -> dict[str, Any]:
    key = f"cyberbeeld:readyz:{os.getpid()}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        return {"status": "error", "error": "cache did not return what was stored"}
    return {"status": "ok"}


def check_heartbeat(role: str) -> dict[str, Any]:
    """``ok`` when the newest heartbeat of a ``role`` process is recent, ``stale`` when older than three
    beats, ``unknown`` when none ever reported (e.g. not started yet). Never fails readiness: the site
    serves pages without a worker or scheduler; imports, reports and retention wait."""
    result: dict[str, Any] = {}
    if role == "worker":
        backend = settings.TASKS.get("default", {}).get("BACKEND", "")
        if not backend.startswith("django_tasks_db"):
            return {"status": "not-applicable"}

        result["queued"] = DBTaskResult.objects.ready().count()
    latest = Heartbeat.objects.filter(role=role).order_by("-seen_at").values_list("seen_at", flat=True).first()
    if latest is None:
        return {"status": "unknown", **result}
    age = (timezone.now() - latest).total_seconds()
    status = "ok" if age <= 3 * HEARTBEAT_SECONDS else "stale"
    return {"status": status, "seconds_since_heartbeat": round(age), **result}


def check_worker() -> dict[str, Any]:
    return check_heartbeat("worker")


def check_scheduler() -> dict[str, Any]:
    return check_heartbeat("scheduler")


REQUIRED = {"database": check_database, "migrations": check_migrations, "cache": check_cache}
OPTIONAL = {"worker": check_worker, "scheduler": check_scheduler}


def healthz(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok", "version": _version()}, 200)


def readyz(request: HttpRequest) -> HttpResponse:
    checks: dict[str, dict[str, Any]] = {"database": _timed(check_database)}
    if checks["database"]["status"] == "ok":
        checks["migrations"] = _timed(check_migrations)
    checks["cache"] = _timed(check_cache)
    if checks["database"]["status"] == "ok":
        for name, check in OPTIONAL.items():
            checks[name] = _timed(check)
    ok = all(checks.get(name, {"status": "error"})["status"] == "ok" for name in REQUIRED)
    return _json({"status": "ok" if ok else "error", "checks": checks}, 200 if ok else 503)


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def metrics(request: HttpRequest) -> HttpResponse:
    return metrics_view(request)


ENDPOINTS = {"/healthz": healthz, "/healthz/": healthz, "/readyz": readyz, "/readyz/": readyz,
             "/metrics": metrics}


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = ENDPOINTS.get(request.path_info)
        if view is not None and request.method in {"GET", "HEAD"}:
            request.metrics_view = view.__name__  # type: ignore[attr-defined]
            return view(request)
        return self.get_response(request)


def beat(role: str, process_id: str, started_at: Any) -> None:
    """Record one heartbeat (called by the worker's heartbeat thread)."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(process_id=process_id,
                                       defaults={"role": role, "started_at": started_at, "seen_at": now})
    # Forget processes that stopped long ago, so the table stays a handful of rows.
    Heartbeat.objects.filter(seen_at__lt=now - timedelta(days=7)).delete()
