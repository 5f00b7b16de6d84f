"""Calibration (raking, GREG, bounds, trimming): agreement with R's survey package, and properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from r_helpers_s2 import api_data, assert_close, read_api, run_r

from cyberbeeld.survey.calibrate import (
    Calibrated,
    CalibrationError,
    calibrate,
    calibrate_replicates,
    margin_codes,
    margin_model_matrix,
    margin_population_totals,
    rake,
    rake_benchmark,
    rake_replicates,
    trim_weights,
)
from cyberbeeld.survey.replicate import jk1_design, jkn_design, rep_by, rep_mean, rep_total
from cyberbeeld.survey.variance import DesignStructure


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return api_data(tmp_path_factory)


# --------------------------------------------------------------------------------------
# R comparisons
# --------------------------------------------------------------------------------------

_R_DESIGNS = r"""
apiclus1 <- read.csv("apiclus1.csv", stringsAsFactors = TRUE)
apistrat <- read.csv("apistrat.csv", stringsAsFactors = TRUE)
apiclus2 <- read.csv("apiclus2.csv", stringsAsFactors = TRUE)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
report <- function(p, d) {
  out(paste0(p, "weights"), weights(d))
  t <- svytotal(~api00 + meals + ell, d); out(paste0(p, "total"), coef(t)); out(paste0(p, "total_v"), vcov(t))
  m <- svymean(~api00 + meals, d); out(paste0(p, "mean"), coef(m)); out(paste0(p, "mean_v"), vcov(m))
  q <- svyratio(~api00, ~api99, d); out(paste0(p, "ratio"), coef(q)); out(paste0(p, "ratio_v"), q$var)
  b <- svyby(~api00, ~comp.imp, d, svymean); out(paste0(p, "by_mean"), coef(b)); out(paste0(p, "by_mean_se"), SE(b))
  bt <- svyby(~meals, ~comp.imp, d, svytotal); out(paste0(p, "by_total"), coef(bt)); out(paste0(p, "by_total_se"), SE(bt))
}
"""

_CASES: dict[str, str] = {
    "greg": "calibrate(dclus1, ~stype + api99, pop)",
    "greg_sigma2": "calibrate(dclus1, ~stype + api99, pop, variance = apiclus1$api99)",
    "linear_bounds": 'calibrate(dclus1, ~stype + api99, pop, calfun = "linear", bounds = c(0.45, 1.7))',
    "raking_bounds": 'calibrate(dclus1, ~stype + api99, pop, calfun = "raking", bounds = c(0.45, 1.9))',
    "logit_bounds": 'calibrate(dclus1, ~stype + api99, pop, calfun = "logit", bounds = c(0.45, 1.9))',
    "raking_trim": 'suppressMessages(calibrate(dclus1, ~stype + api99, pop, calfun = "raking", trim = c(0.6, 1.5)))',
    "rake_default": "rake(dclus1, list(~stype, ~sch.wide), list(types, schwide))",
    "rake_tight": (
        "rake(dclus1, list(~stype, ~sch.wide), list(types, schwide), "
        "control = list(epsilon = 1e-9, maxit = 50))"
    ),
    "greg_trimmed": "trimWeights(calibrate(dclus1, ~stype + api99, pop), lower = 20, upper = 55)",
    "greg_trimmed_strict": (
        "trimWeights(calibrate(dclus1, ~stype + api99, pop), lower = 20, upper = 45, strict = TRUE)"
    ),
    "strat_greg": "calibrate(dstrat, ~sch.wide + enroll, c(6194, 5122, 3811472))",
    "strat_rake": "rake(dstrat, list(~sch.wide), list(schwide))",
    "clus2_greg": "calibrate(dclus2, ~stype, pop[1:3])",
}


def _python_case(case: str, api: Path) -> tuple[Calibrated, pd.DataFrame, DesignStructure]:
    c1 = read_api(api, "apiclus1")
    stype = {"E": 0, "H": 1, "M": 2}
    pop = np.array([6194, 755, 1018, 3914069.0])
    if case.startswith("strat_"):
        df = read_api(api, "apistrat")
        structure = DesignStructure.build(strata=df["stype"], fpc1=df["fpc"])
        w = df["pw"].to_numpy(float)
        sch = (df["sch.wide"] == "Yes").to_numpy(int)
        if case == "strat_greg":
            x = np.column_stack([np.ones(len(df)), sch, df["enroll"]])
            return calibrate(w, x, [6194, 5122, 3811472]), df, structure
        return rake(w, [sch], [[1072, 5122]]), df, structure
    if case == "clus2_greg":
        df = read_api(api, "apiclus2")
        structure = DesignStructure.build(
            psu=df["dnum"], ssu=df["snum"], fpc1=df["fpc1"], fpc2=df["fpc2"]
        )
        w = df["pw"].to_numpy(float)
        x = margin_model_matrix([df["stype"].map(stype)], [3])
        return calibrate(w, x, pop[:3]), df, structure
    df = c1
    structure = DesignStructure.build(psu=df["dnum"], fpc1=df["fpc"])
    w = df["pw"].to_numpy(float)
    st_codes = df["stype"].map(stype).to_numpy()
    x = np.column_stack([margin_model_matrix([st_codes], [3]), df["api99"]])
    if case == "rake_default" or case == "rake_tight":
        sch_codes, sch_tot = margin_codes(df["sch.wide"], {"No": 1072, "Yes": 5122})
        kw = {"epsilon": 1e-9, "maxit": 50} if case == "rake_tight" else {}
        return rake(w, [st_codes, sch_codes], [[4421, 755, 1018], sch_tot], **kw), df, structure
    if case == "greg":
        return calibrate(w, x, pop), df, structure
    if case == "greg_sigma2":
        return calibrate(w, x, pop, variance=df["api99"]), df, structure
    if case == "linear_bounds":
        return calibrate(w, x, pop, bounds=(0.45, 1.7)), df, structure
    if case == "raking_bounds":
        return calibrate(w, x, pop, calfun="raking", bounds=(0.45, 1.9)), df, structure
    if case == "logit_bounds":
        return calibrate(w, x, pop, calfun="logit", bounds=(0.45, 1.9)), df, structure
    if case == "raking_trim":
        return calibrate(w, x, pop, calfun="raking", trim=(0.6, 1.5)), df, structure
    if case == "greg_trimmed":
        return calibrate(w, x, pop).trimmed(lower=20, upper=55), df, structure
    if case == "greg_trimmed_strict":
        return calibrate(w, x, pop).trimmed(lower=20, upper=45, strict=True), df, structure
    raise AssertionError(case)


@pytest.fixture(scope="module")
def r_calibrated(api: Path) -> dict[str, np.ndarray]:
    return run_r(_R_DESIGNS + "".join(f'report("{k}.", {v})\n' for k, v in _CASES.items()), api)


@pytest.mark.r
@pytest.mark.parametrize("case", list(_CASES))
def test_calibrated_estimates_match_r(api: Path, r_calibrated: dict[str, np.ndarray], case: str) -> None:
    r = {k.removeprefix(case + "."): v for k, v in r_calibrated.items() if k.startswith(case + ".")}
    cal, df, structure = _python_case(case, api)
    assert_close(cal.weights, r["weights"])
    t = cal.total(df[["api00", "meals", "ell"]].to_numpy(float), structure)
    assert_close(t.estimate, r["total"])
    assert_close(t.vcov, r["total_v"])
    m = cal.mean(df[["api00", "meals"]].to_numpy(float), structure)
    assert_close(m.estimate, r["mean"])
    assert_close(m.vcov, r["mean_v"])
    q = cal.ratio(df["api00"], df["api99"], structure)
    assert_close(q.estimate, r["ratio"])
    assert_close(q.vcov, r["ratio_v"])
    for key, stat, var in (("by_mean", "mean", "api00"), ("by_total", "total", "meals")):
        est, se = [], []
        for level in ("No", "Yes"):
            mask = (df["comp.imp"] == level).to_numpy()
            fn = cal.mean if stat == "mean" else cal.total
            res = fn(df[var].to_numpy(float), structure, domain=mask)
            est.append(res.estimate[0])
            se.append(res.se[0])
        assert_close(est, r[key])
        assert_close(se, r[key + "_se"])


_REP_CASES: dict[str, str] = {
    "jk1_greg": "calibrate(rclus1, ~stype + api99, pop)",
    "jk1_raking_bounds": 'calibrate(rclus1, ~stype + api99, pop, calfun = "raking", bounds = c(0.45, 1.9))',
    "jk1_linear_trim": (
        'suppressMessages(calibrate(rclus1, ~stype + api99, pop, calfun = "linear", bounds = c(0.3, 3), '
        "trim = c(0.6, 1.5)))"
    ),
    "jk1_rake": "rake(rclus1, list(~stype, ~sch.wide), list(types, schwide))",
    "jkn_greg": "calibrate(rstrat, ~sch.wide + enroll, c(6194, 5122, 3811472))",
    "jkn_rake_tight": "rake(rstrat, list(~sch.wide), list(schwide), control = list(epsilon = 1e-9, maxit = 50))",
}


@pytest.fixture(scope="module")
def r_replicates(api: Path) -> dict[str, np.ndarray]:
    code = (
        _R_DESIGNS
        + r"""
