"""Issue 15: a process that does not redact never loads the redaction models (deduce: ~600 MB and seconds).

Loading the application (every URLconf and view module, the dashboard cards) does not import deduce, and
serving pages that only read (dashboard, incident list, risk picture, casebook, public page) never asks
for it; a write that has text to redact does (so the check below can fail)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")

LOAD_APP = """
import sys, django
django.setup()
from django.urls import get_resolver
def walk(patterns):
    for p in patterns:
        if hasattr(p, "url_patterns"):
            walk(p.url_patterns)
walk(get_resolver().url_patterns)
import cyberbeeld.common.modules, cyberbeeld.incidents.dashboard, cyberbeeld.risks.views, cyberbeeld.incidents.views
from cyberbeeld.common import redact
print("deduce" in sys.modules, redact._DEDUCE is not None)
"""


def test_loading_the_application_does_not_load_deduce():
    env = {**os.environ, "PYTHONPATH": SRC, "DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.test"}
    proc = subprocess.run([sys.executable, "-c", LOAD_APP], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == ["False", "False"]


@pytest.fixture
def deduce_forbidden(monkeypatch):
    from cyberbeeld.common import redact

    asked: list[str] = []

    def forbidden() -> None:
        asked.append("deduce")
        raise AssertionError("the redaction models were loaded")

    monkeypatch.setattr(redact, "_DEDUCE", None)
    monkeypatch.setattr(redact, "_deduce", forbidden)
    return asked


@pytest.mark.django_db
def test_reading_pages_never_asks_for_the_redaction_models(client, world, taxonomy, deduce_forbidden):
    from cyberbeeld.incidents.models import Incident

    # (bulk_create: a save would redact its title, which is a write)
    Incident.objects.bulk_create([Incident(owner=world.maastricht, title="Phishing", tlp="clear",
                                           area=world.gm_maastricht)])
    client.force_login(world.anna)
    for path in ("/nl/overzicht/", "/nl/incidenten/", "/nl/dreigingsbeeld/", "/nl/casusboek/?q=phishing",
                 "/nl/incidenten/vroegsignalering/", "/healthz"):
        assert client.get(path).status_code == 200, path
    assert deduce_forbidden == []


@pytest.mark.django_db
def test_a_write_with_text_asks_for_them(world, taxonomy, deduce_forbidden):
    from cyberbeeld.incidents.services import incident_save

    with pytest.raises(AssertionError, match="redaction models"):
        incident_save(by=world.anna, owner=world.maastricht,
                      data={"title": "Melding", "raw_description": "Mevrouw Jansen belde.", "tlp": "amber"})
    assert deduce_forbidden == ["deduce"]
