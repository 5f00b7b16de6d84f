"""The house rules that `make lint` enforces, each shown catching a deliberate violation:

* import-linter (`.importlinter`): pure cores import nothing of Django or the Django layer, `common` imports
  no app, apps import only downward, no cycles between apps;
* `scripts/check_orm_writes.py`: views and forms make no ORM writes (a baseline that can only shrink);
* `makemigrations --check --dry-run`: every model change has its migration;
* `scripts/import_graph.py --check`: every import inside a function says why it waits (`# deferred: <why>`),
  and there are no more of them than the budget (issue 16: halved).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


orm = _script("check_orm_writes")
graph = _script("import_graph")


# --------------------------------------------------------------------------- import contracts


def _lint_imports(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():  # pragma: no cover - the test extras install it
        pytest.fail("lint-imports is missing: pip install -e '.[test]'")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(exe), "--no-cache", "--no-logo", str(config)], cwd=config.parent, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def broken_copy(tmp_path_factory):
    """A copy of the Python sources with one deliberate violation of every contract."""
    root = tmp_path_factory.mktemp("house")
    shutil.copytree(SRC / "cyberbeeld", root / "src" / "cyberbeeld",
                    ignore=lambda d, names: [n for n in names if not (n.endswith(".py") or (Path(d) / n).is_dir())
                                             or n in {"__pycache__", "static", "templates", "locale"}])
    shutil.copy(ROOT / ".importlinter", root / ".importlinter")
    pkg = root / "src" / "cyberbeeld"

    def add(rel: str, line: str) -> None:
        path = pkg / rel
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")

    add("risks/scoring.py", "import django.db  # a pure core importing Django")
    add("common/params.py", "from cyberbeeld.accounts import policy  # the floor importing an app")
    add("areas/services.py", "from cyberbeeld.incidents import models  # an app importing upward")
    add("incidents/selectors.py", "from cyberbeeld.indicators import models as _m  # siblings that must not meet")
    add("indicators/selectors.py", "from cyberbeeld.incidents import models as _n  # ... in both directions")
    return root


def test_the_import_contracts_hold_on_the_tree():
    result = _lint_imports(SRC, ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_each_import_contract_catches_its_violation(broken_copy):
    result = _lint_imports(broken_copy / "src", broken_copy / ".importlinter")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    for contract in ("Pure cores import nothing of Django or the Django layer BROKEN",
                     "common is the bottom floor: it imports no app BROKEN",
                     "Apps import only downward BROKEN",
                     "No import cycles between apps BROKEN"):
        assert contract in out, out
    for chain in (r"cyberbeeld\.risks\.scoring -> django \(", r"cyberbeeld\.common\.params -> cyberbeeld\.accounts\.policy",
                  r"cyberbeeld\.areas\.services -> cyberbeeld\.incidents\.models",
                  r"cyberbeeld\.incidents\.selectors -> cyberbeeld\.indicators\.models"):
        assert re.search(chain, out), (chain, out)
    assert re.search(r"\.indicators -> \.incidents|\.incidents -> \.indicators", out), out  # the cycle


def test_no_two_way_import_pairs_between_apps():
    edges, _inner = graph.scan()
    pairs = {tuple(sorted(k)) for k in edges if (k[1], k[0]) in edges}
    assert not pairs, sorted(pairs)


# --------------------------------------------------------------------------- ORM writes in views and forms


SNIPPET = textwrap.dedent('''
    def view(request, qs):
        form.save()
        Thing.objects.create(name="x")
        Thing.objects.filter(pk=1).update(name="y")
        qs.update(name="z")
        Thing.objects.bulk_create([])
        thing.items.get_or_create(name="w")
        thing.delete()
        context = {}
        context.update(a=1)            # a dict, not a write
        widget.attrs.update({"a": 1})  # neither
        return Thing.objects.filter(pk=1).first()

    class F:
        def save(self, commit=True):
            return super().save(commit)
''')


def test_the_orm_write_checker_finds_every_kind_of_write():
    found = Counter((scope, method) for scope, method, _line in orm.find_writes(SNIPPET))
    assert found == Counter({("view", "save"): 1, ("view", "create"): 1, ("view", "update"): 2,
                             ("view", "bulk_create"): 1, ("view", "get_or_create"): 1, ("view", "delete"): 1,
                             ("F.save", "save"): 1})


def test_the_orm_write_checker_refuses_a_new_write_and_a_stale_baseline(tmp_path):
    app = tmp_path / "cyberbeeld" / "things"
    app.mkdir(parents=True)
    (app / "views.py").write_text("def create(request):\n    Thing.objects.create()\n", encoding="utf-8")
    (app / "services.py").write_text("def thing_create():\n    Thing.objects.create()\n", encoding="utf-8")
    current = orm.findings(tmp_path / "cyberbeeld")
    assert current == Counter({"things/views.py::create::create": 1})  # services may write
    assert orm.check(current, Counter()) == [
        "new ORM write in a view or form (move it into a service): things/views.py::create::create "
        "(1 found, baseline allows 0)"]
    assert orm.check(current, Counter({"things/views.py::create::create": 1})) == []
    stale = orm.check(Counter(), Counter({"things/views.py::create::create": 1}))
    assert len(stale) == 1 and stale[0].startswith("baseline entry no longer needed")


def test_views_and_forms_make_no_orm_writes_beyond_the_baseline():
    assert orm.check(orm.findings(), orm.read_baseline(orm.BASELINE)) == []


# --------------------------------------------------------------------------- migrations


def _makemigrations_check(pythonpath: str, settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": pythonpath, "DJANGO_SETTINGS_MODULE": settings}
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), "makemigrations", "--check", "--dry-run"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_every_model_change_has_its_migration_and_a_missing_one_is_caught(tmp_path):
    clean = _makemigrations_check(str(SRC), "cyberbeeld.config.settings.test")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    probe = tmp_path / "probeapp"
    (probe / "migrations").mkdir(parents=True)
    (probe / "__init__.py").write_text("", encoding="utf-8")
    (probe / "migrations" / "__init__.py").write_text("", encoding="utf-8")
    (probe / "models.py").write_text(textwrap.dedent('''
        from django.db import models


        class Probe(models.Model):
            name = models.CharField(max_length=10)
    '''), encoding="utf-8")
    (tmp_path / "probe_settings.py").write_text(
        "from cyberbeeld.config.settings.test import *  # noqa: F403\n"
        "INSTALLED_APPS = [*INSTALLED_APPS, 'probeapp']  # noqa: F405\n", encoding="utf-8")
    missing = _makemigrations_check(f"{tmp_path}{os.pathsep}{SRC}", "probe_settings")
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "probeapp" in missing.stdout and "Create model Probe" in missing.stdout


# --------------------------------------------------------------------------- imports inside functions


INNER_SNIPPET = textwrap.dedent('''
    import json

    def top():
        import csv
        return csv, json

    def heavy():
        # deferred: heavy import (duckdb), CLI start-up
        import duckdb
        from duckdb import sql
        return duckdb, sql

    def cycle():
        from cyberbeeld.accounts import policy  # deferred: cycle accounts.models<->policy
        return policy

    def pragma_only():
        from . import dashboard  # noqa: F401
        return dashboard

    def block():
        # the card registers itself on import,
        # deferred: apps not ready before ready()
        from cyberbeeld.incidents import (
            dashboard,
        )

        from cyberbeeld.incidents import models  # isort's blank line between sections keeps the run
        count = 1
        import gc  # after a statement the run is over: this one needs its own reason
        return dashboard, models, gc, count
''')


def test_the_inner_import_check_finds_each_import_without_a_reason():
    inner, _edges = graph.scan_file(Path("snippet.py"), "things/snippet.py", INNER_SNIPPET, "cyberbeeld.things.snippet")
    reasons = {target: ok for _f, _n, target, ok in inner}
    assert reasons == {"csv": False, "duckdb": True,
                       "cyberbeeld.accounts": True, "cyberbeeld.things.dashboard": False,
                       "cyberbeeld.incidents": True, "gc": False}, reasons
    assert len(inner) == 8  # json at the top of the module is not inner
    assert [ok for _f, _n, target, ok in inner if target == "cyberbeeld.incidents"] == [True, True]
    problems = graph.check(inner, budget=7)
    assert [p.split(":")[0] for p in problems[:-1]] == ["things/snippet.py"] * 3
    assert sorted(p.split(": import of ")[1].split(" ")[0] for p in problems[:-1]) == [
        "csv", "cyberbeeld.things.dashboard", "gc"]
    assert problems[-1].startswith("8 imports inside functions, more than the budget of 7"), problems
    assert graph.check([(f, n, t, True) for f, n, t, _ok in inner], budget=8) == []


def test_every_import_inside_a_function_says_why_and_the_count_stays_within_budget(capsys):
    _edges, inner = graph.scan()
    problems = graph.check(inner)
    print(f"imports inside functions: {len(inner)} (budget {graph.BUDGET})")
    assert problems == [], "\n".join(problems)


def test_the_inner_import_check_fails_the_script_on_a_deliberate_violation(tmp_path, monkeypatch):
    pkg = tmp_path / "cyberbeeld" / "things"
    pkg.mkdir(parents=True)
    (pkg / "services.py").write_text("def f():\n    import csv\n    return csv\n", encoding="utf-8")
    monkeypatch.setattr(graph, "SRC", tmp_path / "cyberbeeld")
    assert graph.main(["--check"]) == 1
    (pkg / "services.py").write_text("def f():\n    import csv  # deferred: a test of the check\n    return csv\n",
                                     encoding="utf-8")
    assert graph.main(["--check"]) == 0
