"""Load benchmark (issue 15, "Must show"): the production server under a mix of readers and writers.

Run: .venv/bin/python benchmarks/load_bench.py [--quick] [--incidents N] [--clients 1,16,64] [--seconds S]
                                              [--soak MINUTES] [--database-url URL] [--workers N --threads N]

1. Builds (or reuses) a PostgreSQL database: ``cyberbeeld migrate`` and ``cyberbeeld demo``, then N incidents
   written in bulk (``bulk_create`` in batches, not through the per-row service: that redacts and
   classifies every row), marked ``external_id = "bench-<i>"`` so a second run adds only what is missing.
2. Starts the production server (``cyberbeeld serve --production``, gunicorn, workers × threads sized to the
   machine unless given) on a free loopback port with production settings.
3. Per client count: first ``/healthz`` alone (the baseline of this run: the same server, clients and
   machine, but no page work), then the mix: readers (dashboard, incident list, indicator page, casebook
   search, risk picture, public page) and writers (the new-incident form, GET then POST), every client a
   thread with its own keep-alive connection and a logged-in session. Prints req/s and p50/p95/p99 per page
   and for the mix, the ratio of each page's p95 to the ``/healthz`` p95, and the errors.
   Goals: dashboard and incident-list p95 ≤ 5 × ``/healthz`` p95 at 16 clients; ≥ 50 req/s for the mix;
   0 errors.
4. ``--soak MINUTES``: the mix at 16 clients for that long; samples the RSS (and USS) of every gunicorn
   process every 10 s and prints the growth per worker from its first sample after the warm-up minute.
   Goal: growth ≤ 10 %, and ≤ 500 MB USS per web process (the memory a worker does not share with the
   others: the preloaded redaction models are loaded once, in the gunicorn master, before the fork).

``--quick`` (``make benchmarks``): 5,000 incidents in database ``<name>_quick``, clients 1 and 4, 3 s per
phase. The database URL: ``--database-url``, else ``$CYBERBEELD_BENCH_DATABASE_URL``, else
postgres://postgres@127.0.0.1:5432/cyberbeeld_bench (created when missing; trust or password in the URL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
sys.path.insert(0, str(SRC))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cyberbeeld_bench"
READER, WRITER = "anna", "maastricht-bewerker"  # demo users (cyberbeeld demo), coordinator and bewerker

# --------------------------------------------------------------------------------------------- database


def database_url(args: argparse.Namespace) -> str:
    url = args.database_url or os.environ.get("CYBERBEELD_BENCH_DATABASE_URL") or DEFAULT_URL
    if args.quick and not args.database_url:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_quick"))
    return url


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"database {name} aangemaakt / created")


def cli_env(url: str, settings: str = "cyberbeeld.config.settings.dev", **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": settings,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))})
    env.update(extra)
    return env


def cyberbeeld(url: str, *argv: str) -> None:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "cyberbeeld.cli", *argv], env=cli_env(url), check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  cyberbeeld {' '.join(argv)}: {time.monotonic() - start:.1f} s")


WORDS = ("phishing", "WhatsApp", "helpdeskfraude", "ransomware", "datalek", "marktplaats", "sextortion",
         "hack", "account", "bank", "spoofing", "ondernemer", "school", "zorginstelling", "inlog", "DDoS")


def build_incidents(url: str, target: int, seed: int = 15) -> tuple[int, float]:
    """Bring the bench incidents up to ``target`` rows in bulk; returns (rows added, seconds)."""
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.dev"})
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connections, transaction

    from cyberbeeld.accounts.models import Organisation
    from cyberbeeld.incidents.models import Impact, Incident, Sector, SourceKind, Status
    from cyberbeeld.incidents.services import current_forms

    have = Incident.objects.filter(external_id__startswith="bench-").count()
    if have >= target:
        connections.close_all()
        return 0, 0.0
    rng = random.Random(seed + have)
    orgs = {o.slug: o for o in Organisation.objects.select_related("area")}
    owners = [(orgs["gemeente-maastricht"], 0.5), (orgs["gemeente-eijsden-margraten"], 0.15),
              (orgs["gemeente-zaanstad"], 0.2), (orgs["politie-limburg"], 0.15)]
    weights = [w for _o, w in owners]
    users = {u.username: u for u in get_user_model().objects.all()}
    creators = {"gemeente-maastricht": users.get(WRITER), "gemeente-eijsden-margraten": users.get("eijsden-bewerker"),
                "gemeente-zaanstad": users.get("zaanstad-bewerker"), "politie-limburg": users.get("politie-analist")}
    forms = list(current_forms())
    tlps = [("amber", 0.55), ("green", 0.25), ("clear", 0.1), ("amber+strict", 0.05), ("red", 0.05)]
    sectors, impacts = [s.value for s in Sector], [i.value for i in Impact]
    sources, statuses = [s.value for s in SourceKind], [s.value for s in Status]
    today = dt.date.today()
    start, batch = time.monotonic(), 5000
    i = have
    while i < target:
        rows = []
        for j in range(i, min(target, i + batch)):
            owner = rng.choices([o for o, _w in owners], weights)[0]
            tlp = rng.choices([t for t, _w in tlps], [w for _t, w in tlps])[0]
            occurred = today - dt.timedelta(days=rng.randrange(0, 3 * 365))
            words = " ".join(rng.sample(WORDS, 3))
            rows.append(Incident(
                owner=owner, created_by=creators.get(owner.slug), tlp=tlp,
                audience_region=tlp in ("amber", "green") and rng.random() < 0.3,
                audience_community=tlp == "green" and rng.random() < 0.5,
                title=f"Melding {j}: {words}", raw_description=f"Voorbeeldmelding {j} over {words}.",
                redacted_description=f"Voorbeeldmelding {j} over {words}.",
                occurred_on=occurred, reported_on=occurred + dt.timedelta(days=rng.randrange(0, 14)),
                area=owner.area, form=rng.choice(forms) if forms else None, sector=rng.choice(sectors),
                impact=rng.choice(impacts), source=rng.choice(sources), status=rng.choice(statuses),
                external_id=f"bench-{j}", is_example=True))
        with transaction.atomic():
            Incident.objects.bulk_create(rows, batch_size=1000)
        i += len(rows)
        print(f"  incidenten / incidents: {i:,}/{target:,}", flush=True)
    with connections["default"].cursor() as cur:
        cur.execute("ANALYZE")
    connections.close_all()
    return target - have, time.monotonic() - start


def page_paths(url: str) -> dict[str, str]:
    """The reader pages of the mix (paths with language prefix), from the demo content."""
    from django.urls import reverse
    from django.utils import translation

    from cyberbeeld.areas.models import Area
    from cyberbeeld.indicators.models import Indicator

    translation.activate("nl")
    area = Area.objects.get(code="GM0935")
    indicator = Indicator.objects.order_by("pk").first()
    paths = {
        "dashboard": reverse("web:dashboard"),
        "incidentenlijst": reverse("incidents:list"),
        "incidentenlijst p.3": reverse("incidents:list") + "?page=3",
        "casusboek zoeken": reverse("sharing:list") + "?" + urlencode({"q": "phishing"}),
        "dreigingsbeeld": reverse("risks:picture"),
        "publieke pagina": reverse("public:gemeente", args=[area.slug]),
    }
    if indicator is not None:
        paths["indicatorpagina"] = reverse("indicators:indicator", args=[area.slug, indicator.code])
    from django.db import connections

    connections.close_all()
    return paths


# --------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int | None, threads: int | None) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "cyberbeeld.cli", "serve", "--production", f"127.0.0.1:{port}"]
    if workers:
        argv += ["--workers", str(workers)]
    if threads:
        argv += ["--threads", str(threads)]
    env = cli_env(url, "cyberbeeld.config.settings.production", DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
                  DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SECURE_SSL_REDIRECT="0",
                  CYBERBEELD_ACCESS_LOG_LEVEL="WARNING")
    return subprocess.Popen(argv, env=env, start_new_session=True)


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 300) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server stopped with exit code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/readyz")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("server not ready in time")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def web_processes(master: int) -> list[int]:
    """The gunicorn master and its workers (children)."""
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry))
    return pids


def memory_of(pid: int) -> tuple[int, int] | None:
    """(RSS, USS) in bytes from /proc (USS: private pages, what the process does not share)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    fields = {m.group(1): int(m.group(2)) * 1024 for m in re.finditer(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
    return fields.get("Rss", 0), fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)


# --------------------------------------------------------------------------------------------- client


class Session:
    """One client: a keep-alive connection and a cookie jar (the session cookie of a logged-in user)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        headers = {"Host": "127.0.0.1", "Accept-Language": "nl"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # the server closed an idle keep-alive connection: reconnect once
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.getheader("Location") or "", text


def final_path(port: int, path: str, cookies: dict[str, str]) -> str:
    """The path a page redirects to (the public page goes to its first theme), so the mix measures pages."""
    s = Session(port, cookies)
    for _hop in range(3):
        status, location, _body = s.request("GET", path)
        if status not in (301, 302) or not location:
            break
        path = urlsplit(location)._replace(scheme="", netloc="").geturl()
    s.conn.close()
    return path


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(port: int, username: str, password: str) -> dict[str, str]:
    s = Session(port)
    path = "/nl/account/inloggen/"
    status, _loc, html = s.request("GET", path)
    token = CSRF_RE.search(html)
    if status != 200 or token is None:
        raise SystemExit(f"login page: HTTP {status}")
    status, _loc, _html = s.request("POST", path, {"csrfmiddlewaretoken": token.group(1), "username": username,
                                                   "password": password})
    if status != 302 or "sessionid" not in s.cookies:
        raise SystemExit(f"login of {username} failed: HTTP {status}")
    return s.cookies


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.times[name].append(seconds)
            if error:
                self.errors[name].append(error)


Action = Callable[[Session, Stats], None]


def get_action(name: str, path: str) -> Action:
    def run(s: Session, stats: Stats) -> None:
        t = time.perf_counter()
        try:
            status, _loc, _body = s.request("GET", path)
            error = None if status == 200 else f"HTTP {status}"
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
        stats.add(name, time.perf_counter() - t, error)
    return run


def create_action(form_pk: str, area_pk: str) -> Action:
    counter = iter(range(10**9))
    path = "/nl/incidenten/nieuw/"

    def run(s: Session, stats: Stats) -> None:
        t = time.perf_counter()
        error = None
        try:
            status, _loc, html = s.request("GET", path)
            token = CSRF_RE.search(html)
            if status != 200 or token is None:
                error = f"form HTTP {status}"
            else:
                n = next(counter)
                today = dt.date.today().isoformat()
                status, loc, html = s.request("POST", path, {
                    "csrfmiddlewaretoken": token.group(1), "title": f"Loadtest melding {n}",
                    "raw_description": f"Mevrouw Jansen meldde phishing via een valse bank-sms ({n}).",
                    "form": form_pk, "occurred_on": today, "reported_on": today, "area": area_pk,
                    "status": "nieuw", "tlp": "amber", "sector": "burgers", "impact": "A", "source": "melding"})
                if status != 302 or "/incidenten/" not in loc:
                    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', html)[:3]
                    error = f"create HTTP {status} {found}"
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
        stats.add("incident aanmaken", time.perf_counter() - t, error)
    return run


def drive(port: int, sessions: list[dict[str, str]], actions: list[tuple[Action, float, int]], clients: int,
          seconds: float, seed: int) -> tuple[Stats, float]:
    """``clients`` threads run weighted random actions back to back for ``seconds``; returns the stats and
    the measured wall time. ``actions``: (action, weight, index of the session cookies to use)."""
    stats = Stats()
    stop = time.monotonic() + seconds
    weights = [w for _a, w, _s in actions]

    def client(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        conns: dict[int, Session] = {}
        while time.monotonic() < stop:
            action, _w, sidx = rng.choices(actions, weights)[0]
            if sidx not in conns:
                conns[sidx] = Session(port, sessions[sidx] if sidx >= 0 else None)
            action(conns[sidx], stats)
        for c in conns.values():
            c.conn.close()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    start = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return stats, time.monotonic() - start


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(title: str, stats: Stats, wall: float, base_p95: float | None) -> dict[str, dict[str, float]]:
    print(f"\n  {title}")
    print(f"    {'pagina / page':24} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'p95/healthz':>11} {'fouten':>6}")
    out: dict[str, dict[str, float]] = {}
    every: list[float] = []
    for name in sorted(stats.times):
        t = stats.times[name]
        every += t
        row = {"n": len(t), "rps": len(t) / wall, "p50": pct(t, 50), "p95": pct(t, 95), "p99": pct(t, 99),
               "errors": len(stats.errors.get(name, []))}
        row["ratio"] = row["p95"] / base_p95 if base_p95 else float("nan")
        out[name] = row
        print(f"    {name:24} {row['n']:>6} {row['rps']:>7.1f} {1000 * row['p50']:>8.1f} {1000 * row['p95']:>8.1f} "
              f"{1000 * row['p99']:>8.1f} {row['ratio']:>10.1f}× {row['errors']:>6}")
    total_errors = sum(len(v) for v in stats.errors.values())
    out["mix"] = {"n": len(every), "rps": len(every) / wall, "p50": pct(every, 50), "p95": pct(every, 95),
                  "p99": pct(every, 99), "errors": total_errors}
    print(f"    {'alles / all':24} {len(every):>6} {len(every) / wall:>7.1f} {1000 * pct(every, 50):>8.1f} "
          f"{1000 * pct(every, 95):>8.1f} {1000 * pct(every, 99):>8.1f} {'':>11} {total_errors:>6}")
    for name, errs in stats.errors.items():
        print(f"    fouten / errors {name}: {errs[:3]}")
    return out


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--incidents", type=int)
    parser.add_argument("--clients", help="comma-separated, e.g. 1,16,64")
    parser.add_argument("--seconds", type=float, help="seconds per phase")
    parser.add_argument("--soak", type=float, metavar="MINUTES")
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    n_incidents = args.incidents or (5_000 if args.quick else 100_000)
    clients = [int(c) for c in (args.clients or ("1,4" if args.quick else "1,16,64")).split(",")]
    seconds = args.seconds or (3.0 if args.quick else 30.0)
    url = database_url(args)
    print(f"== load_bench: {n_incidents:,} incidenten, PostgreSQL {urlsplit(url).path.lstrip('/')}, "
          f"{os.cpu_count()} cores")
    ensure_database(url)
    cyberbeeld(url, "migrate", "--no-input")
    cyberbeeld(url, "demo")
    added, took = build_incidents(url, n_incidents)
    if added:
        print(f"  {added:,} incidenten in bulk / in bulk: {took:.1f} s ({added / took:,.0f} rijen/s)")
    from cyberbeeld.demo import DEMO_PASSWORD
    from cyberbeeld.incidents.services import current_forms

    paths = page_paths(url)
    form_pk = str(current_forms().values_list("pk", flat=True).first())
    from cyberbeeld.areas.models import Area

    area_pk = str(Area.objects.get(code="GM0935").pk)
    from django.db import connections

    connections.close_all()

    port = free_port()
    server = start_server(url, port, args.workers, args.threads)
    try:
        print(f"  server klaar / ready in {wait_ready(port, server):.1f} s")
        sessions = [login(port, READER, DEMO_PASSWORD), login(port, WRITER, DEMO_PASSWORD)]
        paths = {name: final_path(port, path, sessions[0]) for name, path in paths.items()}
        health: list[tuple[Action, float, int]] = [(get_action("/healthz", "/healthz"), 1.0, -1)]
        mix: list[tuple[Action, float, int]] = [
            (get_action("dashboard", paths["dashboard"]), 3, 0),
            (get_action("incidentenlijst", paths["incidentenlijst"]), 3, 0),
            (get_action("incidentenlijst p.3", paths["incidentenlijst p.3"]), 1, 0),
            (get_action("casusboek zoeken", paths["casusboek zoeken"]), 2, 0),
            (get_action("dreigingsbeeld", paths["dreigingsbeeld"]), 2, 0),
            (get_action("publieke pagina", paths["publieke pagina"]), 2, -1),
            (create_action(form_pk, area_pk), 1, 1),
        ]
        if "indicatorpagina" in paths:
            mix.append((get_action("indicatorpagina", paths["indicatorpagina"]), 2, 0))
        # warm-up: every page once per worker, and the models in every worker loaded
        drive(port, sessions, mix, 4, min(seconds, 20.0), seed=0)
        results: dict[int, dict[str, Any]] = {}
        for n in clients:
            hstats, hwall = drive(port, sessions, health, n, seconds, seed=n)
            base = report(f"{n} client(s): /healthz (baseline)", hstats, hwall, None)
            mstats, mwall = drive(port, sessions, mix, n, seconds, seed=n + 1)
            results[n] = report(f"{n} client(s): mix", mstats, mwall, base["/healthz"]["p95"])
        print("\n  doelen / goals")
        for n, res in results.items():
            ratios = {k: res[k]["ratio"] for k in ("dashboard", "incidentenlijst") if k in res}
            print(f"    {n:>3} clients: mix {res['mix']['rps']:.1f} req/s (doel ≥ 50), fouten {res['mix']['errors']} "
                  f"(doel 0), p95/healthz " + ", ".join(f"{k} {v:.1f}×" for k, v in ratios.items())
                  + " (doel ≤ 5× bij 16 clients)")
        if args.soak:
            soak(port, server.pid, sessions, mix, args.soak)
    finally:
        stop_server(server)
    return 0


def soak(port: int, master: int, sessions: list[dict[str, str]], mix: list[tuple[Action, float, int]],
         minutes: float) -> None:
    print(f"\n  soak: {minutes:g} min, 16 clients")
    samples: dict[int, list[tuple[float, int, int]]] = defaultdict(list)
    done = threading.Event()
    result: dict[str, Any] = {}

    def load() -> None:
        result["stats"], result["wall"] = drive(port, sessions, mix, 16, minutes * 60, seed=99)
        done.set()

    threading.Thread(target=load, daemon=True).start()
    start = time.monotonic()
    warm = min(60.0, minutes * 60 / 5)
    while not done.wait(10):
        now = time.monotonic() - start
        for pid in web_processes(master):
            mem = memory_of(pid)
            if mem is not None and now >= warm:
                samples[pid].append((now, *mem))
    report("soak: mix", result["stats"], result["wall"], None)
    print(f"    {'pid':>8} {'rol':8} {'RSS begin':>10} {'RSS eind':>10} {'groei':>7} {'USS eind':>9} {'samples':>7}")
    for pid, rows in sorted(samples.items()):
        if len(rows) < 2:
            continue
        first, last = rows[0], rows[-1]
        growth = 100 * (last[1] - first[1]) / first[1]
        role = "master" if pid == master else "worker"
        print(f"    {pid:>8} {role:8} {first[1] / 2**20:>8.0f}MB {last[1] / 2**20:>8.0f}MB {growth:>6.1f}% "
              f"{last[2] / 2**20:>7.0f}MB {len(rows):>7}")
    print("    doel / goal: groei ≤ 10 %, ≤ 500 MB per webproces (USS: eigen geheugen)")


if __name__ == "__main__":
    sys.exit(main())
