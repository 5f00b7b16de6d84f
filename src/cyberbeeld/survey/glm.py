"""Generalised linear models with design-based standard errors (R's ``svyglm``).

Linear (``family="gaussian"``) and logistic (``family="quasibinomial"``) models.  The
coefficients are the weighted (pseudo-)maximum-likelihood fit, found by R's own iteratively
reweighted least squares (``glm.fit``: the same start, the same convergence rule), with the
weights scaled to mean 1 as ``svyglm`` does.  The covariance is R's sandwich ``svy.varcoef``:
``A^-1 V(U) A^-1`` with ``U`` the estimating functions ``x_i w_i (y_i - mu_i)`` and ``V`` the
design covariance of their totals (post-stratified and PPS designs included).

Rows with a missing response or predictor leave the fit, as a domain of the full design (R's
``na.action = na.omit`` and ``design[-nas, ]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import DataSource
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.linearized import DesignModel, load_frame

__all__ = ["svyglm"]

FloatArray = npt.NDArray[np.float64]
Family = Literal["gaussian", "quasibinomial"]
GLM_COLUMNS = ["term", "estimate", "se", "t", "df", "p_value"]


def _model(design: Any, frame: pd.DataFrame) -> tuple[Any, Any]:
    """(score model, score adjustment or None) of a design on ``frame``."""
    if isinstance(design, Design):
        return DesignModel.build(design, frame), None
    model = design.model(frame)
    return model, getattr(model, "adjust", None)


def _wls(x: FloatArray, z: FloatArray, wt: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weighted least squares by QR (as glm.fit's C code): coefficients and (X'WX)^-1."""
    sw = np.sqrt(wt)
    q, r = np.linalg.qr(x * sw[:, None])
    coef = np.linalg.solve(r, q.T @ (z * sw))
    rinv = np.linalg.solve(r, np.eye(r.shape[0]))
    return coef, rinv @ rinv.T


def _binomial_deviance(y: FloatArray, mu: FloatArray, w: FloatArray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, y * np.log(y / mu), 0.0)
        b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
    return float(np.sum(2 * w * (a + b)))


def _fit(
    x: FloatArray, y: FloatArray, w: FloatArray, family: Family
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """R's ``glm.fit``: coefficients, (X'WX)^-1, working weights and working residuals."""
    if family == "gaussian":
        coef, ainv = _wls(x, y, w)
        return coef, ainv, w, y - x @ coef
    if ((y < 0) | (y > 1)).any():
        raise SurveyDesignError("a logistic model needs a response between 0 and 1")
    mu = (w * y + 0.5) / (w + 1)  # binomial()$initialize
    eta = np.log(mu / (1 - mu))
    devold = _binomial_deviance(y, mu, w)
    for _ in range(25):  # glm.control(maxit = 25, epsilon = 1e-8)
        mu_eta = mu * (1 - mu)
        z = eta + (y - mu) / mu_eta
        wt = w * mu_eta  # w * mu.eta^2 / variance(mu)
        coef, ainv = _wls(x, z, wt)
        eta = x @ coef
        mu = 1.0 / (1.0 + np.exp(-eta))
        dev = _binomial_deviance(y, mu, w)
        if abs(dev - devold) / (abs(dev) + 0.1) < 1e-8:
            break
        devold = dev
    else:
        raise SurveyDesignError("the logistic model did not converge in 25 iterations")
    # As glm.fit: the working weights of the last iteration, the residuals of the final mu.
    return coef, ainv, wt, (y - mu) / (mu * (1 - mu))


def svyglm(
    data: DataSource,
    design: Any,
    response: str,
    predictors: Sequence[str] | str,
    *,
    family: Family = "gaussian",
) -> pd.DataFrame:
    """Fit ``response ~ predictors`` with design-based standard errors (R's ``svyglm``).

    Parameters
    ----------
    data : pandas.DataFrame, str, Path or DuckDBTable
        The microdata.
    design : Design, PostStratified or PPS
        The sampling design.
    response : str
        Numeric response column (0/1 or a proportion for ``quasibinomial``).
    predictors : str or sequence of str
        Numeric predictor columns; an intercept is added (R's ``y ~ x1 + x2``).
    family : {"gaussian", "quasibinomial"}
        Linear or logistic model.

    Returns
    -------
    pandas.DataFrame
        One row per coefficient: ``term`` (``(Intercept)`` first), ``estimate``, ``se``,
        ``t``, ``df`` (R's ``df.residual``: design df + 1 - number of coefficients) and
        ``p_value`` (two-sided, t distribution), as ``summary(svyglm(...))``.
    """
    if family not in ("gaussian", "quasibinomial"):
        raise SurveyDesignError(f"unknown family {family!r}; choose gaussian or quasibinomial")
    preds = [predictors] if isinstance(predictors, str) else list(predictors)
    frame = load_frame(data, [*design.columns, response, *preds])
    model, adjust = _model(design, frame)
    cols = [response, *preds]
    values = np.column_stack([pd.to_numeric(frame[c], errors="coerce").to_numpy(np.float64) for c in cols])
    for j, c in enumerate(cols):
        bad = np.isnan(values[:, j]) & frame[c].notna().to_numpy()
        if bad.any():
            raise SurveyDesignError("non-numeric value", column=c, row=int(np.argmax(bad)))
    ok = ~np.isnan(values).any(axis=1)
    weights = np.asarray(model.weights, dtype=np.float64)
    w_all = weights / weights.mean()  # svyglm(rescale = TRUE), over the rows of the design
    y = values[ok, 0]
    x = np.column_stack([np.ones(int(ok.sum())), values[ok, 1:]])
    w = w_all[ok]
    coef, ainv, wt, resid = _fit(x, y, w, family)
    estfun = np.zeros((len(frame), x.shape[1]))
    estfun[ok] = x * (resid * wt)[:, None]
    scores = estfun @ ainv
    if adjust is not None:
        scores = adjust(scores)
        cov = model.covariance(scores, None)
    else:
        cov = model.covariance(scores, ok)
    se = np.sqrt(np.diag(cov))  # svyrecvar(estfun %*% Ainv) is A^-1 V(U) A^-1
    df = model.degf(ok & (weights != 0)) + 1 - x.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = coef / se
        p = 2 * special.stdtr(df, -np.abs(t)) if df > 0 else np.full_like(t, np.nan)
    return pd.DataFrame(
        {
            "term": ["(Intercept)", *preds],
            "estimate": coef,
            "se": se,
            "t": t,
            "df": int(df),
            "p_value": p,
        },
        columns=GLM_COLUMNS,
    )
