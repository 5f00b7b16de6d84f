"""Quantiles with Woodruff confidence intervals (R's ``svyquantile``, survey >= 4.1 defaults).

R's defaults are reproduced: ``qrule="math"`` (the smallest value whose cumulative weight
share reaches ``p``) and ``interval.type="mean"`` (Woodruff): the design-based interval of the
estimated distribution function at the quantile, ``svymean(x <= q)``, with a t quantile on the
design degrees of freedom, is mapped back through the weighted distribution; the standard error
is the interval width over ``2 t``.  Domains follow ``svyby`` (R's ``subset()``).

Sorting needs the values of the variable itself, so the variable, the weights and the design
columns are read into memory (one column each); the indicator means run on the engine as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import DataSource, EngineName, column_names, open_session
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.estimators import Request, estimate

__all__ = ["qrule_math", "svyquantile"]

FloatArray = npt.NDArray[np.float64]


def qrule_math(x: npt.ArrayLike, w: npt.ArrayLike, p: float) -> float:
    """R's ``qrule_math``: the weighted quantile of ``x`` at ``p``.

    Parameters
    ----------
    x, w : array_like
        Values and weights (rows with weight zero are ignored).
    p : float
        Probability in [0, 1].

    Returns
    -------
    float

    Examples
    --------
    >>> qrule_math([3.0, 1.0, 2.0, 4.0], [1, 1, 1, 1], 0.5)
    2.0
    """
    xa = np.asarray(x, dtype=np.float64)
    wa = np.asarray(w, dtype=np.float64)
    keep = wa != 0
    xa, wa = xa[keep], wa[keep]
    order = np.argsort(xa, kind="stable")
    xs = xa[order]
    # R accumulates sum() and cumsum() in long double and stores doubles; ties at the boundary
    # p * sum(w) (common with equal weights) depend on it, so do the same.
    cumw = np.cumsum(wa[order].astype(np.longdouble)).astype(np.float64)
    total = float(np.cumsum(wa.astype(np.longdouble))[-1]) if wa.size else 0.0
    hits = np.flatnonzero(cumw <= p * total)
    pos = int(hits[-1]) if hits.size else 0  # R's last(): 1 (here 0) when none
    posnext = pos if pos == len(xs) - 1 else pos + 1
    wlow = p - cumw[pos] / total
    return float(xs[pos] if wlow == 0 else xs[posnext])


def svyquantile(
    data: DataSource,
    design: Design,
    variable: str,
    quantiles: Sequence[float] = (0.5,),
    *,
    by: Sequence[str] | str | None = None,
    alpha: float = 0.05,
    engine: EngineName = "duckdb",
) -> pd.DataFrame:
    """Quantiles of ``variable`` with Woodruff intervals, overall or by domains.

    Parameters
    ----------
    data : pandas.DataFrame, str, Path or DuckDBTable
        The microdata.
    design : Design
        The sampling design.
    variable : str
        A numeric column.
    quantiles : sequence of float
        Probabilities.
    by : str or sequence of str, optional
        Domain columns.
    alpha : float
        1 - confidence level.
    engine : {"duckdb", "spark"}
        Where the indicator means run.

    Returns
    -------
    pandas.DataFrame
        ``<by>, variable, statistic ("quantile"), p, estimate, se, ci_low, ci_high, n, df``.
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    if not all(0 <= p <= 1 for p in quantiles):
        raise SurveyDesignError("quantiles must lie between 0 and 1", column=variable)
    frame = _load(data, design, [variable, *by_cols])
    weights = design.weight_values(frame)
    y = pd.to_numeric(frame[variable], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(y).any():
        raise SurveyDesignError(
            "missing or non-numeric value", column=variable, row=int(np.argmax(np.isnan(y)))
        )
    if by_cols:
        groups = frame.groupby(by_cols, sort=True, dropna=False).ngroup().to_numpy()
    else:
        groups = np.zeros(len(frame), dtype=np.int64)
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    members = [np.flatnonzero(groups == g) for g in range(n_groups)]
    qhat = np.array([[qrule_math(y[idx], weights[idx], p) for p in quantiles] for idx in members])
    work = frame.copy(deep=False)
    names = []
    for j in range(len(quantiles)):
        name = f"__cb_le{j}"
        work[name] = (y <= qhat[groups, j]).astype(np.int8)
        names.append(name)
    means = estimate(work, design, [Request("mean", n) for n in names], by=by_cols or None, engine=engine)
    rows = []
    for j, p in enumerate(quantiles):
        part = means[means["variable"] == names[j]].reset_index(drop=True)
        for g, idx in enumerate(members):
            rec = part.iloc[g]
            df = float(rec["df"])
            tq = float(special.stdtrit(df, 1 - alpha / 2)) if df > 0 else float("nan")  # stats.t.ppf
            lo_p = rec["estimate"] - tq * rec["se"]
            hi_p = rec["estimate"] + tq * rec["se"]
            lower = (
                float("nan") if not np.isfinite(lo_p) or lo_p < 0 else qrule_math(y[idx], weights[idx], lo_p)
            )
            upper = (
                float("nan") if not np.isfinite(hi_p) or hi_p > 1 else qrule_math(y[idx], weights[idx], hi_p)
            )
            out: dict[str, Any] = {c: rec[c] for c in by_cols}
            out |= {
                "variable": variable,
                "statistic": "quantile",
                "p": p,
                "estimate": qhat[g, j],
                "se": (upper - lower) / (2 * tq),
                "ci_low": lower,
                "ci_high": upper,
                "n": int(rec["n"]),
                "df": int(rec["df"]),
            }
            rows.append(out)
    return pd.DataFrame(rows)


def _load(data: DataSource, design: Design, columns: Sequence[str]) -> pd.DataFrame:
    """The design columns and ``columns`` of ``data`` as a pandas DataFrame."""
    needed = list(dict.fromkeys([*design.columns, *columns]))
    if isinstance(data, pd.DataFrame):
        missing = [c for c in needed if c not in data.columns]
        if missing:
            raise SurveyDesignError("column not found in the data", column=missing[0])
        return data[needed]
    with open_session(data, single_pass=True) as session:  # one select: no need to load a CSV
        t = session.table
        names = column_names(session)  # columns that differ only in case have other names there
        for col in needed:
            if names.get(col, col) not in t.columns:
                raise SurveyDesignError("column not found in the data", column=col)
        return session.execute(t.select(**{col: t[names.get(col, col)] for col in needed}))