rclus1 <- as.svrepdesign(dclus1)
rstrat <- as.svrepdesign(dstrat, type = "JKn")
rep_report <- function(p, d) {
  out(paste0(p, "weights"), weights(d, "sampling")); out(paste0(p, "repweights"), weights(d, "analysis"))
  t <- svytotal(~api00 + meals, d); out(paste0(p, "total"), coef(t)); out(paste0(p, "total_v"), vcov(t))
  m <- svymean(~api00 + meals, d); out(paste0(p, "mean"), coef(m)); out(paste0(p, "mean_v"), vcov(m))
  b <- svyby(~api00, ~comp.imp, d, svymean); out(paste0(p, "by_mean"), coef(b)); out(paste0(p, "by_mean_se"), SE(b))
}
"""
        + "".join(f'rep_report("{k}.", {v})\n' for k, v in _REP_CASES.items())
    )
    return run_r(code, api)


@pytest.mark.r
@pytest.mark.parametrize("case", list(_REP_CASES))
def test_calibrated_replicate_designs_match_r(api: Path, r_replicates: dict[str, np.ndarray], case: str) -> None:
    r = {k.removeprefix(case + "."): v for k, v in r_replicates.items() if k.startswith(case + ".")}
    pop = np.array([6194, 755, 1018, 3914069.0])
    if case.startswith("jkn"):
        df = read_api(api, "apistrat")
        base = jkn_design(df["pw"], df["stype"], fpc=df["fpc"])
        sch = (df["sch.wide"] == "Yes").to_numpy(int)
        if case == "jkn_greg":
            x = np.column_stack([np.ones(len(df)), sch, df["enroll"]])
            design = calibrate_replicates(base, x, [6194, 5122, 3811472])
        else:
            design = rake_replicates(base, [sch], [[1072, 5122]], epsilon=1e-9, maxit=50)
    else:
        df = read_api(api, "apiclus1")
        base = jk1_design(df["pw"], df["dnum"], fpc=df["fpc"])
        st_codes = df["stype"].map({"E": 0, "H": 1, "M": 2}).to_numpy()
        x = np.column_stack([margin_model_matrix([st_codes], [3]), df["api99"]])
        if case == "jk1_greg":
            design = calibrate_replicates(base, x, pop)
        elif case == "jk1_raking_bounds":
            design = calibrate_replicates(base, x, pop, calfun="raking", bounds=(0.45, 1.9))
        elif case == "jk1_linear_trim":
            design = calibrate_replicates(base, x, pop, bounds=(0.3, 3), trim=(0.6, 1.5))
        else:
            sch_codes = (df["sch.wide"] == "Yes").to_numpy(int)
            design = rake_replicates(base, [st_codes, sch_codes], [[4421, 755, 1018], [1072, 5122]])
    assert_close(design.weights, r["weights"])
    assert_close(design.repweights.ravel(order="F"), r["repweights"])
    t = rep_total(design, df[["api00", "meals"]].to_numpy(float))
    assert_close(t.estimate, r["total"])
    assert_close(t.vcov, r["total_v"])
    m = rep_mean(design, df[["api00", "meals"]].to_numpy(float))
    assert_close(m.estimate, r["mean"])
    assert_close(m.vcov, r["mean_v"])
    by = rep_by(design, df["api00"].to_numpy(float), df["comp.imp"].to_numpy())
    assert_close([e.estimate[0] for e in by.values()], r["by_mean"])
    assert_close([e.se[0] for e in by.values()], r["by_mean_se"])


@pytest.mark.r
def test_trim_weights_matches_r(api: Path) -> None:
    r = run_r(
        _R_DESIGNS
        + r"""
