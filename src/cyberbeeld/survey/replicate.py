"""Replicate-weight survey designs: JK1, JKn, bootstrap, BRR and Fay's BRR.

The conventions follow R's ``survey`` package (Lumley) so that results agree with
``svrepdesign()``, ``as.svrepdesign()``, ``svytotal()``, ``svymean()``, ``svyratio()``
and ``svyby()`` on replicate designs to rounding error:

* a design holds the full-sample weights ``w`` (length *n*) and the *combined*
  replicate weights ``W`` (an *n* × *R* matrix: replicate weight of unit *i* in
  replicate *r*, already multiplied by the sampling weight);
* a statistic ``theta`` computed with the full-sample weights is re-computed with
  every replicate column, giving ``theta_r``;
* its variance is ``scale * sum_r rscales[r] * (theta_r - c)(theta_r - c)^T``, where
  ``c`` is the mean of the replicates with ``rscales > 0`` (default) or the
  full-sample estimate (``mse=True``).

Domain (subpopulation) estimates drop the rows outside the domain, exactly as R's
``subset()`` of a replicate design does; for totals, means and ratios that is the
same as zeroing their weights.

This module is pure: NumPy only, no Django.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from cyberbeeld.survey.hadamard import r_hadamard

__all__ = [
    "ReplicateDesign",
    "ReplicateEstimate",
    "as_replicate_design",
    "brr_design",
    "jk1_design",
    "jkn_design",
    "rep_by",
    "rep_mean",
    "rep_proportion",
    "rep_ratio",
    "rep_total",
    "replicate_design",
    "replicate_variance",
    "sylvester_hadamard",
]

FloatArray = npt.NDArray[np.float64]
ReplicateType = Literal["JK1", "JKn", "bootstrap", "BRR", "Fay", "other"]
FpcType = Literal["population", "fraction", "correction"]
LonelyPSU = Literal["fail", "remove", "certainty", "average", "adjust"]


# --------------------------------------------------------------------------------------
# Variance from replicates
# --------------------------------------------------------------------------------------


def replicate_variance(
    replicates: npt.ArrayLike,
    estimate: npt.ArrayLike,
    *,
    scale: float,
    rscales: npt.ArrayLike,
    mse: bool = False,
) -> FloatArray:
    """Covariance matrix of a statistic from its replicate values (R's ``svrVar``).

    Parameters
    ----------
    replicates : array_like, shape (R,) or (R, k)
        The statistic re-computed with each replicate weight column.
    estimate : array_like, shape () or (k,)
        The full-sample estimate (used as the centre when ``mse=True``).
    scale : float
        Overall multiplier.
    rscales : array_like, shape (R,)
        Per-replicate multipliers.
    mse : bool, default False
        Centre on the full-sample estimate instead of the mean of the replicates.

    Returns
    -------
    numpy.ndarray, shape (k, k)
        ``scale * sum_r rscales[r] (theta_r - c)(theta_r - c)^T``.

    Notes
    -----
    Replicates with a non-finite value are dropped (R's default ``na.action``).
    """
    thetas = np.asarray(replicates, dtype=np.float64)
    if thetas.ndim == 1:
        thetas = thetas[:, None]
    rs = np.broadcast_to(np.asarray(rscales, dtype=np.float64), (thetas.shape[0],))
    est = np.atleast_1d(np.asarray(estimate, dtype=np.float64))
    ok = np.all(np.isfinite(thetas), axis=1)
    if not ok.all():
        if not ok.any():
            raise ValueError("all replicates gave non-finite results")
        thetas = thetas[ok]
        rs = rs[ok]
    centre = est if mse else thetas[rs > 0].mean(axis=0)
    dev = (thetas - centre) * np.sqrt(rs)[:, None]
    return np.asarray(dev.T @ dev * scale, dtype=np.float64)


# --------------------------------------------------------------------------------------
# The design
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicateDesign:
    """A replicate-weight design.

    Attributes
    ----------
    weights : numpy.ndarray, shape (n,)
        Full-sample (sampling) weights.
    repweights : numpy.ndarray, shape (n, R)
        Combined replicate weights (sampling weight times replicate adjustment).
    type : str
        ``"JK1"``, ``"JKn"``, ``"bootstrap"``, ``"BRR"``, ``"Fay"`` or ``"other"``.
    scale : float
        Overall variance multiplier.
    rscales : numpy.ndarray, shape (R,)
        Per-replicate variance multipliers.
    mse : bool
        Centre the replicates on the full-sample estimate.
    rho : float or None
        Fay's coefficient (``type="Fay"``).
    """

    weights: FloatArray
    repweights: FloatArray
    type: ReplicateType
    scale: float
    rscales: FloatArray
    mse: bool = False
    rho: float | None = None

    def __post_init__(self) -> None:
        if self.repweights.ndim != 2 or self.repweights.shape[0] != self.weights.shape[0]:
            raise ValueError("repweights must be an (n, R) matrix matching weights")
        if self.rscales.shape != (self.repweights.shape[1],):
            raise ValueError("rscales must have one value per replicate")

    @property
    def n(self) -> int:
        """Number of sampled units (rows)."""
        return int(self.weights.shape[0])

    @property
    def n_replicates(self) -> int:
        """Number of replicates *R*."""
        return int(self.repweights.shape[1])

    def subset(self, rows: npt.ArrayLike) -> ReplicateDesign:
        """Keep only some rows (boolean mask or integer index), as R's ``subset()``."""
        idx = np.asarray(rows)
        return ReplicateDesign(
            weights=self.weights[idx],
            repweights=self.repweights[idx],
            type=self.type,
            scale=self.scale,
            rscales=self.rscales,
            mse=self.mse,
            rho=self.rho,
        )

    def variance(self, replicates: npt.ArrayLike, estimate: npt.ArrayLike) -> FloatArray:
        """Covariance of a statistic from its replicates under this design's scales."""
        return replicate_variance(
            replicates, estimate, scale=self.scale, rscales=self.rscales, mse=self.mse
        )


@dataclass(frozen=True)
class ReplicateEstimate:
    """An estimate with its replicate-based covariance.

    Attributes
    ----------
    estimate : numpy.ndarray, shape (k,)
    vcov : numpy.ndarray, shape (k, k)
    replicates : numpy.ndarray, shape (R, k)
    labels : tuple
        Names of the *k* components (column labels, category levels, ...).
    """

    estimate: FloatArray
    vcov: FloatArray
    replicates: FloatArray
    labels: tuple[Hashable, ...] = ()

    @property
    def se(self) -> FloatArray:
        """Standard errors (square roots of the diagonal of ``vcov``)."""
        return np.asarray(np.sqrt(np.diag(self.vcov)), dtype=np.float64)


def _as_2d(y: npt.ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(y, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"expected {n} rows, got shape {arr.shape}")
    return arr


def replicate_design(
    weights: npt.ArrayLike,
    repweights: npt.ArrayLike,
    *,
    type: ReplicateType,
    combined_weights: bool = True,
    rho: float | None = None,
    scale: float | None = None,
    rscales: npt.ArrayLike | None = None,
    fpc: npt.ArrayLike | None = None,
    fpctype: Literal["fraction", "correction"] | None = None,
    mse: bool = False,
    bootstrap_average: float | None = None,
) -> ReplicateDesign:
    """Build a design from given replicate weights (R's ``svrepdesign``).

    Parameters
    ----------
    weights : array_like, shape (n,)
        Full-sample sampling weights.
    repweights : array_like, shape (n, R)
        Replicate weights.
    type : {"JK1", "JKn", "bootstrap", "BRR", "Fay", "other"}
        Replication method; fixes the defaults of ``scale`` and ``rscales``:
        BRR ``1/R``; Fay ``1/(R (1-rho)^2)``; bootstrap ``bootstrap_average/(R-1)``;
        JK1 ``(R-1)/R`` (when not given); JKn needs ``rscales``
        (or, with uncombined weights, guesses ``1/max`` of each column as R does).
    combined_weights : bool, default True
        Whether ``repweights`` already include the sampling weights. If False they
        are multiplied by ``weights``.
    rho : float, optional
        Fay's coefficient; required for ``type="Fay"``.
    scale, rscales : optional
        Override the variance multipliers (not for BRR/Fay, as in R).
    fpc : array_like, optional
        Per-replicate finite population correction, combined into ``rscales``
        (not for BRR, Fay or bootstrap).
    fpctype : {"fraction", "correction"}
        ``fpc`` is a sampling fraction *f* (multiplier ``1-f``) or the multiplier itself.
    mse : bool, default False
        Centre the variance on the full-sample estimate.
    bootstrap_average : float, optional
        For bootstrap weights that average several bootstrap samples.

    Returns
    -------
    ReplicateDesign
    """
    w = np.asarray(weights, dtype=np.float64).ravel()
    rw = np.asarray(repweights, dtype=np.float64)
    if rw.ndim == 1:
        rw = rw[:, None]
    if np.isnan(rw).any():
        raise ValueError("missing values not allowed in repweights")
    nrep = rw.shape[1]
    rs: FloatArray | None = None
    if rscales is not None:
        rs_in = np.atleast_1d(np.asarray(rscales, dtype=np.float64))
        if rs_in.shape[0] not in (1, nrep):
            raise ValueError(f"rscales has length {rs_in.shape[0]}, should be {nrep}")
        rs = np.broadcast_to(rs_in, (nrep,)).copy()
    if type == "Fay" and rho is None:
        raise ValueError("with type='Fay' you must supply rho")
    sc: float | None = scale
    if type == "BRR":
        sc = 1.0 / nrep
    elif type == "Fay":
        assert rho is not None
        sc = 1.0 / (nrep * (1.0 - rho) ** 2)
    elif type == "bootstrap":
        avg = 1.0 if bootstrap_average is None else bootstrap_average
        if sc is None:
            sc = avg / (nrep - 1)
    elif type == "JK1" and sc is None:
        sc = 1.0 / float(rw[:, 0].max()) if not combined_weights else (nrep - 1) / nrep
    elif type == "JKn" and rs is None:
        if combined_weights:
            raise ValueError("must provide rscales for combined JKn weights")
        rs = 1.0 / rw.max(axis=0)
    if rs is None:
        rs = np.ones(nrep)
    if fpc is not None:
        if type in ("BRR", "Fay"):
            raise ValueError("fpc not available for this type")
        if type == "bootstrap":
            raise ValueError("separate fpc not needed for bootstrap")
        if fpctype is None:
            raise ValueError("must specify fpctype")
        f = np.atleast_1d(np.asarray(fpc, dtype=np.float64))
        if f.shape[0] != nrep:
            raise ValueError("fpc is wrong length")
        if np.any(f > 1) or np.any(f < 0):
            raise ValueError("illegal fpc value")
        rs = rs * (f if fpctype == "correction" else 1.0 - f)
    if sc is None:
        sc = 1.0
    full = rw if combined_weights else rw * w[:, None]
    return ReplicateDesign(
        weights=w, repweights=np.ascontiguousarray(full), type=type, scale=float(sc),
        rscales=rs, mse=mse, rho=rho,
    )


# --------------------------------------------------------------------------------------
# Creating replicate weights from a design (R's as.svrepdesign)
# --------------------------------------------------------------------------------------


def _codes_in_order(values: npt.ArrayLike) -> tuple[npt.NDArray[np.intp], np.ndarray]:
    """Integer codes numbered by order of first appearance (as R's ``unique``)."""
    arr = np.asarray(values)
    uniq, first, inv = np.unique(arr, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[inv.ravel()], uniq[order]


def _nested_psu(
    n: int, strata: npt.ArrayLike | None, psu: npt.ArrayLike | None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Stratum and (stratum-nested) PSU codes, each in order of first appearance."""
    s = np.zeros(n, dtype=np.intp) if strata is None else _codes_in_order(strata)[0]
    if psu is None:
        p = np.arange(n, dtype=np.intp)
    else:
        pc = _codes_in_order(psu)[0]
        p = _codes_in_order(s.astype(np.int64) * (int(pc.max()) + 1) + pc)[0]
    return s, p


def _fpc_factor(
    fpc: float | None, n_psu: int, fpctype: FpcType
) -> float:
    if fpc is None:
        return 1.0
    if fpc < 0:
        raise ValueError("negative finite population correction")
    if fpctype == "population":
        if fpc < n_psu:
            raise ValueError("population size smaller than sample size")
        return (fpc - n_psu) / fpc
    if fpctype == "fraction":
        return 1.0 - fpc
    return fpc


def _per_stratum_fpc(
    fpc: npt.ArrayLike | None, s: npt.NDArray[np.intp], nstrat: int
) -> list[float | None]:
    if fpc is None:
        return [None] * nstrat
    f = np.atleast_1d(np.asarray(fpc, dtype=np.float64))
    if f.shape[0] == 1:
        return [float(f[0])] * nstrat
    if f.shape[0] == s.shape[0]:
        first = np.full(nstrat, -1, dtype=np.intp)
        for i in range(s.shape[0] - 1, -1, -1):
            first[s[i]] = i
        out: list[float | None] = []
        for h in range(nstrat):
            vals = np.unique(f[s == h])
            if vals.size > 1:
                raise ValueError("more than one fpc value in a stratum")
            out.append(float(f[first[h]]))
        return out
    if f.shape[0] == nstrat:
        return [float(v) for v in f]
    raise ValueError("fpc must have length 1, the number of strata, or n")


def jk1_design(
    weights: npt.ArrayLike,
    psu: npt.ArrayLike | None = None,
    *,
    fpc: float | npt.ArrayLike | None = None,
    fpctype: FpcType = "population",
    mse: bool = False,
) -> ReplicateDesign:
    """Delete-one-PSU jackknife for an unstratified design (R ``as.svrepdesign(type="JK1")``).

    Parameters
    ----------
    weights : array_like, shape (n,)
        Sampling weights.
    psu : array_like, shape (n,), optional
        PSU identifiers (each row its own PSU when omitted).
    fpc : float or array_like, optional
        Population size (``fpctype="population"``, the number of PSUs in the
        population), sampling fraction or correction; a per-row array must be constant.
    fpctype : {"population", "fraction", "correction"}
    mse : bool, default False

    Returns
    -------
    ReplicateDesign
        Replicate *j* drops PSU *j* (weight 0) and multiplies the others by
        ``n/(n-1)``; ``scale = (1-f)(n-1)/n``.
    """
    w = np.asarray(weights, dtype=np.float64).ravel()
    _, p = _nested_psu(w.shape[0], None, psu)
    n_psu = int(p.max()) + 1
    fval: float | None = None
    if fpc is not None:
        vals = np.unique(np.atleast_1d(np.asarray(fpc, dtype=np.float64)))
        if vals.size > 1:
            raise ValueError("more than one fpc value given")
        fval = float(vals[0])
    factor = _fpc_factor(fval, n_psu, fpctype)
    mult = np.full((n_psu, n_psu), n_psu / (n_psu - 1))
    np.fill_diagonal(mult, 0.0)
    rep = mult[p] * w[:, None]
    return ReplicateDesign(
        weights=w, repweights=rep, type="JK1", scale=factor * (n_psu - 1) / n_psu,
        rscales=np.ones(n_psu), mse=mse,
    )


def jkn_design(
    weights: npt.ArrayLike,
    strata: npt.ArrayLike,
    psu: npt.ArrayLike | None = None,
    *,
    fpc: npt.ArrayLike | None = None,
    fpctype: FpcType = "population",
    lonely_psu: LonelyPSU = "fail",
    mse: bool = False,
) -> ReplicateDesign:
    """Stratified delete-one-PSU jackknife (R ``as.svrepdesign(type="JKn")``).

    Parameters
    ----------
    weights : array_like, shape (n,)
    strata : array_like, shape (n,)
    psu : array_like, shape (n,), optional
        PSU identifiers, nested within strata (each row its own PSU when omitted).
    fpc : array_like, optional
        Per row (constant within stratum), per stratum (in order of first
        appearance) or a scalar; interpreted by ``fpctype``.
    fpctype : {"population", "fraction", "correction"}
    lonely_psu : {"fail", "remove", "certainty", "average", "adjust"}
        Treatment of strata with a single PSU, as R's ``jknweights``.
    mse : bool, default False

    Returns
    -------
    ReplicateDesign
        One replicate per PSU; within its stratum *h* the other PSUs get
        ``n_h/(n_h-1)``; ``rscales = (1-f_h)(n_h-1)/n_h``; ``scale = 1``.
    """
    w = np.asarray(weights, dtype=np.float64).ravel()
    n = w.shape[0]
    s, p = _nested_psu(n, strata, psu)
    nstrat = int(s.max()) + 1
    n_psu = int(p.max()) + 1
    psu_stratum = np.empty(n_psu, dtype=np.intp)
    psu_stratum[p] = s
    fpcs = _per_stratum_fpc(fpc, s, nstrat)
    mult = np.ones((n_psu, n_psu))
    rscales = np.zeros(n_psu)
    counter = 0
    for h in range(nstrat):
        members = np.flatnonzero(psu_stratum == h)
        nh = members.size
        factor = _fpc_factor(fpcs[h], nh, fpctype)
        if nh == 1 and factor != 0:
            if lonely_psu == "fail":
                raise ValueError(f"stratum {h} has only one PSU")
            if lonely_psu in ("remove", "certainty", "average"):
                continue
            mult[:, counter] = np.where(psu_stratum == h, 0.0, nstrat / (nstrat - 1))
            rscales[counter] = (nstrat - 1) / nstrat
            counter += 1
            continue
        block = np.full((nh, nh), nh / (nh - 1) if nh > 1 else 1.0)
        np.fill_diagonal(block, 0.0)
        mult[np.ix_(members, counter + np.arange(nh))] = block
        rscales[counter : counter + nh] = factor * (nh - 1) / nh
        counter += nh
    if counter == 0:
        raise ValueError("all strata were exhaustively sampled")
    scale = 1.0
    if counter < n_psu:
        mult = mult[:, :counter]
        rscales = rscales[:counter]
        if lonely_psu == "average":
            scale = n_psu / counter
    return ReplicateDesign(
        weights=w, repweights=mult[p] * w[:, None], type="JKn", scale=scale,
        rscales=rscales, mse=mse,
    )


def sylvester_hadamard(min_order: int) -> npt.NDArray[np.int64]:
    """Sylvester Hadamard matrix of the smallest power-of-two order >= ``min_order``.

    R's ``survey:::hadamard()`` picks from a library of matrices (often of smaller
    order); :func:`brr_design` uses that one (:func:`~cyberbeeld.survey.hadamard.r_hadamard`)
    by default.  For linear statistics any Hadamard matrix gives the same BRR variance.
    """
    h = np.array([[1]], dtype=np.int64)
    while h.shape[0] < min_order:
        h = np.block([[h, h], [h, -h]])
    return h


def brr_design(
    weights: npt.ArrayLike,
    strata: npt.ArrayLike,
    psu: npt.ArrayLike,
    hadamard: npt.ArrayLike | None = None,
    *,
    fay_rho: float = 0.0,
    mse: bool = False,
) -> ReplicateDesign:
    """Balanced repeated replication for two PSUs per stratum, given a Hadamard matrix.

    Mirrors R's ``as.svrepdesign(design, type="BRR" | "Fay", hadamard.matrix=H,
    fay.rho=rho)``: strata are taken in sorted order of their string labels, the
    first PSU (in order of appearance) of each stratum is "PSU 1"; stratum *k* uses
    row *k+1* of ``H`` (row 1 is skipped), and column *r* gives replicate *r*:
    where ``H[k+1, r]`` equals the first distinct value of ``H`` (column-major) the
    first PSU gets weight ``rho`` and the second ``2 - rho``, otherwise the reverse.

    Parameters
    ----------
    weights : array_like, shape (n,)
    strata, psu : array_like, shape (n,)
        Exactly two PSUs per stratum.
    hadamard : array_like, shape (m, m), optional
        Hadamard matrix (two distinct values) with ``m >= n_strata + 1``, read as R reads
        ``hadamard.matrix``.  Default: R's own default, ``survey:::hadamard(n_strata)``
        (:func:`~cyberbeeld.survey.hadamard.r_hadamard`), so that the half-samples -- and
        nonlinear statistics such as ratios -- are R's.
    fay_rho : float, default 0
        Fay's coefficient; 0 gives plain BRR.
    mse : bool, default False

    Returns
    -------
    ReplicateDesign
        ``m`` replicates; ``scale = 1/(m (1-rho)^2)``.
    """
    w = np.asarray(weights, dtype=np.float64).ravel()
    n = w.shape[0]
    st = np.asarray(strata).astype(str)
    _, p = _nested_psu(n, st, psu)
    n_psu = int(p.max()) + 1
    first_row = np.full(n_psu, n, dtype=np.intp)
    np.minimum.at(first_row, p, np.arange(n))
    labels = sorted(set(st.tolist()))
    k_of = {lab: k for k, lab in enumerate(labels)}
    psu_k = np.array([k_of[st[first_row[j]]] for j in range(n_psu)])
    counts = np.bincount(psu_k, minlength=len(labels))
    if np.any(counts != 2):
        raise ValueError("BRR needs exactly two PSUs in every stratum")
    # first PSU of each stratum (in order of appearance) is "PSU 1"
    is_first = np.zeros(n_psu, dtype=bool)
    seen: set[int] = set()
    for j in np.argsort(first_row, kind="stable"):
        if psu_k[j] not in seen:
            is_first[j] = True
            seen.add(int(psu_k[j]))
    if hadamard is None:
        # R's default: survey:::hadamard(n) used as it is (1 -> second column), no relabelling
        hm = r_hadamard(len(labels))
        h01 = hm.astype(np.intp)
    else:
        hm = np.asarray(hadamard)
        if hm.ndim != 2 or hm.shape[0] < len(labels) + 1:
            raise ValueError("hadamard must be a matrix with at least n_strata + 1 rows")
        values = list(dict.fromkeys(hm.ravel(order="F").tolist()))
        if len(values) != 2:
            raise ValueError("hadamard must have exactly two distinct values")
        # R: H <- ifelse(hadamard.matrix == values[1], 0, 1)
        h01 = (hm != values[0]).astype(np.intp)
        h01c = 2 * h01 - 1
        if not np.array_equal(h01c.T @ h01c, hm.shape[0] * np.eye(hm.shape[1], dtype=np.intp)):
            raise ValueError("hadamard is not a Hadamard matrix")
    sel = h01[1 + psu_k]  # (n_psu, m): 0 -> column 1, 1 -> column 2
    # column 1: first PSU 0, second 1; column 2: first 1, second 0
    wa = np.where(sel == 0, np.where(is_first[:, None], 0.0, 1.0), np.where(is_first[:, None], 1.0, 0.0))
    mult = wa * (2.0 - fay_rho) + (1.0 - wa) * fay_rho
    nrep = hm.shape[1]
    return ReplicateDesign(
        weights=w, repweights=mult[p] * w[:, None], type="BRR" if fay_rho == 0 else "Fay",
        scale=1.0 / (nrep * (1.0 - fay_rho) ** 2), rscales=np.ones(nrep), mse=mse,
        rho=fay_rho,
    )


def as_replicate_design(
    weights: npt.ArrayLike,
    *,
    type: Literal["auto", "JK1", "JKn", "BRR", "Fay"] = "auto",
    strata: npt.ArrayLike | None = None,
    psu: npt.ArrayLike | None = None,
    fpc: npt.ArrayLike | None = None,
    fpctype: FpcType = "population",
    hadamard: npt.ArrayLike | None = None,
    fay_rho: float = 0.0,
    mse: bool = False,
) -> ReplicateDesign:
    """Replicate weights for a (stratified) cluster design, like R's ``as.svrepdesign``.

    ``type="auto"`` picks JK1 without strata and JKn with strata. BRR/Fay use the
    given Hadamard matrix (default R's ``survey:::hadamard``, as ``as.svrepdesign``). The finite population correction (population PSU counts per
    row, as R's ``design$fpc$popsize``) is used by the jackknives and dropped for BRR.
    """
    if type == "auto":
        type = "JK1" if strata is None else "JKn"
    if type == "JK1":
        if strata is not None:
            raise ValueError("can't use JK1 for a stratified design")
        return jk1_design(weights, psu, fpc=fpc, fpctype=fpctype, mse=mse)
    if strata is None:
        raise ValueError("must use JK1 for an unstratified design")
    if type == "JKn":
        return jkn_design(weights, strata, psu, fpc=fpc, fpctype=fpctype, mse=mse)
    if psu is None:
        psu = np.arange(np.asarray(weights).shape[0])
    rho = fay_rho if type == "Fay" else 0.0
    return brr_design(weights, strata, psu, hadamard, fay_rho=rho, mse=mse)


# --------------------------------------------------------------------------------------
# Estimators
# --------------------------------------------------------------------------------------


def _domain_design(design: ReplicateDesign, domain: npt.ArrayLike | None) -> ReplicateDesign:
    if domain is None:
        return design
    mask = np.asarray(domain, dtype=bool).ravel()
    if mask.shape[0] != design.n:
        raise ValueError("domain mask has the wrong length")
    return design.subset(mask)


def _subset_rows(y: FloatArray, domain: npt.ArrayLike | None) -> FloatArray:
    if domain is None:
        return y
    return np.asarray(y[np.asarray(domain, dtype=bool).ravel()], dtype=np.float64)


def rep_total(
    design: ReplicateDesign, y: npt.ArrayLike, *, domain: npt.ArrayLike | None = None
) -> ReplicateEstimate:
    """Weighted total(s) with replicate covariance (R ``svytotal`` on a replicate design).

    Parameters
    ----------
    design : ReplicateDesign
    y : array_like, shape (n,) or (n, k)
        No missing values.
    domain : array_like of bool, shape (n,), optional
        Estimate for this subpopulation only.

    Returns
    -------
    ReplicateEstimate
    """
    x = _subset_rows(_as_2d(y, design.n), domain)
    d = _domain_design(design, domain)
    est = d.weights @ x
    reps = d.repweights.T @ x
    return ReplicateEstimate(est, d.variance(reps, est), reps)


def rep_mean(
    design: ReplicateDesign, y: npt.ArrayLike, *, domain: npt.ArrayLike | None = None
) -> ReplicateEstimate:
    """Weighted mean(s) with replicate covariance (R ``svymean`` on a replicate design)."""
    x = _subset_rows(_as_2d(y, design.n), domain)
    d = _domain_design(design, domain)
    est = (d.weights @ x) / d.weights.sum()
    reps = (d.repweights.T @ x) / d.repweights.sum(axis=0)[:, None]
    return ReplicateEstimate(est, d.variance(reps, est), reps)


def rep_ratio(
    design: ReplicateDesign,
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    *,
    domain: npt.ArrayLike | None = None,
) -> ReplicateEstimate:
    """Ratio(s) of totals with replicate variance (R ``svyratio`` on a replicate design).

    Parameters
    ----------
    numerator : array_like, shape (n,) or (n, k)
    denominator : array_like, shape (n,)
        One denominator variable.

    Returns
    -------
    ReplicateEstimate
        ``vcov`` is the full covariance of the *k* ratios (R's ``covmat=TRUE``).
    """
    num = _subset_rows(_as_2d(numerator, design.n), domain)
    den = _subset_rows(_as_2d(denominator, design.n), domain)
    if den.shape[1] != 1:
        raise ValueError("one denominator variable expected")
    d = _domain_design(design, domain)
    est = (d.weights @ num) / (d.weights @ den)
    reps = (d.repweights.T @ num) / (d.repweights.T @ den)
    return ReplicateEstimate(est, d.variance(reps, est), reps)


def _indicators(categories: npt.ArrayLike) -> tuple[FloatArray, tuple[Hashable, ...]]:
    cats = np.asarray(categories)
    levels, inv = np.unique(cats, return_inverse=True)
    ind = np.zeros((cats.shape[0], levels.shape[0]))
    ind[np.arange(cats.shape[0]), inv.ravel()] = 1.0
    return ind, tuple(levels.tolist())


def rep_proportion(
    design: ReplicateDesign, categories: npt.ArrayLike, *, domain: npt.ArrayLike | None = None
) -> ReplicateEstimate:
    """Proportion in each category (R ``svymean(~factor(x))``), levels sorted.

    Returns
    -------
    ReplicateEstimate
        ``labels`` holds the category levels (sorted, all levels seen in the
        full sample, also those absent from the domain).
    """
    ind, levels = _indicators(categories)
    res = rep_mean(design, ind, domain=domain)
    return ReplicateEstimate(res.estimate, res.vcov, res.replicates, levels)


def rep_by(
    design: ReplicateDesign,
    y: npt.ArrayLike,
    by: npt.ArrayLike,
    *,
    statistic: Literal["total", "mean", "ratio", "proportion"] = "mean",
    denominator: npt.ArrayLike | None = None,
) -> dict[Hashable, ReplicateEstimate]:
    """Estimates for every domain defined by ``by`` (R ``svyby`` on a replicate design).

    Parameters
    ----------
    design : ReplicateDesign
    y : array_like, shape (n,) or (n, k)
    by : array_like, shape (n,)
        Domain labels; results are returned in sorted order of the labels.
    statistic : {"total", "mean", "ratio", "proportion"}
        ``"proportion"``: ``y`` holds category labels; proportions of every level
        (of the full sample) within each domain.
    denominator : array_like, optional
        Needed for ``statistic="ratio"``.

    Returns
    -------
    dict
        Domain label -> :class:`ReplicateEstimate`.
    """
    labels = np.asarray(by)
    out: dict[Hashable, ReplicateEstimate] = {}
    for level in np.unique(labels).tolist():
        mask = labels == level
        if statistic == "total":
            out[level] = rep_total(design, y, domain=mask)
        elif statistic == "mean":
            out[level] = rep_mean(design, y, domain=mask)
        elif statistic == "proportion":
            out[level] = rep_proportion(design, y, domain=mask)
        else:
            if denominator is None:
                raise ValueError("ratio needs a denominator")
            out[level] = rep_ratio(design, y, denominator, domain=mask)
    return out
