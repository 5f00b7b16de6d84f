"""A missing value in a ``by`` column on a raked or calibrated design (issue 18, R's ``svyby``).

The plain engine leaves such rows out of the domains and keeps them in the design, as R does; the
calibrated one-pass engine refused them.  Now both follow R: the group with the missing value is
not reported, and its rows are still calibrated and still count in the variance (zero scores).

R references: ``tests/survey/r/make_references_caldomain_na.R`` wrote ``references_caldomain_na.tsv``
from R's own ``apiclus1``/``apistrat`` with a domain column made from ``acs.46`` (missing for many
schools); the committed copies let this run without R, the test marked ``r`` re-derives them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cyberbeeld.survey.caldomain import Calibration, Margin, calibrated_estimate
from cyberbeeld.survey.cli import main
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.estimators import Request

DATA = Path(__file__).parent / "data"
SCRIPT = Path(__file__).parent / "r" / "make_references_caldomain_na.R"
TYPES = Margin(("stype",), {("E",): 4421, ("H",): 755, ("M",): 1018})
SCHWIDE = Margin(("sch.wide",), {("No",): 1072, ("Yes",): 5122})
CLUS1 = Design(weights="pw", ids="dnum", fpc="fpc")
STRAT = Design(weights="pw", strata="stype", fpc="fpc")
CASES = {
    "clus1_rake": ("clus1", CLUS1, Calibration((TYPES, SCHWIDE))),
    "strat_rake": ("strat", STRAT, Calibration((TYPES, SCHWIDE))),
    "clus1_linear": ("clus1", CLUS1, Calibration((TYPES, SCHWIDE), method="linear")),
    "strat_linear": ("strat", STRAT, Calibration((TYPES, SCHWIDE), method="linear")),
}


def _read_refs(path: Path) -> dict[str, np.ndarray]:
    out = {}
    for line in path.read_text().splitlines():
        name, _, values = line.partition("\t")
        out[name] = np.array([float(v) for v in values.split()])
    return out


REFS = _read_refs(DATA / "references_caldomain_na.tsv")


def _close(ours: pd.Series, theirs: np.ndarray, key: str) -> None:
    # R's SE of a domain of one row in a stratum is exactly 0; ours is 0 up to rounding
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9 * float(np.max(np.abs(theirs))), err_msg=key)


@pytest.mark.parametrize("case", list(CASES))
def test_missing_by_values_are_left_out_as_r_does(case: str) -> None:
    which, design, calibration = CASES[case]
    path = pd.read_csv(DATA / f"api_caldomain_na_{which}.csv")  # R writes NA; pandas reads it as missing
    assert path["size"].isna().sum() > 10  # the data has the missing values
    reqs = [Request("mean", "api00"), Request("mean", "meals"), Request("total", "ell")]
    res = calibrated_estimate(path, design, reqs, calibration, by="size")
    assert sorted(res["size"].unique()) == ["large", "small"]
    for req in reqs:
        sel = res[(res["variable"] == req.variable) & (res["statistic"] == req.statistic)]
        key = f"{case}.{req.statistic}.{req.variable}.size"
        _close(sel["estimate"], REFS[key + ".est"], key)
        _close(sel["se"], REFS[key + ".se"], key)
    # two by columns, one with missing values; R orders the groups with the first varying fastest
    two = calibrated_estimate(path, design, [Request("mean", "api00")], calibration, by=["size", "stype"])
    two = two.sort_values(["stype", "size"])
    key = f"{case}.mean.api00.size+stype"
    _close(two["estimate"], REFS[key + ".est"], key)
    _close(two["se"], REFS[key + ".se"], key)


def test_cli_rake_with_missing_by_values(tmp_path: Path) -> None:
    age = tmp_path / "stype.csv"
    age.write_text("stype,N\nE,4421\nH,755\nM,1018\n")
    sw = tmp_path / "schwide.csv"
    sw.write_text("sch.wide,N\nNo,1072\nYes,5122\n")
    out = tmp_path / "o.csv"
    data = tmp_path / "strat.csv"  # a missing value as an empty field
    pd.read_csv(DATA / "api_caldomain_na_strat.csv").to_csv(data, index=False)
    code = main(
        [
            "estimate", str(data), "--weights", "pw", "--strata", "stype",
            "--fpc", "fpc", "--rake", f"stype={age},sch.wide={sw}", "--mean", "api00", "--by", "size",
            "--out", str(out),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert table["size"].tolist() == ["large", "small"]
    _close(table["estimate"], REFS["strat_rake.mean.api00.size.est"], "cli")
    _close(table["se"], REFS["strat_rake.mean.api00.size.se"], "cli")


@pytest.mark.r
def test_committed_na_references_are_rs(tmp_path: Path) -> None:
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed")
    proc = subprocess.run(
        ["Rscript", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, cwd=DATA.parent.parent.parent
    )
    assert proc.returncode == 0, proc.stderr
    for which in ("clus1", "strat"):
        name = f"api_caldomain_na_{which}.csv"
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(DATA / name), obj=name)
    fresh = _read_refs(tmp_path / "references_caldomain_na.tsv")
    assert fresh.keys() == REFS.keys()
    for name, values in fresh.items():
        np.testing.assert_allclose(values, REFS[name], rtol=1e-12, atol=0, err_msg=name)
