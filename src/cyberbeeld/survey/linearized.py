"""Estimates whose variance is formed in NumPy from per-row scores (linearisation).

The DuckDB/Spark engine (:mod:`cyberbeeld.survey.estimators`) reduces the data to moments per
stratum and PSU in the database.  Some designs need the per-row scores themselves: after
post-stratification the scores are residualised within post-strata (R's ``svyrecvar`` with
``postStrata``), PPS designs without replacement use a quadratic form in the PSU totals (R's
``ppsvar``), and ``svyglm`` sandwiches its estimating functions.  Those designs describe
themselves by a :class:`ScoreModel`; :func:`estimate_linearized` makes the same tidy table as
:func:`cyberbeeld.survey.estimators.estimate` from it.

Everything here is vectorised NumPy over rows: one pass per domain and request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import DataSource, column_names, open_session
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.options import CIMethod
from cyberbeeld.survey.variance import DesignStructure

__all__ = ["DesignModel", "ScoreModel", "degrees_of_freedom", "estimate_linearized", "load_frame"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
RESULT_COLUMNS = ["variable", "statistic", "estimate", "se", "ci_low", "ci_high", "deff", "cv", "n", "df"]


class ScoreModel(Protocol):
    """A design applied to data: final weights, and the covariance of score totals."""

    weights: FloatArray

    def covariance(self, scores: FloatArray, domain: BoolArray | None) -> FloatArray:
        """Covariance (k × k) of the totals of ``scores`` (n × k, zero outside ``domain``)."""
        ...

    def degf(self, domain: BoolArray | None) -> float:
        """Design degrees of freedom of the rows in ``domain`` (R's ``degf`` of the subset)."""
        ...


def degrees_of_freedom(psu: npt.ArrayLike, strata: npt.ArrayLike, domain: BoolArray | None) -> float:
    """R's ``degf``: PSUs with a non-zero weight minus strata with a non-zero weight."""
    p = np.asarray(psu)
    s = np.asarray(strata)
    if domain is not None:
        p, s = p[domain], s[domain]
    return float(len(pd.unique(p)) - len(pd.unique(s)))


@dataclass
class DesignModel:
    """A :class:`~cyberbeeld.survey.design.Design` on a data frame (R's ``svydesign``).

    Domains follow R's ``subset()``: scores outside are zero and only strata with rows in the
    domain take part in the lonely-PSU rules.
    """

    structure: DesignStructure
    weights: FloatArray

    @classmethod
    def build(cls, design: Design, frame: pd.DataFrame) -> DesignModel:
        structure = design.structure(frame)
        return cls(structure, design.weight_values(frame, structure))

    def covariance(self, scores: FloatArray, domain: BoolArray | None) -> FloatArray:
        return self.structure.covariance(scores, domain=domain)

    def degf(self, domain: BoolArray | None) -> float:
        mask = self.weights != 0 if domain is None else domain & (self.weights != 0)
        return degrees_of_freedom(self.structure.psu_of_row, self.structure.stratum_of_row, mask)


def load_frame(data: DataSource, columns: Sequence[str]) -> pd.DataFrame:
    """The named columns of ``data`` as a pandas data frame (in the user's column names)."""
    cols = list(dict.fromkeys(c for c in columns if c))
    if isinstance(data, pd.DataFrame):
        for c in cols:
            if c not in data.columns:
                raise SurveyDesignError("column not found in the data", column=c)
        return data[cols].reset_index(drop=True)
    with open_session(data, "duckdb", single_pass=True) as session:
        names = column_names(session)
        t = session.table
        schema = t.schema()
        for c in cols:
            if names.get(c, c) not in schema:
                raise SurveyDesignError("column not found in the data", column=c)
        frame = session.execute(t.select(**{c: t[names.get(c, c)] for c in cols}))
    return frame.reset_index(drop=True)


def _numeric(frame: pd.DataFrame, column: str) -> FloatArray:
    series = frame[column]
    if series.dtype == bool:
        return np.asarray(series.to_numpy(dtype=np.float64), dtype=np.float64)
    converted = pd.to_numeric(series, errors="coerce")
    bad = (converted.isna() & series.notna()).to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise SurveyDesignError(f"non-numeric value {series.iloc[row]!r}", column=column, row=row)
    return np.asarray(converted.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def _present(values: FloatArray, column: str, na_rm: bool) -> BoolArray:
    """Rows with a value; without ``na_rm`` a missing value is an error."""
    missing = np.isnan(values)
    if missing.any() and not na_rm:
        raise SurveyDesignError(
            "missing value (use na_rm=True to leave such rows out, as R's na.rm = TRUE)",
            column=column,
            row=int(np.argmax(missing)),
        )
    return ~missing


def _domains(frame: pd.DataFrame, by_cols: list[str]) -> tuple[pd.DataFrame, list[BoolArray]]:
    """The domains in sorted order, without those with a missing ``by`` value (as svyby)."""
    if not by_cols:
        return pd.DataFrame(index=[0]), [np.ones(len(frame), dtype=bool)]
    keys = frame[by_cols]
    complete = keys.notna().all(axis=1).to_numpy()
    levels = keys[complete].drop_duplicates().sort_values(by_cols).reset_index(drop=True)
    codes = np.full(len(frame), -1, dtype=np.intp)
    if len(levels):
        lookup = levels.assign(__code=np.arange(len(levels)))
        merged = keys[complete].merge(lookup, on=by_cols, how="left")
        codes[complete] = merged["__code"].to_numpy()
    return levels, [codes == i for i in range(len(levels))]


def estimate_on_design(
    data: DataSource,
    design: Any,
    requests: Sequence[Any],
    *,
    by: Sequence[str] | str | None = None,
    ci: CIMethod = "logit",
    level: float = 0.95,
    na_rm: bool = False,
) -> pd.DataFrame:
    """:func:`cyberbeeld.survey.estimators.estimate` on a design that builds a :class:`ScoreModel` from its rows
    (``design.columns``, ``design.model(frame)``; a model may carry an ``adjust`` step, e.g. post-strata)."""
    by_cols = [by] if isinstance(by, str) else list(by or [])
    analysis = [c for r in requests for c in (r.variable, r.denominator) if c]
    frame = load_frame(data, [*design.columns, *analysis, *by_cols])
    model = design.model(frame)
    return estimate_linearized(frame, model, requests, by=by_cols, ci=ci, level=level, na_rm=na_rm,
                               adjust=getattr(model, "adjust", None))


def estimate_linearized(
    frame: pd.DataFrame,
    model: ScoreModel,
    requests: Sequence[Any],
    *,
    by: Sequence[str] | str | None = None,
    ci: CIMethod = "logit",
    level: float = 0.95,
    na_rm: bool = False,
    adjust: Any = None,
    keep_rows: bool = True,
) -> pd.DataFrame:
    """Means, totals, proportions and ratios from per-row scores.

    Parameters
    ----------
    frame : pandas.DataFrame
        The analysis and ``by`` columns.
    model : ScoreModel
        Weights and the covariance of score totals.
    requests : sequence of :class:`~cyberbeeld.survey.estimators.Request`
    by, ci, level : see :func:`cyberbeeld.survey.estimators.estimate`
    na_rm : bool
        Leave rows with a missing analysis value out of that estimate (R's ``na.rm = TRUE``:
        a domain of the full design).
    adjust : callable, optional
        Maps the score matrix (n × k) to the adjusted scores before the covariance (the
        post-stratification residuals).
    keep_rows : bool
        With ``adjust``: the covariance is taken over all rows (R keeps the rows outside a
        domain of a calibrated or PPS design, with weight zero).

    Returns
    -------
    pandas.DataFrame
        ``<by>, variable, statistic, estimate, se, ci_low, ci_high, deff, cv, n, df``.
    """
    from cyberbeeld.survey.estimators import _prop_ci  # deferred: cycle estimators -> ciprop -> linearized

    by_cols = [by] if isinstance(by, str) else list(by or [])
    if not 0 < level < 1:
        raise SurveyDesignError(f"confidence level must be between 0 and 1, not {level}")
    w = np.asarray(model.weights, dtype=np.float64)
    levels, masks = _domains(frame, by_cols)
    alpha = 1.0 - level
    zq = float(special.ndtri(1 - alpha / 2))
    rows: list[dict[str, Any]] = []
    for request in requests:
        items: list[tuple[str, FloatArray, FloatArray | None, BoolArray]] = []  # label, y, x, ok
        if request.statistic == "proportion":
            col = frame[request.variable]
            ok = col.notna().to_numpy()
            if not ok.all() and not na_rm:
                _present(np.where(ok, 0.0, np.nan), request.variable, False)
            values = pd.unique(col[ok])
            binary = col.dtype == bool or set(values.tolist()) <= {0, 1}
            shown = [True if col.dtype == bool else 1] if binary else sorted(values.tolist())
            for lev in shown:
                label = request.variable if binary else f"{request.variable}={lev}"
                items.append((label, (col == lev).to_numpy(dtype=np.float64), None, ok))
        else:
            y = _numeric(frame, request.variable)
            ok = _present(y, request.variable, na_rm)
            x = None
            label = request.variable
            if request.denominator is not None:
                x = _numeric(frame, request.denominator)
                ok = ok & _present(x, request.denominator, na_rm)
                label = f"{request.variable}/{request.denominator}"
            items.append((label, y, x, ok))
        for label, y, x, ok in items:
            y0 = np.where(ok, y, 0.0)
            x0 = None if x is None else np.where(ok, x, 0.0)
            for d, dmask in enumerate(masks):
                m = dmask & ok
                wm = np.where(m, w, 0.0)
                W = float(wm.sum())
                with np.errstate(divide="ignore", invalid="ignore"):
                    if request.statistic == "total":
                        point = float((wm * y0).sum())
                        z = wm * y0
                        resid = y0 - point / W
                        den = 1.0
                    elif request.statistic == "ratio":
                        assert x0 is not None
                        den = float((wm * x0).sum())
                        point = float((wm * y0).sum()) / den
                        resid = y0 - point * x0
                        z = wm * resid / den
                    else:  # mean and proportion
                        den = W
                        point = float((wm * y0).sum()) / W
                        resid = y0 - point
                        z = wm * resid / W
                    scores = z[:, None]
                    if adjust is not None:
                        scores = adjust(scores)
                    var = float(model.covariance(scores, None if keep_rows and adjust else m)[0, 0])
                    nobs = float(np.count_nonzero(wm))
                    wss = float((wm * resid**2).sum())
                    svyvar = nobs / (nobs - 1) * wss / W
                    if request.statistic == "total":
                        vsrs = svyvar * W**2 * (W - nobs) / (W * nobs)
                    else:
                        vsrs = svyvar / den**2 * W**2 * (W - nobs) / (W * nobs)
                        if request.statistic != "ratio" and W < nobs:
                            vsrs = np.nan
                    se = float(np.sqrt(var))
                    degf = float(model.degf(m))
                    n_rows = int(m.sum())
                    if request.statistic == "proportion":
                        # Korn-Graubard uses R's nrow(design): a subset of a calibrated or PPS
                        # design keeps all rows; otherwise the domain's rows, missing values included.
                        n_design = len(frame) if getattr(model, "keeps_rows", False) else int(dmask.sum())
                        # ... and R's degf(design) of the domain, rows with missing values included
                        degf = float(model.degf(dmask & (w != 0)))
                        lo, hi = _prop_ci(
                            np.array([point]),
                            np.array([var]),
                            np.array([degf]),
                            np.array([float(n_design)]),
                            alpha,
                            ci,
                        )
                        ci_low, ci_high = float(lo[0]), float(hi[0])
                    else:
                        ci_low, ci_high = point - zq * se, point + zq * se
                    row: dict[str, Any] = {c: levels[c].iloc[d] for c in by_cols}
                    row.update(
                        variable=label,
                        statistic=request.statistic,
                        estimate=point,
                        se=se,
                        ci_low=ci_low,
                        ci_high=ci_high,
                        deff=var / vsrs,
                        cv=se / point,
                        n=n_rows,
                        df=int(degf),
                    )
                rows.append(row)
    return pd.DataFrame(rows, columns=[*by_cols, *RESULT_COLUMNS])
