"""Backup and restore: one archive with the database, the attachments and a manifest.

Archive (``.tar.gz``)::

    manifest.json          format, time, version, database vendor and dump format, the schema version
                           (applied migrations per app), row counts per table, SHA-256 of every file
    database.sqlite3       SQLite, through the sqlite3 backup API (online, consistent), or
    database.pgdump        PostgreSQL, ``pg_dump --format=custom`` (online, consistent), or
    database.json          a logical dump of every table (``--format json``, or no pg_dump found)
    media/...              every file under MEDIA_ROOT (attachments)

``restore`` verifies every checksum before writing, refuses a database that is not empty and a backup
with migrations this code does not know, restores, applies newer migrations, copies the attachments and
rebuilds the casebook's full-text index (``sharing.textsearch.rebuild``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from cyberbeeld.common.errors import ApplicationError
from cyberbeeld.sharing import textsearch

FORMAT = "cyberbeeld-backup/1"
MANIFEST = "manifest.json"


class BackupError(ApplicationError):
    """A one-line reason (the command prints it and exits non-zero)."""

    code = "backup"


@dataclass
class Result:
    path: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def applied_migrations() -> dict[str, list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    out: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        out.setdefault(app, []).append(name)
    return out


def known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)


# Derived counters, not data: the page cache's generations (accounts.CacheGeneration). They are not backed up,
# and a restore raises them (its writes fire the same signals as any other write), so every cache is stale.
VOLATILE_TABLES = ("accounts_cachegeneration",)


def table_names() -> list[str]:
    with connection.cursor() as cur:
        return sorted(connection.introspection.table_names(cur))


def row_counts() -> dict[str, int]:
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cur:
        for table in table_names():
            cur.execute(f"SELECT COUNT(*) FROM {qn(table)}")
            counts[table] = int(cur.fetchone()[0])
    return counts


# --- dumps ----------------------------------------------------------------------------------------
def _dump_sqlite(target: Path) -> None:
    connection.ensure_connection()
    source = connection.connection  # the live sqlite3 connection: its backup API copies a consistent state
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()


def _pg_args() -> tuple[dict[str, str], list[str]]:
    """Environment (password, timeout) and connection arguments for pg_dump/pg_restore."""
    s = connection.settings_dict
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    env["PGCONNECT_TIMEOUT"] = str(s.get("OPTIONS", {}).get("connect_timeout", 10))
    args = ["--host", str(s.get("HOST") or "127.0.0.1"), "--port", str(s.get("PORT") or 5432),
            "--username", str(s.get("USER") or "postgres"), "--dbname", str(s["NAME"])]
    return env, args


def _dump_pg(target: Path) -> None:
    env, args = _pg_args()
    proc = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
                           *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"pg_dump mislukt / failed: {' '.join(proc.stderr.split())[:300]}")


def _dump_json(target: Path) -> None:
    """Every table through Django's serializers; content types and permissions by natural key (they are
    recreated by ``migrate`` on the target)."""
    if "cyberbeeld-json" not in serializers.get_serializer_formats():
        serializers.register_serializer("cyberbeeld-json", "cyberbeeld.ops.serializer")
    call_command("dumpdata", "--natural-foreign", "--natural-primary", "--exclude", "contenttypes",
                 "--exclude", "auth.permission", "--exclude", "accounts.cachegeneration", "--format", "cyberbeeld-json", "--output", str(target),
                 "--verbosity", "0")


def _pg_dump_works() -> bool:
    if shutil.which("pg_dump") is None:
        return False

    proc = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True)
    try:
        client_major = int(proc.stdout.split()[-1].split(".")[0])
    except (IndexError, ValueError):
        return False
    connection.ensure_connection()
    server_major = connection.connection.info.server_version // 10000
    return client_major >= server_major


# --- backup ---------------------------------------------------------------------------------------
def backup(out: Path, *, fmt: str = "auto", progress: Callable[[str], None] = lambda s: None) -> Result:
    vendor = connection.vendor
    if fmt == "auto":
        if vendor == "sqlite":
            fmt = "sqlite"
        elif vendor == "postgresql" and _pg_dump_works():
            fmt = "pgdump"
        else:
            fmt = "json"
    if fmt == "sqlite" and vendor != "sqlite":
        raise BackupError("--format sqlite werkt alleen met SQLite / only with SQLite")
    if fmt == "pgdump" and vendor != "postgresql":
        raise BackupError("--format pgdump werkt alleen met PostgreSQL / only with PostgreSQL")
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} bestaat al / already exists")
    with tempfile.TemporaryDirectory(prefix="cyberbeeld-backup-") as tmp:
        work = Path(tmp)
        db_file = {"sqlite": "database.sqlite3", "pgdump": "database.pgdump", "json": "database.json"}[fmt]
        progress(f"database ({vendor}, {fmt}) ...")
        # Counts and schema version first, then the dump: the backup API and pg_dump see one snapshot; the
        # counts are compared with that snapshot again on restore.
        {"sqlite": _dump_sqlite, "pgdump": _dump_pg, "json": _dump_json}[fmt](work / db_file)
        files: dict[str, dict[str, Any]] = {db_file: {}}
        media_root = Path(settings.MEDIA_ROOT)
        media: list[tuple[Path, str]] = []
        if media_root.is_dir():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                media.append((path, "media/" + path.relative_to(media_root).as_posix()))
        progress(f"bijlagen / attachments: {len(media)} ...")
        for name in files:
            p = work / name
            files[name] = {"sha256": _sha256(p), "size": p.stat().st_size}
        for path, name in media:
            files[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cyberbeeld_version": _version(),
            "database": {"vendor": vendor, "format": fmt, "file": db_file},
            "migrations": applied_migrations(),
            "row_counts": _snapshot_counts(work / db_file, fmt),
            "files": files,
        }
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(work / db_file, arcname=db_file)
            for path, name in media:
                tar.add(path, arcname=name)
        partial.chmod(0o600)
        partial.replace(out)  # a backup file exists only when it is complete
    progress(f"klaar / done: {out}")
    return Result(out, manifest)


def _snapshot_counts(db_path: Path, fmt: str) -> dict[str, int]:
    """Row counts of the dumped snapshot (SQLite: read from the copy itself; otherwise the live database
    right after the dump)."""
    if fmt == "sqlite":
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                              "AND name NOT LIKE 'sqlite_%'")]
            return {n: int(con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]) for n in sorted(names)}
        finally:
            con.close()
    return row_counts()


def _version() -> str:
    try:
        return version("cyberbeeld")
    except PackageNotFoundError:  # pragma: no cover
        return "0"


# --- restore --------------------------------------------------------------------------------------
def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for m in tar.getmembers():
        p = PurePosixPath(m.name)
        if p.is_absolute() or ".." in p.parts or not (m.isfile() or m.isdir()):
            raise BackupError(f"onveilig pad in de backup / unsafe path in the backup: {m.name}")
        members.append(m)
    return members


def read_manifest(archive: Path, extract_to: Path) -> dict[str, Any]:
    try:
        tar = tarfile.open(archive, "r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive}: geen leesbare backup / not a readable backup ({exc})") from exc
    with tar:
        members = _safe_members(tar)
        tar.extractall(extract_to, members=members, filter="data")
    manifest_path = extract_to / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{archive}: manifest.json ontbreekt / is missing")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: onbekend formaat / unknown format {manifest.get('format')!r}")
    present = {m.name for m in members if m.isfile()} - {MANIFEST}
    listed = set(manifest["files"])
    if present != listed:
        extra, missing = sorted(present - listed), sorted(listed - present)
        raise BackupError(f"{archive}: bestanden wijken af van het manifest / files differ from the manifest "
                          f"(extra {extra[:3]}, missing {missing[:3]})")
    for name, meta in sorted(manifest["files"].items()):
        if _sha256(extract_to / name) != meta["sha256"]:
            raise BackupError(f"{archive}: controlegetal klopt niet / checksum mismatch: {name}")
    return manifest


def _database_is_empty() -> bool:
    tables = [t for t in table_names() if t != MigrationRecorder.Migration._meta.db_table]
    if not tables:
        return True
    # Migrated but without data: only what `migrate` itself creates.
    counts = row_counts()
    seeded = {"django_content_type", "auth_permission", "django_migrations"}
    return all(n == 0 for t, n in counts.items() if t not in seeded and not t.endswith(_FTS_SHADOW))


_FTS_SHADOW = ("_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")


def restore(archive: Path, *, progress: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} bestaat niet / does not exist")
    if connection.vendor == "sqlite":  # a fresh installation: the data folder may not exist yet
        Path(connection.settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cyberbeeld-restore-") as tmp:
        work = Path(tmp)
        progress("controlegetallen / checksums ...")
        manifest = read_manifest(archive, work)
        db = manifest["database"]
        backed_up = {(app, name) for app, names in manifest["migrations"].items() for name in names}
        unknown = sorted(backed_up - known_migrations())
        if unknown:
            raise BackupError("de backup is van een nieuwere versie / the backup is from a newer version "
                              f"(unknown migration {unknown[0][0]}.{unknown[0][1]})")
        if not _database_is_empty():
            raise BackupError("de database is niet leeg / the database is not empty: restore needs an empty "
                              "installation")
        media_root = Path(settings.MEDIA_ROOT)
        media = [n for n in manifest["files"] if n.startswith("media/")]
        for name in media:
            target = media_root / name.removeprefix("media/")
            if target.exists() and _sha256(target) != manifest["files"][name]["sha256"]:
                raise BackupError(f"bijlage bestaat al met andere inhoud / attachment exists with other "
                                  f"content: {target}")
        fmt, vendor = db["format"], connection.vendor
        progress(f"database ({db['vendor']} {fmt} → {vendor}) ...")
        if fmt == "sqlite":
            if vendor != "sqlite":
                raise BackupError("een SQLite-backup terugzetten kan alleen in SQLite / a SQLite backup restores "
                                  "into SQLite only (make one with --format json to move)")
            _restore_sqlite(work / db["file"])
        elif fmt == "pgdump":
            if vendor != "postgresql":
                raise BackupError("een pg_dump-backup terugzetten kan alleen in PostgreSQL / restores into "
                                  "PostgreSQL only (make one with --format json to move)")
            _restore_pg(work / db["file"])
        elif fmt == "json":
            missing = sorted(known_migrations() - backed_up)
            if missing:
                raise BackupError("een JSON-backup past alleen in dezelfde versie / a JSON backup restores into "
                                  f"the same version only (not applied in the backup: {missing[0][0]}."
                                  f"{missing[0][1]})")
            _restore_json(work / db["file"])
        else:
            raise BackupError(f"onbekend databaseformaat / unknown database format {fmt!r}")
        differing = _compare_counts(manifest["row_counts"])
        if differing and fmt != "json":
            progress("let op / note: andere aantallen rijen dan bij de backup / row counts differ from the "
                     f"backup's: {', '.join(differing[:5])}")
        progress("migraties / migrations ...")
        call_command("migrate", "--no-input", verbosity=0)
        progress(f"bijlagen / attachments: {len(media)} ...")
        for name in media:
            target = media_root / name.removeprefix("media/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(work / name, target)
        progress("zoekindex / search index ...")

        reindexed = {kind: textsearch.rebuild(kind) for kind in textsearch.KINDS}
    progress(f"klaar / done ({sum(reindexed.values())} casussen en aanpakken / cases and approaches indexed)")
    return manifest


def _compare_counts(expected: dict[str, int]) -> list[str]:
    actual = row_counts()
    return [t for t, n in sorted(expected.items())
            if not t.endswith(_FTS_SHADOW) and actual.get(t, 0) != n]


def _restore_sqlite(source: Path) -> None:
    connection.close()
    connection.ensure_connection()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        src.backup(connection.connection)  # replaces the (empty) target database page by page
    finally:
        src.close()
    connection.close()


def _restore_pg(source: Path) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore niet gevonden / not found (install postgresql-client)")
    connection.close()
    env, args = _pg_args()
    with connection.cursor() as cur:
        # A migrated empty database: drop its (empty) tables so pg_restore recreates exactly the backup.
        cur.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()")
        has_tables = cur.fetchone()[0] > 0
    if has_tables:
        with connection.cursor() as cur:
            cur.execute("SELECT current_schema()")
            schema = cur.fetchone()[0]
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
            cur.execute(f'CREATE SCHEMA "{schema}"')
        connection.close()
    proc = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
                           "--exit-on-error", *args, str(source)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"pg_restore mislukt / failed: {' '.join(proc.stderr.split())[:300]}")


def _restore_json(source: Path) -> None:
    """Migrate (the backup has exactly this code's schema version), load every row in one transaction,
    reset the primary-key sequences."""
    call_command("migrate", "--no-input", verbosity=0)  # creates the tables (data migrations seed nothing)
    with transaction.atomic():
        call_command("loaddata", str(source), verbosity=0)
        models = list(apps.get_models(include_auto_created=True))
        sql = connection.ops.sequence_reset_sql(no_style(), models)
        if sql:
            with connection.cursor() as cur:
                for statement in sql:
                    cur.execute(statement)
