"""Calibration of survey weights: raking, GREG (linear) calibration, bounds, trimming.

The algorithms and their variance estimators follow R's ``survey`` package so that
results agree with ``rake()``, ``calibrate()`` and ``trimWeights()`` to rounding error:

* :func:`rake` -- iterative proportional fitting over integer-coded margins
  (R ``rake(design, sample.margins, population.margins, control=list(epsilon, maxit))``);
  one pass over the data per margin and cycle with :func:`numpy.bincount`, so it
  handles millions of rows;
* :func:`calibrate` -- calibration to known totals of the columns of a model matrix
  with the linear (GREG), raking or logit distance, optional bounds on the
  g-weights, and R's ``trim=`` (R ``calibrate(design, formula, population,
  calfun=, bounds=, trim=)``); the linear case without bounds is R's closed form;
* :func:`trim_weights` -- R ``trimWeights(design, lower, upper, strict)``.

Variances account for the calibration the way R does (``svyrecvar``'s
``postStrata``): the scores (weighted influence values) of an estimate are
replaced by

* GREG/generalised raking: the g-weighted residuals of the weighted regression of
  the variable on the calibration variables (``qr.resid(qr, x/w) * w``);
* iterative raking: ten rounds of "subtract the (re)weighted margin mean" over the
  margins of the last raking cycle (R's approximation),

and the design covariance of the adjusted scores is computed by
:class:`cyberbeeld.survey.variance.DesignStructure`.

Pure module: NumPy only, no Django.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
import scipy.linalg
import scipy.sparse

from cyberbeeld.common.errors import Invalid
from cyberbeeld.survey.replicate import ReplicateDesign
from cyberbeeld.survey.variance import DesignStructure

__all__ = [
    "Calibrated",
    "CalibratedEstimate",
    "CalibrationError",
    "GregAdjustment",
    "RakingAdjustment",
    "calibrate",
    "calibrate_replicates",
    "margin_codes",
    "margin_model_matrix",
    "margin_population_totals",
    "rake",
    "rake_benchmark",
    "rake_replicates",
    "trim_weights",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
CalFun = Literal["linear", "raking", "logit"]


class CalibrationError(Invalid):
    """Calibration is impossible (empty cell, mismatched totals) or failed to converge."""

    code = "calibration"


# --------------------------------------------------------------------------------------
# Adjustments of scores (R's design$postStrata)
# --------------------------------------------------------------------------------------


class ScoreAdjustment(Protocol):
    """Something that turns scores into calibration-adjusted scores."""

    def adjust(self, scores: FloatArray) -> FloatArray:  # pragma: no cover - protocol
        ...


@dataclass(frozen=True)
class GregAdjustment:
    """Residual projection stored by a GREG/generalised-raking calibration.

    R stores ``qr(X * sqrt(d) / sqrt(sigma2))`` and ``w = g * sqrt(d) * sqrt(sigma2)``;
    scores ``x`` become ``resid(x / w) * w``.

    Attributes
    ----------
    basis : numpy.ndarray, shape (n, r)
        Orthonormal basis of the column space of ``X * sqrt(d) / sqrt(sigma2)``.
    w : numpy.ndarray, shape (n,)
        ``g * sqrt(d) * sqrt(sigma2)``.
    """

    basis: FloatArray
    w: FloatArray

    def adjust(self, scores: FloatArray) -> FloatArray:
        """Return the g-weighted regression residuals of ``scores``."""
        v = scores / self.w[:, None]
        v = v - self.basis @ (self.basis.T @ v)
        return np.asarray(v * self.w[:, None], dtype=np.float64)


@dataclass(frozen=True)
class RakingAdjustment:
    """Margins of the last raking cycle, for R's iterative variance approximation.

    Attributes
    ----------
    codes : tuple of numpy.ndarray
        Integer category of every row, per margin.
    weights : tuple of numpy.ndarray
        The weights right after raking to that margin in the final cycle.
    rounds : int
        Number of rounds (R uses 10).
    """

    codes: tuple[IntArray, ...]
    weights: tuple[FloatArray, ...]
    rounds: int = 10

    def adjust(self, scores: FloatArray) -> FloatArray:
        """Subtract margin means repeatedly: ``x - psw * ave(x / psw, margin)``."""
        x = np.array(scores, dtype=np.float64, copy=True)
        counts = [np.bincount(c).astype(np.float64) for c in self.codes]
        for _ in range(self.rounds):
            for c, psw, cnt in zip(self.codes, self.weights, counts, strict=True):
                v = x / psw[:, None]
                for j in range(x.shape[1]):
                    means = np.bincount(c, weights=v[:, j], minlength=cnt.shape[0]) / np.where(
                        cnt > 0, cnt, 1.0
                    )
                    x[:, j] -= psw * means[c]
        return x


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibratedEstimate:
    """An estimate on calibrated weights and its design-based covariance.

    Attributes
    ----------
    estimate : numpy.ndarray, shape (k,)
    vcov : numpy.ndarray, shape (k, k)
    scores : numpy.ndarray, shape (n, k)
        Calibration-adjusted influence values (their design covariance is ``vcov``).
    """

    estimate: FloatArray
    vcov: FloatArray
    scores: FloatArray

    @property
    def se(self) -> FloatArray:
        """Standard errors."""
        return np.asarray(np.sqrt(np.diag(self.vcov)), dtype=np.float64)


def _as_2d(y: npt.ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"expected {n} rows, got shape {arr.shape}")
    return arr


def _mask(domain: npt.ArrayLike | None, n: int) -> FloatArray:
    if domain is None:
        return np.ones(n)
    m = np.asarray(domain, dtype=bool).ravel()
    if m.shape[0] != n:
        raise ValueError("domain mask has the wrong length")
    return m.astype(np.float64)


@dataclass(frozen=True)
class Calibrated:
    """Calibrated weights plus what the variance needs to account for the calibration.

    Attributes
    ----------
    weights : numpy.ndarray, shape (n,)
        The calibrated (final) weights.
    base_weights : numpy.ndarray, shape (n,)
        The weights before this calibration.
    adjustments : tuple
        Score adjustments in the order the calibrations were applied
        (R's ``design$postStrata``).
    converged : bool
    iterations : int
    """

    weights: FloatArray
    base_weights: FloatArray
    adjustments: tuple[ScoreAdjustment, ...] = field(default=())
    converged: bool = True
    iterations: int = 0

    @property
    def g(self) -> FloatArray:
        """g-weights: calibrated over base weights."""
        return np.asarray(self.weights / self.base_weights, dtype=np.float64)

    def adjust(self, scores: npt.ArrayLike) -> FloatArray:
        """Apply the stored calibration adjustments to ``scores`` (n × k)."""
        x = _as_2d(scores, self.weights.shape[0])
        for adj in self.adjustments:
            x = adj.adjust(x)
        return x

    def trimmed(self, *, lower: float = -np.inf, upper: float = np.inf, strict: bool = False) -> Calibrated:
        """Trim the calibrated weights (R ``trimWeights`` on a calibrated design).

        The stored adjustments are kept, as in R.
        """
        return replace(self, weights=trim_weights(self.weights, lower=lower, upper=upper, strict=strict))

    def total(
        self, y: npt.ArrayLike, structure: DesignStructure, *, domain: npt.ArrayLike | None = None
    ) -> CalibratedEstimate:
        """Calibrated total(s) of ``y`` with covariance (R ``svytotal`` on the calibrated design).

        Parameters
        ----------
        y : array_like, shape (n,) or (n, k)
        structure : DesignStructure
            Strata, clusters and fpc of the design (see :mod:`cyberbeeld.survey.variance`).
        domain : array_like of bool, optional
            Estimate for a subpopulation (R's ``subset()``/``svyby``: on a calibrated
            design all rows stay in the design with weight zero outside the domain).
        """
        x = _as_2d(y, self.weights.shape[0])
        wd = self.weights * _mask(domain, x.shape[0])
        est = wd @ x
        scores = self.adjust(x * wd[:, None])
        return CalibratedEstimate(est, structure.covariance(scores), scores)

    def mean(
        self, y: npt.ArrayLike, structure: DesignStructure, *, domain: npt.ArrayLike | None = None
    ) -> CalibratedEstimate:
        """Calibrated mean(s) of ``y`` with covariance (R ``svymean``)."""
        x = _as_2d(y, self.weights.shape[0])
        wd = self.weights * _mask(domain, x.shape[0])
        psum = wd.sum()
        est = (wd / psum) @ x
        scores = self.adjust((x - est) * (wd / psum)[:, None])
        return CalibratedEstimate(est, structure.covariance(scores), scores)

    def ratio(
        self,
        numerator: npt.ArrayLike,
        denominator: npt.ArrayLike,
        structure: DesignStructure,
        *,
        domain: npt.ArrayLike | None = None,
    ) -> CalibratedEstimate:
        """Ratio(s) of calibrated totals, linearised (R ``svyratio``)."""
        num = _as_2d(numerator, self.weights.shape[0])
        den = np.asarray(denominator, dtype=np.float64).ravel()
        wd = self.weights * _mask(domain, num.shape[0])
        tden = wd @ den
        est = (wd @ num) / tden
        lin = (num - den[:, None] * est) / tden
        scores = self.adjust(lin * wd[:, None])
        return CalibratedEstimate(est, structure.covariance(scores), scores)


# --------------------------------------------------------------------------------------
# Raking by iterative proportional fitting
# --------------------------------------------------------------------------------------


def _check_margin(codes: IntArray, total: FloatArray, n: int, i: int) -> None:
    if codes.shape != (n,):
        raise ValueError(f"margin {i}: expected {n} codes")
    if codes.size and (codes.min() < 0 or codes.max() >= total.shape[0]):
        raise ValueError(f"margin {i}: codes must be in 0..{total.shape[0] - 1}")


def _cell_key(codes: Sequence[IntArray], sizes: Sequence[int]) -> IntArray:
    key = np.zeros(codes[0].shape[0], dtype=np.int64)
    for c, k in zip(codes, sizes, strict=True):
        key = key * k + c
    _, inv = np.unique(key, return_inverse=True)
    return inv.ravel().astype(np.intp)


def rake(
    weights: npt.ArrayLike,
    margins: Sequence[npt.ArrayLike],
    totals: Sequence[npt.ArrayLike],
    *,
    epsilon: float = 1.0,
    maxit: int = 10,
    adjustments: Sequence[ScoreAdjustment] = (),
    require_convergence: bool = False,
) -> Calibrated:
    """Rake weights to known margins by iterative proportional fitting (R ``rake``).

    Parameters
    ----------
    weights : array_like, shape (n,)
        Starting (design) weights.
    margins : sequence of array_like of int, each shape (n,)
        Category code (``0..K_m - 1``) of every row for each margin. A margin that
        crosses variables (R's ``~sex + age`` margin) is a code of the crossing.
    totals : sequence of array_like
        Population count of every category, per margin (``K_m`` values).
    epsilon : float, default 1
        Convergence when the largest change of a cell of the cross-classification
        of all margins over one cycle is below ``epsilon``; values below 1 are
        relative to the sum of the starting weights (R's ``control$epsilon``).
    maxit : int, default 10
        Maximum number of cycles (R's ``control$maxit``).
    adjustments : sequence, optional
        Adjustments of earlier calibrations (kept in front, as R does).
    require_convergence : bool, default False
        Raise :class:`CalibrationError` instead of returning ``converged=False``.

    Returns
    -------
    Calibrated

    Raises
    ------
    CalibrationError
        A category has sampled units but population count zero or the reverse.
    """
    w0 = np.asarray(weights, dtype=np.float64).ravel()
    n = w0.shape[0]
    codes = [np.asarray(c).astype(np.intp).ravel() for c in margins]
    pops = [np.asarray(t, dtype=np.float64).ravel() for t in totals]
    if len(codes) != len(pops) or not codes:
        raise ValueError("margins and totals do not match")
    for i, (c, t) in enumerate(zip(codes, pops, strict=True)):
        _check_margin(c, t, n, i)
    eps = epsilon * w0.sum() if epsilon < 1 else epsilon
    cells = _cell_key(codes, [t.shape[0] for t in pops])
    ncell = int(cells.max()) + 1 if n else 0
    w = w0.copy()
    oldtable = np.bincount(cells, weights=w, minlength=ncell)
    psw: list[FloatArray] = []
    it = 0
    converged = False
    while it < maxit:
        psw = []
        for i, (c, pop) in enumerate(zip(codes, pops, strict=True)):
            sample = np.bincount(c, weights=w, minlength=pop.shape[0])
            samplezero = sample == 0
            popzero = pop == 0
            if np.any(popzero & ~samplezero):
                raise CalibrationError(f"margin {i}: categories in sample absent from population")
            if np.any(samplezero & ~popzero):
                raise CalibrationError(f"margin {i}: categories absent from sample")
            reweight = np.divide(pop, sample, out=np.ones_like(pop), where=~samplezero)
            w = w * reweight[c]
            psw.append(w)
        newtable = np.bincount(cells, weights=w, minlength=ncell)
        delta = float(np.max(np.abs(oldtable - newtable))) if ncell else 0.0
        if delta < eps:
            converged = True
            break
        oldtable = newtable
        it += 1
    if not converged and require_convergence:
        raise CalibrationError(f"raking did not converge after {it} iterations")
    adj = RakingAdjustment(tuple(codes), tuple(psw))
    return Calibrated(
        weights=w, base_weights=w0, adjustments=(*adjustments, adj), converged=converged, iterations=it
    )


def margin_codes(labels: npt.ArrayLike, population: Mapping[object, float]) -> tuple[IntArray, FloatArray]:
    """Integer codes and the totals vector for one margin given by labels.

    Parameters
    ----------
    labels : array_like, shape (n,)
        Category label of every row.
    population : mapping
        Population count per category label (every label in the sample must be present).

    Returns
    -------
    codes, totals
        Codes index ``totals``, which follows the order of ``population``.
    """
    keys = list(population)
    index = {k: i for i, k in enumerate(keys)}
    lab = np.asarray(labels)
    uniq, inv = np.unique(lab, return_inverse=True)
    try:
        map_ = np.array([index[u.item() if hasattr(u, "item") else u] for u in uniq], dtype=np.intp)
    except KeyError as exc:
        raise CalibrationError(f"category {exc.args[0]!r} is not in the population margin") from None
    return map_[inv.ravel()], np.array([float(population[k]) for k in keys])


def margin_model_matrix(margins: Sequence[npt.ArrayLike], n_levels: Sequence[int]) -> FloatArray:
    """Model matrix ``~ m1 + m2 + ...`` with treatment contrasts, as R's ``model.matrix``.

    Column 0 is the intercept; margin *m* contributes indicators of its levels
    ``1..K_m - 1`` (level 0 is the reference).
    """
    codes = [np.asarray(c).astype(np.intp).ravel() for c in margins]
    n = codes[0].shape[0]
    p = 1 + sum(k - 1 for k in n_levels)
    mm = np.zeros((n, p))
    mm[:, 0] = 1.0
    col = 1
    rows = np.arange(n)
    for c, k in zip(codes, n_levels, strict=True):
        sel = c > 0
        mm[rows[sel], col + c[sel] - 1] = 1.0
        col += k - 1
    return mm


def margin_population_totals(totals: Sequence[npt.ArrayLike]) -> FloatArray:
    """Population vector for :func:`margin_model_matrix`: ``N`` then levels ``1..K-1``.

    ``N`` is taken from the first margin.
    """
    parts = [np.asarray(t, dtype=np.float64).ravel() for t in totals]
    return np.concatenate([[parts[0].sum()], *[t[1:] for t in parts]])


# --------------------------------------------------------------------------------------
# Calibration (GREG and generalised raking)
# --------------------------------------------------------------------------------------


Bounds = tuple[float | FloatArray, float | FloatArray]


def _fm1_df(
    calfun: CalFun,
) -> tuple[Callable[[FloatArray, Bounds], FloatArray], Callable[[FloatArray, Bounds], FloatArray]]:
    if calfun == "linear":

        def fm1(u: FloatArray, b: Bounds) -> FloatArray:
            return np.minimum(np.maximum(u + 1, b[0]), b[1]) - 1

        def df(u: FloatArray, b: Bounds) -> FloatArray:
            return ((u < np.subtract(b[1], 1)) & (u > np.subtract(b[0], 1))).astype(np.float64)

        return fm1, df
    if calfun == "raking":

        def fm1(u: FloatArray, b: Bounds) -> FloatArray:
            return np.minimum(np.maximum(np.exp(u), b[0]), b[1]) - 1

        def df(u: FloatArray, b: Bounds) -> FloatArray:
            # R's cal.raking compares u (not exp(u)) with the bounds minus one.
            inside = (u < np.subtract(b[1], 1)) & (u > np.subtract(b[0], 1))
            return np.where(inside, np.exp(u), 0.0)

        return fm1, df
    if calfun == "logit":

        def fm1(u: FloatArray, b: Bounds) -> FloatArray:
            lo, up = b
            a = (up - lo) / ((up - 1) * (1 - lo))
            e = np.exp(a * u)
            return np.asarray((lo * (up - 1) + up * (1 - lo) * e) / (up - 1 + (1 - lo) * e) - 1)

        def df(u: FloatArray, b: Bounds) -> FloatArray:
            lo, up = b
            a = (up - lo) / ((up - 1) * (1 - lo))
            e = np.exp(a * u)
            den = up - 1 + (1 - lo) * e
            return np.asarray(
                up * (1 - lo) * e * a / den
                - ((lo * (up - 1) + up * (1 - lo) * e) * ((1 - lo) * e * a)) / den**2
            )

        return fm1, df
    raise ValueError(f"unknown calfun {calfun!r}")


def _orthonormal_basis(a: FloatArray) -> FloatArray:
    """Orthonormal basis of the column space of ``a`` (what R's ``qr.resid`` projects on).

    Uses Cholesky-QR applied twice (fast and accurate for tall, well-conditioned
    matrices such as indicator margins) and falls back to a rank-revealing SVD when
    the columns are (nearly) linearly dependent, like R's ``qr`` with tolerance 1e-7.
    """
    try:
        q = a
        for _ in range(2):
            chol = np.linalg.cholesky(q.T @ q)
            q = q @ scipy.linalg.solve_triangular(chol, np.eye(chol.shape[0]), lower=True).T
        diag = np.abs(np.diag(chol))
        if diag.size and np.all(np.isfinite(q)) and diag.min() > 0.5:
            return np.ascontiguousarray(q, dtype=np.float64)
    except np.linalg.LinAlgError:
        pass
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    keep = s > 1e-7 * (s.max() if s.size else 0.0)
    return np.asarray(u[:, keep], dtype=np.float64)


def calibrate(
    weights: npt.ArrayLike,
    x: npt.ArrayLike,
    population: npt.ArrayLike,
    *,
    calfun: CalFun = "linear",
    bounds: tuple[float | npt.ArrayLike, float | npt.ArrayLike] = (-np.inf, np.inf),
    bounds_const: bool = False,
    variance: npt.ArrayLike | None = None,
    maxit: int = 50,
    epsilon: float | npt.ArrayLike = 1e-7,
    trim: tuple[float, float] | None = None,
    force: bool = False,
    adjustments: Sequence[ScoreAdjustment] = (),
) -> Calibrated:
    """Calibrate weights to population totals of the columns of ``x`` (R ``calibrate``).

    Parameters
    ----------
    weights : array_like, shape (n,)
        Design weights ``d``.
    x : array_like, shape (n, p)
        Calibration variables (R's ``model.matrix(formula)``; see
        :func:`margin_model_matrix` for margins of categorical variables).
    population : array_like, shape (p,)
        Known population totals of the columns of ``x``.
    calfun : {"linear", "raking", "logit"}
        Distance function. ``"linear"`` without bounds and ``trim`` is GREG in closed
        form (R's ``regcalibrate``); otherwise Newton iterations as R's ``grake``.
    bounds : (lower, upper)
        Bounds on the g-weights (``calibrated / design`` weight); with
        ``bounds_const=True`` they bound the calibrated weights themselves.
    variance : array_like, optional
        Heteroscedasticity ``sigma2`` per row (length n) or coefficients (length p)
        with ``sigma2 = x @ variance`` (R's ``variance=``).
    maxit, epsilon :
        Newton iteration limit and convergence tolerance on
        ``|misfit| / (1 + |population|)``.
    trim : (lower, upper), optional
        Trim the g-weights afterwards and spread the trimmed weight over the
        untrimmed units proportionally to their design weights (R's ``trim=``).
    force : bool, default False
        Return the last iterate when Newton fails to converge instead of raising.
    adjustments : sequence, optional
        Adjustments of earlier calibrations (kept in front, as R does).

    Returns
    -------
    Calibrated
        ``weights = d * g``; variances use the g-weighted residuals of ``x``.

    Raises
    ------
    CalibrationError
        Totals of the wrong length, or no convergence (without ``force``).
    """
    ww = np.asarray(weights, dtype=np.float64).ravel()
    mm = np.asarray(x, dtype=np.float64)
    if mm.ndim == 1:
        mm = mm[:, None]
    n = ww.shape[0]
    if mm.shape[0] != n:
        raise ValueError("x and weights have different numbers of rows")
    pop = np.atleast_1d(np.asarray(population, dtype=np.float64))
    eps = np.broadcast_to(np.asarray(epsilon, dtype=np.float64), pop.shape).copy()
    lower = np.asarray(bounds[0], dtype=np.float64)
    upper = np.asarray(bounds[1], dtype=np.float64)
    if bounds_const:
        lower = np.where(ww > 0, lower / ww, lower)
        upper = np.where(ww > 0, upper / ww, upper)
    if variance is None:
        sigma2 = np.ones(n)
    else:
        var = np.asarray(variance, dtype=np.float64).ravel()
        sigma2 = var if var.shape[0] == n else mm @ var
    sample_total = ww @ mm
    if np.any(sample_total == 0):
        zz = (pop == 0) & np.all(mm == 0, axis=0)
        mm, pop, sample_total, eps = mm[:, ~zz], pop[~zz], sample_total[~zz], eps[~zz]
    if sample_total.shape[0] != pop.shape[0]:
        raise CalibrationError("population and sample totals are not the same length")
    whalf = np.sqrt(ww)
    unbounded = bool(np.all(np.isneginf(lower)) and np.all(np.isposinf(upper)))
    if calfun == "linear" and unbounded and trim is None:
        xs = mm * (whalf / np.sqrt(sigma2))[:, None]
        tmat = xs.T @ xs
        t_t = np.linalg.solve(tmat, pop - sample_total)
        g = 1 + (mm @ t_t) / sigma2
        adj = GregAdjustment(_orthonormal_basis(xs), g * whalf * np.sqrt(sigma2))
        return Calibrated(ww * g, ww, (*adjustments, adj), True, 1)
    basis = _orthonormal_basis(mm * whalf[:, None])
    g, failed, iters = _grake(mm, ww, calfun, (lower, upper), pop, eps, maxit, sigma2)
    if trim is not None:
        gnew = np.maximum(trim[0], np.minimum(g, trim[1]))
        outside = (g < trim[0]) | (g > trim[1])
        if outside.any():
            trimmings = (g - gnew) * ww
            gnew[~outside] += trimmings.sum() / ww[~outside].sum()
            g = gnew
            failed = None
    if failed is not None and not force:
        raise CalibrationError(f"calibration failed to converge (eps={failed:g})")
    adj = GregAdjustment(basis, g * whalf)
    return Calibrated(ww * g, ww, (*adjustments, adj), failed is None, iters)


def _grake(
    mm: FloatArray,
    ww: FloatArray,
    calfun: CalFun,
    bounds: tuple[FloatArray, FloatArray],
    population: FloatArray,
    epsilon: FloatArray,
    maxit: int,
    sigma2: FloatArray,
) -> tuple[FloatArray, float | None, int]:
    """R's ``grake``: Newton iterations for the calibration equations."""
    fm1, df = _fm1_df(calfun)
    if calfun == "logit" and not (np.all(np.isfinite(bounds[0])) and np.all(np.isfinite(bounds[1]))):
        raise CalibrationError("logit calibration requires finite bounds")
    b: Bounds = (bounds[0], bounds[1])
    sample_total = ww @ mm
    eta = np.zeros(mm.shape[1])
    xeta = (mm @ eta) / sigma2
    scales = population / sample_total
    scale: float | None = None
    if np.min(scales) > 20:
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
    rsig = np.sqrt(sigma2)
    mm_s = mm / rsig[:, None]
    deriv = df(xeta, b)
    it = 1
    failed: float | None = None
    while True:
        tmat = (mm_s * (ww * deriv)[:, None]).T @ mm_s
        misfit = population - sample_total - (ww * fm1(xeta, b)) @ mm
        deta = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        xeta = (mm @ eta) / sigma2
        g = 1 + fm1(xeta, b)
        deriv = df(xeta, b)
        while it < maxit and not (np.all(np.isfinite(g)) and np.all(np.isfinite(deriv))):
            it += 1
            deta = deta / 2
            eta = eta - deta
            xeta = (mm @ eta) / sigma2
            g = 1 + fm1(xeta, b)
            deriv = df(xeta, b)
        misfit = population - sample_total - (ww * fm1(xeta, b)) @ mm
        rel = np.abs(misfit) / (1 + np.abs(population))
        if np.all(rel < epsilon):
            break
        it += 1
        if it > maxit:
            failed = float(rel.max())
            break
    if scale is not None:
        g = g * scale
    return np.asarray(g, dtype=np.float64), failed, it


# --------------------------------------------------------------------------------------
# Calibration of replicate-weight designs
# --------------------------------------------------------------------------------------


def _trim_g(g: FloatArray, ww: FloatArray, trim: tuple[float, float]) -> tuple[FloatArray, bool]:
    outside = (g < trim[0]) | (g > trim[1])
    if not outside.any():
        return g, False
    gnew = np.maximum(trim[0], np.minimum(g, trim[1]))
    trimmings = (g - gnew) * ww
    gnew[~outside] += trimmings.sum() / ww[~outside].sum()
    return gnew, True


def calibrate_replicates(
    design: ReplicateDesign,
    x: npt.ArrayLike,
    population: npt.ArrayLike,
    *,
    calfun: CalFun = "linear",
    bounds: tuple[float | npt.ArrayLike, float | npt.ArrayLike] = (-np.inf, np.inf),
    variance: npt.ArrayLike | None = None,
    maxit: int = 50,
    epsilon: float | npt.ArrayLike = 1e-7,
    trim: tuple[float, float] | None = None,
    force: bool = False,
) -> ReplicateDesign:
    """Calibrate a replicate design: full-sample *and every replicate* weight column.

    R ``calibrate()`` on a ``svyrep.design``: each replicate column is calibrated to the
    same population totals, so replicate variances reflect the calibration. Arguments
    as :func:`calibrate` (R ignores ``bounds.const`` for replicate designs; so does this).

    Returns
    -------
    ReplicateDesign
        Same type and scales, calibrated weights and replicate weights.
    """
    ww = design.weights
    mm = np.asarray(x, dtype=np.float64)
    if mm.ndim == 1:
        mm = mm[:, None]
    n = ww.shape[0]
    if mm.shape[0] != n:
        raise ValueError("x and the design have different numbers of rows")
    pop = np.atleast_1d(np.asarray(population, dtype=np.float64))
    eps = np.broadcast_to(np.asarray(epsilon, dtype=np.float64), pop.shape).copy()
    lower = np.asarray(bounds[0], dtype=np.float64)
    upper = np.asarray(bounds[1], dtype=np.float64)
    if variance is None:
        sigma2 = np.ones(n)
    else:
        var = np.asarray(variance, dtype=np.float64).ravel()
        sigma2 = var if var.shape[0] == n else mm @ var
    sample_total = ww @ mm
    if np.any(sample_total == 0):
        zz = (pop == 0) & np.all(mm == 0, axis=0)
        mm, pop, sample_total, eps = mm[:, ~zz], pop[~zz], sample_total[~zz], eps[~zz]
    if sample_total.shape[0] != pop.shape[0]:
        raise CalibrationError("population and sample totals are not the same length")
    rw = design.repweights.copy()
    unbounded = bool(np.all(np.isneginf(lower)) and np.all(np.isposinf(upper)))
    if calfun == "linear" and unbounded:
        # R's regcalibrate for replicate designs (ignores trim, as R does)
        ms = mm / np.sqrt(sigma2)[:, None]
        gtotal = 1 + (mm @ np.linalg.solve((ms * ww[:, None]).T @ ms, pop - sample_total)) / sigma2
        for i in range(rw.shape[1]):
            wi = rw[:, i]
            tmat = (ms * wi[:, None]).T @ ms
            rw[:, i] = wi * (1 + (mm @ np.linalg.solve(tmat, pop - wi @ mm)) / sigma2)
        return replace(design, weights=ww * gtotal, repweights=rw)
    b = (lower, upper)
    gtotal, failed, _ = _grake(mm, ww, calfun, b, pop, eps, maxit, sigma2)
    if trim is not None:
        gtotal, trimmed = _trim_g(gtotal, ww, trim)
        if trimmed:
            failed = None
    if failed is not None and not force:
        raise CalibrationError(f"calibration failed to converge (eps={failed:g})")
    for i in range(rw.shape[1]):
        wi = rw[:, i]
        g, _, _ = _grake(mm, wi, calfun, b, pop, eps, maxit, sigma2)
        if trim is not None:
            g, _ = _trim_g(g, wi, trim)
        rw[:, i] = wi * g
    return replace(design, weights=ww * gtotal, repweights=rw)


def rake_replicates(
    design: ReplicateDesign,
    margins: Sequence[npt.ArrayLike],
    totals: Sequence[npt.ArrayLike],
    *,
    epsilon: float = 1.0,
    maxit: int = 10,
) -> ReplicateDesign:
    """Rake a replicate design: every replicate column is post-stratified alongside.

    R ``rake()`` on a ``svyrep.design``: in each cycle and for each margin, the
    full-sample weights and each replicate column are scaled to the margin totals;
    convergence is judged on the full-sample weights (see :func:`rake`).
    """
    w = design.weights.copy()
    n = w.shape[0]
    codes = [np.asarray(c).astype(np.intp).ravel() for c in margins]
    pops = [np.asarray(t, dtype=np.float64).ravel() for t in totals]
    if len(codes) != len(pops) or not codes:
        raise ValueError("margins and totals do not match")
    for i, (c, t) in enumerate(zip(codes, pops, strict=True)):
        _check_margin(c, t, n, i)
    eps = epsilon * w.sum() if epsilon < 1 else epsilon
    cells = _cell_key(codes, [t.shape[0] for t in pops])
    ncell = int(cells.max()) + 1 if n else 0
    indicators = [
        scipy.sparse.csr_matrix((np.ones(n), (c, np.arange(n))), shape=(t.shape[0], n))
        for c, t in zip(codes, pops, strict=True)
    ]
    rw = design.repweights.copy()
    oldtable = np.bincount(cells, weights=w, minlength=ncell)
    it = 0
    while it < maxit:
        for i, (c, pop, ind) in enumerate(zip(codes, pops, indicators, strict=True)):
            sample = np.bincount(c, weights=w, minlength=pop.shape[0])
            samplezero = sample == 0
            popzero = pop == 0
            if np.any(popzero & ~samplezero):
                raise CalibrationError(f"margin {i}: categories in sample absent from population")
            if np.any(samplezero & ~popzero):
                raise CalibrationError(f"margin {i}: categories absent from sample")
            w = w * np.divide(pop, sample, out=np.ones_like(pop), where=~samplezero)[c]
            rep_sample = np.asarray(ind @ rw)
            with np.errstate(divide="ignore", invalid="ignore"):
                rw = rw * (pop[:, None] / rep_sample)[c]
        newtable = np.bincount(cells, weights=w, minlength=ncell)
        if ncell == 0 or float(np.max(np.abs(oldtable - newtable))) < eps:
            break
        oldtable = newtable
        it += 1
    return replace(design, weights=w, repweights=rw)


# --------------------------------------------------------------------------------------
# Trimming
# --------------------------------------------------------------------------------------


def trim_weights(
    weights: npt.ArrayLike,
    *,
    lower: float = -np.inf,
    upper: float = np.inf,
    strict: bool = False,
    max_rounds: int = 1000,
) -> FloatArray:
    """Trim weights to ``[lower, upper]`` (R ``trimWeights``).

    The total trimmed amount is shared *equally* among the weights that were inside
    the bounds, so the sum of the weights is kept (when at least one weight is inside).
    That can push weights past a bound again; ``strict=True`` repeats until all
    weights are within the bounds.

    Parameters
    ----------
    weights : array_like, shape (n,)
    lower, upper : float
    strict : bool, default False
    max_rounds : int, default 1000
        Give up (``CalibrationError``) when strict trimming has not settled after this
        many rounds (R would recurse without end).

    Returns
    -------
    numpy.ndarray
    """
    pw = np.asarray(weights, dtype=np.float64).ravel().copy()
    # Strict trimming can oscillate at the last bit around a bound: allow a few ulps.
    finite = [abs(b) for b in (lower, upper) if np.isfinite(b)]
    tol = 16 * np.finfo(float).eps * max(finite, default=0.0) if strict else 0.0
    for _ in range(max_rounds):
        outside = (pw < lower - tol) | (pw > upper + tol)
        if not outside.any():
            return np.asarray(np.clip(pw, lower, upper), dtype=np.float64) if strict else pw
        new = np.maximum(lower, np.minimum(pw, upper))
        trimmings = pw - new
        inside = ~outside
        if inside.any():
            new[inside] += trimmings.sum() / np.count_nonzero(inside)
        pw = new
        if not strict:
            return pw
    raise CalibrationError(f"strict trimming did not settle in {max_rounds} rounds")


# --------------------------------------------------------------------------------------
# Benchmark entry point
# --------------------------------------------------------------------------------------


def rake_benchmark(
    n_rows: int = 2_000_000, *, n_age: int = 8, n_region: int = 12, seed: int = 0
) -> dict[str, float]:
    """Time raking and GREG calibration of ``n_rows`` rows to age×sex and region margins.

    Returns
    -------
    dict
        Seconds for ``rake`` (IPF to age×sex and region margins), ``calibrate_linear``
        (GREG to the same margins), ``calibrate_raking`` (Newton raking) and
        ``variance`` / ``variance_raked`` (a GREG / raked total with its
        stratified-cluster variance), plus
        the number of rows and the largest relative margin error after raking.
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(0, n_age, n_rows)
    sex = rng.integers(0, 2, n_rows)
    agesex = age * 2 + sex
    region = rng.integers(0, n_region, n_rows)
    w = rng.uniform(50, 150, n_rows)
    n_pop = float(w.sum()) * 1.05
    t_agesex = rng.dirichlet(np.full(2 * n_age, 20.0)) * n_pop
    t_region = rng.dirichlet(np.full(n_region, 20.0)) * n_pop
    y = rng.normal(10, 3, n_rows) + agesex * 0.1
    out: dict[str, float] = {"rows": float(n_rows)}
    t0 = time.perf_counter()
    raked = rake(w, [agesex, region], [t_agesex, t_region], epsilon=1e-9, maxit=50)
    out["rake"] = time.perf_counter() - t0
    err = np.abs(np.bincount(agesex, weights=raked.weights) - t_agesex) / t_agesex
    out["rake_max_rel_error"] = float(err.max())
    mm = margin_model_matrix([agesex, region], [2 * n_age, n_region])
    pop = margin_population_totals([t_agesex, t_region])
    t0 = time.perf_counter()
    lin = calibrate(w, mm, pop)
    out["calibrate_linear"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    calibrate(w, mm, pop, calfun="raking")
    out["calibrate_raking"] = time.perf_counter() - t0
    structure = DesignStructure.build(strata=region, psu=rng.integers(0, 500, n_rows), nest=True)
    t0 = time.perf_counter()
    lin.total(y, structure)
    out["variance"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    raked.total(y, structure)
    out["variance_raked"] = time.perf_counter() - t0
    return out
