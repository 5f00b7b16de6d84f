"""Replicate-weight designs: agreement with R's survey package, and properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from r_helpers_s2 import api_data, assert_close, read_api, run_r

from cyberbeeld.survey.replicate import (
    ReplicateDesign,
    as_replicate_design,
    brr_design,
    jk1_design,
    jkn_design,
    rep_by,
    rep_mean,
    rep_proportion,
    rep_ratio,
    rep_total,
    replicate_design,
    sylvester_hadamard,
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return api_data(tmp_path_factory)


# --------------------------------------------------------------------------------------
# R comparisons
# --------------------------------------------------------------------------------------

_R_ESTIMATES = r"""
report <- function(prefix, r) {
  m <- svymean(~api00 + enroll, r); out(paste0(prefix, "mean"), coef(m)); out(paste0(prefix, "mean_v"), vcov(m))
  t <- svytotal(~enroll, r); out(paste0(prefix, "total"), coef(t)); out(paste0(prefix, "total_v"), vcov(t))
  q <- svyratio(~api00 + enroll, ~api99, r, covmat = TRUE)
  out(paste0(prefix, "ratio"), coef(q)); out(paste0(prefix, "ratio_v"), vcov(q))
  p <- svymean(~awards, r); out(paste0(prefix, "prop"), coef(p)); out(paste0(prefix, "prop_v"), vcov(p))
  b <- svyby(~api00, ~comp.imp, r, svymean); out(paste0(prefix, "by_mean"), coef(b)); out(paste0(prefix, "by_se"), SE(b))
  bt <- svyby(~enroll, ~comp.imp, r, svytotal); out(paste0(prefix, "by_total"), coef(bt)); out(paste0(prefix, "by_total_se"), SE(bt))
  pp <- svymean(~awards, subset(r, comp.imp == "Yes")); out(paste0(prefix, "dom_prop"), coef(pp)); out(paste0(prefix, "dom_prop_v"), vcov(pp))
  br <- svyby(~api00, ~comp.imp, r, svyratio, denominator = ~api99)
  out(paste0(prefix, "by_ratio"), coef(br)); out(paste0(prefix, "by_ratio_se"), SE(br))
}
"""


def _check_estimates(design: ReplicateDesign, df: pd.DataFrame, r: dict[str, np.ndarray], prefix: str) -> None:
    y = df[["api00", "enroll"]].to_numpy(float)
    m = rep_mean(design, y)
    assert_close(m.estimate, r[prefix + "mean"])
    assert_close(m.vcov, r[prefix + "mean_v"])
    t = rep_total(design, df["enroll"].to_numpy(float))
    assert_close(t.estimate, r[prefix + "total"])
    assert_close(t.vcov, r[prefix + "total_v"])
    q = rep_ratio(design, y, df["api99"].to_numpy(float))
    assert_close(q.estimate, r[prefix + "ratio"])
    assert_close(q.vcov, r[prefix + "ratio_v"])
    p = rep_proportion(design, df["awards"].to_numpy())
    assert p.labels == ("No", "Yes")
    assert_close(p.estimate, r[prefix + "prop"])
    assert_close(p.vcov, r[prefix + "prop_v"])
    dp = rep_by(design, df["awards"].to_numpy(), df["comp.imp"].to_numpy(), statistic="proportion")["Yes"]
    assert_close(dp.estimate, r[prefix + "dom_prop"])
    assert_close(dp.vcov, r[prefix + "dom_prop_v"])
    by = rep_by(design, df["api00"].to_numpy(float), df["comp.imp"].to_numpy())
    assert list(by) == ["No", "Yes"]
    assert_close([e.estimate[0] for e in by.values()], r[prefix + "by_mean"])
    assert_close([e.se[0] for e in by.values()], r[prefix + "by_se"])
    byt = rep_by(design, df["enroll"].to_numpy(float), df["comp.imp"].to_numpy(), statistic="total")
    assert_close([e.estimate[0] for e in byt.values()], r[prefix + "by_total"])
    assert_close([e.se[0] for e in byt.values()], r[prefix + "by_total_se"])
    byr = rep_by(
        design, df["api00"].to_numpy(float), df["comp.imp"].to_numpy(), statistic="ratio",
        denominator=df["api99"].to_numpy(float),
    )
    assert_close([e.estimate[0] for e in byr.values()], r[prefix + "by_ratio"])
    assert_close([e.se[0] for e in byr.values()], r[prefix + "by_ratio_se"])


@pytest.mark.r
def test_jkn_from_stratified_design_matches_r(api: Path) -> None:
    r = run_r(
        _R_ESTIMATES
        + r"""
