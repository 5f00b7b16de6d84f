"""The pure computational cores import no Django (so they can be tested and benchmarked alone)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cyberbeeld"
PURE = [SRC / "survey", SRC / "common" / "redact.py", SRC / "incidents" / "classify.py",
        SRC / "incidents" / "surveillance.py", SRC / "incidents" / "taxonomy.py", SRC / "risks" / "scoring.py",
        SRC / "indicators" / "comparisons.py", SRC / "indicators" / "parsers.py", SRC / "indicators" / "parsing",
        SRC / "accounts" / "tlp.py", SRC / "actions" / "clock.py", SRC / "common" / "charts.py",
        SRC / "inputs.py"]


def files():
    for p in PURE:
        if p.is_dir():
            yield from sorted(p.rglob("*.py"))
        elif p.exists():
            yield p


@pytest.mark.parametrize("path", list(files()), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_core_imports_no_django(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith("django"), f"{path.name} imports {name}"
            for app in ("accounts.models", "accounts.policy", "areas", "web", "api"):
                assert not name.startswith(f"cyberbeeld.{app}"), f"{path.name} imports {name}"
