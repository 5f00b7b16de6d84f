"""Set-up talks: the step wrapper prints heartbeats and catches silences; deduce commands exit cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TALK = [sys.executable, str(REPO / "scripts" / "talk.py")]


def test_a_silent_step_gets_heartbeats_and_passes_the_limit():
    out = subprocess.run([*TALK, "--label", "wachten (2 s)", "--heartbeat", "0.5", "--", sys.executable, "-c",
                          "import time; print('begin', flush=True); time.sleep(2.2); print('eind')"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "==> wachten (2 s)" and "begin" in lines and "eind" in lines
    assert sum("... wachten:" in ln for ln in lines) >= 2
    assert "klaar / done" in lines[-1]


def test_the_limit_names_the_silence_and_fails():
    out = subprocess.run([*TALK, "--limit", "1", "--", sys.executable, "-c",
                          "import time; print('stap 1', flush=True); time.sleep(2); print('stap 2')"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "after: stap 1" in out.stdout and "silent for" in out.stderr


def test_a_failing_step_keeps_its_exit_code():
    out = subprocess.run([*TALK, "--label", "faalt", "--", sys.executable, "-c", "raise SystemExit(3)"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 3 and "mislukt / failed (3)" in out.stdout


def test_redact_leaves_at_once_with_its_output_complete():
    """`cyberbeeld redact` skips deduce's teardown (os._exit) but flushes everything first."""
    text = "Bel Jan de Vries op 06-12345678 of mail jan@example.nl.\n" * 50
    out = subprocess.run([sys.executable, "-c", "from cyberbeeld.cli import run; run()", "redact"],
                         input=text, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 50 and all("06-12345678" not in ln and "jan@example.nl" not in ln for ln in lines)