apistrat <- read.csv("apistrat.csv", stringsAsFactors = TRUE)
d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
r <- as.svrepdesign(d, type = "JKn")
out("repw", weights(r, "analysis")); out("rscales", r$rscales); out("scale", r$scale)
report("", r)
r$mse <- TRUE
report("mse_", r)
""",
        api,
    )
    df = read_api(api, "apistrat")
    design = jkn_design(df["pw"], df["stype"], fpc=df["fpc"])
    assert_close(design.repweights.ravel(order="F"), r["repw"])
    assert_close(design.rscales, r["rscales"])
    assert_close(design.scale, r["scale"])
    _check_estimates(design, df, r, "")
    mse = ReplicateDesign(design.weights, design.repweights, "JKn", design.scale, design.rscales, mse=True)
    _check_estimates(mse, df, r, "mse_")


@pytest.mark.r
def test_jk1_from_cluster_design_with_fpc_matches_r(api: Path) -> None:
    r = run_r(
        _R_ESTIMATES
        + r"""
apiclus1 <- read.csv("apiclus1.csv", stringsAsFactors = TRUE)
d <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
r <- as.svrepdesign(d)
out("repw", weights(r, "analysis")); out("scale", r$scale)
report("", r)
""",
        api,
    )
    df = read_api(api, "apiclus1")
    design = jk1_design(df["pw"], df["dnum"], fpc=df["fpc"])
    assert design.type == "JK1"
    assert_close(design.repweights.ravel(order="F"), r["repw"])
    assert_close(design.scale, r["scale"])
    _check_estimates(design, df, r, "")


_R_PAIRED = r"""
apiclus1 <- read.csv("apiclus1.csv", stringsAsFactors = TRUE)
d0 <- apiclus1[apiclus1$dnum != 815, ]
k <- match(d0$dnum, sort(unique(d0$dnum)))
d0$st <- paste0("S", c(3, 1, 2, 7, 5, 6, 4)[(k + 1) %/% 2])
write.csv(d0, "paired.csv", row.names = FALSE)
H <- survey:::hadamard(7)
write.csv(H, "hadamard8.csv", row.names = FALSE)
d <- svydesign(id = ~dnum, strata = ~st, weights = ~pw, data = d0, nest = TRUE)
"""


@pytest.mark.r
@pytest.mark.parametrize("rho", [0.0, 0.3])
def test_brr_and_fay_from_hadamard_match_r(api: Path, rho: float) -> None:
    kind = "BRR" if rho == 0 else "Fay"
    r = run_r(
        _R_ESTIMATES
        + _R_PAIRED
        + f"""
r <- as.svrepdesign(d, type = "{kind}", fay.rho = {rho}, hadamard.matrix = H)
out("repw", weights(r, "analysis")); out("scale", r$scale)
report("", r)
r$mse <- TRUE
report("mse_", r)
""",
        api,
    )
    df = pd.read_csv(api / "paired.csv")
    hadamard = pd.read_csv(api / "hadamard8.csv").to_numpy()
    design = brr_design(df["pw"], df["st"], df["dnum"], hadamard, fay_rho=rho)
    assert design.type == kind
    assert_close(design.repweights.ravel(order="F"), r["repw"])
    assert_close(design.scale, r["scale"])
    _check_estimates(design, df, r, "")
    mse = ReplicateDesign(design.weights, design.repweights, kind, design.scale, design.rscales, True, rho)
    _check_estimates(mse, df, r, "mse_")


@pytest.mark.r
@pytest.mark.parametrize("mse", [False, True])
def test_bootstrap_with_given_replicate_weights_matches_r(api: Path, mse: bool) -> None:
    r = run_r(
        _R_ESTIMATES
        + f"""
