"""Fixtures of the subprocess tests (helpers in ``live_processes.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_processes import Procs


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    """Start ``cyberbeeld`` subprocesses; every one still running is killed (with its children) at the end."""
    p = Procs(tmp_path)
    try:
        yield p
    finally:
        p.stop_all()
