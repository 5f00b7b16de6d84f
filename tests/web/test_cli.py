"""The `cyberbeeld` console command: help, pure commands without Django, demo idempotence."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cyberbeeld import cli


def test_help_lists_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("serve", "demo", "import-areas", "redact", "classify", "estimate"):
        assert command in out


def test_redact_runs_without_django(monkeypatch):
    proc = subprocess.run([sys.executable, "-c", "import sys; from cyberbeeld.cli import main; sys.exit(main(['redact']))"],
                          input="Bel Jan de Vries op 06-12345678 of mail jan@example.nl.", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "06-12345678" not in proc.stdout and "jan@example.nl" not in proc.stdout and "[EMAIL]" in proc.stdout


def test_bad_input_is_one_line_and_nonzero(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cyberbeeld.cli", "import-areas", str(tmp_path / "bestaat-niet.csv")],
                          capture_output=True, text=True,
                          env={"DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.test", "PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "bestaat niet" in proc.stderr


@pytest.mark.django_db
def test_demo_is_idempotent_and_prints_logins(capsys):
    from django.core.management import call_command

    from cyberbeeld.accounts.models import AuditEvent, Membership, Organisation
    from cyberbeeld.indicators.models import Observation

    call_command("demo", "--quiet")
    counts = (Organisation.objects.count(), Membership.objects.count(), Observation.objects.count())
    events = AuditEvent.objects.count()
    call_command("demo", "--quiet")
    assert (Organisation.objects.count(), Membership.objects.count(), Observation.objects.count()) == counts
    assert AuditEvent.objects.count() == events
    out = capsys.readouterr().out
    assert "anna" in out and "cyberbeeld-demo" in out
    values = dict(Observation.objects.filter(area__code="GM0935", indicator__code="vm-cybercrime-totaal")
                  .values_list("period", "value"))
    assert {k: float(v) for k, v in values.items()} == {"2014": 14.0, "2015": 13.2, "2016": 9.7, "2017": 12.4,
                                                        "2019": 13.8}
    assert Organisation.objects.filter(is_example=False).count() == 0  # all invented organisations are marked


def test_server_error_page_is_friendly():
    from pathlib import Path

    html = (Path(cli.__file__).parent / "web" / "templates" / "500.html").read_text(encoding="utf-8")
    assert 'lang="nl"' in html and "Er ging iets mis" in html and "Something went wrong" in html
