"""Backup → restore into an empty installation: every table, every attachment and the casebook search
results equal (SQLite natively and as a JSON dump; PostgreSQL when DATABASE_URL points at PostgreSQL)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")

# Run inside an installation: a fingerprint of every table's rows, the attachments and search results.
FINGERPRINT = r"""
import hashlib, json
import django
django.setup()
from pathlib import Path
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from cyberbeeld.ops.backup import _FTS_SHADOW, table_names
from cyberbeeld.sharing import selectors, textsearch
from cyberbeeld.sharing.models import Case

qn = connection.ops.quote_name
out = {"tables": {}, "media": {}, "search": {}, "policy_search": {}}
with connection.cursor() as cur:
    for t in table_names():
        if t.endswith(_FTS_SHADOW):
            continue  # FTS5's internal b-tree pages: their layout depends on insertion order
        if t == "django_migrations":  # the schema version; a JSON restore migrates anew (own timestamps)
            cur.execute("SELECT app, name FROM django_migrations")
        elif connection.vendor == "sqlite" and t.endswith("_fts"):
            cur.execute(f"SELECT rowid, title, body, tags FROM {t}")
        else:
            cur.execute(f"SELECT * FROM {qn(t)}")
        rows = sorted(repr(tuple(str(v) if v.__class__.__name__ == "memoryview" else v for v in r))
                      for r in cur.fetchall())
        out["tables"][t] = [len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()]
