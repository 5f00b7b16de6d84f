"""``cyberbeeld estimate --rake / --calibrate``: R's numbers, and one-line errors for bad margin files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cyberbeeld.survey.cli import main

DATA = Path(__file__).parent / "data"


def _refs() -> dict[str, np.ndarray]:
    out = {}
    for line in (DATA / "references_caldomain.tsv").read_text().splitlines():
        name, _, values = line.partition("\t")
        out[name] = np.array([float(v) for v in values.split()])
    return out


REFS = _refs()


@pytest.fixture
def margins(tmp_path: Path) -> dict[str, Path]:
    types = tmp_path / "stype.csv"
    types.write_text("stype,Freq\nE,4421\nH,755\nM,1018\n")
    schwide = tmp_path / "schwide.csv"
    schwide.write_text("sch.wide;N\nNo;1072\nYes;5122\n")  # semicolons (Dutch Excel) are fine
    return {"stype": types, "sch.wide": schwide}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("case", "which", "design"),
    [
        ("strat_rake", "strat", ["--weights", "pw", "--strata", "stype", "--fpc", "fpc"]),
        ("stratfpc_rake", "strat", ["--strata", "stype", "--fpc", "fpc"]),  # weights from the fpc
        ("clus1_rake", "clus1", ["--weights", "pw", "--cluster", "dnum", "--fpc", "fpc"]),
    ],
)
def test_rake_from_the_command_line_equals_r(
    case: str,
    which: str,
    design: list[str],
    margins: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out.csv"
    code, err = _run(
        [
            "estimate",
            str(DATA / f"api_caldomain_{which}.csv"),
            *design,
            "--rake",
            f"stype={margins['stype']},sch.wide={margins['sch.wide']}",
            "--mean",
            "api00,meals",
            "--total",
            "ell",
            "--by",
            "comp.imp",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0, err
    res = pd.read_csv(out)
    for stat, var in (("mean", "api00"), ("mean", "meals"), ("total", "ell")):
        sel = res[(res["variable"] == var) & (res["statistic"] == stat)]
        key = f"{case}.{stat}.{var}.comp.imp"
        np.testing.assert_allclose(sel["estimate"], REFS[key + ".est"], rtol=1e-9, atol=0)
        np.testing.assert_allclose(sel["se"], REFS[key + ".se"], rtol=1e-9, atol=0)


def test_calibrate_with_bounds_from_the_command_line_equals_r(
    margins: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.parquet"
    code, err = _run(
        [
            str(DATA / "api_caldomain_clus1.csv"),
            "--weights=pw",
            "--cluster=dnum",
            "--fpc=fpc",
            f"--calibrate=stype={margins['stype']},sch.wide={margins['sch.wide']}",
            "--calfun=logit",
            "--bounds=0.5,2",
            "--mean=api00",
            "--by=stype",
            f"--out={out}",
        ],
        capsys,
    )
    assert code == 0, err
    res = pd.read_parquet(out)
    np.testing.assert_allclose(res["estimate"], REFS["clus1_logit.mean.api00.stype.est"], rtol=1e-9, atol=0)
    np.testing.assert_allclose(res["se"], REFS["clus1_logit.mean.api00.stype.se"], rtol=1e-9, atol=0)


BAD_FILES = {
    "not a number": ("stype,Freq\nE,4421\nH,veel\nM,1018\n", "row 3, field 'Freq': not a number: 'veel'"),
    "negative": (
        "stype,Freq\nE,4421\nH,-5\nM,1018\n",
        "row 3, field 'Freq': population count must be 0 or more",
    ),
    "duplicate": ("stype,Freq\nE,4421\nE,755\nM,1018\n", "row 3, field 'stype': category E appears twice"),
    "header": ("type,Freq\nE,4421\n", "row 1, field 'stype': column missing from the header"),
    "fields": ("stype,Freq\nE,4421,3\n", "row 2: 3 fields, expected 2"),
    "empty category": ("stype,Freq\n,4421\n", "row 2, field 'stype': empty category"),
    "empty": ("", "row 1: empty file"),
    "no rows": ("stype,Freq\n", "row 2: no categories"),
    "not in margin": (
        "stype,Freq\nE,4421\nH,755\n",
        "category M of stype is in the data but not in the margin",
    ),
    "no respondents": (
        "stype,Freq\nE,4421\nH,755\nM,1018\nK,10\n",
        "category K of stype has a population count but no respondents",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_margin_file_gives_one_line_naming_row_field_and_reason(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, expected = BAD_FILES[kind]
    margin = tmp_path / "stype.csv"
    margin.write_text(content)
    code, err = _run(
        [
            str(DATA / "api_caldomain_strat.csv"),
            "--weights=pw",
            "--strata=stype",
            f"--rake=stype={margin}",
            "--mean=api00",
            f"--out={tmp_path / 'out.csv'}",
        ],
        capsys,
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith("cyberbeeld estimate: error:"), err
    assert expected in lines[-1], err
    assert not (tmp_path / "out.csv").exists()


def test_missing_margin_file_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [str(DATA / "api_caldomain_strat.csv"), "--weights=pw", f"--out={tmp_path / 'o.csv'}"]
    code, err = _run([*base, f"--rake=stype={tmp_path / 'nope.csv'}", "--mean=api00"], capsys)
    assert code == 2 and "nope.csv: file not found" in err
    code, err = _run([*base, "--rake=stype", "--mean=api00"], capsys)
    assert code == 2 and "a margin is COL=FILE" in err
    margin = tmp_path / "m.csv"
    margin.write_text("stype,N\nE,1\nH,1\nM,1\n")
    code, err = _run([*base, f"--rake=stype={margin}", "--ratio=api00:api99"], capsys)
    assert code == 2 and "--ratio is not available with --rake" in err
    code, err = _run([*base, "--bounds=0.5,2", "--mean=api00"], capsys)
    assert code == 2 and "--bounds and --trim need --calibrate" in err
    code, err = _run([*base, f"--calibrate=stype={margin}", "--bounds=2,1", "--mean=api00"], capsys)
    assert code == 2 and "LO must be below HI" in err
    code, err = _run([*base, f"--calibrate=stype={margin}", f"--rake=stype={margin}", "--mean=api00"], capsys)
    assert code == 2 and "not both" in err