apistrat <- read.csv("apistrat.csv", stringsAsFactors = TRUE)
d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
set.seed(20261123)
b <- as.svrepdesign(d, type = "bootstrap", replicates = 50)
rw <- weights(b, "analysis")
write.csv(rw, "boot.csv", row.names = FALSE)
r <- svrepdesign(data = apistrat, repweights = rw, weights = ~pw, type = "bootstrap",
                 combined.weights = TRUE, mse = {"TRUE" if mse else "FALSE"})
out("scale", r$scale)
report("", r)
""",
        api,
    )
    df = read_api(api, "apistrat")
    rw = pd.read_csv(api / "boot.csv").to_numpy(float)
    design = replicate_design(df["pw"], rw, type="bootstrap", mse=mse)
    assert_close(design.scale, r["scale"])
    _check_estimates(design, df, r, "")


@pytest.mark.r
def test_svrepdesign_jkn_with_rscales_fpc_and_uncombined_weights_match_r(api: Path) -> None:
    r = run_r(
        _R_ESTIMATES
        + r"""
apistrat <- read.csv("apistrat.csv", stringsAsFactors = TRUE)
d <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
j <- as.svrepdesign(d, type = "JKn", compress = FALSE)
mult <- as.matrix(j$repweights)
write.csv(mult, "mult.csv", row.names = FALSE)
f <- rep(c(0.05, 0.1, 0.2), c(100, 50, 50))
r1 <- svrepdesign(data = apistrat, repweights = mult * apistrat$pw, weights = ~pw, type = "JKn",
                  rscales = j$rscales, fpc = f, fpctype = "fraction")
report("fpc_", r1)
r2 <- suppressWarnings(svrepdesign(data = apistrat, repweights = mult, weights = ~pw, type = "JKn",
                  combined.weights = FALSE))
out("guess_rscales", r2$rscales)
report("guess_", r2)
r3 <- suppressWarnings(svrepdesign(data = apistrat, repweights = mult * apistrat$pw, weights = ~pw,
                  type = "JK1"))
