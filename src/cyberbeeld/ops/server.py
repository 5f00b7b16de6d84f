"""``cyberbeeld serve --production``: collect static files, then replace this process with gunicorn.

Workers (processes) and threads are sized to the machine: ``cores + 1`` workers (at most one per
``MEMORY_PER_WORKER`` of RAM) with ``THREADS`` threads each (gthread). Each thread holds at most one
database connection, so one instance opens at most ``workers × threads`` connections (the ceiling;
tune with ``--workers``/``--threads`` or ``CYBERBEELD_WEB_WORKERS``/``CYBERBEELD_WEB_THREADS``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

THREADS = 4
MAX_REQUESTS = 20_000  # per worker before it is replaced (gunicorn --max-requests, with 10 % jitter)
MEMORY_PER_WORKER = 512 * 1024 * 1024  # a web process that does not redact stays well below this
USAGE = "cyberbeeld serve --production [ADRES:POORT] [--bind ADRES:POORT] [--workers N] [--threads N] " \
        "[--no-collectstatic]"


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def memory_bytes() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            raw = open(path, encoding="ascii").read().strip()  # noqa: SIM115
        except OSError:
            continue
        if raw.isdigit() and int(raw) < 1 << 60:
            return int(raw)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return None


def default_workers(cores: int, memory: int | None) -> int:
    workers = cores + 1
    if memory is not None:
        workers = min(workers, max(1, memory // MEMORY_PER_WORKER))
    return max(1, workers)


@dataclass(frozen=True)
class Options:
    bind: str
    workers: int
    threads: int
    collectstatic: bool


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="cyberbeeld serve --production", usage=USAGE)
    parser.add_argument("address", nargs="?", help="ADRES:POORT (standaard / default 0.0.0.0:8000)")
    parser.add_argument("--bind")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--no-collectstatic", action="store_true")
    ns = parser.parse_args(argv)
    env_workers = os.environ.get("CYBERBEELD_WEB_WORKERS", "").strip()
    env_threads = os.environ.get("CYBERBEELD_WEB_THREADS", "").strip()
    workers = ns.workers or (int(env_workers) if env_workers else default_workers(cpu_count(), memory_bytes()))
    threads = ns.threads or (int(env_threads) if env_threads else THREADS)
    bind = ns.bind or ns.address or os.environ.get("CYBERBEELD_BIND", "0.0.0.0:8000")
    if workers < 1 or threads < 1:
        parser.error("--workers en --threads moeten ≥ 1 zijn / must be at least 1")
    return Options(bind=bind, workers=workers, threads=threads, collectstatic=not ns.no_collectstatic)


def gunicorn_argv(opts: Options) -> list[str]:
    argv = [
        sys.executable, "-m", "gunicorn", "cyberbeeld.config.wsgi:application",
        "--bind", opts.bind,
        "--workers", str(opts.workers),
        "--threads", str(opts.threads),
        "--worker-class", "gthread",
        "--preload",  # the models load once, in the master, and are shared by the forked workers
        "--config", "python:cyberbeeld.ops.gunicorn_hooks",
        "--timeout", "120",  # a report or PDF can take a while; a hung worker is replaced after this
        "--graceful-timeout", "30",
        "--keep-alive", "5",
        # recycle workers now and then (bounded memory over weeks), but rarely: a new worker starts its chart
        # renderer (~2.5 s of CPU) and rebuilds its per-process caches, and /healthz polls count as requests
        # (at 2,000 the load benchmark's /healthz baseline alone recycled every worker before the pages ran)
        "--max-requests", str(MAX_REQUESTS),
        "--max-requests-jitter", str(MAX_REQUESTS // 10),
        "--forwarded-allow-ips", os.environ.get("CYBERBEELD_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "--error-logfile", "-",
        "--log-level", "warning",
    ]
    if os.path.isdir("/dev/shm"):
        argv += ["--worker-tmp-dir", "/dev/shm"]  # heartbeat files off a (possibly read-only) disk
    return argv


STAMP = ".cyberbeeld-collected"


def static_fingerprint() -> str:
    """A digest over every static source file's path, size and modification time (milliseconds for a
    few hundred files), so an unchanged installation starts without collecting again."""
    # deferred: staticfiles' storage machinery, only after django.setup() in main
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            st = os.stat(storage.path(path))
            entries.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode())

    digest.update(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    return digest.hexdigest()


def collect_static() -> bool:
    """``collectstatic`` unless STATIC_ROOT already holds exactly these files; True when it ran."""
    stamp = Path(settings.STATIC_ROOT) / STAMP
    fingerprint = static_fingerprint()
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if stamp.is_file() and manifest.is_file() and stamp.read_text(encoding="ascii").strip() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint + "\n", encoding="ascii")
    return True


def main(argv: list[str]) -> int:
    """Prepare (settings, static files) and exec gunicorn; a bad setting ends with one line."""
    opts = parse(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.production")
    # the settings size the database pool to the threads (the connection ceiling is workers × threads);
    # the WSGI module loads the models in the master before the fork (see ops.gunicorn_hooks)
    os.environ["CYBERBEELD_WEB_WORKERS"] = str(opts.workers)
    os.environ["CYBERBEELD_WEB_THREADS"] = str(opts.threads)
    os.environ["CYBERBEELD_PRELOAD_IN_MASTER"] = "1"
    os.environ.setdefault("CYBERBEELD_DB_POOL", "1")  # CYBERBEELD_DB_POOL=0: persistent connections instead

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"cyberbeeld serve: {exc}\n")
        return 2
    if opts.collectstatic:
        collect_static()
    # deferred: apps not ready: metrics imports the models; loaded after django.setup()
    from . import metrics

    metrics.clear()  # request counters of this instance start at zero with its workers
    sys.stdout.write(f"Cyberbeeld (gunicorn) op / on http://{opts.bind}/ — {opts.workers} workers × "
                     f"{opts.threads} threads\n")
    sys.stdout.flush()
    args = gunicorn_argv(opts)
    os.execv(args[0], args)
    return 0  # pragma: no cover - execv does not return
