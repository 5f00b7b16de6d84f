"""The production recipe, followed literally in a fresh folder: settings refuse what is unsafe, and the
documented start (migrate, then `cyberbeeld serve --production`) serves working pages with gunicorn."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
GOOD_KEY = "k" * 20 + "-Xq9!" + "z" * 40


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "CYBERBEELD_", "GUNICORN"))}
    env.update({
        "PYTHONPATH": SRC,
        "DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "DJANGO_SECRET_KEY": GOOD_KEY,
        "DJANGO_ALLOWED_HOSTS": "cyberbeeld.example.nl",
        "CYBERBEELD_DATA_DIR": str(tmp_path / "var"),
    })
    if "CYBERBEELD_SHARED_DATA" in os.environ:
        env["CYBERBEELD_SHARED_DATA"] = os.environ["CYBERBEELD_SHARED_DATA"]
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def _cli(env: dict[str, str], *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cyberbeeld.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize(("change", "needle"), [
    ({"DATABASE_URL": ""}, "DATABASE_URL"),
    ({"DJANGO_SECRET_KEY": "too-short-but-random-9f8a7"}, "DJANGO_SECRET_KEY"),
    ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
    ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
])
def test_production_refuses_to_start_with_one_line(tmp_path, change, needle):
    env = _env(tmp_path)
    for key, value in change.items():
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    proc = _cli(env, "check", "--deploy", timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]


def test_wsgi_defaults_to_production_settings(tmp_path):
    """Without DJANGO_SETTINGS_MODULE the WSGI entry point loads production settings (which then
    refuse to start without DATABASE_URL) instead of silently serving development settings."""
    env = _env(tmp_path)
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        env.pop(key)
    for module in ("cyberbeeld.config.wsgi", "cyberbeeld.config.asgi"):
        proc = subprocess.run([sys.executable, "-c", f"import {module}"], env=env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode != 0
        assert "ImproperlyConfigured" in proc.stderr and "DATABASE_URL" in proc.stderr


def test_cli_and_manage_still_default_to_development(tmp_path):
    env = _env(tmp_path)
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        env.pop(key)
    proc = _cli(env, "diffsettings", "--output", "unified", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "SETTINGS_MODULE = 'cyberbeeld.config.settings.dev'" in proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, host: str = "cyberbeeld.example.nl") -> tuple[int, dict[str, str], str]:
    req = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 (loopback)
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_documented_production_start_serves_pages(tmp_path):
    """README: migrate, check --deploy, then `cyberbeeld serve --production` (collects static files and
    runs gunicorn). Every page used to be a 500: the manifest storage had no manifest."""
    env = _env(tmp_path)
    migrate = _cli(env, "migrate", "--no-input", "-v", "0")
    assert migrate.returncode == 0, migrate.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cyberbeeld.cli", "serve", "--production", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                status, _, body = _get(base + "/healthz", host="localhost")
                if status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("server did not start:\n" + (server.stdout.read() if server.stdout else ""))
            time.sleep(0.5)
        assert json.loads(body)["status"] == "ok"
        status, headers, body = _get(base + "/nl/")
        assert status == 200, body[:2000]
        assert "/static/" in body
        css = [part.split('"')[0] for part in body.split('href="/static/')[1:] if part.split('"')[0].endswith(".css")]
        assert css and all("." in name.rsplit("/", 1)[-1][:-4] for name in css)  # hashed (manifest) names
        status, _, _ = _get(base + "/static/" + css[0])
        assert status == 200
        status, _, body = _get(base + "/nl/bestaat-niet/")
        assert status == 404 and "Er ging iets mis" not in body
        status, _, body = _get(base + "/readyz", host="localhost")
        ready = json.loads(body)
        assert status == 200 and ready["status"] == "ok", ready
        assert ready["checks"]["migrations"]["status"] == "ok"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_check_deploy_reports_missing_static_manifest(tmp_path):
    env = _env(tmp_path)
    proc = _cli(env, "check", "--deploy", timeout=120)
    assert proc.returncode != 0
    assert "collectstatic" in proc.stderr


def test_database_that_never_answers_fails_fast_with_one_line(tmp_path):
    """A PostgreSQL endpoint that accepts the connection but never answers: `migrate` used to hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # never accepted, never answered
    port = listener.getsockname()[1]
    try:
        env = _env(tmp_path, DATABASE_URL=f"postgres://nobody@127.0.0.1:{port}/cyberbeeld",
                   CYBERBEELD_DB_CONNECT_TIMEOUT="2")
        start = time.monotonic()
        proc = _cli(env, "migrate", "--no-input", timeout=90)
        elapsed = time.monotonic() - start
    finally:
        listener.close()
    assert proc.returncode != 0
    assert elapsed < 30, elapsed
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "database" in lines[0].lower(), proc.stderr
