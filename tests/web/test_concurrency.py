"""Concurrency (issue 13, finding 3): a real ``cyberbeeld serve`` (with its background worker) on the test
database; 8 users log in and create incidents through the web form right after the server starts, and go on
while a 20,000-row import is checked and saved. Every request gets an answer that is not a 5xx; every
write is either done (redirect to the new incident) or refused with a message."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest
import requests
from live_processes import enqueue_in_database, free_port, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

HEADER = "sleutel;titel;beschrijving;datum_melding;gemeente;vorm;impact;tlp"
WRITERS = 8
BOUND = 600


def csv_bytes(n: int) -> bytes:
    rows = [f"B-{i:06d};Melding {i};Inwoner meldt verdachte activiteit, melding {i}.;2026-03-02;GM0935;phishing;B;AMBER"
            for i in range(n)]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _csrf(session: requests.Session, html: str) -> str:
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return m.group(1) if m else session.cookies.get("csrftoken", "")


def test_eight_writers_after_start_and_during_a_20k_import_get_no_server_error(world, taxonomy, procs):
    from django.contrib.auth import get_user_model

    from cyberbeeld.accounts import services
    from cyberbeeld.accounts.models import Role
    from cyberbeeld.common.models import ImportJob
    from cyberbeeld.incidents.models import Incident
    from cyberbeeld.incidents.tasks import run_import_job

    User = get_user_model()
    names = [f"schrijver{i}" for i in range(WRITERS)]
    for name in names:
        u = User.objects.create_user(username=name, password=world.password)
        services.membership_set(by=None, user=u, organisation=world.maastricht, role=Role.BEWERKER)
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, created_by=world.anna, filename="groot.csv",
                                   data=csv_bytes(20_000))
    enqueue_in_database(run_import_job, job.pk)

    port = free_port()
    server, log = procs.start("serve", f"127.0.0.1:{port}", "--noreload", name="serve")
    base = f"http://127.0.0.1:{port}"

    def accepting() -> bool:
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(accepting, BOUND, "the server to accept connections", every=0.02, alive=server, log=log)

    answers: list[tuple[float, str, int, str]] = []  # (time, what, status, note)
    lock = threading.Lock()
    stop = threading.Event()

    def note(what: str, r: requests.Response) -> None:
        text = ""
        if r.status_code >= 500 or (what == "create" and r.status_code != 302):
            text = r.text[:300]
        with lock:
            answers.append((time.monotonic(), what, r.status_code, text))

    def writer(name: str) -> None:
        s = requests.Session()
        login = f"{base}/nl/account/inloggen/"
        r = s.get(login, timeout=120)
        note("login-page", r)
        r = s.post(login, data={"username": name, "password": world.password, "csrfmiddlewaretoken": _csrf(s, r.text)},
                   allow_redirects=False, timeout=120)
        note("login", r)
        k = 0
        while not stop.is_set() and k < 400:
            r = s.get(f"{base}/nl/incidenten/nieuw/", timeout=120)
            note("form", r)
            r = s.post(f"{base}/nl/incidenten/nieuw/", data={
                "title": f"Phishing via sms bij {name} nr {k}", "raw_description": "Jan de Vries kreeg een sms.",
                "status": "nieuw", "tlp": "amber", "csrfmiddlewaretoken": _csrf(s, r.text)},
                allow_redirects=False, timeout=120)
            note("create", r)
            k += 1

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in names]
    for t in threads:
        t.start()
    saving: list[float] = []

    def import_ended() -> bool:
        state, phase = ImportJob.objects.filter(pk=job.pk).values_list("state", "phase").get()
        if phase == ImportJob.Phase.SAVING and not saving:
            saving.append(time.monotonic())
        return state in (ImportJob.State.DONE, ImportJob.State.FAILED, ImportJob.State.CANCELLED)

    wait_for(import_ended, BOUND, "the 20k-row import to end", every=0.05, alive=server, log=log)
    ended = time.monotonic()
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join(timeout=180)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.result["created"] == 20_000, (job.state, job.failure_nl, job.problems[:3])

    errors = [a for a in answers if a[2] >= 500]
    assert not errors, f"{len(errors)} of {len(answers)} answers were 5xx: {errors[:3]}"
    logins = [a for a in answers if a[1] == "login"]
    assert len(logins) == WRITERS and all(a[2] == 302 for a in logins), logins
    creates = [a for a in answers if a[1] == "create"]
    refused = [a for a in creates if a[2] != 302]
    assert all(a[2] in (200, 503) and a[3] for a in refused), refused[:3]  # refused with a page that says why
    done = len(creates) - len(refused)
    assert done == Incident.objects.filter(owner=world.maastricht, external_id="").count() and done > 0
    print(f"{len(creates)} creates ({done} done, {len(refused)} refused), {len(answers)} answers, "
          f"saving observed: {bool(saving)}")
    if saving:  # writers were answered while the import saved (it may also have saved between two polls)
        assert any(saving[0] <= a[0] <= ended for a in creates), "no write during the import's saving phase"