out("plain", weights(trimWeights(dstrat, lower = 20, upper = 40)))
out("strict", weights(trimWeights(dstrat, lower = 20, upper = 40, strict = TRUE)))
""",
        api,
    )
    w = read_api(api, "apistrat")["pw"].to_numpy(float)
    assert_close(trim_weights(w, lower=20, upper=40), r["plain"])
    assert_close(trim_weights(w, lower=20, upper=40, strict=True), r["strict"])


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@st.composite
def _raking_problem(draw: st.DrawFn) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    n = draw(st.integers(20, 200))
    k1 = draw(st.integers(2, 4))
    k2 = draw(st.integers(2, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = rng.integers(0, k1, n)
    b = rng.integers(0, k2, n)
    assume(len(np.unique(a)) == k1 and len(np.unique(b)) == k2)
    # every (a, b) combination present keeps IPF convergent for any consistent margins
    assume(len(np.unique(a * k2 + b)) == k1 * k2)
    w = rng.uniform(1, 10, n) * draw(st.sampled_from([1.0, 100.0, 1e4]))
    total = float(w.sum()) * draw(st.floats(0.5, 2.0))
    ta = rng.dirichlet(np.ones(k1) * 5) * total
    tb = rng.dirichlet(np.ones(k2) * 5) * total
    return w, [a, b], [ta, tb]


@settings(max_examples=50, deadline=None)
@given(problem=_raking_problem())
def test_raked_weights_reproduce_the_margins(problem: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]) -> None:
    w, margins, totals = problem
    res = rake(w, margins, totals, epsilon=1e-12, maxit=500)
    assert res.converged
    for c, t in zip(margins, totals, strict=True):
        np.testing.assert_allclose(np.bincount(c, weights=res.weights, minlength=len(t)), t, rtol=1e-8)


@settings(max_examples=50, deadline=None)
@given(problem=_raking_problem(), factor=st.floats(0.01, 100))
def test_raking_does_not_depend_on_the_scale_of_the_weights(
    problem: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]], factor: float
) -> None:
    w, margins, totals = problem
    a = rake(w, margins, totals, epsilon=1e-12, maxit=500)
    b = rake(w * factor, margins, totals, epsilon=1e-12, maxit=500)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-7)


@settings(max_examples=50, deadline=None)
@given(
    problem=_raking_problem(),
    factor=st.floats(0.2, 5.0),
    calfun=st.sampled_from(["linear", "raking"]),
)
def test_calibrated_weights_hit_the_targets_whatever_the_weight_scale(
    problem: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]], factor: float, calfun: str
) -> None:
    w, margins, totals = problem
    x = margin_model_matrix(margins, [len(t) for t in totals])
    pop = margin_population_totals(totals)
    for scale in (1.0, factor):
        res = calibrate(w * scale, x, pop, calfun=calfun, epsilon=1e-10)  # type: ignore[arg-type]
        np.testing.assert_allclose(res.weights @ x, pop, rtol=1e-7)


@settings(max_examples=50, deadline=None)
@given(problem=_raking_problem(), calfun=st.sampled_from(["linear", "raking", "logit"]))
def test_calibrating_to_the_sample_totals_leaves_the_weights_unchanged(
    problem: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]], calfun: str
) -> None:
    w, margins, totals = problem
    x = margin_model_matrix(margins, [len(t) for t in totals])
    res = calibrate(w, x, w @ x, calfun=calfun, bounds=(0.5, 2.0) if calfun == "logit" else (-np.inf, np.inf))  # type: ignore[arg-type]
    np.testing.assert_allclose(res.weights, w, rtol=1e-12)
    raked = rake(w, margins, [np.bincount(c, weights=w) for c in margins])
    np.testing.assert_allclose(raked.weights, w, rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(problem=_raking_problem())
def test_calibrated_total_of_a_calibration_variable_has_zero_variance(
    problem: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]],
) -> None:
    w, margins, totals = problem
    x = margin_model_matrix(margins, [len(t) for t in totals])
    res = calibrate(w, x, margin_population_totals(totals))
    structure = DesignStructure.build(strata=np.arange(len(w)) % 2)
    est = res.total(x, structure)
    np.testing.assert_allclose(est.estimate, margin_population_totals(totals), rtol=1e-9)
    assert np.all(np.abs(est.vcov) <= 1e-12 * (1 + est.estimate.max() ** 2))


@settings(max_examples=100, deadline=None)
@given(w=arrays(np.float64, st.integers(2, 50), elements=st.floats(0.1, 100)), upper=st.floats(1, 100))
def test_strict_trimming_keeps_the_sum_and_the_bound(w: np.ndarray, upper: float) -> None:
    assume(w.sum() < upper * len(w) * (1 - 1e-6))
    trimmed = trim_weights(w, upper=upper, strict=True)
    assert trimmed.sum() == pytest.approx(w.sum(), rel=1e-9)
    assert np.all(trimmed <= upper * (1 + 1e-9))
    once = trim_weights(w, upper=upper)
    assert once.sum() == pytest.approx(w.sum(), rel=1e-9)


def test_rake_rejects_empty_categories() -> None:
    with pytest.raises(CalibrationError, match="absent from sample"):
        rake(np.ones(4), [np.array([0, 0, 1, 1])], [np.array([1.0, 2.0, 3.0])])
    with pytest.raises(CalibrationError, match="absent from population"):
        rake(np.ones(4), [np.array([0, 0, 1, 1])], [np.array([1.0, 0.0])])
    with pytest.raises(CalibrationError, match="not in the population"):
        margin_codes(["a", "b"], {"a": 1.0})


def test_unconverged_calibration_raises_unless_forced() -> None:
    x = np.column_stack([np.ones(4), [1.0, 0.0, 0.0, 0.0]])
    with pytest.raises(CalibrationError):
        calibrate(np.ones(4), x, [4.0, 3.9], calfun="raking", bounds=(0.5, 1.5), maxit=5)
    res = calibrate(np.ones(4), x, [4.0, 3.9], calfun="raking", bounds=(0.5, 1.5), maxit=5, force=True)
    assert not res.converged


@pytest.mark.slow
def test_benchmark_entry_point_runs_on_a_small_problem() -> None:
    out = rake_benchmark(20_000)
    assert out["rows"] == 20_000
    assert out["rake_max_rel_error"] < 1e-8
