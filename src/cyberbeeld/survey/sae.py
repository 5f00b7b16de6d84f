"""Small-area estimation: the area-level Fay–Herriot model.

Model, for areas :math:`d = 1..m` with a direct (design-based) estimate
:math:`y_d` of known sampling variance :math:`D_d` and area covariates :math:`x_d`:

.. math::

    y_d = x_d^T \\beta + u_d + e_d, \\qquad u_d \\sim N(0, A), \\quad e_d \\sim N(0, D_d).

* :math:`A` (the area-effect variance) is estimated by REML: by default the root of
  the REML score :math:`s(A)` on :math:`[0, \\infty)` to machine precision (Brent's
  method; :math:`A = 0` when :math:`s(0) \\le 0`). ``algorithm="sae"`` runs instead
  the Fisher scoring of R's ``sae::eblupFH`` (start at ``median(D)``; update
  :math:`A \\leftarrow A + s(A)/F(A)`; stop when the relative change is below
  ``PRECISION = 1e-4``; a negative estimate is set to zero), reproducing ``sae``.
* EBLUP: :math:`\\hat\\theta_d = \\gamma_d y_d + (1-\\gamma_d) x_d^T\\hat\\beta`, with the
  shrinkage factor :math:`\\gamma_d = A/(A + D_d)`.
* MSE: the Prasad–Rao second-order approximation in its REML form (Datta & Lahiri
  2000), as ``sae::mseFH``: :math:`g_{1d} + g_{2d} + 2 g_{3d}` with
  :math:`g_{1d} = \\gamma_d D_d`, :math:`g_{2d} = (1-\\gamma_d)^2 x_d^T (X^TV^{-1}X)^{-1} x_d`,
  :math:`g_{3d} = (1-\\gamma_d)^2 \\bar V(\\hat A) / (A + D_d)` and
  :math:`\\bar V(\\hat A) = 2 / \\sum_d (A + D_d)^{-2}`.

Areas without a direct estimate get the synthetic estimate :math:`x^T\\hat\\beta`
(:meth:`FayHerriotFit.predict`), with MSE :math:`A + x^T(X^TV^{-1}X)^{-1}x`.

Pure module: NumPy only, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.optimize

__all__ = ["FayHerriotFit", "fay_herriot", "reml_score"]


FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FayHerriotFit:
    """Result of :func:`fay_herriot`.

    Attributes
    ----------
    A : float
        REML estimate of the area-effect variance (``sigma2_u``), >= 0.
    beta : numpy.ndarray, shape (p,)
        Regression coefficients (GLS at ``A``).
    beta_vcov : numpy.ndarray, shape (p, p)
        ``(X^T V^{-1} X)^{-1}``.
    eblup : numpy.ndarray, shape (m,)
        Empirical best linear unbiased predictions of the area means.
    synthetic : numpy.ndarray, shape (m,)
        Regression-synthetic estimates ``X beta``.
    gamma : numpy.ndarray, shape (m,)
        Shrinkage factors ``A / (A + D)``: the weight of the direct estimate.
    mse : numpy.ndarray, shape (m,)
        Prasad–Rao / Datta–Lahiri MSE estimates (``g1 + g2 + 2 g3``).
    g1, g2, g3 : numpy.ndarray, shape (m,)
        The MSE components.
    var_A : float
        Asymptotic variance of the REML estimate, ``2 / sum((A + D)^-2)``.
    loglike : float
        Gaussian log-likelihood at the estimates (as ``sae`` reports it).
    iterations : int
    converged : bool
    """

    A: float
    beta: FloatArray
    beta_vcov: FloatArray
    eblup: FloatArray
    synthetic: FloatArray
    gamma: FloatArray
    mse: FloatArray
    g1: FloatArray
    g2: FloatArray
    g3: FloatArray
    var_A: float
    loglike: float
    iterations: int
    converged: bool

    @property
    def beta_se(self) -> FloatArray:
        """Standard errors of the coefficients."""
        return np.asarray(np.sqrt(np.diag(self.beta_vcov)), dtype=np.float64)

    @property
    def rmse(self) -> FloatArray:
        """Root MSE of the EBLUPs."""
        return np.asarray(np.sqrt(self.mse), dtype=np.float64)

    def predict(self, x_new: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Synthetic estimates and their MSE for areas without a direct estimate.

        Parameters
        ----------
        x_new : array_like, shape (k, p)

        Returns
        -------
        estimate, mse : numpy.ndarray, shape (k,)
            ``x beta`` and ``A + x (X^T V^-1 X)^-1 x^T``.
        """
        xn = np.atleast_2d(np.asarray(x_new, dtype=np.float64))
        est = xn @ self.beta
        mse = self.A + np.einsum("ij,jk,ik->i", xn, self.beta_vcov, xn)
        return np.asarray(est, dtype=np.float64), np.asarray(mse, dtype=np.float64)


