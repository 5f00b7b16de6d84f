#!/usr/bin/env python3
"""Count the import structure of src/cyberbeeld: app-to-app edges, two-way pairs, imports inside functions.

Usage: scripts/import_graph.py [--pairs] [--inner] [--edges]

Prints the number of two-way import pairs between apps and the number of imports inside functions
(how issue 16 measures the house); --pairs / --inner / --edges list them. Rerun after every move.
Migrations are left out (Django generates them). An import inside a function counts as inner whether
or not it carries a comment; --inner marks the commented ones (a `# ` comment on the line or the line before).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "cyberbeeld"


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "cyberbeeld":
        return None
    return parts[1]


def module_of(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node: ast.ImportFrom, module: str, is_pkg: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        pkg = module.split(".") if is_pkg else module.split(".")[:-1]
        pkg = pkg[: len(pkg) - (node.level - 1)]
        base = ".".join(pkg + ([node.module] if node.module else []))
    if node.module is None:
        return [f"{base}.{a.name}" for a in node.names]
    return [base]


def scan():
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    inner: list[tuple[str, int, str, bool]] = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        module = module_of(path)
        src_app = app_of(module) if module.count(".") >= 1 else None
        funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        inside = set()
        for f in funcs:
            for n in ast.walk(f):
                if isinstance(n, (ast.Import, ast.ImportFrom)):
                    inside.add(id(n))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = resolve(node, module, path.name == "__init__.py")
            else:
                continue
            if id(node) in inside:
                line = lines[node.lineno - 1]
                prev = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
                commented = "#" in line or prev.startswith("#")
                inner.append((str(path.relative_to(SRC)), node.lineno, ", ".join(targets), commented))
            for t in targets:
                dst = app_of(t)
                if src_app and dst and dst != src_app:
                    edges[(src_app, dst)].append(f"{path.relative_to(SRC)}:{node.lineno} -> {t}")
    return edges, inner


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", action="store_true", help="list the two-way pairs with their imports")
    ap.add_argument("--inner", action="store_true", help="list the imports inside functions")
    ap.add_argument("--edges", action="store_true", help="list every app -> app edge")
    args = ap.parse_args(argv)
    edges, inner = scan()
    pairs = sorted({tuple(sorted(k)) for k in edges if (k[1], k[0]) in edges})
    if args.edges:
        for (a, b), where in sorted(edges.items()):
            print(f"{a} -> {b}  ({len(where)})")
    if args.pairs:
        for a, b in pairs:
            print(f"== {a} <-> {b}")
            for w in edges[(a, b)] + edges[(b, a)]:
                print("   ", w)
    if args.inner:
        for f, n, t, c in inner:
            print(f"{f}:{n}  {t}{'' if c else '   [no comment]'}")
    commented = sum(1 for *_, c in inner if c)
    own = [i for i in inner if "cyberbeeld" in i[2] or i[2].startswith(".")]
    cross = [i for i in own if any((app_of(t) or i[0].split("/")[0]) != i[0].split("/")[0]
                                   for t in i[2].split(", ") if t.startswith("cyberbeeld"))]
    print(f"two-way import pairs between apps: {len(pairs)}")
    print(f"imports inside functions: {len(inner)} ({commented} commented); "
          f"of Cyberbeeld modules: {len(own)}; of another app: {len(cross)} "
          f"({sum(1 for *_, c in cross if c)} commented)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
