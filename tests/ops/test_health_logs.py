"""/healthz and /readyz, request ids, JSON logs without personal data, no-store on signed-in pages."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from cyberbeeld.ops import health
from cyberbeeld.ops.logs import JsonFormatter, RequestContextFilter
from cyberbeeld.ops.models import Heartbeat


@pytest.mark.django_db
def test_healthz_is_json_without_host_check_or_login():
    client = Client(HTTP_HOST="not-an-allowed-host.example")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_database_migrations_cache_and_unknown_worker():
    health._migrations_ok = False
    response = Client().get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name: body["checks"][name]["status"] for name in ("database", "migrations", "cache")} == {
        "database": "ok", "migrations": "ok", "cache": "ok"}
    # The test settings run tasks immediately: there is no worker to wait for.
    assert body["checks"]["worker"]["status"] == "not-applicable"


@pytest.mark.django_db
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_readyz_worker_heartbeat_unknown_then_ok_then_stale():
    assert Client().get("/readyz").json()["checks"]["worker"]["status"] == "unknown"
    now = timezone.now()
    health.beat("worker", "worker:host:1", now)
    body = Client().get("/readyz").json()
    assert body["status"] == "ok" and body["checks"]["worker"]["status"] == "ok"
    assert body["checks"]["worker"]["queued"] == 0
    Heartbeat.objects.update(seen_at=now - timedelta(seconds=10 * health.HEARTBEAT_SECONDS))
    body = Client().get("/readyz").json()
    # A stale worker is reported but the web process is still ready to serve pages.
    assert body["checks"]["worker"]["status"] == "stale" and body["status"] == "ok"


@pytest.mark.django_db
def test_readyz_fails_when_migrations_are_pending(monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    health._migrations_ok = False
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"status": "error", "pending": 1,
                                                       "ms": response.json()["checks"]["migrations"]["ms"]}


@pytest.mark.django_db
def test_readyz_fails_when_database_unreachable(monkeypatch):
    def broken() -> dict:
        raise OSError("connection refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "error"
    assert "refused" not in response.content.decode()  # the error class only, no details


@pytest.mark.django_db
def test_request_id_in_and_out():
    client = Client()
    response = client.get("/nl/", HTTP_X_REQUEST_ID="proxy-abc.123")
    assert response["X-Request-ID"] == "proxy-abc.123"
    response = client.get("/nl/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    generated = response["X-Request-ID"]
    assert generated != "<script>alert(1)</script>" and len(generated) == 32
    assert client.get("/nl/")["X-Request-ID"] != generated


@pytest.mark.django_db
def test_signed_in_pages_are_no_store_public_pages_are_not(world):
    client = Client()
    public = client.get("/nl/")
    assert "no-store" not in public.get("Cache-Control", "")
    client.force_login(world.anna)
    page = client.get("/nl/overzicht/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]


@pytest.mark.django_db
def test_json_access_log_has_request_and_user_id_but_no_personal_data(world):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("cyberbeeld.requests")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        client = Client()
        client.force_login(world.anna)
        response = client.get("/nl/casusboek/?q=Jan+de+Vries", HTTP_X_REQUEST_ID="req-42")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert response.status_code == 200
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    line = next(x for x in lines if x["request_id"] == "req-42")
    assert line["user_id"] == world.anna.pk
    assert line["path"] == "/nl/casusboek/" and line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    text = stream.getvalue()
    for personal in ("anna", "example.invalid", "Jan", "Vries"):
        assert personal not in text


def test_json_formatter_outside_a_request_and_with_an_exception():
    record = logging.LogRecord("cyberbeeld.x", logging.ERROR, __file__, 1, "failed %s", ("job",), None)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RequestContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed job" and line["level"] == "ERROR"
    assert line["request_id"] == "-" and line["user_id"] is None
    assert "ValueError: boom" in line["exception"]


def test_log_format_is_selected_by_environment(monkeypatch):
    import importlib

    import cyberbeeld.config.settings.base as base

    monkeypatch.setenv("CYBERBEELD_LOG_FORMAT", "json")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.LOGGING["handlers"]["console"]["formatter"] == "json"
    finally:
        monkeypatch.delenv("CYBERBEELD_LOG_FORMAT")
        assert importlib.reload(base).LOGGING["handlers"]["console"]["formatter"] == "text"


def test_server_sizing_and_gunicorn_command(monkeypatch):
    from cyberbeeld.ops import server

    assert server.default_workers(2, 8 * 1024**3) == 3
    assert server.default_workers(16, 1024**3) == 2  # memory caps the process count
    assert server.default_workers(1, 100 * 1024**2) == 1
    monkeypatch.delenv("CYBERBEELD_WEB_WORKERS", raising=False)
    monkeypatch.setenv("CYBERBEELD_WEB_THREADS", "8")
    opts = server.parse(["127.0.0.1:9000", "--workers", "5"])
    assert (opts.bind, opts.workers, opts.threads, opts.collectstatic) == ("127.0.0.1:9000", 5, 8, True)
    argv = server.gunicorn_argv(opts)
    assert argv[1:4] == ["-m", "gunicorn", "cyberbeeld.config.wsgi:application"]
    assert argv[argv.index("--workers") + 1] == "5" and argv[argv.index("--threads") + 1] == "8"
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    # workers are recycled, but not within a load run: /healthz polls count as requests, and a new worker
    # pays its chart renderer's start and empty caches again
    assert int(argv[argv.index("--max-requests") + 1]) >= 10_000
    assert 0 < int(argv[argv.index("--max-requests-jitter") + 1]) < int(argv[argv.index("--max-requests") + 1])


@pytest.mark.django_db(transaction=True)
def test_worker_command_records_a_heartbeat():
    from django.core.management import call_command

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
        beats = list(Heartbeat.objects.values_list("role", flat=True))
        assert beats == ["worker"]
        assert Client().get("/readyz").json()["checks"]["worker"]["status"] == "ok"


def test_collect_static_runs_once_per_set_of_files(tmp_path, settings):
    from cyberbeeld.ops import server

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    assert server.collect_static() is True
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert server.collect_static() is False  # nothing changed: no second collection at start-up
    (tmp_path / "static" / "staticfiles.json").unlink()
    assert server.collect_static() is True


@pytest.mark.django_db
def test_scheduler_runs_each_job_when_due_and_records_failures(monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from cyberbeeld.ops import scheduler
    from cyberbeeld.ops.models import ScheduledRun

    old = timezone.now() - timedelta(days=90)
    fresh = timezone.now()
    common = {"task_path": "cyberbeeld.incidents.tasks.apply_retention_task", "args_kwargs": {"args": [], "kwargs": {}},
              "backend_name": "default", "queue_name": "default", "run_after": old}
    DBTaskResult.objects.create(status="SUCCESSFUL", enqueued_at=old, finished_at=old, **common)
    DBTaskResult.objects.create(status="SUCCESSFUL", enqueued_at=fresh, finished_at=fresh, **common)
    DBTaskResult.objects.create(status="READY", enqueued_at=old, **common)

    runs = {run.job: run for run in scheduler.run_due()}
    assert set(runs) == {"apply-retention", "prune-tasks", "search-optimize"}
    assert all(run.ok and run.finished_at for run in runs.values()), {r.job: r.summary for r in runs.values()}
    assert "tasks_deleted=1" in runs["prune-tasks"].summary
    assert DBTaskResult.objects.count() == 2  # the fresh finished one and the waiting one stay
    assert scheduler.run_due() == []  # nothing due again until tomorrow

    def broken() -> str:
        raise RuntimeError("kapot")

    monkeypatch.setattr(scheduler, "JOBS", (scheduler.Job("broken", timedelta(days=1), broken),
                                            scheduler.JOBS[1]))
    later = timezone.now() + timedelta(days=2)
    runs = scheduler.run_due(later)
    assert [(r.job, r.ok) for r in runs] == [("broken", False), ("prune-tasks", True)]
    assert ScheduledRun.objects.get(job="broken").summary == "RuntimeError: kapot"


@pytest.mark.django_db
def test_metrics_counts_requests_of_every_process_and_the_queue(tmp_path, monkeypatch):
    from cyberbeeld.ops import metrics

    monkeypatch.setenv("CYBERBEELD_METRICS_DIR", str(tmp_path))
    monkeypatch.delenv("CYBERBEELD_METRICS_TOKEN", raising=False)
    monkeypatch.setattr(metrics, "_requests", __import__("collections").defaultdict(int))
    monkeypatch.setattr(metrics, "_hist", {})
    # Another worker process of this instance wrote its counts: they are added, not ignored.
    (tmp_path / "99999.json").write_text(json.dumps(
        {"requests": [["web:home", "GET", "200", 5]], "hist": {"web:home": [5] * len(metrics.BUCKETS) + [5, 0.5]}}))
    client = Client()
    for _ in range(3):
        assert client.get("/nl/").status_code == 200
    assert client.get("/nl/bestaat-niet/").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'cyberbeeld_http_requests_total{view="web:home",method="GET",status="200"} 8' in text
    assert 'cyberbeeld_http_requests_total{view="unmatched",method="GET",status="404"} 1' in text
    assert 'cyberbeeld_http_request_duration_seconds_count{view="web:home"} 8' in text
    assert 'cyberbeeld_tasks{status="READY"} 0' in text
    assert "# TYPE cyberbeeld_http_request_duration_seconds histogram" in text
    assert "bestaat-niet" not in text  # URL names, never paths


@pytest.mark.django_db
def test_metrics_access_loopback_or_token(tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERBEELD_METRICS_DIR", str(tmp_path))
    monkeypatch.delenv("CYBERBEELD_METRICS_TOKEN", raising=False)
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 403
    monkeypatch.setenv("CYBERBEELD_METRICS_TOKEN", "s3cret-token")
    assert Client().get("/metrics").status_code == 403  # a token is set: loopback alone is not enough
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


@pytest.mark.django_db
def test_system_status_page_for_beheerders_only(world):
    from cyberbeeld.ops import scheduler

    scheduler.run_due()
    client = Client()
    assert client.get("/nl/beheer/systeem/").status_code == 302  # login first
    client.force_login(world.lezer)
    assert client.get("/nl/beheer/systeem/").status_code == 404
    client.force_login(world.beheerder)
    response = client.get("/nl/beheer/systeem/")
    assert response.status_code == 200
    html = response.content.decode()
    for job in ("apply-retention", "prune-tasks", "search-optimize"):
        assert f"<td>{job}</td>" in html
    assert "geslaagd" in html and "tasks_deleted=0" in html
    assert "no-store" in response["Cache-Control"]