def _p_matrix(a: float, vardir: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    vi = 1.0 / (a + vardir)
    xtvi = (vi[:, None] * x).T
    q = np.linalg.inv(xtvi @ x)
    p = np.diag(vi) - xtvi.T @ q @ xtvi
    return np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)


def reml_score(a: float, direct: npt.ArrayLike, vardir: npt.ArrayLike, x: npt.ArrayLike) -> tuple[float, float]:
    """REML score ``s(A)`` and Fisher information ``F(A)`` of the Fay–Herriot model.

    ``s(A) = -tr(P)/2 + y^T P P y / 2`` and ``F(A) = tr(P P)/2``, with
    ``P = V^-1 - V^-1 X (X^T V^-1 X)^-1 X^T V^-1``.
    """
    y = np.asarray(direct, dtype=np.float64).ravel()
    d = np.asarray(vardir, dtype=np.float64).ravel()
    xm = np.asarray(x, dtype=np.float64)
    p, _ = _p_matrix(a, d, xm)
    py = p @ y
    return float(-0.5 * np.trace(p) + 0.5 * py @ py), float(0.5 * np.sum(p * p))


def fay_herriot(
    direct: npt.ArrayLike,
    vardir: npt.ArrayLike,
    x: npt.ArrayLike | None = None,
    *,
    algorithm: Literal["exact", "sae"] = "exact",
    maxiter: int = 100,
    precision: float = 1e-4,
    a_start: float | None = None,
) -> FayHerriotFit:
    """Fit the Fay–Herriot model by REML; EBLUPs, shrinkage factors and MSEs.

    Parameters
    ----------
    direct : array_like, shape (m,)
        Direct estimates per area.
    vardir : array_like, shape (m,)
        Their sampling variances (known, > 0).
    x : array_like, shape (m, p), optional
        Area covariates *including* an intercept column if wanted; default: intercept only.
    algorithm : {"exact", "sae"}
        ``"exact"`` (default) solves the REML score equation ``s(A) = 0`` to machine
        precision with Brent's method on a bracket in ``[0, inf)`` (``A = 0`` when
        ``s(0) <= 0``). ``"sae"`` runs the Fisher scoring of R's ``sae::eblupFH``
        (start ``median(vardir)``, stop when the relative change is below
        ``precision``, at most ``maxiter`` steps, negative result set to 0); it
        reproduces ``sae`` but can wander or stop early where ``"exact"`` cannot.
    maxiter : int, default 100
        Iteration limit (``sae``'s ``MAXITER``; Brent's limit is ``maxiter * 10``).
    precision : float, default 1e-4
        ``sae``'s ``PRECISION`` (``algorithm="sae"`` only).
    a_start : float, optional
        Fisher-scoring start; default ``median(vardir)`` as ``sae``.

    Returns
    -------
    FayHerriotFit

    Raises
    ------
    ValueError
        Inconsistent shapes, non-positive or non-finite sampling variances, or
        fewer areas than covariates.
    """
    y = np.asarray(direct, dtype=np.float64).ravel()
    d = np.asarray(vardir, dtype=np.float64).ravel()
    m = y.shape[0]
    xm = np.ones((m, 1)) if x is None else np.asarray(x, dtype=np.float64)
    if xm.ndim == 1:
        xm = xm[:, None]
    if d.shape != (m,) or xm.shape[0] != m:
        raise ValueError("direct, vardir and x must have one row per area")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(d)) and np.all(np.isfinite(xm))):
        raise ValueError("missing or non-finite values")
    if np.any(d <= 0):
        raise ValueError("sampling variances must be positive")
    if m <= xm.shape[1]:
        raise ValueError("need more areas than covariates")

    if algorithm == "sae":
        a, k, converged = _fisher_scoring(y, d, xm, a_start, maxiter, precision)
    elif algorithm == "exact":
        a, k, converged = _reml_root(y, d, xm, maxiter * 10)
    else:
        raise ValueError(f"unknown algorithm {algorithm!r}")
    a = max(a, 0.0)

    vi = 1.0 / (a + d)
    xtvi = (vi[:, None] * xm).T
    q = np.linalg.inv(xtvi @ xm)
    beta = q @ (xtvi @ y)
    synthetic = xm @ beta
    resid = y - synthetic
    gamma = a / (a + d)
    eblup = synthetic + gamma * resid
    loglike = float(-0.5 * np.sum(np.log(2 * np.pi * (a + d)) + resid**2 / (a + d)))
    var_a = float(2.0 / np.sum(vi**2))
    b = d / (a + d)
    g1 = d * (1 - b)
    g2 = b**2 * np.einsum("ij,jk,ik->i", xm, q, xm)
    g3 = b**2 * var_a / (a + d)
    return FayHerriotFit(
        A=a,
        beta=np.asarray(beta, dtype=np.float64),
        beta_vcov=np.asarray(q, dtype=np.float64),
        eblup=np.asarray(eblup, dtype=np.float64),
        synthetic=np.asarray(synthetic, dtype=np.float64),
        gamma=np.asarray(gamma, dtype=np.float64),
        mse=np.asarray(g1 + g2 + 2 * g3, dtype=np.float64),
        g1=np.asarray(g1, dtype=np.float64),
        g2=np.asarray(g2, dtype=np.float64),
        g3=np.asarray(g3, dtype=np.float64),
        var_A=var_a,
        loglike=loglike,
        iterations=k,
        converged=converged,
    )


