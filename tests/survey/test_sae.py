"""Fay–Herriot small-area estimation: agreement with a REML written out in R, and properties.

R's ``sae`` package is not packaged in Debian, so the R side is a hand-written copy of
``sae::eblupFH``/``sae::mseFH`` (Fisher scoring, Datta–Lahiri MSE) and an exact REML
root found with ``uniroot``. The direct estimates are ``svymean(~api00)`` by county in
``apistrat``, the covariates county means from ``apipop``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from r_helpers_s2 import api_data, assert_close, run_r

from cyberbeeld.survey.sae import fay_herriot, reml_score


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return api_data(tmp_path_factory)


_R_FH = r"""
apistrat <- read.csv("apistrat.csv", stringsAsFactors = TRUE)
apipop <- read.csv("apipop.csv", stringsAsFactors = TRUE)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dir <- svyby(~api00, ~cname, dstrat, svymean)
n <- table(apistrat$cname)
pm <- aggregate(cbind(meals, api99) ~ cname, data = apipop, FUN = mean)
df <- data.frame(cname = dir$cname, y = dir$api00, D = SE(dir)^2, n = as.vector(n[as.character(dir$cname)]))
df <- merge(df, pm, by = "cname")
df <- df[df$n >= 3 & df$D > 0, ]
write.csv(df, "fh.csv", row.names = FALSE)
X <- cbind(1, df$meals, df$api99); y <- df$y; D <- df$D
score <- function(A) {
  Vi <- 1 / (A + D); XtVi <- t(Vi * X); Q <- solve(XtVi %*% X)
  P <- diag(Vi) - t(XtVi) %*% Q %*% XtVi; Py <- P %*% y
  c(-0.5 * sum(diag(P)) + 0.5 * sum(Py^2), 0.5 * sum(diag(P %*% P)))
}
# sae::eblupFH's Fisher scoring
sae_reml <- function(precision) {
  A <- median(D); k <- 0; diff <- precision + 1
  while (diff > precision && k < 100) {
    k <- k + 1; sf <- score(A); An <- A + sf[1] / sf[2]; diff <- abs((An - A) / A); A <- An
  }
  max(A, 0)
}
# sae::mseFH (REML)
report <- function(p, A) {
  Vi <- 1 / (A + D); XtVi <- t(Vi * X); Q <- solve(XtVi %*% X); beta <- Q %*% XtVi %*% y
  Xb <- drop(X %*% beta); B <- D / (A + D); VarA <- 2 / sum(Vi^2)
  g1 <- D * (1 - B); g2 <- B^2 * rowSums((X %*% Q) * X); g3 <- B^2 * VarA / (A + D)
  out(paste0(p, "A"), A); out(paste0(p, "beta"), beta); out(paste0(p, "beta_se"), sqrt(diag(Q)))
  out(paste0(p, "eblup"), Xb + A / (A + D) * (y - Xb)); out(paste0(p, "gamma"), A / (A + D))
  out(paste0(p, "mse"), g1 + g2 + 2 * g3); out(paste0(p, "g3"), g3)
  out(paste0(p, "loglike"), -0.5 * sum(log(2 * pi * (A + D)) + (y - Xb)^2 / (A + D)))
}
report("sae.", sae_reml(1e-4))
report("exact.", uniroot(function(A) score(A)[1], c(1e-6, 1e6), tol = 1e-14)$root)
"""


@pytest.mark.r
def test_fay_herriot_matches_reml_written_out_in_r(api: Path) -> None:
    r = run_r(_R_FH, api)
    df = pd.read_csv(api / "fh.csv")
    x = np.column_stack([np.ones(len(df)), df["meals"], df["api99"]])
    for prefix, algorithm in (("exact.", "exact"), ("sae.", "sae")):
        fit = fay_herriot(df["y"], df["D"], x, algorithm=algorithm)  # type: ignore[arg-type]
        assert fit.converged
        rtol = 1e-9
        assert_close(fit.A, r[prefix + "A"], rtol=rtol)
        assert_close(fit.beta, r[prefix + "beta"], rtol=rtol)
        assert_close(fit.beta_se, r[prefix + "beta_se"], rtol=rtol)
        assert_close(fit.eblup, r[prefix + "eblup"], rtol=rtol)
        assert_close(fit.gamma, r[prefix + "gamma"], rtol=rtol)
        assert_close(fit.mse, r[prefix + "mse"], rtol=rtol)
        assert_close(fit.g3, r[prefix + "g3"], rtol=rtol)
        assert_close(fit.loglike, r[prefix + "loglike"], rtol=rtol)
    exact = fay_herriot(df["y"], df["D"], x)
    assert abs(reml_score(exact.A, df["y"], df["D"], x)[0]) < 1e-10


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@st.composite
def _areas(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = draw(st.integers(5, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(m), rng.normal(0, 1, m)])
    a = draw(st.floats(0.0, 4.0))
    d = rng.uniform(0.2, 3.0, m)
    y = x @ np.array([1.0, 0.5]) + rng.normal(0, np.sqrt(a), m) + rng.normal(0, np.sqrt(d))
    return y, d, x


@settings(max_examples=80, deadline=None)
@given(problem=_areas())
def test_eblup_lies_between_direct_and_synthetic(problem: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    y, d, x = problem
    fit = fay_herriot(y, d, x)
    assert fit.A >= 0
    assert np.all((fit.gamma >= 0) & (fit.gamma <= 1))
    lo = np.minimum(y, fit.synthetic) - 1e-9
    hi = np.maximum(y, fit.synthetic) + 1e-9
    assert np.all((fit.eblup >= lo) & (fit.eblup <= hi))
    assert np.all(fit.mse > 0)
    assert np.all(fit.mse >= fit.g1)
    # the MSE of the EBLUP does not exceed the direct variance by more than the estimation terms
    assert np.all(fit.g1 <= d + 1e-12)
    if fit.A > 0:
        score, fisher = reml_score(fit.A, y, d, x)
        assert abs(score) <= 1e-8 * fisher * max(fit.A, 1.0)


@settings(max_examples=80, deadline=None)
@given(problem=_areas(), dval=st.floats(0.1, 3.0))
def test_equal_sampling_variances_give_the_closed_form_reml(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], dval: float
) -> None:
    y, _, x = problem
    d = np.full(y.shape[0], dval)
    beta_ols, *_ = np.linalg.lstsq(x, y, rcond=None)
    rss = float(np.sum((y - x @ beta_ols) ** 2))
    expected = max(0.0, rss / (len(y) - x.shape[1]) - dval)
    assume(expected == 0 or expected > 1e-6)
    fit = fay_herriot(y, d, x)
    assert fit.A == pytest.approx(expected, rel=1e-8, abs=1e-10)
    np.testing.assert_allclose(fit.beta, beta_ols, rtol=1e-8, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(problem=_areas())
def test_fisher_scoring_when_it_converges_finds_the_same_root(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    y, d, x = problem
    exact = fay_herriot(y, d, x)
    sae = fay_herriot(y, d, x, algorithm="sae", precision=1e-13, maxiter=500)
    assume(sae.converged and sae.A > 0 and exact.A > 0)
    assert sae.A == pytest.approx(exact.A, rel=1e-9)
    np.testing.assert_allclose(sae.mse, exact.mse, rtol=1e-9)


def test_no_area_variance_gives_the_synthetic_estimate() -> None:
    x = np.column_stack([np.ones(6), np.arange(6.0)])
    y = 2.0 + 0.5 * np.arange(6.0) + np.array([0.01, -0.01, 0.02, -0.02, 0.0, 0.0])
    fit = fay_herriot(y, np.full(6, 5.0), x)
    assert fit.A == 0.0
    np.testing.assert_allclose(fit.eblup, fit.synthetic)
    np.testing.assert_allclose(fit.gamma, 0.0)
    est, mse = fit.predict(x[:2])
    np.testing.assert_allclose(est, fit.synthetic[:2])
    np.testing.assert_allclose(mse, fit.g2[:2])


def test_tiny_sampling_variance_keeps_the_direct_estimate() -> None:
    rng = np.random.default_rng(1)
    x = np.column_stack([np.ones(10), rng.normal(size=10)])
    y = x @ [1.0, 2.0] + rng.normal(0, 3, 10)
    d = np.full(10, 1.0)
    d[3] = 1e-10
    fit = fay_herriot(y, d, x)
    assert fit.eblup[3] == pytest.approx(y[3], abs=1e-6)
    assert fit.gamma[3] == pytest.approx(1.0, abs=1e-8)


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        fay_herriot([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="more areas"):
        fay_herriot([1.0, 2.0], [1.0, 1.0], np.column_stack([np.ones(2), [1.0, 2.0]]))
    with pytest.raises(ValueError, match="non-finite"):
        fay_herriot([1.0, np.nan, 3.0], [1.0, 1.0, 1.0])