report("jk1_", r3)
""",
        api,
    )
    df = read_api(api, "apistrat")
    mult = pd.read_csv(api / "mult.csv").to_numpy(float)
    pw = df["pw"].to_numpy(float)
    base = jkn_design(pw, df["stype"])
    f = np.repeat([0.05, 0.1, 0.2], [100, 50, 50])
    d1 = replicate_design(pw, mult * pw[:, None], type="JKn", rscales=base.rscales, fpc=f, fpctype="fraction")
    _check_estimates(d1, df, r, "fpc_")
    d2 = replicate_design(pw, mult, type="JKn", combined_weights=False)
    assert_close(d2.rscales, r["guess_rscales"])
    _check_estimates(d2, df, r, "guess_")
    d3 = replicate_design(pw, mult * pw[:, None], type="JK1")
    _check_estimates(d3, df, r, "jk1_")


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

_weights = arrays(np.float64, st.integers(3, 30), elements=st.floats(0.5, 50.0))


@settings(max_examples=60, deadline=None)
@given(w=_weights, data=st.data())
def test_jk1_total_variance_equals_linearisation_formula(w: np.ndarray, data: st.DataObject) -> None:
    y = data.draw(arrays(np.float64, w.shape[0], elements=st.floats(-100, 100)))
    frac = data.draw(st.floats(0.0, 0.9))
    design = jk1_design(w, fpc=frac, fpctype="fraction")
    z = w * y
    n = w.shape[0]
    expected = (1 - frac) * n / (n - 1) * np.sum((z - z.mean()) ** 2)
    got = rep_total(design, y).vcov[0, 0]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9 * (1 + np.sum(z**2)))


def _sylvester(m: int) -> np.ndarray:
    return sylvester_hadamard(m)


@settings(max_examples=60, deadline=None)
@given(n_strata=st.integers(1, 7), data=st.data(), rho=st.sampled_from([0.0, 0.3, 0.5]))
def test_brr_total_variance_is_sum_of_squared_pair_differences(
    n_strata: int, data: st.DataObject, rho: float
) -> None:
    n = 2 * n_strata
    w = data.draw(arrays(np.float64, n, elements=st.floats(0.5, 50.0)))
    y = data.draw(arrays(np.float64, n, elements=st.floats(-100, 100)))
    strata = np.repeat(np.arange(n_strata), 2)
    design = brr_design(w, strata, np.arange(n), _sylvester(8), fay_rho=rho)
    z = (w * y).reshape(n_strata, 2)
    expected = np.sum((z[:, 0] - z[:, 1]) ** 2)
    got = rep_total(design, y).vcov[0, 0]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9 * (1 + np.sum(z**2)))


@settings(max_examples=60, deadline=None)
@given(w=_weights, data=st.data())
def test_mse_variance_is_never_smaller(w: np.ndarray, data: st.DataObject) -> None:
    y = data.draw(arrays(np.float64, w.shape[0], elements=st.floats(0, 100)))
    # The mse form is never smaller only when every replicate has the same rscale (the replicate
    # mean then minimises the sum of squares): two strata of equal size.
    if w.shape[0] < 4 or w.shape[0] % 2:
        return
    strata = np.arange(w.shape[0]) % 2
    design = jkn_design(w, strata)
    mse = ReplicateDesign(design.weights, design.repweights, "JKn", design.scale, design.rscales, mse=True)
    v = rep_mean(design, y).vcov[0, 0]
    v_mse = rep_mean(mse, y).vcov[0, 0]
    assert v_mse >= v * (1 - 1e-12) - 1e-12


def test_constant_variable_has_zero_variance_for_the_mean() -> None:
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    design = jkn_design(w, [1, 1, 1, 2, 2, 2], [1, 2, 3, 1, 2, 3])
    assert design.n_replicates == 6
    res = rep_mean(design, np.full(6, 7.0))
    assert res.estimate[0] == pytest.approx(7.0)
    assert res.se[0] == pytest.approx(0.0, abs=1e-12)


def test_invalid_inputs_are_rejected() -> None:
    w = np.ones(4)
    with pytest.raises(ValueError, match="rho"):
        replicate_design(w, np.ones((4, 2)), type="Fay")
    with pytest.raises(ValueError, match="rscales"):
        replicate_design(w, np.ones((4, 2)), type="JKn")
    with pytest.raises(ValueError, match="one PSU"):
        jkn_design(w, [1, 1, 1, 2])
    with pytest.raises(ValueError, match="two PSUs"):
        brr_design(w, [1, 1, 1, 2], np.arange(4), _sylvester(4))


def test_as_replicate_design_dispatches_like_r() -> None:
    rng = np.random.default_rng(3)
    w = rng.uniform(1, 5, 12)
    strata = np.repeat([1, 2, 3], 4)
    psu = np.tile([1, 1, 2, 2], 3)
    jk1 = as_replicate_design(w, psu=np.arange(12) // 2)
    assert jk1.type == "JK1" and jk1.n_replicates == 6
    jkn = as_replicate_design(w, strata=strata, psu=psu, fpc=np.full(12, 10.0))
    assert jkn.type == "JKn" and jkn.n_replicates == 6
    np.testing.assert_allclose(jkn.rscales, (10 - 2) / 10 * 1 / 2)
    brr = as_replicate_design(w, type="BRR", strata=strata, psu=psu)
    assert brr.type == "BRR" and brr.n_replicates == 4
    fay = as_replicate_design(w, type="Fay", strata=strata, psu=psu, fay_rho=0.5)
    y = rng.normal(size=12)
    assert rep_total(brr, y).vcov[0, 0] == pytest.approx(rep_total(fay, y).vcov[0, 0], rel=1e-12)
    with pytest.raises(ValueError, match="JK1"):
        as_replicate_design(w, type="JK1", strata=strata)