def _fisher_scoring(
    y: FloatArray, d: FloatArray, x: FloatArray, a_start: float | None, maxiter: int, precision: float
) -> tuple[float, int, bool]:
    """``sae::eblupFH``'s REML Fisher scoring (unclamped while iterating)."""
    a = float(np.median(d)) if a_start is None else float(a_start)
    k = 0
    diff = precision + 1.0
    while diff > precision and k < maxiter:
        k += 1
        score, fisher = _score_fisher(a, y, d, x)
        a_new = a + score / fisher
        diff = abs((a_new - a) / a) if a != 0 else abs(a_new - a)
        a = float(a_new)
    return a, k, bool(diff <= precision)


def _score_fisher(a: float, y: FloatArray, d: FloatArray, x: FloatArray) -> tuple[float, float]:
    p, _ = _p_matrix(a, d, x)
    py = p @ y
    return float(-0.5 * np.trace(p) + 0.5 * py @ py), float(0.5 * np.sum(p * p))


def _reml_root(y: FloatArray, d: FloatArray, x: FloatArray, maxiter: int) -> tuple[float, int, bool]:
    """Root of the REML score on ``[0, inf)`` by Brent's method (0 when ``s(0) <= 0``)."""

    def score(a: float) -> float:
        return _score_fisher(a, y, d, x)[0]

    if score(0.0) <= 0:
        return 0.0, 1, True
    hi = max(float(np.median(d)), float(np.var(y)), 1e-300)
    k = 0
    while score(hi) > 0:
        hi *= 2.0
        k += 1
        if k > 2000:
            return float("nan"), k, False
    root, info = scipy.optimize.brentq(
        score, 0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=maxiter, full_output=True
    )
    return float(root), k + int(info.iterations), bool(info.converged)
