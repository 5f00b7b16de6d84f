"""PPS sampling without replacement (R's ``svydesign(..., pps=)``).

Three variance estimators, as R's ``survey`` package has them:

- ``"brewer"``: Brewer's approximation, ``n/(n-1) sum (1 - pi_i) (x_i - xbar)^2`` per stratum over
  the PSU totals ``x`` (R's ``pps = "brewer"``: the per-PSU fpc of ``svyrecvar``);
- ``"overton"``: the Horvitz-Thompson form with Overton's approximation of the joint inclusion
  probabilities, ``pi_ij ~ pi_i pi_j (n - 1) / (n - (pi_i + pi_j)/2)`` (R's ``pps = "overton"``);
- ``"ht"``: Horvitz-Thompson with a given matrix of joint inclusion probabilities
  (R's ``pps = ppsmat(jointprob)``), ``sum_ij (1 - pi_i pi_j / pi_ij) x_i x_j``.

The selection probabilities are a column of the data (R's ``fpc = ~p``), the weights their
inverse.  Only single-stage designs, as R (except Brewer, which R also allows for more
stages; here one stage).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import DataSource
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.linearized import degrees_of_freedom, estimate_on_design
from cyberbeeld.survey.options import CIMethod
from cyberbeeld.survey.variance import DesignStructure

__all__ = ["PPS", "PPSModel", "svy_estimate"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
PPSMethod = Literal["brewer", "overton", "ht"]


@dataclass(frozen=True)
class PPS:
    """A PPS design without replacement.

    Parameters
    ----------
    probs : str
        Column of first-order inclusion probabilities of the PSUs (R's ``fpc = ~p``).
    method : {"brewer", "overton", "ht"}
        Variance estimator (see the module).
    ids : str, optional
        PSU column; without it every row is a PSU (R's ``id = ~1``).
    strata : str, optional
        Stratum column.
    joint : array_like, optional
        For ``"ht"``: the matrix of joint inclusion probabilities of the PSUs, in the order in
        which the PSUs first appear in the data (R's ``ppsmat(jointprob)``).
    tolerance : float
        For ``"ht"``: entries of ``1 - pi_i pi_j / pi_ij`` below this are zero (R's
        ``ppsmat(tolerance = 1e-4)``).
    """

    probs: str
    method: PPSMethod = "brewer"
    ids: str | None = None
    strata: str | None = None
    joint: Any = field(default=None, compare=False, repr=False)
    tolerance: float = 1e-4

    def __post_init__(self) -> None:
        if self.method not in ("brewer", "overton", "ht"):
            raise SurveyDesignError(f"unknown PPS method {self.method!r}; choose brewer, overton or ht")
        if (self.method == "ht") != (self.joint is not None):
            raise SurveyDesignError("method 'ht' needs the joint inclusion probabilities (and only it)")

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.probs, self.ids, self.strata) if c)

    def model(self, frame: pd.DataFrame) -> PPSModel:
        """The design on ``frame``."""
        p = pd.to_numeric(frame[self.probs], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~((p > 0) & (p <= 1))
        if bad.any():
            raise SurveyDesignError(
                "inclusion probability must be in (0, 1]", column=self.probs, row=int(np.argmax(bad))
            )
        brewer = Design(ids=(self.ids,) if self.ids else (), strata=self.strata, fpc=(self.probs,))
        structure = brewer.structure(frame)
        weights = 1.0 / p
        return PPSModel(self, structure, weights, p)


@dataclass
class PPSModel:
    """A PPS design on data."""

    design: PPS
    structure: DesignStructure
    weights: FloatArray
    probs: FloatArray
    #: R keeps the rows outside a domain of a PPS design (with weight zero).
    keeps_rows: bool = True

    def covariance(self, scores: FloatArray, domain: BoolArray | None) -> FloatArray:
        # R keeps the rows outside a domain of a PPS design (weight zero): scores there are zero.
        if self.design.method == "brewer":
            return self.structure.covariance(scores, domain=None)
        stage = self.structure.stages[0]
        x = stage.unit_totals(scores)  # PSU totals, PSUs in order of first appearance
        pi = np.zeros(stage.n_units_total)
        pi[stage.unit_of_row] = self.probs
        if self.design.method == "overton":
            return _overton(x, pi, stage.stratum_of_unit, stage.n_strata)
        joint = np.asarray(self.design.joint, dtype=np.float64)
        if joint.shape != (len(pi), len(pi)):
            raise SurveyDesignError(
                f"the joint probability matrix is {joint.shape[0]} × {joint.shape[1]}, "
                f"the sample has {len(pi)} PSUs"
            )
        d = np.diag(joint)
        with np.errstate(divide="ignore", invalid="ignore"):
            dcheck = (joint - np.outer(d, d)) / joint
        dcheck[np.abs(dcheck) < self.design.tolerance] = 0.0
        cov = x.T @ (dcheck @ x)
        return np.asarray(0.5 * (cov + cov.T), dtype=np.float64)

    def degf(self, domain: BoolArray | None) -> float:
        mask = self.weights != 0 if domain is None else domain
        return degrees_of_freedom(self.structure.psu_of_row, self.structure.stratum_of_row, mask)


def _overton(x: FloatArray, pi: FloatArray, stratum: npt.NDArray[np.intp], n_strata: int) -> FloatArray:
    """``x' D x`` with R's ``overton2Dcheck`` (vectorised over strata, no n × n matrix).

    ``D_ii = 1 - pi_i``; ``D_ij = ((pi_i + pi_j)/2 - 1) / (n_h - 1)`` in the same stratum.
    """
    k = x.shape[1]
    n_h = np.bincount(stratum, minlength=n_strata).astype(np.float64)
    cov = (x * (1.0 - pi)[:, None]).T @ x  # diagonal terms

    def by_stratum(values: FloatArray) -> FloatArray:
        out = np.zeros((n_strata, values.shape[1]))
        np.add.at(out, stratum, values)
        return out

    sx = by_stratum(x)  # sum x
    spx = by_stratum(x * pi[:, None])  # sum pi x
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(n_h > 1, 1.0 / (n_h - 1.0), 0.0)
    # sum over i != j of x_i x_j' ((pi_i + pi_j)/2 - 1)
    off = 0.5 * (spx.T @ (sx * scale[:, None]) + sx.T @ (spx * scale[:, None]))
    off -= sx.T @ (sx * scale[:, None])
    own = (x * (pi - 1.0)[:, None] * scale[stratum][:, None]).T @ x  # the i == j terms to remove
    cov = cov + off - own
    assert cov.shape == (k, k)
    return np.asarray(0.5 * (cov + cov.T), dtype=np.float64)


def svy_estimate(
    data: DataSource,
    design: PPS,
    requests: Sequence[Any],
    *,
    by: Sequence[str] | str | None = None,
    ci: CIMethod = "logit",
    level: float = 0.95,
    na_rm: bool = False,
) -> pd.DataFrame:
    """:func:`cyberbeeld.survey.estimators.estimate` on a PPS design."""
    return estimate_on_design(data, design, requests, by=by, ci=ci, level=level, na_rm=na_rm)
