"""``GET /metrics``: Prometheus text exposition (version 0.0.4), written by hand.

* Requests and latency: each web process counts its requests (by URL name, method and status) and a
  latency histogram, and writes them at most once a second to ``<CYBERBEELD_METRICS_DIR>/<pid>.json``;
  ``/metrics`` sums the files of all processes of this instance (the idea of prometheus_client's
  multiprocess mode), so a scrape sees every worker, not just the one that answered.
* Queue and jobs: read from the database at scrape time (the same for every instance): background tasks
  by status, the oldest waiting task, scheduled runs by job and outcome, the last successful run of each
  job, and the age of the worker's and scheduler's heartbeats.

Access: with ``CYBERBEELD_METRICS_TOKEN`` set, only ``Authorization: Bearer <token>``; without it, only
from the machine itself (127.0.0.1/::1). No personal data: URL names, never paths with ids or queries.
"""

from __future__ import annotations

import hmac
import json
import os
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import Heartbeat, ScheduledRun

BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FLUSH_SECONDS = 1.0

_lock = threading.Lock()
_requests: dict[tuple[str, str, str], int] = defaultdict(int)  # (view, method, status) -> count
_hist: dict[str, list[float]] = {}  # view -> [bucket counts..., +Inf count, sum]
_last_flush = 0.0


def metrics_dir() -> Path:
    configured = os.environ.get("CYBERBEELD_METRICS_DIR", "").strip()
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / f"cyberbeeld-metrics-{os.getuid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clear() -> None:
    """Called once by ``serve --production`` before the workers start: counters begin at zero."""
    for f in metrics_dir().glob("*.json"):
        f.unlink(missing_ok=True)


def _view_name(request: HttpRequest) -> str:
    own = getattr(request, "metrics_view", None)  # /healthz, /readyz, /metrics (answered by middleware)
    if own:
        return str(own)
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


def observe(request: HttpRequest, status: int, seconds: float) -> None:
    global _last_flush
    view = _view_name(request)
    method = request.method if request.method in {"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE"} else "OTHER"
    with _lock:
        _requests[(view, method or "OTHER", str(status))] += 1
        h = _hist.setdefault(view, [0.0] * (len(BUCKETS) + 2))
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                h[i] += 1
        h[len(BUCKETS)] += 1
        h[len(BUCKETS) + 1] += seconds
        due = time.monotonic() - _last_flush >= FLUSH_SECONDS
        if due:
            _last_flush = time.monotonic()
            snapshot = _snapshot()
    if due:
        _write(snapshot)


def _snapshot() -> dict[str, Any]:
    return {"requests": [[*k, v] for k, v in _requests.items()], "hist": {k: list(v) for k, v in _hist.items()}}


def flush() -> None:
    with _lock:
        snapshot = _snapshot()
    _write(snapshot)


def _write(snapshot: dict[str, Any]) -> None:
    try:
        directory = metrics_dir()
        tmp = directory / f".{os.getpid()}.tmp"
        tmp.write_text(json.dumps(snapshot), encoding="utf-8")
        tmp.replace(directory / f"{os.getpid()}.json")
    except OSError:  # metrics must never break a request
        pass


def _merged() -> tuple[dict[tuple[str, str, str], float], dict[str, list[float]]]:
    requests: dict[tuple[str, str, str], float] = defaultdict(float)
    hist: dict[str, list[float]] = {}
    for f in metrics_dir().glob("*.json"):
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for view, method, status, count in data.get("requests", []):
            requests[(view, method, status)] += count
        for view, values in data.get("hist", {}).items():
            acc = hist.setdefault(view, [0.0] * len(values))
            for i, v in enumerate(values):
                acc[i] += v
    return requests, hist


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render() -> str:
    flush()  # this process's latest counts
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{text}}} {_num(value)}" if text else f"{name} {_num(value)}")

    requests, hist = _merged()
    metric("cyberbeeld_http_requests_total", "counter", "HTTP requests by URL name, method and status.",
           [({"view": v, "method": m, "status": s}, n) for (v, m, s), n in sorted(requests.items())])
    lines.append("# HELP cyberbeeld_http_request_duration_seconds Time to answer a request, by URL name.")
    lines.append("# TYPE cyberbeeld_http_request_duration_seconds histogram")
    for view, values in sorted(hist.items()):
        v = _label(view)
        for bound, count in zip(BUCKETS, values, strict=False):
            lines.append(f'cyberbeeld_http_request_duration_seconds_bucket{{view="{v}",le="{bound}"}} {_num(count)}')
        lines.append(f'cyberbeeld_http_request_duration_seconds_bucket{{view="{v}",le="+Inf"}} '
                     f"{_num(values[len(BUCKETS)])}")
        lines.append(f'cyberbeeld_http_request_duration_seconds_count{{view="{v}"}} {_num(values[len(BUCKETS)])}')
        lines.append(f'cyberbeeld_http_request_duration_seconds_sum{{view="{v}"}} {_num(values[len(BUCKETS) + 1])}')
    _database_metrics(metric)
    return "\n".join(lines) + "\n"


def _database_metrics(metric: Any) -> None:
    now = timezone.now()
    by_status = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    statuses = ("READY", "RUNNING", "FAILED", "SUCCESSFUL")
    metric("cyberbeeld_tasks", "gauge", "Background tasks in the database by status (READY = queue depth).",
           [({"status": s}, by_status.get(s, 0)) for s in statuses])
    oldest = DBTaskResult.objects.ready().aggregate(t=Min("enqueued_at"))["t"]
    metric("cyberbeeld_tasks_oldest_ready_seconds", "gauge", "Age of the oldest task waiting for a worker.",
           [({}, (now - oldest).total_seconds() if oldest else 0)])
    runs = (ScheduledRun.objects.values("job", "ok").annotate(n=Count("id")).order_by("job", "ok"))
    metric("cyberbeeld_scheduled_runs_total", "counter", "Scheduled job runs kept, by job and outcome.",
           [({"job": r["job"], "outcome": "ok" if r["ok"] else "failed"}, r["n"]) for r in runs])
    last_ok = (ScheduledRun.objects.filter(ok=True).values("job").annotate(t=Max("finished_at")).order_by("job"))
    metric("cyberbeeld_scheduled_last_success_timestamp_seconds", "gauge",
           "When each scheduled job last succeeded (Unix time).",
           [({"job": r["job"]}, r["t"].timestamp()) for r in last_ok if r["t"]])
    beats = Heartbeat.objects.values("role").annotate(t=Max("seen_at")).order_by("role")
    metric("cyberbeeld_heartbeat_age_seconds", "gauge", "Seconds since the newest heartbeat per process role.",
           [({"role": r["role"]}, (now - r["t"]).total_seconds()) for r in beats])


def _allowed(request: HttpRequest) -> bool:
    token = os.environ.get("CYBERBEELD_METRICS_TOKEN", "")
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    response = HttpResponse(render(), content_type="text/plain; version=0.0.4; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
