"""Post-stratification (R's ``postStratify``) with its own variance.

The weights of every post-stratum are scaled to its known population count.  The variance is
that of R's ``svyrecvar`` with ``postStrata``: the scores are residualised on their
post-stratum means (weighted with the weights before post-stratification), which is not the
variance of a one-margin rake (R's ``rake`` centres on unweighted means of ``score / weight``).

>>> import pandas as pd
>>> from cyberbeeld.survey import Design, Request
>>> df = pd.DataFrame({"g": ["a", "a", "b", "b"], "w": [1.0, 1.0, 2.0, 2.0], "y": [1.0, 3.0, 2.0, 4.0]})
>>> ps = PostStratified(Design(weights="w"), ("g",), pd.DataFrame({"g": ["a", "b"], "Freq": [10.0, 10.0]}))
>>> float(svy_estimate(df, ps, [Request("mean", "y")])["estimate"].iloc[0])
2.5
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import DataSource
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.linearized import DesignModel, estimate_on_design
from cyberbeeld.survey.options import CIMethod

__all__ = ["PostStratified", "PostStratifiedModel", "svy_estimate"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _population_frame(
    population: pd.DataFrame | Mapping[Any, float], strata: tuple[str, ...]
) -> pd.DataFrame:
    """The population table as a data frame: the post-stratum columns and ``Freq``."""
    if isinstance(population, pd.DataFrame):
        missing = [c for c in strata if c not in population.columns]
        if missing:
            raise SurveyDesignError("population table lacks a post-stratum column", column=missing[0])
        extra = [c for c in population.columns if c not in strata]
        if len(extra) != 1:
            raise SurveyDesignError(
                "population table needs exactly one count column besides the post-stratum columns"
            )
        return population.rename(columns={extra[0]: "Freq"})[[*strata, "Freq"]]
    keys = list(population)
    rows = [k if isinstance(k, tuple) else (k,) for k in keys]
    frame = pd.DataFrame(rows, columns=list(strata))
    frame["Freq"] = [float(population[k]) for k in keys]
    return frame


@dataclass(frozen=True)
class PostStratified:
    """A design post-stratified to known population counts (R's ``postStratify``).

    Parameters
    ----------
    design : Design
        The design before post-stratification.
    strata : tuple of str
        Post-stratum columns (R's ``~stype`` or ``~stype + sch.wide``).  A string is split on
        commas.
    population : pandas.DataFrame or mapping
        Population counts: a data frame with the post-stratum columns and one count column (R's
        ``data.frame(stype=..., Freq=...)``), or a mapping from level (a tuple for several
        columns) to count.
    partial : bool
        Ignore population cells without sample rows (R's ``partial = TRUE``).
    """

    design: Design
    strata: tuple[str, ...]
    population: Any = field(compare=False)
    partial: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.strata, str):
            object.__setattr__(self, "strata", tuple(s.strip() for s in self.strata.split(",") if s.strip()))
        if not self.strata:
            raise SurveyDesignError("give at least one post-stratum column")

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.design.columns, *self.strata]))

    def model(self, frame: pd.DataFrame) -> PostStratifiedModel:
        """The post-stratified design on ``frame``."""
        base = DesignModel.build(self.design, frame)
        for col in self.strata:
            missing = frame[col].isna().to_numpy()
            if missing.any():
                raise SurveyDesignError("missing value", column=col, row=int(np.argmax(missing)))
        pop = _population_frame(self.population, self.strata)
        keys = frame[list(self.strata)].astype(str)
        pop_keys = pop[list(self.strata)].astype(str)
        grouped = keys.groupby(list(self.strata), sort=True)
        codes = grouped.ngroup().to_numpy()
        cell_frame = grouped.size().reset_index()[list(self.strata)]
        n_cells = len(cell_frame)
        sample_w = np.bincount(codes, weights=base.weights, minlength=n_cells)
        pop_counts = pop_keys.assign(Pop=pd.to_numeric(pop["Freq"], errors="coerce").to_numpy())
        merged = cell_frame.merge(pop_counts, on=list(self.strata), how="left")
        unknown = merged["Pop"].isna().to_numpy() | ~(merged["Pop"].fillna(0).to_numpy() > 0)
        if unknown.any():
            bad = int(np.argmax(unknown))
            label = ", ".join(f"{c}={merged[c].iloc[bad]}" for c in self.strata)
            row = int(np.argmax(codes == bad))
            raise SurveyDesignError(
                f"post-stratum {label} is in the sample but not in the population table",
                column=self.strata[0],
                row=row,
            )
        in_sample = pop_keys.merge(cell_frame.assign(__in=True), on=list(self.strata), how="left")
        absent = in_sample["__in"].isna().to_numpy() & (pop_counts["Pop"].to_numpy() > 0)
        if absent.any() and not self.partial:
            bad = int(np.argmax(absent))
            label = ", ".join(f"{c}={pop_keys[c].iloc[bad]}" for c in self.strata)
            raise SurveyDesignError(
                f"post-stratum {label} of the population has no sample rows (use partial=True to ignore it)",
                column=self.strata[0],
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            g = merged["Pop"].to_numpy(dtype=np.float64) / sample_w
        new_w = base.weights * g[codes]
        return PostStratifiedModel(base, new_w, base.weights, codes.astype(np.intp), n_cells)


@dataclass
class PostStratifiedModel:
    """A post-stratified design on data: new weights and R's residualised scores."""

    base: DesignModel
    weights: FloatArray
    old_weights: FloatArray
    cell: npt.NDArray[np.intp]
    n_cells: int
    #: R keeps the rows outside a domain of a calibrated design (with weight zero).
    keeps_rows: bool = True

    def adjust(self, scores: FloatArray) -> FloatArray:
        """R's ``svyrecvar`` post-stratum step: ``x - psw * mean_g(x oldw / psw)`` (oldw-weighted)."""
        psw = self.weights.copy()
        oldw = self.old_weights
        psw[(psw == 0) & (oldw == 0)] = 1.0
        out = np.empty_like(scores)
        den = np.bincount(self.cell, weights=oldw, minlength=self.n_cells)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(psw > 0, oldw / psw, 0.0)
            for j in range(scores.shape[1]):
                means = np.bincount(self.cell, weights=scores[:, j] * ratio, minlength=self.n_cells) / den
                out[:, j] = scores[:, j] - means[self.cell] * psw
        return out

    def covariance(self, scores: FloatArray, domain: BoolArray | None) -> FloatArray:
        # R keeps the rows outside a domain of a calibrated design (weight zero): every stratum
        # takes part, and the residualised scores outside the domain are not zero.
        return self.base.structure.covariance(scores, domain=None)

    def degf(self, domain: BoolArray | None) -> float:
        return self.base.degf(domain)


def svy_estimate(
    data: DataSource,
    design: PostStratified,
    requests: Sequence[Any],
    *,
    by: Sequence[str] | str | None = None,
    ci: CIMethod = "logit",
    level: float = 0.95,
    na_rm: bool = False,
) -> pd.DataFrame:
    """:func:`cyberbeeld.survey.estimators.estimate` on a post-stratified design."""
    return estimate_on_design(data, design, requests, by=by, ci=ci, level=level, na_rm=na_rm)
