"""Cyberbeeld's own compact reference-data package: public CBS, Politie and geometry files, bundled.

A bare clone has nothing beside it, yet must load all gemeenten, their regions and geometry and the real
national and gemeente series. ``scripts/build_refdata.py`` builds this package from the public files
(gzip copies, reduced where Cyberbeeld reads only part of a file) and records per file the publisher, the
table, the licence, the period and the checksums in ``MANIFEST.json``.

:func:`path` answers where a reference file is: the configured shared data folder when it holds the file
(an operator's newer copy wins), else the bundled copy, unpacked once into ``DATA_DIR/refdata/`` and
verified against the manifest's checksum.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from cyberbeeld.common.errors import Unavailable

PACKAGE_DIR = Path(__file__).resolve().parent


class ReferenceDataError(Unavailable):
    """The bundled package is damaged (a file is missing or its checksum differs from the manifest)."""

    code = "reference-data"


@cache
def manifest() -> dict[str, dict[str, Any]]:
    """Manifest entries by relative path (e.g. ``geo/minvws-nl-vr-gm.topo.json``)."""
    data = json.loads((PACKAGE_DIR / "MANIFEST.json").read_text(encoding="utf-8"))
    return {entry["path"]: entry for entry in data["files"]}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def _settings_dirs() -> tuple[Path, Path]:
    return Path(settings.SHARED_DATA_DIR), Path(settings.DATA_DIR)


def bundled(rel: str, *, data_dir: Path | None = None) -> Path | None:
    """The bundled copy of ``rel``, unpacked (once) under ``data_dir/refdata``; None if not bundled."""
    entry = manifest().get(rel)
    if entry is None:
        return None
    if data_dir is None:
        data_dir = _settings_dirs()[1]
    out = data_dir / "refdata" / rel
    if out.is_file() and _sha256(out) == entry["sha256"]:
        return out
    packed = PACKAGE_DIR / entry["file"]
    if not packed.is_file():
        raise ReferenceDataError(f"referentiebestand ontbreekt in het pakket: {entry['file']}")
    data = gzip.decompress(packed.read_bytes())
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ReferenceDataError(f"controlesom klopt niet voor {entry['file']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".refdata-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, out)  # atomic: a concurrent reader sees the old file or the whole new one
    return out


def path(rel: str, *, shared_dir: Path | None = None, data_dir: Path | None = None) -> Path | None:
    """Where the reference file ``rel`` is: the shared data folder if it has it, else the bundled copy."""
    if shared_dir is None:
        shared_dir = _settings_dirs()[0]
    candidate = shared_dir / rel
    if candidate.is_file():
        return candidate
    return bundled(rel, data_dir=data_dir)


def provenance(rel: str) -> dict[str, Any] | None:
    """Publisher, table, period, licence and build date of a reference file (None if not bundled)."""
    entry = manifest().get(rel)
    if entry is None:
        return None
    return {k: entry[k] for k in ("publisher", "table", "period", "licence", "built_on", "origin")}
