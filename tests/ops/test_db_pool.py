"""Issue 15: PostgreSQL connections with a ceiling. The production settings build a psycopg pool from the
environment (its maximum defaults to the serving threads, so an instance holds at most workers × threads
connections); `cyberbeeld serve --production` passes its threads to the settings and loads the models in
the gunicorn master (shared by the workers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
KEY = "p" * 20 + "-Xq9!" + "w" * 40
SHOW = ("import json; from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(json.dumps({'pool': d['OPTIONS'].get('pool'), 'age': d['CONN_MAX_AGE'], "
        "'checks': d['CONN_HEALTH_CHECKS'], 'timeout': d['OPTIONS'].get('connect_timeout')}))")


def production_database(**extra: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "CYBERBEELD_"))}
    env.update({"PYTHONPATH": SRC, "DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.production",
                "DATABASE_URL": "postgres://cb:secret@db.example.invalid:5432/cyberbeeld",
                "DJANGO_SECRET_KEY": KEY, "DJANGO_ALLOWED_HOSTS": "cyberbeeld.example.nl"})
    env.update(extra)
    proc = subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_pool_defaults_to_the_serving_threads():
    db = production_database(CYBERBEELD_DB_POOL="1", CYBERBEELD_WEB_THREADS="6")
    assert db["pool"] == {"min_size": 1, "max_size": 6, "timeout": 10.0, "max_idle": 300.0}
    # Django refuses persistent connections beside a pool; the pool checks a connection before use
    assert db["age"] == 0 and db["checks"] is True and db["timeout"] == 5


def test_pool_sizes_from_the_environment():
    db = production_database(CYBERBEELD_DB_POOL="1", CYBERBEELD_DB_POOL_MAX="3", CYBERBEELD_DB_POOL_MIN="2",
                             CYBERBEELD_DB_POOL_TIMEOUT="4")
    assert db["pool"] == {"min_size": 2, "max_size": 3, "timeout": 4.0, "max_idle": 300.0}


def test_commands_and_a_server_told_so_use_persistent_connections():
    for env in ({}, {"CYBERBEELD_DB_POOL": "0", "CYBERBEELD_DB_CONN_MAX_AGE": "120"}):
        db = production_database(**env)
        assert db["pool"] is None and db["age"] == int(env.get("CYBERBEELD_DB_CONN_MAX_AGE", 300))
        assert db["checks"] is True


def test_a_pool_without_connections_is_refused_with_one_line():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CYBERBEELD_"))}
    env.update({"PYTHONPATH": SRC, "DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.production",
                "DATABASE_URL": "postgres://cb@db.example.invalid/cyberbeeld", "DJANGO_SECRET_KEY": KEY,
                "DJANGO_ALLOWED_HOSTS": "x.example.nl", "CYBERBEELD_DB_POOL": "1",
                "CYBERBEELD_DB_POOL_MAX": "0"})
    proc = subprocess.run([sys.executable, "-m", "cyberbeeld.cli", "check"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "CYBERBEELD_DB_POOL_MAX" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_serve_production_sizes_the_pool_and_preloads_in_the_master(monkeypatch):
    from cyberbeeld.ops import server

    opts = server.parse(["127.0.0.1:8123", "--workers", "3", "--threads", "5"])
    argv = server.gunicorn_argv(opts)
    assert "--preload" in argv and argv[argv.index("--threads") + 1] == "5"
    assert argv[argv.index("--config") + 1] == "python:cyberbeeld.ops.gunicorn_hooks"
    seen: dict[str, str] = {}

    def fake_exec(path: str, args: list[str]) -> None:
        seen.update({k: os.environ[k] for k in ("CYBERBEELD_WEB_THREADS", "CYBERBEELD_WEB_WORKERS",
                                                "CYBERBEELD_PRELOAD_IN_MASTER", "CYBERBEELD_DB_POOL")})
        raise SystemExit(0)

    monkeypatch.setattr(server.os, "execv", fake_exec)
    monkeypatch.setattr(server, "collect_static", lambda: False)
    for key in ("CYBERBEELD_WEB_THREADS", "CYBERBEELD_WEB_WORKERS", "CYBERBEELD_PRELOAD_IN_MASTER",
                "CYBERBEELD_DB_POOL"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(SystemExit):
        server.main(["127.0.0.1:8123", "--workers", "3", "--threads", "5", "--no-collectstatic"])
    assert seen == {"CYBERBEELD_WEB_THREADS": "5", "CYBERBEELD_WEB_WORKERS": "3", "CYBERBEELD_PRELOAD_IN_MASTER": "1",
                    "CYBERBEELD_DB_POOL": "1"}
