"""Every command-line failure is one line and an exit code, operator errors included (issue 13, finding 4).

Run as a real process: what an operator sees in the terminal, with nothing of pytest around it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(args: list[str], tmp_path: Path, **env: str) -> tuple[int, str, float]:
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": SRC, "CYBERBEELD_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.dev", "HOME": str(tmp_path)}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "cyberbeeld.cli", *args], capture_output=True, text=True,
                          env={**base, **env}, timeout=120, check=False)
    return proc.returncode, proc.stderr, time.monotonic() - started


def assert_one_line(stderr: str, *words: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) >= 1 and lines[-1].startswith("cyberbeeld "), stderr
    for w in words:  # the reason: on the last line, or on the line of the row error before it
        assert w in lines[-1] or (len(lines) > 1 and w in lines[-2]), (w, lines)
    assert all(len(line) < 2000 for line in lines)
    return lines[-1]


@pytest.mark.parametrize(("content", "words"), [
    (b"naam,nummer\nMaastricht,caf\x81\n", ["0x81", "bad.csv"]),
    (b'naam,nummer\n"Maastricht,0935\n', ["rij 2", "aanhalingsteken"]),
    (b"[" * 50_000 + b"]" * 50_000, ["max_json_depth"]),
])
def test_bad_file_is_one_line_with_exit_code_2(tmp_path, content, words):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    code, err, _ = run(["import-areas", str(bad)], tmp_path)
    assert code == 2
    assert_one_line(err, *words)


def test_database_down_is_one_line_with_exit_code_3(tmp_path):
    code, err, _ = run(["import-incidents", "/etc/hostname", "--org", "x"], tmp_path,
                       DATABASE_URL="postgres://postgres@127.0.0.1:9/cyberbeeld")
    assert code == 3
    assert_one_line(err, "DATABASE_URL")


def test_unreachable_host_fails_within_the_connect_timeout(tmp_path):
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): nothing answers there, so only the timeout ends the attempt
    code, err, elapsed = run(["import-incidents", "/etc/hostname", "--org", "x"], tmp_path,
                             DATABASE_URL="postgres://postgres@192.0.2.1:5432/cyberbeeld",
                             CYBERBEELD_DB_CONNECT_TIMEOUT="2")
    assert code == 3
    assert_one_line(err, "DATABASE_URL")
    assert elapsed < 20


def test_unmigrated_database_says_so(tmp_path):
    code, err, _ = run(["import-incidents", "/etc/hostname", "--org", "x"], tmp_path)
    assert code == 3
    assert_one_line(err, "migrate")


def test_missing_secret_is_one_line_with_exit_code_3(tmp_path):
    env = {k: v for k, v in os.environ.items() if k == "PATH"}
    code, err, _ = run(["migrate"], tmp_path, DJANGO_SETTINGS_MODULE="cyberbeeld.config.settings.production",
                       DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", **env)  # (a missing URL is refused first)
    assert code == 3
    assert_one_line(err, "DJANGO_SECRET_KEY")


def test_wrong_settings_module_is_one_line(tmp_path):
    code, err, _ = run(["migrate"], tmp_path, DJANGO_SETTINGS_MODULE="cyberbeeld.config.settings.nope")
    assert code == 3
    assert_one_line(err, "DJANGO_SETTINGS_MODULE")


def test_unknown_command_is_one_line(tmp_path):
    code, err, _ = run(["import-everything"], tmp_path)
    assert code == 2
    assert_one_line(err, "import-everything")
