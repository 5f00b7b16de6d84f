"""docs/architecture.md checked against the code where that is cheap: the API mounts every app's router (and
``api/main.py`` names no app), the apps and layers the document lists are the installed apps and the
import-linter layers, and the pure cores it names are in the pure-cores contract."""

from __future__ import annotations

import ast
import configparser
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "cyberbeeld"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
LINTER = configparser.ConfigParser()
LINTER.read(ROOT / ".importlinter", encoding="utf-8")


def _ours():
    return [c for c in apps.get_app_configs() if c.name.startswith("cyberbeeld.")]


def _section(title: str) -> str:
    return DOC.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _contract(type_: str, **match: str) -> configparser.SectionProxy:
    for name in LINTER.sections():
        sec = LINTER[name]
        if sec.get("type") == type_ and all(sec.get(k, "").strip() == v for k, v in match.items()):
            return sec
    raise AssertionError(f".importlinter has no {type_} contract {match}")


def _lines(value: str) -> list[str]:
    return [x.strip() for x in value.strip().splitlines() if x.strip() and not x.strip().startswith("#")]


def test_every_app_with_an_api_module_is_mounted_and_main_names_no_app():
    from cyberbeeld.api.main import api

    mounted = {id(router): prefix for prefix, router in api._routers}
    with_api = [c for c in _ours() if (Path(c.path) / "api.py").exists()]
    assert len(with_api) >= 7
    for config in with_api:
        module = __import__(f"{config.name}.api", fromlist=["router"])
        assert id(module.router) in mounted, f"{config.label}/api.py is not mounted"
        assert mounted[id(module.router)] == getattr(module, "PREFIX", f"/{config.label}")
    tree = ast.parse((SRC / "api" / "main.py").read_text(encoding="utf-8"))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    labels = {c.label for c in _ours()} - {"common", "api"}
    assert not [m for m in imported if m.split(".")[1:2] and m.split(".")[1] in labels], imported
    assert not [s.value for s in ast.walk(tree) if isinstance(s, ast.Constant) and s.value in labels]


def test_every_installed_app_is_described_in_the_layout():
    layout = _section("Layout")
    for config in _ours():
        assert f"`{config.label}`" in layout or f"`{config.label}/`" in layout, config.label


def test_the_layers_in_the_document_are_the_import_contract():
    """"Above it, in this order, sit `accounts`, … on top": the layers contract, read bottom-up."""
    sentence = re.search(r"Above it, in this order,\s+sit (.+?) on top\.", _section("Layout"), re.S)
    assert sentence, "the layer sentence of the Layout section"
    layers = re.sub(r"\([^)]*\)", "", sentence.group(1))  # the asides name modules, not layers
    doc_layers = [frozenset(re.split(r"\s*[|:]\s*", x)) for x in re.findall(r"`([^`]+)`", layers)]
    contract = _contract("layers", containers="cyberbeeld")
    code_layers = [frozenset(re.split(r"\s*[|:]\s*", x)) for x in reversed(_lines(contract["layers"]))]
    assert "common" in code_layers[0]  # the bottom floor, described before the sentence
    assert doc_layers == code_layers[1:]


def test_the_named_contracts_exist():
    enforcement = DOC.split("**Enforcement.**", 1)[1].split("\n\n", 1)[0]
    assert "`common` imports no app" in enforcement
    floor = _contract("forbidden", source_modules="cyberbeeld.common")
    assert {c.label for c in _ours()} - {"common"} <= {m.split(".")[1] for m in _lines(floor["forbidden_modules"])}
    assert "no import\ncycles between apps" in enforcement or "no import cycles between apps" in enforcement
    _contract("acyclic_siblings", ancestors="cyberbeeld")
    assert "apps import only downward" in enforcement
    _contract("layers", containers="cyberbeeld")


def test_the_pure_cores_named_are_in_the_pure_cores_contract():
    text = _section("Pure cores").split("import no Django", 1)[0]
    named = set()
    for token in re.findall(r"`([^`]+)`", text):
        m = re.fullmatch(r"(.*)\{([^}]+)\}(\.py)?", token)
        for path in ([m.group(1) + part + (m.group(3) or "") for part in m.group(2).split(",")] if m else [token]):
            named.add("cyberbeeld." + path.removesuffix("/").removesuffix(".py").replace("/", "."))
    assert len(named) >= 10
    contract = next(LINTER[s] for s in LINTER.sections() if LINTER[s].get("name", "").startswith("Pure cores"))
    assert named <= set(_lines(contract["source_modules"])), named - set(_lines(contract["source_modules"]))
