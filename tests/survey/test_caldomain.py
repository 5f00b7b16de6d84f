"""Domain estimates on raked / calibrated designs in one aggregation pass (issue 18, Deliver 2).

R references: ``tests/survey/r/make_references_caldomain.R`` wrote ``references_caldomain.tsv``
from R's own ``apiclus1``/``apistrat`` (committed next to it, so these tests run without R; the
test marked ``r`` re-derives them with R).  The one-pass engine is also checked against the
row-level, one-domain-at-a-time calibration of :mod:`cyberbeeld.survey.calibrate`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cyberbeeld.survey.caldomain import Calibration, Margin, calibrated_estimate
from cyberbeeld.survey.calibrate import (
    CalibrationError,
    calibrate,
    margin_model_matrix,
    margin_population_totals,
    rake,
)
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.estimators import Request
from cyberbeeld.survey.variance import DesignStructure

DATA = Path(__file__).parent / "data"
SCRIPT = Path(__file__).parent / "r" / "make_references_caldomain.R"
TYPES = Margin(("stype",), {("E",): 4421, ("H",): 755, ("M",): 1018})
SCHWIDE = Margin(("sch.wide",), {("No",): 1072, ("Yes",): 5122})
CLUS1 = Design(weights="pw", ids="dnum", fpc="fpc")
STRAT = Design(weights="pw", strata="stype", fpc="fpc")
STRAT_FPC = Design(strata="stype", fpc="fpc")  # weights from the fpc

CASES: dict[str, tuple[str, Design, Calibration]] = {
    "clus1_rake": ("clus1", CLUS1, Calibration((TYPES, SCHWIDE))),
    "clus1_rake_tight": ("clus1", CLUS1, Calibration((TYPES, SCHWIDE), epsilon=1e-9, maxit=50)),
    "strat_rake": ("strat", STRAT, Calibration((TYPES, SCHWIDE))),
    "stratfpc_rake": ("strat", STRAT_FPC, Calibration((TYPES, SCHWIDE))),
    "clus1_linear": ("clus1", CLUS1, Calibration((TYPES, SCHWIDE), method="linear")),
    "clus1_linear_bounds": (
        "clus1",
        CLUS1,
        Calibration((TYPES, SCHWIDE), method="linear", bounds=(0.7, 1.6)),
    ),
    "clus1_logit": ("clus1", CLUS1, Calibration((TYPES, SCHWIDE), method="logit", bounds=(0.5, 2))),
    "clus1_raking_trim": ("clus1", CLUS1, Calibration((TYPES, SCHWIDE), method="raking", trim=(0.8, 1.3))),
    "strat_linear": ("strat", STRAT, Calibration((TYPES, SCHWIDE), method="linear")),
}


def _read_refs(path: Path) -> dict[str, np.ndarray]:
    out = {}
    for line in path.read_text().splitlines():
        name, _, values = line.partition("\t")
        out[name] = np.array([float(v) for v in values.split()])
    return out


REFS = _read_refs(DATA / "references_caldomain.tsv")


def _data(which: str) -> Path:
    return DATA / f"api_caldomain_{which}.csv"


@pytest.mark.parametrize("case", list(CASES))
def test_calibrated_domain_estimates_equal_r(case: str) -> None:
    which, design, calibration = CASES[case]
    reqs = [Request("mean", "api00"), Request("mean", "meals"), Request("total", "ell")]
    for by in ("comp.imp", "stype"):
        res = calibrated_estimate(_data(which), design, reqs, calibration, by=by)
        for req in reqs:
            if req.statistic == "total" and by != "comp.imp":
                continue
            sel = res[(res["variable"] == req.variable) & (res["statistic"] == req.statistic)]
            key = f"{case}.{req.statistic}.{req.variable}.{by}"
            np.testing.assert_allclose(sel["estimate"], REFS[key + ".est"], rtol=1e-9, atol=0, err_msg=key)
            np.testing.assert_allclose(sel["se"], REFS[key + ".se"], rtol=1e-9, atol=0, err_msg=key)
    whole = calibrated_estimate(_data(which), design, [Request("mean", "api00")], calibration)
    np.testing.assert_allclose(whole["estimate"], REFS[f"{case}.mean.api00..est"], rtol=1e-9, atol=0)
    np.testing.assert_allclose(whole["se"], REFS[f"{case}.mean.api00..se"], rtol=1e-9, atol=0)


@pytest.mark.r
def test_committed_caldomain_references_are_rs(tmp_path: Path) -> None:
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed")
    proc = subprocess.run(
        ["Rscript", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, cwd=DATA.parent.parent.parent
    )
    assert proc.returncode == 0, proc.stderr
    for which in ("clus1", "strat"):
        name = f"api_caldomain_{which}.csv"
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), pd.read_csv(DATA / name), obj=name)
    fresh = _read_refs(tmp_path / "references_caldomain.tsv")
    assert fresh.keys() == REFS.keys()
    for name, values in fresh.items():
        np.testing.assert_allclose(values, REFS[name], rtol=1e-12, atol=0, err_msg=name)


# ------------------------------------------------------------------ against the row-level path


def _survey(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "h": rng.integers(0, 6, n),
            "psu": rng.integers(0, 60, n),
            "age": rng.integers(0, 3, n),
            "sex": rng.choice(["m", "v"], n),
            "w": rng.uniform(1, 5, n),
            "y": rng.normal(1e4, 10, n),  # far from zero: centring matters
            "b": rng.integers(0, 2, n),
            "dom": rng.choice(["a", "b", "c", "d"], n),
        }
    )


AGE = Margin(("age",), {("0",): 300.0, ("1",): 350.0, ("2",): 400.0})
SEX = Margin(("sex",), {("m",): 500.0, ("v",): 550.0})


@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.parametrize(
    ("method", "extra"),
    [
        ("rake", {}),
        ("linear", {}),
        ("linear", {"bounds": (0.5, 2.0)}),
        ("raking", {"trim": (0.9, 1.2)}),
        ("logit", {"bounds": (0.3, 3.0)}),
    ],
)
def test_one_pass_equals_one_domain_at_a_time(clustered: bool, method: str, extra: dict[str, object]) -> None:
    df = _survey(500, 3)
    design = Design(weights="w", strata="h", ids=("psu",) if clustered else (), nest=True)
    cal = Calibration((AGE, SEX), method=method, **extra)  # type: ignore[arg-type]
    res = calibrated_estimate(
        df, design, [Request("mean", "y"), Request("total", "y"), Request("proportion", "b")], cal, by="dom"
    )
    assert len(res) == 4 * 3
    age = df["age"].to_numpy()
    sex = (df["sex"] == "v").to_numpy().astype(int)
    w = df["w"].to_numpy()
    totals = [[300.0, 350.0, 400.0], [500.0, 550.0]]
    if method == "rake":
        rowcal = rake(w, [age, sex], totals)
    else:
        mm = margin_model_matrix([age, sex], [3, 2])
        rowcal = calibrate(w, mm, margin_population_totals(totals), calfun=method, **extra)  # type: ignore[arg-type]
    structure = DesignStructure.build(strata=df["h"], psu=df["psu"] if clustered else None, nest=True)
    for _, row in res.iterrows():
        mask = (df["dom"] == row["dom"]).to_numpy()
        fn = rowcal.total if row["statistic"] == "total" else rowcal.mean
        ref = fn(df[row["variable"]].to_numpy(float), structure, domain=mask)
        assert row["estimate"] == pytest.approx(ref.estimate[0], rel=1e-11)
        assert row["se"] == pytest.approx(ref.se[0], rel=1e-9)
        assert row["n"] == mask.sum()


def test_crossed_margin_is_post_stratification() -> None:
    df = _survey(300, 5)
    cells = {(a, s): 100.0 + 10 * i for i, (a, s) in enumerate((a, s) for a in "012" for s in ("m", "v"))}
    res = calibrated_estimate(
        df,
        Design(weights="w", strata="h"),
        [Request("total", "b")],
        Calibration((Margin(("age", "sex"), cells),)),
        by=["age", "sex"],
    )
    # post-stratified: the estimated total of the cell indicator ... of anything is exact per cell
    n_cell = calibrated_estimate(
        df.assign(one=1),
        Design(weights="w", strata="h"),
        [Request("total", "one")],
        Calibration((Margin(("age", "sex"), cells),)),
        by=["age", "sex"],
    )
    np.testing.assert_allclose(n_cell["estimate"], list(cells.values()), rtol=1e-12)
    # zero up to rounding of the variance's power sums (relative to the totals)
    assert (n_cell["se"] < 1e-8 * n_cell["estimate"]).all()
    assert (res["se"] > 0).all()


def test_margin_category_not_in_population_is_named() -> None:
    df = _survey(100, 1)
    bad = Margin(("age",), {("0",): 300.0, ("1",): 350.0})
    with pytest.raises(CalibrationError, match="category 2 of age"):
        calibrated_estimate(df, Design(weights="w"), [Request("mean", "y")], Calibration((bad, SEX)))


def test_population_category_without_respondents_is_named() -> None:
    df = _survey(100, 1)
    bad = Margin(("age",), {("0",): 300.0, ("1",): 350.0, ("2",): 1.0, ("3",): 5.0})
    with pytest.raises(CalibrationError, match="category 3 of age has a population count but no respondents"):
        calibrated_estimate(df, Design(weights="w"), [Request("mean", "y")], Calibration((bad, SEX)))


def test_missing_analysis_value_names_the_column() -> None:
    df = _survey(50, 2)
    df.loc[7, "y"] = np.nan
    with pytest.raises(SurveyDesignError, match="column 'y'"):
        calibrated_estimate(df, Design(weights="w"), [Request("mean", "y")], Calibration((AGE, SEX)))


def test_lonely_psu_fails_unless_told() -> None:
    df = _survey(60, 4)
    df.loc[0, "h"] = 99  # a stratum with one row
    with pytest.raises(SurveyDesignError, match="stratum '99' has only one PSU"):
        calibrated_estimate(
            df, Design(weights="w", strata="h"), [Request("mean", "y")], Calibration((AGE, SEX))
        )
    res = calibrated_estimate(
        df,
        Design(weights="w", strata="h", lonely_psu="remove"),
        [Request("mean", "y")],
        Calibration((AGE, SEX)),
    )
    assert np.isfinite(res["se"]).all()


def test_nan_in_a_parquet_file_names_the_column(tmp_path: Path) -> None:
    """Parquet statistics ignore NaN (not null): the column is still named, not an engine error."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "nan.parquet"
    pq.write_table(
        pa.table({"w": [1.0, 2.0, 3.0, 4.0], "y": [1.0, float("nan"), 2.0, 3.0], "a": [0, 1, 0, 1]}), path
    )
    margin = Margin(("a",), {("0",): 5.0, ("1",): 5.0})
    with pytest.raises(SurveyDesignError, match="non-finite value.*column 'y'"):
        calibrated_estimate(path, Design(weights="w"), [Request("mean", "y")], Calibration((margin,)))
