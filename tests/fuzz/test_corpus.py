"""Every file of the fuzz corpus through every importer, on the command line and as a web upload.

The answer must be a sentence: an exit code other than 0 and messages of one line each (never a
traceback), or a page (never a 500) with the reason; and no table may change (counts compared before
and after, bookkeeping tables of the upload itself excepted). A few files are also checked for the
reason they must be refused for.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

sys.path.insert(0, str(Path(__file__).parent))
from make_corpus import CORPUS, generate_large, small_files  # noqa: E402

pytestmark = pytest.mark.django_db

# What an upload leaves behind by design: the job row that reports the refusal, the audit event.
BOOKKEEPING = {"accounts.auditevent", "common.importjob", "django_tasks_db.dbtaskresult",
               "sessions.session", "axes.accessattempt", "axes.accesslog"}


@pytest.fixture(scope="module")
def large(tmp_path_factory: Any) -> dict[str, Path]:
    return generate_large(tmp_path_factory.mktemp("corpus-large"))


def corpus_files() -> list[str]:
    return sorted(small_files()) + ["deep_50000.json", "huge_field_131073.csv", "million_columns.csv", "zip_bomb.xlsx"]


def path_of(name: str, large: dict[str, Path]) -> Path:
    return large[name] if name in large else CORPUS / name


def counts() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in apps.get_models()
            if m._meta.label_lower not in BOOKKEEPING and m._meta.managed}


def test_committed_corpus_is_what_the_script_makes() -> None:
    for name, data in small_files().items():
        if name.endswith(".xlsx") and name != "not_a_zip.xlsx":
            continue  # a zip holds timestamps: regenerated files differ in bytes, not in content
        assert (CORPUS / name).read_bytes() == data, f"run tests/fuzz/make_corpus.py ({name})"


# --------------------------------------------------------------------------- command line
CLI = {
    "import-incidents": lambda p: ["import-incidents", str(p), "--org", "gemeente-maastricht", "--quiet"],
    "import-cbs": lambda p: ["import-cbs", str(p)],
    "import-areas": lambda p: ["import-areas", str(p)],
    "import-taxonomy": lambda p: ["import-taxonomy", str(p)],
    "import-cases": lambda p: ["import-cases", str(p), "--org", "gemeente-maastricht"],
}

# Files and the words their refusal must contain, per importer (the rest: any sentence).
EXPECTED = {
    ("import-incidents", "bad_bytes_0x81.csv"): "0x81",
    ("import-incidents", "utf16_bom_unknown_column.csv"): "onbekend",
    ("import-incidents", "utf16_no_bom.csv"): "UTF-16",
    ("import-incidents", "utf8_bom_unterminated_quote.csv"): "rij 2",
    ("import-incidents", "huge_field_131073.csv"): "max_field_chars",
    ("import-incidents", "million_columns.csv"): "max_columns",
    ("import-incidents", "zip_bomb.xlsx"): "max_",
    ("import-incidents", "xml_entity.xlsx"): "ENTITY",
    ("import-cbs", "deep_50000.json"): "max_json_depth",
    ("import-cbs", "nan_inf.json"): "NaN",
    ("import-cbs", "huge_number.json"): "1e999",
    ("import-cbs", "zip_bomb.xlsx"): "max_",
    ("import-cbs", "overflow_value.csv"): "bereik",
    ("import-cbs", "nan_values.csv"): "geen enkele waarde",
    ("import-areas", "herindeling_cycle.csv"): "kring",
    ("import-areas", "herindeling_self.csv"): "zichzelf",
    ("import-areas", "negative_population.csv"): "negatief",
    ("import-areas", "overflow_population.csv"): "bevolking",
    ("import-areas", "broken.topo.json"): "TopoJSON",
    ("import-areas", "deep_50000.json"): "max_json_depth",
    ("import-taxonomy", "taxonomy_values_notalist.json"): "values",
    ("import-taxonomy", "duplicate_keys.json"): "version",
    ("import-taxonomy", "deep_50000.json"): "max_json_depth",
    ("import-cases", "deep_50000.json"): "max_json_depth",
    ("import-cases", "duplicate_keys.json"): "version",
}


@pytest.mark.parametrize("importer", sorted(CLI))
def test_every_corpus_file_on_the_command_line(world, taxonomy, large, capsys, importer) -> None:
    from cyberbeeld import cli

    failures = []
    for name in corpus_files():
        before = counts()
        started = time.monotonic()
        code = cli.main(CLI[importer](path_of(name, large)))
        elapsed = time.monotonic() - started
        out = capsys.readouterr()
        lines = [line for line in out.err.splitlines() if line.strip()]
        problems = []
        if code == 0:
            problems.append(f"accepted (stdout: {out.out.strip()[:200]})")
        if "Traceback" in out.err or not lines or not lines[-1].startswith(f"cyberbeeld {importer}:"):
            problems.append(f"no one-line message: {out.err[-600:]!r}")
        if code == 4:
            problems.append(f"internal error: {lines[-1][:300] if lines else ''}")
        if any(len(line) > 2000 for line in lines):
            problems.append("a message line longer than 2000 characters")
        if counts() != before:
            problems.append(f"tables changed: {set(counts().items()) ^ set(before.items())}")
        if elapsed > 30:
            problems.append(f"took {elapsed:.0f} s")
        expected = EXPECTED.get((importer, name))
        if expected and lines and expected not in lines[-1] and expected not in out.err:
            problems.append(f"the message does not say {expected!r}: {out.err[-400:]!r}")
        if problems:
            failures.append(f"{importer} {name}: " + "; ".join(problems))
    assert failures == [], "\n".join(failures)


# --------------------------------------------------------------------------- web uploads
def _upload_incidents(client: Client, world: Any, name: str, data: bytes) -> Any:
    client.force_login(world.anna)
    return client.post("/nl/incidenten/importeren/", {"file": SimpleUploadedFile(name, data)})


def _upload_indicators(client: Client, world: Any, name: str, data: bytes) -> Any:
    client.force_login(world.anna)
    return client.post("/nl/monitor/import/", {"file": SimpleUploadedFile(name, data), "area": ""})


def _upload_taxonomy(client: Client, world: Any, name: str, data: bytes) -> Any:
    client.force_login(world.kees)
    return client.post("/nl/incidenten/taxonomie/", {"file": SimpleUploadedFile(name, data), "lang": "en"})


def _upload_survey(client: Client, world: Any, name: str, data: bytes) -> Any:
    client.force_login(world.anna)
    return client.post("/nl/monitor/eigen-onderzoek/", {
        "file": SimpleUploadedFile(name, data), "weights": "w", "area_column": "gemeente", "variables": "phishing",
        "strata": "", "cluster": "", "period": "2025"})


WEB = {"incidents": _upload_incidents, "indicators": _upload_indicators, "taxonomy": _upload_taxonomy,
       "survey": _upload_survey}
REFUSED_MARKS = ("utrecht-form-field-error", "errorlist", 'role="alert"', "Niets ingelezen", "mislukt")


@pytest.mark.parametrize("importer", sorted(WEB))
def test_every_corpus_file_as_a_web_upload(world, taxonomy, large, django_capture_on_commit_callbacks,
                                           importer) -> None:
    client = Client(raise_request_exception=False)
    failures = []
    for name in corpus_files():
        data = path_of(name, large).read_bytes()
        if not data:
            continue  # an empty upload never reaches the view: the form refuses it ("leeg bestand")
        before = counts()
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            r = WEB[importer](client, world, name, data)
        if r.status_code == 302:  # a queued job: it has run now (the callbacks ran); show its page
            r = client.get(r["Location"])
        elapsed = time.monotonic() - started
        body = r.content.decode(errors="replace")
        problems = []
        if r.status_code >= 500:
            problems.append(f"HTTP {r.status_code}")
        elif r.status_code not in (200, 400, 404):
            problems.append(f"HTTP {r.status_code}")
        if "Traceback" in body:
            problems.append("a traceback on the page")
        if counts() != before:
            problems.append(f"tables changed: {set(counts().items()) ^ set(before.items())}")
        if not any(mark in body for mark in REFUSED_MARKS):
            problems.append("no message on the page")
        if elapsed > 30:
            problems.append(f"took {elapsed:.0f} s")
        if problems:
            failures.append(f"{importer} {name}: " + "; ".join(problems))
    assert failures == [], "\n".join(failures)
