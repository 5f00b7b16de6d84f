"""One "save a Shareable object, diff, audit" (issue 16): ``accounts.services.save_shareable``. A new copy of the
skeleton fails here, and the check is shown catching one."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "cyberbeeld"
HELPER = ("accounts/services.py", "save_shareable")

# Functions that diff and audit an owned object that is not Shareable (no label, no audience), and why.
NOT_SHAREABLE = {
    ("incidents/retention.py", "rule_save"): "a retention rule has an owner but no label or audience",
}


def _calls(fn: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            out.add(ast.unparse(node.func).split(".")[-1] if isinstance(node.func, ast.Attribute)
                    else ast.unparse(node.func))
            if isinstance(node.func, ast.Attribute):
                out.add(ast.unparse(node.func))
    return out


def _compares_owner(fn: ast.AST) -> bool:
    return any(isinstance(node, ast.Compare) and "owner_id" in ast.unparse(node) for node in ast.walk(fn))


def skeletons(source: str, rel: str) -> list[str]:
    """Functions in ``source`` that are a copy of the shareable-save skeleton: they take the label out of the
    data or give it back (``take_sharing``/``give_sharing``), or they check the owner, validate, diff and
    audit in one body."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or (rel, node.name) == HELPER:
            continue
        if node.name in {"take_sharing", "give_sharing"}:
            continue
        calls = _calls(node)
        if calls & {"take_sharing", "give_sharing"}:
            found.append(f"{rel}:{node.name} holds back or gives the label itself")
        elif {"audit.diff", "full_clean"} <= calls and _compares_owner(node) and (rel, node.name) not in NOT_SHAREABLE:
            found.append(f"{rel}:{node.name} checks the owner, validates, diffs and audits itself")
    return found


def test_only_the_helper_saves_a_shareable_object():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if "/migrations/" not in rel:
            found += skeletons(path.read_text(encoding="utf-8"), rel)
    assert not found, found


def test_the_helper_is_there_and_used_by_every_shareable_save():
    source = (SRC / HELPER[0]).read_text(encoding="utf-8")
    assert f"def {HELPER[1]}(" in source
    for rel, function in [("incidents/services.py", "incident_save"), ("sharing/services.py", "_save_item"),
                          ("actions/services.py", "_save_shareable"), ("risks/services.py", "scenario_save"),
                          ("risks/services.py", "asset_save")]:
        tree = ast.parse((SRC / rel).read_text(encoding="utf-8"))
        fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
        assert "save_shareable" in _calls(fn), (rel, function)


def test_the_check_catches_a_new_copy_of_the_skeleton():
    copy = textwrap.dedent('''
        def thing_save(*, by, owner, data, thing=None):
            wanted = take_sharing(thing, data)
            if thing.owner_id != owner.pk:
                raise NotYours()
            before = {f: getattr(thing, f) for f in FIELDS}
            thing.full_clean()
            thing.save()
            audit.record(user=by, action="update", obj=thing, changes=audit.diff(before, {}))
            give_sharing(by=by, obj=thing, wanted=wanted)
    ''')
    assert skeletons(copy, "things/services.py") == ["things/services.py:thing_save holds back or gives the label itself"]
    without_label = copy.replace("wanted = take_sharing(thing, data)", "wanted = {}").replace(
        "give_sharing(by=by, obj=thing, wanted=wanted)", "pass")
    assert skeletons(without_label, "things/services.py") == [
        "things/services.py:thing_save checks the owner, validates, diffs and audits itself"]
