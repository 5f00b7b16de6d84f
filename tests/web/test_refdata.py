"""The bundled reference-data package: complete provenance, faithful to its sources, enough for a bare clone."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

from cyberbeeld import refdata

REPO = Path(__file__).resolve().parents[2]


def _build_script():
    spec = importlib.util.spec_from_file_location("build_refdata", REPO / "scripts" / "build_refdata.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_refdata"] = module
    spec.loader.exec_module(module)
    return module


def test_every_bundled_file_has_provenance_and_its_checksum():
    entries = refdata.manifest()
    assert len(entries) >= 15
    bundled = {p.relative_to(refdata.PACKAGE_DIR).as_posix() for p in refdata.PACKAGE_DIR.rglob("*.gz")}
    assert bundled == {e["file"] for e in entries.values()}, "every packed file is in the manifest and vice versa"
    for rel, entry in entries.items():
        for key in ("publisher", "table", "period", "licence", "built_on", "origin"):
            assert entry[key], f"{rel}: {key} missing"
        data = gzip.decompress((refdata.PACKAGE_DIR / entry["file"]).read_bytes())
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], rel
        assert len(data) == entry["bytes"]


def test_package_is_rebuilt_identically_from_the_public_files(shared_data):
    """The committed package is exactly what the script makes of the public files (no hand edits)."""
    built = _build_script().build(shared_data)
    for rel, data in built.items():
        assert (refdata.PACKAGE_DIR / rel).read_bytes() == data, f"{rel} differs from a rebuild"


def test_reduced_file_keeps_country_and_every_gemeente(shared_data):
    entry = refdata.manifest()["cbs-police-crime/47018NED_WijkenEnBuurten.csv"]
    assert entry["reduced"]
    lines = gzip.decompress((refdata.PACKAGE_DIR / entry["file"]).read_bytes()).decode().splitlines()
    source = (shared_data / entry["path"]).read_text().splitlines()
    expected = [ln for ln in source[1:] if ln.startswith(('"NL', '"GM'))]
    assert lines[1:] == expected and len(expected) == 344


def test_shared_folder_wins_else_the_bundled_copy_is_unpacked_and_verified(tmp_path, shared_data):
    rel = "geo/minvws-nl-vr-gm.topo.json"
    assert refdata.path(rel, shared_dir=shared_data, data_dir=tmp_path) == shared_data / rel
    unpacked = refdata.path(rel, shared_dir=tmp_path / "nothing", data_dir=tmp_path)
    assert unpacked == tmp_path / "refdata" / rel
    assert unpacked.read_bytes() == (shared_data / rel).read_bytes()
    unpacked.write_bytes(b"tampered")  # a damaged unpacked copy is replaced, never used
    again = refdata.path(rel, shared_dir=tmp_path / "nothing", data_dir=tmp_path)
    assert again.read_bytes() == (shared_data / rel).read_bytes()
    assert refdata.path("no/such.csv", shared_dir=tmp_path, data_dir=tmp_path) is None


@pytest.mark.django_db
def test_bare_install_demo_has_every_gemeente_the_map_and_the_theme_page(settings, tmp_path, client):
    """A clone with nothing beside it: the demo loads all 342 gemeenten with geometry, the real series and
    the Maastricht theme page with its table — from the bundled package alone."""
    from cyberbeeld.areas.models import Area, AreaKind
    from cyberbeeld.demo import load
    from cyberbeeld.indicators.models import Observation

    settings.SHARED_DATA_DIR = tmp_path / "no-shared-data"
    settings.DATA_DIR = tmp_path / "var"
    load(log=lambda *a: None)
    current = Area.objects.filter(kind=AreaKind.GEMEENTE).current()
    assert current.count() == 342
    assert current.filter(geometry__isnull=True).count() == 0
    maastricht = Area.objects.get(code="GM0935")
    assert Observation.objects.filter(area=maastricht).count() > 50
    assert Observation.objects.filter(area__code="NL01").count() > 700
    page = client.get("/nl/publiek/maastricht/informatieveiligheid/")
    assert page.status_code == 200
    assert "13,8" in page.content.decode()
