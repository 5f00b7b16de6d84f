"""The one error tree (common/errors.py): every exception class of the project derives from ApplicationError,
keeps what it was (ValueError, PermissionError), and has one bilingual shape (issue 16, deliver 2)."""

from __future__ import annotations

import ast
import importlib
import pickle
from pathlib import Path

import pytest

from cyberbeeld.common import errors
from cyberbeeld.common.errors import (
    ApplicationError,
    Conflict,
    ImportRefused,
    Invalid,
    JobError,
    NotAllowed,
    NotYours,
    RowError,
    Unavailable,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "cyberbeeld"

# module -> class -> (kind, what it also still is)
TREE = {
    "cyberbeeld.ops.backup": {"BackupError": (ApplicationError, Exception)},
    "cyberbeeld.actions.services": {"ExerciseStateError": (Conflict, ValueError)},
    "cyberbeeld.indicators.comparisons": {"MethodBreakError": (Invalid, ValueError),
                                          "ObservationError": (Invalid, ValueError)},
    "cyberbeeld.indicators.services": {"ImportFailed": (ImportRefused, ValueError)},
    "cyberbeeld.indicators.survey_import": {"SurveyImportError": (Invalid, ValueError)},
    "cyberbeeld.indicators.parsing.model": {"ParseError": (ImportRefused, ValueError)},
    "cyberbeeld.indicators.parsing.values": {"CellError": (Invalid, ValueError)},
    "cyberbeeld.indicators.fetch": {"FetchError": (Unavailable, Exception)},
    "cyberbeeld.incidents.classify": {"ClassifierError": (Invalid, ValueError)},
    "cyberbeeld.incidents.bulk": {"ImportFileError": (Invalid, ValueError)},
    "cyberbeeld.incidents.surveillance": {"SurveillanceError": (Invalid, ValueError)},
    "cyberbeeld.incidents.taxonomy": {"TaxonomyError": (Invalid, ValueError)},
    "cyberbeeld.inputs": {"InputRefused": (Invalid, ValueError)},
    "cyberbeeld.common.jobs": {"JobStopped": (JobError, Exception)},
    "cyberbeeld.survey.errors": {"SurveyDesignError": (Invalid, ValueError)},
    "cyberbeeld.survey.calibrate": {"CalibrationError": (Invalid, ValueError)},
    "cyberbeeld.survey.cli": {"MarginFileError": (Invalid, ValueError)},
    "cyberbeeld.risks.scoring": {"MethodError": (Invalid, ValueError), "MethodVersionMismatch": (Invalid, ValueError),
                                 "ScoreError": (Invalid, ValueError)},
    "cyberbeeld.risks.models": {"FinalAssessmentError": (Conflict, PermissionError)},
    "cyberbeeld.areas.importers": {"AreaImportError": (ImportRefused, ValueError)},
    "cyberbeeld.refdata": {"ReferenceDataError": (Unavailable, Exception)},
    "cyberbeeld.accounts.tokens": {"TokenRefused": (ApplicationError, Exception)},
    "cyberbeeld.accounts.sso": {"Refused": (NotAllowed, PermissionError)},
    "cyberbeeld.accounts.policy": {"CeilingError": (NotAllowed, PermissionError)},
    "cyberbeeld.sharing.exchange": {"ExchangeError": (Invalid, ValueError)},
}

# Exceptions that are not application errors, and why
NOT_APPLICATION_ERRORS = {
    "ApiProblem",  # the API's own answer (common.problems), raised only inside the API
    "_UsageError", "_Duplicate", "_NotFinite", "_BadRequest",  # private control flow inside one module
    "ClockError",  # actions.clock imports nothing of cyberbeeld (its test_is_pure); services wrap it (Conflict)
}


@pytest.mark.parametrize(("module", "name"), [(m, n) for m, classes in TREE.items() for n in classes])
def test_every_exception_class_is_an_application_error_and_keeps_its_old_base(module, name):
    cls = getattr(importlib.import_module(module), name)
    kind, old = TREE[module][name]
    assert issubclass(cls, kind) and issubclass(cls, old)
    assert isinstance(cls.code, str) and cls.code and cls.code != ApplicationError.code, name


def test_no_exception_class_outside_the_tree():
    """A new exception class must derive from the tree (or be listed above with its reason)."""
    known = {n for classes in TREE.values() for n in classes}
    tree_names = {"ApplicationError", "Invalid", "Conflict", "NotAllowed", "NotYours", "NotFound", "ImportRefused",
                  "JobError", "Unavailable", *known}
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel == "common/errors.py" or "/migrations/" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.name in NOT_APPLICATION_ERRORS:
                continue
            bases = [ast.unparse(b).split(".")[-1] for b in node.bases]
            raw = [b for b in bases if b in {"Exception", "BaseException", "ValueError", "PermissionError",
                                            "RuntimeError", "LookupError", "OSError", "TypeError"}]
            if raw and not any(b in tree_names for b in bases):
                found.append(f"{rel}: {node.name}({', '.join(bases)})")
            elif node.name in known and not any(b in tree_names for b in bases):
                found.append(f"{rel}: {node.name} does not derive from the tree")
    assert not found, found


def test_one_shape_code_dutch_english_and_place():
    e = Invalid("waarde ontbreekt", "value missing", file="a.csv", row=3, field="naam")
    assert (e.code, e.nl, e.en, e.file, e.row, e.field, e.status) == (
        "invalid", "waarde ontbreekt", "value missing", "a.csv", 3, "naam", 422)
    assert e.line("nl") == "invalid: waarde ontbreekt (a.csv, rij 3, veld 'naam')"
    assert e.line("en") == "invalid: value missing (a.csv, row 3, field 'naam')"
    assert e.problem_errors() == [{"code": "invalid", "file": "a.csv", "field": "naam", "row": 3,
                                   "message_nl": "waarde ontbreekt", "message_en": "value missing"}]
    assert str(e) == "waarde ontbreekt / value missing"
    one = Conflict("alleen Nederlands")
    assert (one.nl, one.en, str(one)) == ("alleen Nederlands", "alleen Nederlands", "alleen Nederlands")
    default = NotYours()
    assert default.status == 404 and isinstance(default, PermissionError) and "bestaat niet" in default.nl


def test_row_error_reads_every_older_stored_shape():
    older = [
        {"file": "x.csv", "row": 2, "column": "waarde", "reason": "geen getal", "reason_en": "not a number"},
        {"file": "x.csv", "row": 2, "column": "waarde", "reason_nl": "geen getal", "reason_en": "not a number"},
        {"file": "x.csv", "row": 2, "column": "waarde", "nl": "geen getal", "en": "not a number"},
    ]
    read = {RowError.from_dict(d) for d in older}
    assert read == {RowError("geen getal", "not a number", file="x.csv", row=2, field="waarde")}
    again = RowError.from_dict(next(iter(read)).as_dict())
    assert again == next(iter(read)) and again.column == "waarde"


def test_import_refused_lists_rows_and_survives_pickling():
    rows = [RowError("fout 1", "error 1", file="f.csv", row=2, field="a"), RowError("fout 2", "error 2", row=5)]
    e = ImportRefused(rows)
    assert e.errors == rows and (e.file, e.row, e.field) == ("f.csv", 2, "a")
    assert e.nl == "fout 1 (en nog 1)" and e.en == "error 1 (and 1 more)"
    assert [p["row"] for p in e.problem_errors()] == [2, 5]
    with pytest.raises(ValueError):
        ImportRefused([])
    from cyberbeeld.indicators.parsing.model import ParseError, Problems

    problems = Problems("data/x.csv")
    problems.add(3, "waarde", "geen getal", "not a number")
    parsed = ParseError(problems.items)
    back = pickle.loads(pickle.dumps(parsed))
    assert back.errors == parsed.errors and back.first.reason_nl == "geen getal" and back.first.column == "waarde"


def test_location_names_a_column_or_a_field():
    assert errors.location("nl", None, 4, "vorm", "column") == "rij 4, kolom 'vorm'"
    assert errors.location("en", "a.csv", None, "vorm") == "a.csv, field 'vorm'"
    assert errors.location("nl") == ""


def test_no_bare_permission_error_is_raised():
    """Services raise NotAllowed (403) or NotYours (404), which every surface maps; a bare PermissionError
    would be a 500 in the API. Only the audit log's append-only guard (a programming error) raises one."""
    allowed = {"accounts/models.py"}
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None and rel not in allowed:
                name = ast.unparse(node.exc.func if isinstance(node.exc, ast.Call) else node.exc)
                if name.split(".")[-1] in {"PermissionError", "PermissionDenied"}:
                    found.append(f"{rel}:{node.lineno}")
    assert not found, found


def test_every_kind_survives_pickling():
    from cyberbeeld.areas.importers import AreaImportError
    from cyberbeeld.indicators.fetch import FetchError
    from cyberbeeld.inputs import refuse

    rows = [RowError("fout", "error", file="f.csv", row=2, field="a")]
    for exc in (AreaImportError(rows), FetchError("weg", "gone"), refuse("f.csv", "kapot", "broken", row=3),
                NotYours(), Conflict("nee", "no", field="status"), ImportRefused(rows)):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc) and back.line("en") == exc.line("en")
        assert (back.nl, back.en, back.errors) == (exc.nl, exc.en, exc.errors)


def test_a_subclass_with_a_message_attribute_still_answers():
    """CeilingError and sso.Refused keep their ``message`` attribute; the surfaces never call one."""
    from cyberbeeld.accounts.policy import CeilingError

    exc = CeilingError("Niet ruimer dan de bron.")
    assert exc.message == "Niet ruimer dan de bron." and exc.reason_text("en") == "Niet ruimer dan de bron."
    assert exc.line("nl") == "sharing-ceiling: Niet ruimer dan de bron." and exc.text("nl") == exc.message
