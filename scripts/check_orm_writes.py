#!/usr/bin/env python3
"""Views and forms make no ORM writes: every write goes through a service (transaction + audit).

Scans every ``views.py``, ``views/*.py`` and ``forms.py`` under src/cyberbeeld for calls that write through
the ORM: ``.save(``, ``.delete(``, ``.create(``, ``.get_or_create(``, ``.update_or_create(``, ``bulk_*(``, and
``.update(`` on a queryset (``X.objects...update``, ``....filter(...).update`` and friends; a dict's
``update`` is not a write). Known writes are listed in the baseline (scripts/orm_writes_baseline.txt) as
``path::function::method count``; the check fails on a write not in the baseline, on more writes than the
baseline allows, and on a baseline entry that no longer occurs (so the baseline can only shrink).

    scripts/check_orm_writes.py                 # check against the baseline
    scripts/check_orm_writes.py --list          # print the current findings in baseline format
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "cyberbeeld"
BASELINE = Path(__file__).with_name("orm_writes_baseline.txt")

ALWAYS = {"save", "delete", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
QUERYSET_METHODS = {"objects", "filter", "exclude", "all", "select_for_update", "order_by", "select_related",
                    "prefetch_related", "only", "defer", "distinct", "using", "none"}


def _is_queryset(node: ast.expr) -> bool:
    """Whether ``node`` reads as a queryset: a manager (``X.objects``, ``x.related_set``) or a chain of
    queryset calls on one."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
            continue
        if isinstance(node, ast.Attribute):
            if node.attr in QUERYSET_METHODS or node.attr.endswith("_set"):
                return True
            node = node.value
            continue
        return isinstance(node, ast.Name) and (node.id in {"qs", "queryset"} or node.id.endswith("_qs"))


def find_writes(source: str, filename: str = "<string>") -> list[tuple[str, str, int]]:
    """(function, method, line) for every ORM write in ``source``."""
    tree = ast.parse(source, filename=filename)
    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{scope}.{child.name}" if scope != "<module>" else child.name
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                name = child.func.attr
                if name in ALWAYS or (name.startswith("bulk_") and name != "bulk_"):
                    found.append((scope, name, child.lineno))
                elif name == "update" and _is_queryset(child.func.value):
                    found.append((scope, name, child.lineno))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def targets(src: Path = SRC) -> list[Path]:
    files = [p for p in src.rglob("*.py") if "migrations" not in p.parts
             and (p.name in {"views.py", "forms.py"} or p.parent.name == "views")]
    return sorted(files)


def findings(src: Path = SRC) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in targets(src):
        rel = path.relative_to(src).as_posix()
        for scope, method, _line in find_writes(path.read_text(encoding="utf-8"), str(path)):
            counts[f"{rel}::{scope}::{method}"] += 1
    return counts


def read_baseline(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, n = line.rsplit(" ", 1)
            counts[key] = int(n)
    return counts


def check(current: Counter[str], baseline: Counter[str]) -> list[str]:
    errors = []
    for key, n in sorted(current.items()):
        allowed = baseline.get(key, 0)
        if n > allowed:
            errors.append(f"new ORM write in a view or form (move it into a service): {key} "
                          f"({n} found, baseline allows {allowed})")
    for key, n in sorted(baseline.items()):
        if current.get(key, 0) < n:
            errors.append(f"baseline entry no longer needed (shrink scripts/orm_writes_baseline.txt): {key} "
                          f"{n} -> {current.get(key, 0)}")
    return errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=SRC)
    ap.add_argument("--baseline", type=Path, default=BASELINE)
    ap.add_argument("--list", action="store_true", help="print the current findings in baseline format")
    args = ap.parse_args(argv)
    current = findings(args.src)
    if args.list:
        for key, n in sorted(current.items()):
            print(f"{key} {n}")
        return 0
    errors = check(current, read_baseline(args.baseline))
    for e in errors:
        print(e, file=sys.stderr)
    print(f"ORM writes in views and forms: {sum(current.values())} (baseline "
          f"{sum(read_baseline(args.baseline).values())})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
