"""GREG calibration to margins AND totals of continuous variables, by domain, in one pass (issue 18).

R references: ``tests/survey/r/make_references_caldomain_greg.R`` wrote ``references_caldomain_greg.tsv``
from R's own ``apiclus1``/``apistrat`` (``calibrate(design, ~stype + api99, pop)`` and
``~stype + sch.wide + api99 + meals`` with the population totals of ``apipop``); the committed copy
lets this run without R, the test marked ``r`` re-derives it.  The one-pass engine is also checked
against the row-level calibration of :mod:`cyberbeeld.survey.calibrate` (one domain at a time).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cyberbeeld.survey.caldomain import Calibration, Margin, Total, calibrated_estimate
from cyberbeeld.survey.calibrate import CalibrationError, calibrate, margin_model_matrix
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.estimators import Request
from cyberbeeld.survey.variance import DesignStructure

DATA = Path(__file__).parent / "data"
SCRIPT = Path(__file__).parent / "r" / "make_references_caldomain_greg.R"


def _read_refs(path: Path) -> dict[str, np.ndarray]:
    out = {}
    for line in path.read_text().splitlines():
        name, _, values = line.partition("\t")
        out[name] = np.array([float(v) for v in values.split()])
    return out


REFS = _read_refs(DATA / "references_caldomain_greg.tsv")
TYPES = Margin(("stype",), {("E",): 4421, ("H",): 755, ("M",): 1018})
SCHWIDE = Margin(("sch.wide",), {("No",): 1072, ("Yes",): 5122})
API99 = Total("api99", REFS["pop.api99"][0])
MEALS = Total("meals", REFS["pop.meals"][0])
CLUS1 = Design(weights="pw", ids="dnum", fpc="fpc")
STRAT = Design(weights="pw", strata="stype", fpc="fpc")
STRAT_FPC = Design(strata="stype", fpc="fpc")
ONE = Calibration((TYPES,), method="linear", totals=(API99,))
TWO = Calibration((TYPES, SCHWIDE), method="linear", totals=(API99, MEALS))
CASES = {
    "clus1_greg": ("clus1", CLUS1, ONE),
    "strat_greg": ("strat", STRAT, ONE),
    "stratfpc_greg": ("strat", STRAT_FPC, ONE),
    "clus1_greg2": ("clus1", CLUS1, TWO),
    "strat_greg2": ("strat", STRAT, TWO),
}


def _close(ours: pd.Series, theirs: np.ndarray, key: str) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0, err_msg=key)


@pytest.mark.parametrize("case", list(CASES))
def test_greg_with_continuous_totals_equals_r(case: str) -> None:
    which, design, calibration = CASES[case]
    path = DATA / f"api_caldomain_{which}.csv"
    reqs = [Request("mean", "api00"), Request("mean", "ell"), Request("total", "enroll")]
    for by in ("comp.imp", "stype"):
        res = calibrated_estimate(path, design, reqs, calibration, by=by)
        for req in reqs:
            if req.statistic == "total" and by != "comp.imp":
                continue
            sel = res[(res["variable"] == req.variable) & (res["statistic"] == req.statistic)]
            key = f"{case}.{req.statistic}.{req.variable}.{by}"
            _close(sel["estimate"], REFS[key + ".est"], key)
            _close(sel["se"], REFS[key + ".se"], key)
    whole = calibrated_estimate(path, design, [Request("mean", "api00"), Request("total", "api99")], calibration)
    _close(whole["estimate"].iloc[:1], REFS[f"{case}.mean.api00..est"], case)
    _close(whole["se"].iloc[:1], REFS[f"{case}.mean.api00..se"], case)
    # calibrated: the estimated total of api99 is its population total, with no sampling error
    _close(whole["estimate"].iloc[1:], REFS[f"{case}.total.api99..est"], case)
    assert whole["se"].iloc[1] < 1e-6 * whole["estimate"].iloc[1]


@pytest.mark.r
def test_committed_greg_references_are_rs(tmp_path: Path) -> None:
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed")
    proc = subprocess.run(
        ["Rscript", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, cwd=DATA.parent.parent.parent
    )
    assert proc.returncode == 0, proc.stderr
    fresh = _read_refs(tmp_path / "references_caldomain_greg.tsv")
    assert fresh.keys() == REFS.keys()
    for name, values in fresh.items():
        np.testing.assert_allclose(values, REFS[name], rtol=1e-12, atol=0, err_msg=name)


def _survey(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "h": rng.integers(0, 5, n),
            "psu": rng.integers(0, 40, n),
            "age": rng.integers(0, 3, n),
            "w": rng.uniform(1, 5, n),
            "x": rng.normal(5e3, 40, n),  # far from zero: centring matters
            "x2": rng.gamma(2.0, 3.0, n),
            "y": rng.normal(1e4, 10, n),
            "b": rng.integers(0, 2, n),
            "dom": rng.choice(["a", "b", "c"], n),
        }
    )


@pytest.mark.parametrize("clustered", [False, True])
def test_one_pass_equals_row_level_calibration(clustered: bool) -> None:
    df = _survey(600, 4)
    age = Margin(("age",), {("0",): 900.0, ("1",): 1000.0, ("2",): 1100.0})
    cal = Calibration((age,), method="linear", totals=(Total("x", 3000 * 5001.0), Total("x2", 3000 * 6.2)))
    design = Design(weights="w", strata="h", ids=("psu",) if clustered else (), nest=True)
    reqs = [Request("mean", "y"), Request("total", "y"), Request("proportion", "b"), Request("mean", "x2")]
    res = calibrated_estimate(df, design, reqs, cal, by="dom")
    mm = np.column_stack(
        [margin_model_matrix([df["age"].to_numpy()], [3]), df["x"].to_numpy(), df["x2"].to_numpy()]
    )
    pop = np.array([3000.0, 1000.0, 1100.0, 3000 * 5001.0, 3000 * 6.2])
    rowcal = calibrate(df["w"].to_numpy(), mm, pop, calfun="linear")
    structure = DesignStructure.build(strata=df["h"], psu=df["psu"] if clustered else None, nest=True)
    assert len(res) == 3 * 4
    for _, row in res.iterrows():
        mask = (df["dom"] == row["dom"]).to_numpy()
        fn = rowcal.total if row["statistic"] == "total" else rowcal.mean
        ref = fn(df[row["variable"]].to_numpy(float), structure, domain=mask)
        assert row["estimate"] == pytest.approx(ref.estimate[0], rel=1e-11)
        assert row["se"] == pytest.approx(ref.se[0], rel=1e-9)


def test_continuous_totals_need_unbounded_linear_calibration() -> None:
    for kwargs in ({"method": "raking"}, {"method": "linear", "bounds": (0.5, 2.0)}, {"method": "rake"}):
        with pytest.raises(CalibrationError, match="linear calibration"):
            Calibration((TYPES,), totals=(API99,), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(CalibrationError, match="twice"):
        Calibration((TYPES,), method="linear", totals=(API99, Total("api99", 1.0)))
