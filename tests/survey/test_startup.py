"""Start-up and input of ``cyberbeeld estimate`` (issue 18, Deliver 4).

``--help`` and usage errors must not import the heavy modules (checked in ``sys.modules`` of a
fresh interpreter -- no wall-clock assertions); a CSV file is parsed once into DuckDB's own
storage when more than one pass reads it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cyberbeeld
from cyberbeeld.survey import Design, svymean
from cyberbeeld.survey.engine import open_session

HEAVY = ("pandas", "ibis", "scipy", "numpy", "duckdb", "pyarrow")

_PROBE = """
import json, sys
from cyberbeeld.cli import main
try:
    code = main({argv!r})
except SystemExit as exc:
    code = exc.code
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))
print(json.dumps({{"code": code, "heavy": heavy}}))
"""


def _probe(argv: list[str]) -> dict[str, object]:
    src = str(Path(cyberbeeld.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv, heavy=HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "argv",
    [
        ["estimate", "--help"],
        ["estimate", "data.csv", "--mean", "y", "--out", "x.txt"],  # usage error: bad --out
        ["estimate", "data.csv", "--out", "x.csv"],  # usage error: nothing to estimate
    ],
)
def test_help_and_usage_errors_import_nothing_heavy(argv: list[str]) -> None:
    result = _probe(argv)
    assert result["code"] in (0, 2)
    assert result["heavy"] == []


def test_the_probe_sees_heavy_imports(tmp_path: Path) -> None:
    """The check above can fail: a real estimate does import them.

    (A ratio: means and totals of an element sample take the one-query path of survey/lean.py,
    which imports neither pandas nor Ibis -- tests/survey/test_lean.py.)
    """
    data = tmp_path / "d.csv"
    pd.DataFrame({"w": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 4.0]}).to_csv(data, index=False)
    result = _probe(
        ["estimate", str(data), "--weights", "w", "--ratio", "y:w", "--out", str(tmp_path / "o.csv")]
    )
    assert result["code"] == 0
    assert {"pandas", "ibis", "duckdb"} <= set(result["heavy"])  # type: ignore[arg-type]


def test_csv_is_loaded_once_into_a_table(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    frame = pd.DataFrame({"w": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.0, 4.0, 8.0]})
    frame.to_csv(data, index=False)
    with open_session(data) as session:
        assert session.kind == "table"
        con = session.con
        tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "cyberbeeld_survey_src" in tables
        data.unlink()  # later passes read DuckDB's copy, not the file
        t = session.table
        assert int(session.execute(t.aggregate(n=t.count()))["n"].iloc[0]) == 4
        assert float(session.execute(t.aggregate(s=t.y.sum()))["s"].iloc[0]) == 15.0
    frame.to_csv(data, index=False)
    with open_session(data, single_pass=True) as session:
        assert session.kind == "view"
    # same numbers from the CSV as from the frame
    from_csv = svymean(data, Design(weights="w"), "y")
    from_frame = svymean(frame, Design(weights="w"), "y")
    pd.testing.assert_frame_equal(from_csv, from_frame)


def test_parquet_stays_a_view(tmp_path: Path) -> None:
    data = tmp_path / "d.parquet"
    pd.DataFrame({"w": [1.0, 2.0], "y": [1.0, 2.0]}).to_parquet(data)
    with open_session(data) as session:
        assert session.kind == "view"