media = Path(settings.MEDIA_ROOT)
for p in sorted(media.rglob("*")) if media.is_dir() else []:
    if p.is_file():
        out["media"][p.relative_to(media).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
words = set()
for title in Case.objects.order_by("pk").values_list("title", flat=True):
    words.update(w for w in title.lower().split() if len(w) > 6 and w.isalpha())
words = sorted(words)[:12] + ["phishing", "ransomware", "oplichting"]
for q in words:
    out["search"][q] = {k: sorted(textsearch.matching_ids(k, q)) for k in textsearch.KINDS}
User = get_user_model()
for user in User.objects.order_by("username")[:6]:
    for q in words[:6]:
        out["policy_search"][f"{user.username}:{q}"] = selectors.search(user, q=q, with_facets=False).ids
print(json.dumps(out, sort_keys=True))
"""

ADD_ATTACHMENT = r"""
import hashlib
import django
django.setup()
from django.core.files.base import ContentFile
from cyberbeeld.sharing.models import Attachment, Case
case = Case.objects.order_by("pk").first()
data = b"%PDF-1.4 backup round trip \x00\x01\x02" * 100
att = Attachment(case=case, name="verslag.pdf", content_type="application/pdf", size=len(data),
                 sha256=hashlib.sha256(data).hexdigest())
att.file.save("verslag.pdf", ContentFile(data), save=True)
print(att.file.name)
"""


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CYBERBEELD_"))}
    env.update({"PYTHONPATH": SRC, "DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.dev",
                "DATABASE_URL": database_url, "CYBERBEELD_DATA_DIR": str(data_dir)})
    for key in ("CYBERBEELD_SHARED_DATA", "CYBERBEELD_DEDUCE_CACHE", "CYBERBEELD_CACHE_DIR"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _run(env: dict[str, str], *args: str, script: str | None = None) -> str:
    cmd = [sys.executable, "-c", script] if script else [sys.executable, "-m", "cyberbeeld.cli", *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{args or 'script'} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


class Installation:
    def __init__(self, root: Path, database_url: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.env = _env(root, database_url)

    def cli(self, *args: str) -> str:
        return _run(self.env, *args)

    def fingerprint(self) -> dict:
        return json.loads(_run(self.env, script=FINGERPRINT).strip().splitlines()[-1])


def _source(root: Path, database_url: str) -> Installation:
    src = Installation(root, database_url)
    src.cli("migrate", "--no-input", "-v", "0")
    src.cli("demo", "--quiet")
    _run(src.env, script=ADD_ATTACHMENT)
    return src


def _assert_equal(before: dict, after: dict) -> None:
    from cyberbeeld.ops.backup import VOLATILE_TABLES

    before = {**before, "tables": {t: v for t, v in before["tables"].items() if t not in VOLATILE_TABLES}}
    after = {**after, "tables": {t: v for t, v in after["tables"].items() if t not in VOLATILE_TABLES}}
    assert sorted(after["tables"]) == sorted(before["tables"])
    differing = {t: (before["tables"][t], after["tables"][t]) for t in before["tables"]
                 if before["tables"][t] != after["tables"][t]}
    assert not differing, differing
    assert after["media"] == before["media"]
    assert after["search"] == before["search"]
    assert after["policy_search"] == before["policy_search"]


def _assert_meaningful(fp: dict) -> None:
    """The comparison covers real content: cases, attachments and searches that find something."""
    assert fp["tables"]["sharing_case"][0] > 0 and fp["tables"]["incidents_incident"][0] > 0
    assert any(name.endswith("verslag.pdf") for name in fp["media"])
    assert sum(1 for v in fp["search"].values() if v["case"]) >= 3
    assert any(fp["policy_search"].values())


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory):
    root = tmp_path_factory.mktemp("source")
    src = _source(root, f"sqlite:///{root / 'db.sqlite3'}")
    return src, src.fingerprint()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["sqlite", "json"])
def test_round_trip_sqlite(sqlite_source, tmp_path, fmt):
    src, before = sqlite_source
    _assert_meaningful(before)
    archive = tmp_path / f"backup-{fmt}.tar.gz"
    src.cli("backup", "--out", str(archive), "--format", fmt)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"]["format"] == fmt
    assert "0001_initial" in manifest["migrations"]["sharing"]
    assert manifest["row_counts"]["sharing_case"] == before["tables"]["sharing_case"][0]
    assert all(len(meta["sha256"]) == 64 for meta in manifest["files"].values())

    target_root = tmp_path / "target"
    target = Installation(target_root, f"sqlite:///{target_root / 'db.sqlite3'}")
    if fmt == "json":
        target.cli("migrate", "--no-input", "-v", "0")  # an empty but migrated installation is fine too
    out = target.cli("restore", str(archive))
    assert "zoekindex / search index" in out
    _assert_equal(before, target.fingerprint())


@pytest.mark.db
@pytest.mark.slow
def test_round_trip_postgresql(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL does not point at PostgreSQL")
    import psycopg

    base = url.rsplit("/", 1)[0]
    names = [f"cb_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("a", "b")]
    with psycopg.connect(base + "/postgres", autocommit=True) as con:
        for name in names:
            con.execute(f"CREATE DATABASE {name}")
    try:
        src = _source(tmp_path / "a", f"{base}/{names[0]}")
        before = src.fingerprint()
        _assert_meaningful(before)
        for fmt in ("pgdump", "json"):
            archive = tmp_path / f"backup-{fmt}.tar.gz"
            src.cli("backup", "--out", str(archive), "--format", fmt)
            target = Installation(tmp_path / f"b-{fmt}", f"{base}/{names[1]}")
            target.cli("restore", str(archive))
            _assert_equal(before, target.fingerprint())
            with psycopg.connect(base + "/postgres", autocommit=True) as con:
                con.execute(f"DROP DATABASE {names[1]} WITH (FORCE)")
                con.execute(f"CREATE DATABASE {names[1]}")
    finally:
        with psycopg.connect(base + "/postgres", autocommit=True) as con:
            for name in names:
                con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- refusals (in process, fast) ------------------------------------------------------------------
def _archive_with(tmp_path: Path, files: dict[str, bytes], manifest: dict) -> Path:
    path = tmp_path / "crafted.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"manifest.json": json.dumps(manifest).encode(), **files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.django_db
def test_restore_refuses_a_tampered_archive_before_writing(tmp_path):
    from cyberbeeld.ops.backup import FORMAT, BackupError, restore

    manifest = {"format": FORMAT, "database": {"vendor": "sqlite", "format": "sqlite", "file": "database.sqlite3"},
                "migrations": {}, "row_counts": {},
                "files": {"database.sqlite3": {"sha256": "0" * 64, "size": 3}}}
    with pytest.raises(BackupError, match="checksum mismatch: database.sqlite3"):
        restore(_archive_with(tmp_path, {"database.sqlite3": b"abc"}, manifest))


@pytest.mark.django_db
def test_restore_refuses_unsafe_paths_and_unknown_migrations(tmp_path):
    import hashlib

    from cyberbeeld.ops.backup import FORMAT, BackupError, restore

    data = b"abc"
    files = {"database.sqlite3": {"sha256": hashlib.sha256(data).hexdigest(), "size": 3}}
    manifest = {"format": FORMAT, "database": {"vendor": "sqlite", "format": "sqlite", "file": "database.sqlite3"},
                "migrations": {"sharing": ["0001_initial", "9999_from_the_future"]}, "row_counts": {}, "files": files}
    with pytest.raises(BackupError, match="newer version.*sharing.9999_from_the_future"):
        restore(_archive_with(tmp_path, {"database.sqlite3": data}, manifest))
    with pytest.raises(BackupError, match="unsafe path"):
        restore(_archive_with(tmp_path, {"../evil": data}, manifest))


def test_restore_refuses_a_database_that_is_not_empty(world, tmp_path):
    from cyberbeeld.ops.backup import BackupError, backup, restore

    archive = backup(tmp_path / "b.tar.gz", fmt="json").path
    with pytest.raises(BackupError, match="not empty"):
        restore(archive)


def test_backup_never_overwrites(db, tmp_path):
    from cyberbeeld.ops.backup import BackupError, backup

    (tmp_path / "exists.tar.gz").write_bytes(b"old")
    with pytest.raises(BackupError, match="already exists"):
        backup(tmp_path / "exists.tar.gz")
    assert (tmp_path / "exists.tar.gz").read_bytes() == b"old"
