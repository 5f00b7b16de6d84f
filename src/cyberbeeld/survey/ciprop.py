"""``svyciprop(method = "likelihood")``: the profile-likelihood interval of a proportion.

R fits ``svyglm(y ~ 1, family = quasibinomial)``, profiles its deviance (scaled by the design-based
dispersion) on a grid of up to nine steps each way from the estimate, interpolates the signed root
with an FMM cubic spline and reads off where it crosses the normal quantiles of a level widened by
the design effect (Rao-Scott).  This module repeats those steps exactly: the IRLS fit of
:mod:`cyberbeeld.survey.glm`, the grid of ``MASSprofile_glm``, R's ``spline(method = "fmm")`` and
``approx``.  It needs the per-row values, so it reads the analysis, design and ``by`` columns into
NumPy (only for this interval method).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from cyberbeeld.survey.design import Design
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.glm import _binomial_deviance, _fit
from cyberbeeld.survey.linearized import DesignModel, load_frame

__all__ = ["fmm_spline", "likelihood_interval", "likelihood_intervals"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def fmm_spline(x: FloatArray, y: FloatArray, xout: FloatArray) -> FloatArray:
    """R's ``spline(x, y, method = "fmm")`` evaluated at ``xout`` (``x`` sorted, distinct).

    Forsythe, Malcolm and Moler's cubic spline: the end conditions match the third derivatives
    of the cubics through the first and the last four points (R's ``fmm_spline`` in splines.c).
    """
    n = len(x)
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    if n < 3:
        slope = (y[1] - y[0]) / (x[1] - x[0])
        return np.asarray(y[0] + slope * (xout - x[0]), dtype=np.float64)
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[n - 1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    idx = np.clip(np.searchsorted(x, xout, side="right") - 1, 0, nm1)
    dx = xout - x[idx]
    return np.asarray(y[idx] + dx * (b[idx] + dx * (c[idx] + dx * d[idx])), dtype=np.float64)


def likelihood_interval(
    y: FloatArray,
    weights: FloatArray,
    ok: BoolArray,
    domain: BoolArray,
    model: DesignModel,
    level: float,
) -> tuple[float, float, float]:
    """(estimate, lower, upper) of R's likelihood interval for one domain.

    Parameters
    ----------
    y : ndarray
        0/1 values (anything where ``ok`` is false).
    weights : ndarray
        Sampling weights of all rows.
    ok : ndarray of bool
        Rows of the fit: in the domain, with a value.
    domain : ndarray of bool
        Rows of the design svyciprop is given (the domain, missing values included).
    model : DesignModel
        The design on the rows, for the design-based variance and degrees of freedom.
    level : float
        Confidence level.
    """
    w_res = weights / weights[domain].mean()  # svyglm(rescale = TRUE) over the design's rows
    yy = y[ok]
    ww = w_res[ok]
    coef, ainv, wt, resid = _fit(np.ones((len(yy), 1)), yy, ww, "quasibinomial")
    estfun = np.zeros((len(y), 1))
    estfun[ok, 0] = resid * wt
    var = float(model.covariance(estfun @ ainv, ok)[0, 0])
    se = np.sqrt(var)
    b0 = float(coef[0])
    lam = var / float(ainv[0, 0])
    mask = domain & (weights != 0)
    ddf = float(model.degf(mask))
    mu = 1.0 / (1.0 + np.exp(-b0))
    deviance = _binomial_deviance(yy, np.full(len(yy), mu), ww)
    # summary.svyglm: svyvar of residuals.svyglm(type = "pearson") on the fit's design, whose
    # prior weights are divided by the sampling weights rescaled over the fit's rows.
    wd = weights[ok]
    pearson = (yy - mu) * np.sqrt(ww / (wd / wd.mean())) / np.sqrt(mu * (1 - mu))
    n_nz = float(np.count_nonzero(wd))
    xbar = float((wd * pearson).sum() / wd.sum())
    dispersion = float((wd * (pearson - xbar) ** 2 * n_nz / (n_nz - 1)).sum() / wd.sum())
    if ddf <= 0:
        raise SurveyDesignError("zero or negative denominator df for a likelihood interval")
    alpha = float(special.ndtr(special.stdtrit(ddf, (1 - level) / 2) * np.sqrt(lam)) / 2)
    n = len(yy)
    zmax = float(np.sqrt(special.fdtri(1, n - 1, 1 - alpha)))  # qf(alpha, 1, n - p, lower = FALSE)
    step_size = zmax / 5
    params = [b0]
    zs = [0.0]
    for sgn in (-1.0, 1.0):
        step = 0
        z = 0.0
        while (step := step + 1) < 10 and abs(z) < zmax:
            bi = b0 + sgn * step * step_size * se
            mui = np.full(len(yy), 1.0 / (1.0 + np.exp(-bi)))
            zz = (_binomial_deviance(yy, mui, ww) - deviance) / dispersion
            if zz > -0.001:
                zz = max(zz, 0.0)
            else:  # pragma: no cover - R stops here too
                raise SurveyDesignError("profiling found a better fit: the original fit had not converged")
            z = sgn * float(np.sqrt(zz))
            params.append(bi)
            zs.append(z)
    order = np.argsort(params)
    px = np.asarray(params)[order]
    pz = np.asarray(zs)[order]
    grid = np.linspace(px[0], px[-1], 3 * len(px))  # spline(n = 3 * length(x))
    sz = fmm_spline(px, pz, grid)
    cutoff = special.ndtri(np.array([2 * alpha, 1 - 2 * alpha]))
    sorter = np.argsort(sz, kind="stable")
    bounds = np.interp(cutoff, sz[sorter], grid[sorter], left=np.nan, right=np.nan)  # approx()
    lo, hi = (1.0 / (1.0 + np.exp(-bounds))).tolist()
    return 1.0 / (1.0 + np.exp(-b0)), float(lo), float(hi)


def likelihood_intervals(
    frame: pd.DataFrame,
    design: Design,
    levels: Sequence[tuple[str, str, Any]],
    by_cols: list[str],
    level: float,
) -> pd.DataFrame:
    """Likelihood intervals per (label, column, value) and domain: the proportion of ``column == value``.

    Returns the ``by`` columns, ``variable`` (the label as :func:`estimate` writes it), ``fit``
    (R's estimate: the inverse logit of the fitted intercept, which is the weighted mean up to
    the IRLS convergence tolerance), ``ci_low`` and ``ci_high``.
    """
    model = DesignModel.build(design, frame)
    rows: list[dict[str, Any]] = []
    if by_cols:
        keys = frame[by_cols]
        complete = keys.notna().all(axis=1).to_numpy()
        domains = keys[complete].drop_duplicates().sort_values(by_cols).reset_index(drop=True)
    else:
        complete = np.ones(len(frame), dtype=bool)
        domains = pd.DataFrame(index=[0])
    for label, column, value in levels:
        col = frame[column]
        have = col.notna().to_numpy()
        y = (col == value).to_numpy(dtype=np.float64)
        for d in range(len(domains)):
            dom = complete.copy()
            for c in by_cols:
                dom &= (frame[c] == domains[c].iloc[d]).to_numpy()
            point, lo, hi = likelihood_interval(y, model.weights, dom & have, dom, model, level)
            row: dict[str, Any] = {c: domains[c].iloc[d] for c in by_cols}
            row.update(variable=label, fit=point, ci_low=lo, ci_high=hi)
            rows.append(row)
    return pd.DataFrame(rows, columns=[*by_cols, "variable", "fit", "ci_low", "ci_high"])


def with_likelihood_intervals(
    out: pd.DataFrame,
    data: Any,
    design: Design,
    requests: Sequence[Any],
    by_cols: list[str],
    level: float,
) -> pd.DataFrame:
    """``out`` (from :func:`~cyberbeeld.survey.estimators.estimate`) with likelihood intervals
    in the proportion rows."""
    variables = list(dict.fromkeys(r.variable for r in requests if r.statistic == "proportion"))
    frame = load_frame(data, [*design.columns, *variables, *by_cols])
    levels: list[tuple[str, str, Any]] = []
    for var in variables:
        col = frame[var]
        values = pd.unique(col.dropna())
        if col.dtype == bool:
            levels.append((var, var, True))
        elif set(values.tolist()) <= {0, 1}:
            levels.append((var, var, 1))
        else:
            levels.extend((f"{var}={lev}", var, lev) for lev in sorted(values.tolist()))
    intervals = likelihood_intervals(frame, design, levels, by_cols, level)
    keys = [*by_cols, "variable"]
    prop = (out["statistic"] == "proportion").to_numpy()
    merged = out[keys].merge(intervals, on=keys, how="left")
    result = out.copy()
    result.loc[prop, "estimate"] = merged.loc[prop, "fit"].to_numpy()  # as svyciprop reports it
    result.loc[prop, "ci_low"] = merged.loc[prop, "ci_low"].to_numpy()
    result.loc[prop, "ci_high"] = merged.loc[prop, "ci_high"].to_numpy()
    result.loc[prop, "cv"] = result.loc[prop, "se"] / result.loc[prop, "estimate"]
    return result
