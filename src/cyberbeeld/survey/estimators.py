"""Design-based estimators: mean, total, proportion and ratio, overall and by domains.

Every function takes the microdata (a pandas DataFrame, a Parquet/CSV path or a
:class:`~cyberbeeld.survey.engine.DuckDBTable`), a :class:`~cyberbeeld.survey.design.Design`
and returns a tidy :class:`pandas.DataFrame` with one row per domain × variable:

``<by columns>, variable, statistic, estimate, se, ci_low, ci_high, deff, cv, n, df``

The numbers are those of R's ``survey`` package: ``svymean``/``svytotal``/``svyratio`` with
``deff=TRUE``, ``svyby`` for domains (R's ``subset()`` semantics: the domain variance uses
the full design, with zero scores outside the domain), ``svyciprop`` for proportion
intervals and ``svycontrast`` for the difference between two domains.

The per-row work is one pass per sampling stage in DuckDB (or Spark); see
:mod:`cyberbeeld.survey.engine`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special  # ndtri, stdtrit, betaincinv: scipy.stats's own, without its import cost

from cyberbeeld.survey.ciprop import with_likelihood_intervals
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import (
    DataSource,
    EngineName,
    Session,
    column_names,
    open_session,
    run_moments,
    stage_moments,
    stratum_info,
)
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.moments import Estimand, StageMoments, domain_variances
from cyberbeeld.survey.options import CI_METHODS, CIMethod

if TYPE_CHECKING:
    from types import ModuleType

    from cyberbeeld.survey.poststratify import PostStratified
    from cyberbeeld.survey.pps import PPS

__all__ = [
    "CIMethod",
    "Request",
    "domain_difference",
    "estimate",
    "svymean",
    "svyproportion",
    "svyratio",
    "svytotal",
]

Statistic = Literal["mean", "total", "proportion", "ratio"]
FloatArray = npt.NDArray[np.float64]
RESULT_COLUMNS = ["variable", "statistic", "estimate", "se", "ci_low", "ci_high", "deff", "cv", "n", "df"]
_W = "__cb_weight"


@dataclass(frozen=True)
class Request:
    """One estimate to make.

    Attributes
    ----------
    statistic : {"mean", "total", "proportion", "ratio"}
        What to estimate.
    variable : str
        The analysis column (numerator of a ratio).  For a proportion: a 0/1 or boolean
        column gives the proportion of 1/true; any other column gives one proportion per level.
    denominator : str, optional
        Denominator column of a ratio.
    """

    statistic: Statistic
    variable: str
    denominator: str | None = None

    def __post_init__(self) -> None:
        if self.statistic not in ("mean", "total", "proportion", "ratio"):
            raise SurveyDesignError(f"unknown statistic {self.statistic!r}")
        if (self.statistic == "ratio") != (self.denominator is not None):
            raise SurveyDesignError(
                "a ratio needs a denominator (and only a ratio has one)", column=self.variable
            )


@dataclass
class _Plan:
    """Quantities and estimands of one estimation run."""

    values: dict[str, ir.NumericValue] = field(default_factory=dict)  # name -> per-row value (y)
    binary: set[str] = field(default_factory=set)  # values known to be 0/1
    shift: dict[str, float] = field(default_factory=dict)  # value name -> c, the factor is y - c
    # value name of a centred y -> value name of y itself (a total's score is w * y, uncentred)
    raw: dict[str, str] = field(default_factory=dict)
    estimands: list[tuple[str, str, Estimand, str | None, str | None]] = field(default_factory=list)
    # (label, statistic, estimand, value name of y, value name of x or "1")

    def value(self, name: str, expr: ir.NumericValue) -> str:
        if name not in self.values:
            self.values[name] = expr
        return name

    def centre_value(self, name: str, column: str, checked: _Checked) -> None:
        """Mark a value 0/1, or centre it on its mid-range (``y - c``)."""
        if column in checked.binary:
            self.binary.add(name)
        elif checked.centre.get(column):
            c = checked.centre[column]
            self.shift[name] = c
            self.values[name] = self.values[name] - c


def _qname(value: str) -> str:
    return "w" if value == "1" else f"a_{value}"


def _as_float(col: ir.Value) -> ir.NumericValue:
    """A float column (casts are costly in a scan, so only when needed)."""
    if col.type().is_floating():
        return col
    if col.type().is_boolean():
        return col.ifelse(1.0, 0.0)
    return col.cast("float64")


def _as_number(col: ir.Value) -> ir.NumericValue:
    """A numeric analysis value; integers stay integers (the weight makes products float)."""
    if col.type().is_boolean():
        return col.ifelse(1.0, 0.0)
    return col


def _is_numeric(dtype: Any) -> bool:
    return bool(dtype.is_numeric() or dtype.is_boolean())


# --------------------------------------------------------------------------- validation


def _first_row(session: Session, condition: ir.BooleanValue) -> int | None:
    t = session.table
    expr = t.mutate(__cb_rn=ibis.row_number()).filter(condition).aggregate(first=lambda x: x.__cb_rn.min())
    value = session.execute(expr)["first"].iloc[0]
    return None if pd.isna(value) else int(value)


def _validate(
    session: Session, design: Design, numeric: Sequence[str], categorical: Sequence[str]
) -> _Checked:
    """Check the data in one cheap scan (counts, minima, maxima).

    Returns
    -------
    _Checked
        The numeric analysis columns that only hold 0 and 1, the mid-range of the others
        (they are centred on it, so that power sums lose no precision), and whether all
        weights are > 0.

    Raises
    ------
    SurveyDesignError
        Naming the column and the first offending row (found by a second, filtered scan).
    """
    t = session.table
    schema = t.schema()
    for col in [*design.columns, *numeric, *categorical]:
        if col not in schema:
            raise SurveyDesignError("column not found in the data", column=col)
    weights = [design.weights] if design.weights else []
    numeric_cols = list(dict.fromkeys([*weights, *design.fpc, *numeric]))
    for col in numeric_cols:
        if not _is_numeric(schema[col]):
            bad = t[col].notnull() & t[col].cast("string").try_cast("float64").isnull()
            raise SurveyDesignError("non-numeric value", column=col, row=_first_row(session, bad))
    all_cols = list(dict.fromkeys([*design.columns, *numeric, *categorical]))
    # Parquet statistics answer most questions without a scan (NaN and 0/1-ness of floats excepted).
    stats_of = getattr(session, "column_stats", None)
    known: dict[str, tuple[float | None, float | None, int]] = stats_of(all_cols) if stats_of else {}
    aggs: dict[str, ir.Scalar] = {"rows": t.count()}
    for i, col in enumerate(all_cols):
        if col not in known:
            aggs[f"n{i}"] = t[col].count()
    for i, col in enumerate(numeric_cols):
        if col not in known or known[col][0] is None:
            x = t[col].cast("int8") if schema[col].is_boolean() else t[col]  # no cast: casts are slow
            aggs[f"min{i}"] = x.min()
            aggs[f"max{i}"] = x.max()
        if schema[col].is_floating():
            aggs[f"sum{i}"] = t[col].sum()
            if col in numeric:
                aggs[f"bin{i}"] = (t[col] * (1.0 - t[col])).abs().sum()
    summary = session.execute(t.aggregate(**aggs)).iloc[0]
    rows = int(summary["rows"])
    for i, col in enumerate(all_cols):
        non_null = rows - known[col][2] if col in known else int(summary[f"n{i}"])
        if non_null < rows:
            raise SurveyDesignError("missing value", column=col, row=_first_row(session, t[col].isnull()))
    binary: set[str] = set()
    centre: dict[str, float] = {}
    positive = True
    for i, col in enumerate(numeric_cols):
        stat_lo, stat_hi, _ = known.get(col, (None, None, 0))
        if stat_lo is not None and stat_hi is not None:
            lo, hi = stat_lo, stat_hi
        else:
            lo, hi = float(summary[f"min{i}"]), float(summary[f"max{i}"])
        if schema[col].is_floating() and not (
            np.isfinite(lo) and np.isfinite(hi) and np.isfinite(float(summary[f"sum{i}"]))
        ):
            bad = t[col].isnan() | t[col].isinf()
            row = _first_row(session, bad)
            if row is not None:
                raise SurveyDesignError("non-finite value", column=col, row=row)
        if col in weights:
            if lo < 0:
                raise SurveyDesignError("negative weight", column=col, row=_first_row(session, t[col] < 0))
            positive = lo > 0
        if col in design.fpc and lo <= 0:
            raise SurveyDesignError("fpc must be positive", column=col, row=_first_row(session, t[col] <= 0))
        if col in numeric and lo >= 0 and hi <= 1:
            if not schema[col].is_floating() or float(summary[f"bin{i}"]) == 0:
                binary.add(col)
        if col in numeric:
            centre[col] = 0.5 * (lo + hi)
    if design.strata and design.psu and not design.nest:
        per_psu = t.group_by(p=t[design.psu]).aggregate(k=t[design.strata].nunique())
        clash = session.execute(per_psu.filter(per_psu.k > 1).limit(1))
        if len(clash):
            psu_value = clash["p"].iloc[0]
            raise SurveyDesignError(
                "clusters not nested in strata (a PSU appears in more than one stratum); "
                "use nest=True if PSU labels are only unique within strata",
                column=design.psu,
                row=_first_row(session, t[design.psu] == ibis.literal(psu_value)),
            )
    return _Checked(binary, {c: v for c, v in centre.items() if c not in binary and v != 0}, positive)


@dataclass(frozen=True)
class _Checked:
    """What validation learned: 0/1 columns, centres (mid-ranges) of the others, positive weights."""

    binary: set[str]
    centre: dict[str, float]
    positive_weights: bool


# --------------------------------------------------------------------------- stage set-up


def _stage_keys(
    t: ir.Table, design: Design
) -> list[tuple[dict[str, ir.Value], dict[str, ir.Value] | None, ir.NumericValue | None, list[str]]]:
    strata: dict[str, ir.Value] = {"__cb_s": t[design.strata] if design.strata else ibis.literal(1)}
    units1 = {"__cb_p": t[design.psu]} if design.psu else None
    fpc1 = t[design.fpc[0]].cast("float64") if design.fpc else None
    stages: list[
        tuple[dict[str, ir.Value], dict[str, ir.Value] | None, ir.NumericValue | None, list[str]]
    ] = [(strata, units1, fpc1, ["__cb_s"])]
    if design.ssu and design.fpc and not design.one_stage:
        assert design.psu is not None
        strata2 = {**strata, "__cb_p": t[design.psu]}
        stages.append(
            (strata2, {"__cb_q": t[design.ssu]}, t[design.fpc[1]].cast("float64"), ["__cb_s", "__cb_p"])
        )
    return stages


def _stage_info(session: Session, design: Design) -> list[pd.DataFrame]:
    t = session.table
    infos = []
    for strata, units, fpc, _ in _stage_keys(t, design):
        infos.append(session.execute(stratum_info(t, strata=strata, units=units, fpc=fpc)))
    if not design.fpc:
        for info in infos:
            info["f"] = 1.0
            info["popsize"] = np.inf
        return infos
    for info, col in zip(infos, design.fpc, strict=False):
        varies = info["fpc_min"] != info["fpc_max"]
        if varies.any():
            raise SurveyDesignError("fpc varies within a stratum (or within a PSU at stage two)", column=col)
    stage_cols = list(design.fpc[: len(infos)])
    all_min = min(float(i["fpc_min"].min()) for i in infos)
    is_popsize = any(bool((i["fpc_max"] > 1).any()) for i in infos)
    all_ge_one = all_min >= 1
    if is_popsize != all_ge_one:
        raise SurveyDesignError(
            "fpc must be all population sizes (>= 1) or all sampling fractions (<= 1, not all 1)",
            column=stage_cols[0],
        )
    for info, col in zip(infos, stage_cols, strict=True):
        n = info["n_units"].astype(np.float64)
        fpc = info["fpc_min"].astype(np.float64)
        pop = fpc if is_popsize else n / fpc
        if (pop < n).any():
            raise SurveyDesignError("fpc implies more than 100% sampling", column=col)
        with np.errstate(divide="ignore", invalid="ignore"):
            info["f"] = np.where(np.isinf(pop), 1.0, (pop - n) / pop)
        info["popsize"] = pop
    return infos


def _weights_expr(t: ir.Table, design: Design) -> ir.NumericValue:
    if design.weights:
        return _as_float(t[design.weights])
    if _W in t.columns:
        return _as_float(t[_W])
    return ibis.literal(1.0)


def _prepare_data(data: DataSource, design: Design) -> DataSource:
    """Without a weights column but with fpc, R derives the weights from the fpc."""
    if design.weights or not design.fpc:
        return data
    if not isinstance(data, pd.DataFrame):
        raise SurveyDesignError("give a weights column (weights from the fpc need a data frame)")
    design.check_columns(list(data.columns))
    out = data.copy(deep=False)
    out[_W] = design.weight_values(data)
    return out


# --------------------------------------------------------------------------- main entry


def _levels(session: Session, column: str) -> tuple[bool, list[Any]]:
    """(is_binary, levels) of a proportion variable."""
    t = session.table
    values = session.execute(t.select(v=t[column]).distinct().order_by("v"))["v"].tolist()
    dtype = t.schema()[column]
    if dtype.is_boolean():
        return True, [True]
    if _is_numeric(dtype) and set(values) <= {0, 1}:
        return True, [1]
    return False, values


def estimate(
    data: DataSource,
    design: Design | PostStratified | PPS,
    requests: Sequence[Request],
    *,
    by: Sequence[str] | str | None = None,
    ci: CIMethod = "logit",
    level: float = 0.95,
    engine: EngineName = "duckdb",
    na_rm: bool = False,
    **engine_options: Any,
) -> pd.DataFrame:
    """Estimate several statistics in one pass per stage.

    Parameters
    ----------
    data : pandas.DataFrame, str, Path or DuckDBTable
        The microdata.
    design : Design, PostStratified or PPS
        The sampling design.  A :class:`~cyberbeeld.survey.poststratify.PostStratified` or
        :class:`~cyberbeeld.survey.pps.PPS` design is estimated from per-row scores in NumPy
        (:mod:`cyberbeeld.survey.linearized`; ``engine`` does not apply).
    requests : sequence of Request
        What to estimate.
    by : str or sequence of str, optional
        Domain columns (R's ``svyby``); ``None`` for the whole sample.
    ci : {"logit", "likelihood", "xlogit", "asin", "beta", "mean", "wald", "wilson"}
        Interval for proportions: ``"logit"``, ``"likelihood"`` (profile likelihood; computed
        from the rows in NumPy, see :mod:`cyberbeeld.survey.ciprop`; plain designs only),
        ``"xlogit"``, ``"asin"``, ``"beta"`` (Korn-Graubard) and ``"mean"`` are R's
        ``svyciprop`` methods (``"wald"`` is another name for ``"mean"``); ``"wilson"`` is the
        Wilson score interval with the effective sample size ``p(1-p)/var``.  All use a
        t quantile with the design degrees of freedom of the domain, as ``svyciprop`` does.
        Means, totals and ratios get R's ``confint()`` normal interval.
    level : float
        Confidence level.
    engine : {"duckdb", "spark"}
        Where the per-row work runs.
    na_rm : bool
        R's ``na.rm = TRUE``: rows with a missing value in a request's variable (or, for a
        ratio, in either variable) are left out of that estimate as a domain of the full design
        (R's ``subset()``), per request.  Without it a missing value is an error.  Rows with a
        missing ``by`` value are always left out of the domains, as ``svyby`` does.
    **engine_options
        Passed to :func:`cyberbeeld.survey.engine.open_session`.

    Returns
    -------
    pandas.DataFrame
        ``<by>, variable, statistic, estimate, se, ci_low, ci_high, deff, cv, n, df``.
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    if not isinstance(design, Design):  # post-stratified and PPS designs: per-row scores in NumPy
        if ci not in CI_METHODS:
            raise SurveyDesignError(f"unknown interval method {ci!r}")
        if ci == "likelihood":
            raise SurveyDesignError("likelihood intervals are offered for plain designs only")
        if not requests:
            raise SurveyDesignError("nothing to estimate")
        return design_module(design).svy_estimate(
            data, design, requests, by=by_cols, ci=ci, level=level, na_rm=na_rm
        )
    if ci not in CI_METHODS:
        raise SurveyDesignError(f"unknown interval method {ci!r}")
    if not 0 < level < 1:
        raise SurveyDesignError(f"confidence level must be between 0 and 1, not {level}")
    if not requests:
        raise SurveyDesignError("nothing to estimate")
    if ci == "likelihood" and any(r.statistic == "proportion" for r in requests):
        out = estimate(
            data,
            design,
            requests,
            by=by_cols,
            ci="logit",
            level=level,
            engine=engine,
            na_rm=na_rm,
            **engine_options,
        )
        return with_likelihood_intervals(out, data, design, requests, by_cols, level)
    data = _prepare_data(data, design)
    with open_session(data, engine, **engine_options) as session:
        names = column_names(session)
        if not names:
            return _estimate_na(session, design, requests, requests, by_cols, ci, level, na_rm)
        # Columns that differ only in case (nh, Nh): the engine knows one by another name.
        reverse = {v: k for k, v in names.items()}
        try:
            out = _estimate_na(
                session,
                _rename_design(design, names),
                [_rename_request(r, names) for r in requests],
                requests,
                [names.get(c, c) for c in by_cols],
                ci,
                level,
                na_rm,
            )
        except SurveyDesignError as error:
            raise _renamed_error(error, reverse) from None
        return out.rename(columns=reverse)


def design_module(design: object) -> ModuleType:
    """The module that estimates on a design that is not a plain :class:`Design`."""
    kind = type(design).__name__
    module = {"PostStratified": "poststratify", "PPS": "pps"}.get(kind)
    if module is None:
        raise SurveyDesignError(f"unknown design type {kind}")
    return importlib.import_module(f"cyberbeeld.survey.{module}")


def _rename_design(design: Design, names: dict[str, str]) -> Design:
    def rn(col: str | None) -> str | None:
        return None if col is None else names.get(col, col)

    return Design(
        weights=rn(design.weights),
        ids=tuple(names.get(c, c) for c in design.ids),
        strata=rn(design.strata),
        fpc=tuple(names.get(c, c) for c in design.fpc),
        nest=design.nest,
        lonely_psu=design.lonely_psu,
        one_stage=design.one_stage,
    )


def _rename_request(request: Request, names: dict[str, str]) -> Request:
    den = request.denominator
    return Request(
        request.statistic,
        names.get(request.variable, request.variable),
        None if den is None else names.get(den, den),
    )


def _renamed_error(error: SurveyDesignError, reverse: dict[str, str]) -> SurveyDesignError:
    """The error with the user's column name in place of the engine's."""
    if error.column is None or error.column not in reverse:
        return error
    renamed = SurveyDesignError(error.reason, column=reverse[error.column], row=error.row)
    renamed.stratum, renamed.strata = error.stratum, error.strata
    return renamed


class _DerivedSession:
    """A session whose table is an expression on another session's table (same connection)."""

    def __init__(self, session: Session, table: ir.Table) -> None:
        self._session = session
        self.table = table
        self.engine = session.engine

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        return self._session.execute(expr)


_OK = "__cb_ok"


def _estimate_na(
    session: Session,
    design: Design,
    requests: Sequence[Request],
    labels: Sequence[Request],
    by_cols: list[str],
    ci: CIMethod,
    level: float,
    na_rm: bool,
) -> pd.DataFrame:
    """:func:`_estimate` with R's rules for missing values.

    A row with a missing ``by`` value belongs to no domain (``svyby``); with ``na_rm`` a row with a
    missing analysis value is left out of that request (``na.rm = TRUE``).  Both are domains of
    the full design (R's ``subset()``): one more domain key, ``__cb_ok``, no extra pass over the
    data per domain.  Without missing values this is :func:`_estimate` itself.
    """
    t = session.table
    schema = t.schema()
    variables = [c for r in requests for c in (r.variable, r.denominator) if c]
    analysis = variables if na_rm else []
    candidates = [c for c in dict.fromkeys([*by_cols, *analysis]) if c in schema]
    try:  # the common case, at no extra cost: validation finds no missing value
        return _estimate(session, design, requests, labels, by_cols, ci, level)
    except SurveyDesignError as error:
        if not error.reason.startswith("missing value"):
            raise
        if error.column in variables and not na_rm:
            hinted = SurveyDesignError(
                "missing value (use na_rm=True to leave such rows out, as R's na.rm = TRUE)",
                column=error.column,
                row=error.row,
            )
            raise hinted from None
        if error.column not in candidates:
            raise
    stats_of = getattr(session, "column_stats", None)
    known: dict[str, tuple[float | None, float | None, int]] = stats_of(candidates) if stats_of else {}
    unknown = [c for c in candidates if c not in known]
    nulls = {c: known[c][2] for c in candidates if c in known}
    if unknown:
        counts = session.execute(
            t.aggregate(__rows=t.count(), **{f"n{i}": t[c].count() for i, c in enumerate(unknown)})
        ).iloc[0]
        nulls.update({c: int(counts["__rows"]) - int(counts[f"n{i}"]) for i, c in enumerate(unknown)})
    with_na = {c for c, k in nulls.items() if k > 0}
    if not with_na:
        return _estimate(session, design, requests, labels, by_cols, ci, level)
    by_na = [c for c in by_cols if c in with_na]
    # Runs of consecutive requests with the same columns to drop rows for keep the output order.
    runs: list[tuple[tuple[str, ...], list[int]]] = []
    for i, r in enumerate(requests):
        cols = tuple(c for c in (r.variable, r.denominator) if c and c in with_na and na_rm)
        if runs and runs[-1][0] == cols:
            runs[-1][1].append(i)
        else:
            runs.append((cols, [i]))
    fill_cols = list(dict.fromkeys([*by_na, *(c for cols, _ in runs for c in cols)]))
    # A missing value is replaced by one the column has (so that no level appears that the
    # data lacks); the row is outside every reported domain anyway.
    present = session.execute(t.aggregate(**{f"v{i}": t[c].min() for i, c in enumerate(fill_cols)})).iloc[0]
    filled = {
        c: t[c].fill_null(ibis.literal(_py(present[f"v{i}"]), type=schema[c]))
        for i, c in enumerate(fill_cols)
    }
    frames = []
    for cols, idx in runs:
        ok: ir.BooleanValue = ibis.literal(True)
        for c in [*by_na, *cols]:
            ok = ok & t[c].notnull()
        derived = _DerivedSession(session, t.mutate(**filled, **{_OK: ok}))
        out = _estimate(
            derived, design, [requests[i] for i in idx], [labels[i] for i in idx], [*by_cols, _OK], ci, level
        )
        out = out[out[_OK].astype(bool)].drop(columns=_OK).reset_index(drop=True)
        if cols:
            out = _ciprop_with_all_rows(session, design, out, by_cols, by_na, ci, level)
        frames.append(out)
    return pd.concat(frames, ignore_index=True)


def _ciprop_with_all_rows(
    session: Session,
    design: Design,
    out: pd.DataFrame,
    by_cols: list[str],
    by_na: list[str],
    ci: CIMethod,
    level: float,
) -> pd.DataFrame:
    """Proportion intervals with R's ``degf(design)`` and ``nrow(design)`` of the domain.

    ``svyciprop(..., na.rm = TRUE)`` drops the rows with a missing value for the estimate, but
    its degrees of freedom (and the Korn-Graubard row count) are those of the design it was
    given: the ``by`` domain with the rows with missing values.
    """
    prop = (out["statistic"] == "proportion").to_numpy()
    if not prop.any():
        return out
    t = session.table
    keep: ir.BooleanValue = ibis.literal(True)
    for c in by_na:
        keep = keep & t[c].notnull()
    rows = t.filter(keep)
    stratum = rows[design.strata] if design.strata else ibis.literal(1)
    psu = rows[design.psu] if design.psu else ibis.row_number()
    keyed = rows.mutate(__cb_s=stratum, __cb_p=psu, __cb_nz=(_weights_expr(rows, design) != 0).ifelse(1, 0))
    per_psu = keyed.group_by([*by_cols, "__cb_s", "__cb_p"]).aggregate(
        __n=keyed.count(), __nz=keyed["__cb_nz"].sum()
    )
    used = per_psu["__nz"] > 0  # R's degf counts the PSUs and strata with a non-zero weight
    aggs = {
        "__rows": per_psu["__n"].sum(),
        "__psus": used.ifelse(1, 0).sum(),
        "__strata": per_psu["__cb_s"].nunique(where=used),
    }
    if by_cols:
        counts = session.execute(per_psu.group_by(by_cols).aggregate(**aggs))
        table = out[by_cols].merge(counts, on=by_cols, how="left")
    else:
        table = pd.concat([session.execute(per_psu.aggregate(**aggs))] * len(out), ignore_index=True)
    n_all = table["__rows"].to_numpy(dtype=np.float64)
    degf = (table["__psus"] - table["__strata"]).to_numpy(dtype=np.float64)
    p = out["estimate"].to_numpy(dtype=np.float64)[prop]
    var = out["se"].to_numpy(dtype=np.float64)[prop] ** 2
    lo, hi = _prop_ci(p, var, degf[prop], n_all[prop], 1.0 - level, ci)
    out.loc[prop, "ci_low"] = lo
    out.loc[prop, "ci_high"] = hi
    out.loc[prop, "df"] = degf[prop].astype(np.int64)
    return out


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _estimate(
    session: Session,
    design: Design,
    requests: Sequence[Request],
    labels: Sequence[Request],
    by_cols: list[str],
    ci: CIMethod,
    level: float,
) -> pd.DataFrame:
    """:func:`estimate` on an open session; ``labels`` are the requests in the user's column names."""
    t = session.table
    numeric = [r.variable for r in requests if r.statistic != "proportion"]
    numeric += [r.denominator for r in requests if r.denominator]
    categorical = [r.variable for r in requests if r.statistic == "proportion"]
    checked = _validate(session, design, numeric, [*categorical, *by_cols])
    plan = _Plan()
    for r, shown in zip(requests, labels, strict=True):
        if r.statistic == "proportion":
            binary, levels = _levels(session, r.variable)
            for lev in levels:
                label = shown.variable if binary else f"{shown.variable}={lev}"
                col = t[r.variable]
                expr = (
                    (col == ibis.literal(lev)).ifelse(1.0, 0.0)
                    if not binary or lev is not True
                    else (col.ifelse(1.0, 0.0))
                )
                name = plan.value(f"p{len(plan.values)}", expr)
                plan.binary.add(name)
                plan.estimands.append((label, "proportion", Estimand((_qname(name), "w")), name, "1"))
            continue
        name = plan.value(f"v{len(plan.values)}", _as_number(t[r.variable]))
        plan.centre_value(name, r.variable, checked)
        if r.statistic == "total":
            # The score of a total is w * y itself.  Written as w * (y - c) + c * w (the centred
            # factor) its variance would be a difference of terms ~c**2 var(w): all lost when
            # w * y hardly varies while w does (PPS-like weights).
            raw = name
            if name in plan.shift:
                raw = plan.value(f"v{len(plan.values)}", _as_number(t[r.variable]))
                plan.raw[name] = raw
            plan.estimands.append((shown.variable, "total", Estimand((_qname(raw),)), name, None))
        elif r.statistic == "mean":
            plan.estimands.append((shown.variable, "mean", Estimand((_qname(name), "w")), name, "1"))
        else:
            assert r.denominator is not None
            den = plan.value(f"v{len(plan.values)}", _as_number(t[r.denominator]))
            plan.centre_value(den, r.denominator, checked)
            plan.estimands.append(
                (
                    f"{shown.variable}/{shown.denominator}",
                    "ratio",
                    Estimand((_qname(name), _qname(den), "w")),
                    name,
                    den,
                )
            )
    return _run(session, design, plan, by_cols, ci, level, positive_weights=checked.positive_weights)


def _locate_stratum(session: Session, design: Design, error: SurveyDesignError) -> SurveyDesignError:
    """Name the column and first row of the stratum of a lonely-PSU error."""
    if error.stratum is None:
        return error
    t = session.table
    column = design.strata or design.psu
    any_lonely: ir.BooleanValue = ibis.literal(False)
    for stratum in getattr(error, "strata", None) or [error.stratum]:
        cond: ir.BooleanValue = ibis.literal(True)
        for key, value in stratum.items():
            col = {"__cb_s": design.strata, "__cb_p": design.psu}.get(key)
            if col is None:
                continue
            cond = cond & (t[col] == ibis.literal(value))
            column = col if key == "__cb_s" or column is None else column
        any_lonely = any_lonely | cond
    if "__cb_p" in error.stratum:
        column = design.psu
    return SurveyDesignError(error.reason, column=column, row=_first_row(session, any_lonely))


def _row_moment_name(a: str, b: str) -> str:
    return f"{a}__{b}"


def _run(
    session: Session,
    design: Design,
    plan: _Plan,
    by_cols: list[str],
    ci: CIMethod,
    level: float,
    *,
    positive_weights: bool = False,
) -> pd.DataFrame:
    t = session.table
    w = _weights_expr(t, design)
    factors: dict[str, ir.NumericValue] = dict(plan.values)
    quantities: dict[str, tuple[str, ...]] = {"w": ()}
    for name in plan.values:
        quantities[_qname(name)] = (name,)
    pairs: dict[tuple[str, str], None] = {}
    centred: set[tuple[str, str]] = set()
    row_sums: dict[str, tuple[str, ...]] = {}
    if not positive_weights:  # R's deff counts the rows with a non-zero weight
        factors["__nz"] = (w != 0).ifelse(1.0 / w, 0.0)
        row_sums["nz"] = ("__nz",)
    for _, _, est, y, x in plan.estimands:
        for p in est.pairs():
            pairs[p] = None
            if x != "1":  # totals and ratios: scores may weigh w by a large constant
                centred.add(p)
        assert y is not None
        row_sums[_row_moment_name(y, y)] = (y, y)
        if x is not None and x != "1":
            row_sums[_row_moment_name(y, x)] = (y, x)
            row_sums[_row_moment_name(x, x)] = (x, x)
    domains = {c: t[c] for c in by_cols}
    infos = _stage_info(session, design)
    keys = _stage_keys(t, design)
    stage_tables: list[pd.DataFrame] = []
    for i, (strata, units, _, _) in enumerate(keys):
        expr = stage_moments(
            t,
            domains=domains,
            strata=strata,
            units=units,
            weight=w,
            factors=factors,
            binary=plan.binary,
            quantities=quantities,
            pairs=list(pairs),
            row_sums=row_sums if i == 0 else {},
            centred=centred,
        )
        stage_tables.append(run_moments(session, expr))
    try:
        return _assemble(design, plan, by_cols, infos, keys, stage_tables, ci, level)
    except SurveyDesignError as error:
        raise _locate_stratum(session, design, error) from None


def _assemble(
    design: Design,
    plan: _Plan,
    by_cols: list[str],
    infos: list[pd.DataFrame],
    keys: list[Any],
    stage_tables: list[pd.DataFrame],
    ci: CIMethod,
    level: float,
) -> pd.DataFrame:
    s1 = stage_tables[0]
    # Domain index, in sorted order of the by columns.
    if by_cols:
        dom = s1[by_cols].drop_duplicates().sort_values(by_cols, na_position="last").reset_index(drop=True)
        dom["__domain"] = np.arange(len(dom))
    else:
        dom = pd.DataFrame({"__domain": [0]})
    n_dom = len(dom)
    stages: list[StageMoments] = []
    # Stage multipliers: 1 at stage one; n1/N1 of the parent stratum at stage two.
    info1 = infos[0].copy()
    info1["mult"] = 1.0
    prepared = [info1]
    if len(infos) > 1:
        info2 = infos[1].copy()
        frac = info1[["__cb_s", "n_units", "popsize"]].rename(columns={"n_units": "n1", "popsize": "N1"})
        info2 = info2.merge(frac, on="__cb_s", how="left")
        with np.errstate(divide="ignore"):
            info2["mult"] = info2["n1"] / info2["N1"]
        prepared.append(info2)
    for i, (tab, info) in enumerate(zip(stage_tables, prepared, strict=True)):
        label_cols = keys[i][3]
        merged = tab.merge(info[[*label_cols, "n_units", "f", "mult"]], on=label_cols, how="left")
        merged = merged.merge(dom, on=by_cols, how="left") if by_cols else merged.assign(__domain=0)
        stages.append(StageMoments(merged, stage=i + 1, label_columns=label_cols))
    st1 = stages[0].table
    d1 = st1["__domain"].to_numpy()

    def dsum(col: str) -> FloatArray:
        return np.bincount(d1, weights=st1[col].to_numpy(dtype=np.float64), minlength=n_dom).astype(
            np.float64
        )

    n_rows = dsum("nrows")
    nobs = np.round(dsum("rs_nz")) if "rs_nz" in st1.columns else n_rows
    degf = dsum("m") - np.bincount(d1, minlength=n_dom)
    W = dsum("sum_w")
    alpha = 1.0 - level
    zq = special.ndtri(1 - alpha / 2)  # stats.norm.ppf
    frames = []
    for label, statistic, est, y, x in plan.estimands:
        assert y is not None
        # Factors are centred: y = y' + cy.  Sums S' and row sums rs' are of the centred values.
        cy = plan.shift.get(y, 0.0)
        xv = "1" if x is None else x
        cx = plan.shift.get(xv, 0.0)
        s_y = dsum(f"sum_{_qname(y)}")
        num = s_y + cy * W
        rs_yy = dsum(f"rs_{_row_moment_name(y, y)}")
        if xv == "1":
            s_x, rs_xy, rs_xx = W, s_y, W  # x = 1 (not centred)
        else:
            s_x = dsum(f"sum_{_qname(xv)}")
            rs_xy = dsum(f"rs_{_row_moment_name(y, xv)}")
            rs_xx = dsum(f"rs_{_row_moment_name(xv, xv)}")
        with np.errstate(divide="ignore", invalid="ignore"):
            # Offsets are formed from the centred sums, never as a difference of two large
            # numbers (cy - R cx with cy ~ R cx ~ 1e6 would keep only ~1e-10 of them).
            if xv == "1":  # total or mean: y - R = y' + e with e = cy - R = -(mean of y')
                den = W
                e = -s_y / W
                point = ratio = cy - e
                dd = e
            else:  # ratio: y - R x = y' - R x' + d with d = cy - R cx = (cy s_x - cx s_y) / X
                den = s_x + cx * W
                point = ratio = num / den
                dd = (cy * s_x - cx * s_y) / den
            if x is None:  # total: z = q_y (uncentred)
                raw = plan.raw.get(y, y)
                point = dsum(f"sum_{_qname(raw)}")
                est = Estimand((_qname(raw),))
                coefs: list[FloatArray] = [np.ones(n_dom)]
            elif x == "1":  # mean: z = (q_y' + e w) / W
                est = Estimand((_qname(y), "w"))
                coefs = [1.0 / den, dd / den]
            else:  # ratio: z = (q_y' - R q_x' + d w) / X
                est = Estimand((_qname(y), _qname(xv), "w"))
                coefs = [1.0 / den, -ratio / den, dd / den]
            # sum of w (y - R x)^2 from the centred sums
            if xv == "1":
                wss = rs_yy + 2 * dd * s_y + dd**2 * W
            else:
                wss = rs_yy - 2 * ratio * rs_xy + ratio**2 * rs_xx + 2 * dd * (s_y - ratio * s_x) + dd**2 * W
            wss = np.maximum(wss, 0.0)
            if x is None:
                svyvar = nobs / (nobs - 1) * wss / W
                vsrs = svyvar * W**2 * (W - nobs) / (W * nobs)
            else:
                svyvar = nobs / (nobs - 1) * wss / den**2 / W
                vsrs = svyvar * W**2 * (W - nobs) / (W * nobs)
                if x == "1":  # svymean: vsrs = svyvar(y) (psum - nobs) / (psum nobs)
                    vsrs = np.where(W < nobs, np.nan, vsrs)
            var = domain_variances(stages, est, coefs, n_dom, design.lonely_psu)
            se = np.sqrt(var)
            deff = var / vsrs
            if statistic == "proportion":
                lo, hi = _prop_ci(point, var, degf, n_rows, alpha, ci)
            else:
                lo, hi = point - zq * se, point + zq * se
            cv = se / point
        frame = dom.drop(columns="__domain").copy()
        frame["variable"] = label
        frame["statistic"] = statistic
        frame["estimate"] = point
        frame["se"] = se
        frame["ci_low"] = lo
        frame["ci_high"] = hi
        frame["deff"] = deff
        frame["cv"] = cv
        frame["n"] = n_rows.astype(np.int64)
        frame["df"] = degf.astype(np.int64)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out[[*by_cols, *RESULT_COLUMNS]]


def _prop_ci(
    p: FloatArray, var: FloatArray, degf: FloatArray, n_rows: FloatArray, alpha: float, method: CIMethod
) -> tuple[FloatArray, FloatArray]:
    """Interval for a proportion, as R's ``svyciprop`` (t quantile with the design df)."""
    df = np.where(degf > 0, degf, np.nan)
    tq = special.stdtrit(df, 1 - alpha / 2)  # stats.t.ppf(q, df)
    se = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("wald", "mean"):
            return p - tq * se, p + tq * se
        if method == "asin":  # svyciprop(method="asin"): delta method on asin(sqrt(p))
            eta = np.arcsin(np.sqrt(p))
            se_eta = se / (2.0 * np.sqrt(p * (1 - p)))
            return np.sin(eta - tq * se_eta) ** 2, np.sin(eta + tq * se_eta) ** 2
        if method in ("logit", "xlogit"):  # xlogit: the delta method on the logit, as logit
            eta = np.log(p / (1 - p))
            se_eta = se / (p * (1 - p))
            return _expit(eta - tq * se_eta), _expit(eta + tq * se_eta)
        n_eff = p * (1 - p) / var
        if method == "beta":
            n_eff = n_eff * (special.stdtrit(n_rows - 1, alpha / 2) / special.stdtrit(df, alpha / 2)) ** 2
            lo = special.betaincinv(n_eff * p, n_eff * (1 - p) + 1, alpha / 2)  # stats.beta.ppf(q, a, b)
            hi = special.betaincinv(n_eff * p + 1, n_eff * (1 - p), 1 - alpha / 2)
            return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
        # Wilson score interval with the effective sample size.
        z2 = tq**2
        centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
        half = tq / (1 + z2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2))
        return centre - half, centre + half


def _expit(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


# --------------------------------------------------------------------------- convenience


def _as_list(values: str | Sequence[str]) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def svymean(data: DataSource, design: Design, variables: str | Sequence[str], **kwargs: Any) -> pd.DataFrame:
    """Means (R's ``svymean``, or ``svyby(..., svymean)`` with ``by=``).  See :func:`estimate`."""
    return estimate(data, design, [Request("mean", v) for v in _as_list(variables)], **kwargs)


def svytotal(data: DataSource, design: Design, variables: str | Sequence[str], **kwargs: Any) -> pd.DataFrame:
    """Totals (R's ``svytotal``).  See :func:`estimate`."""
    return estimate(data, design, [Request("total", v) for v in _as_list(variables)], **kwargs)


def svyproportion(
    data: DataSource, design: Design, variables: str | Sequence[str], **kwargs: Any
) -> pd.DataFrame:
    """Proportions with ``svyciprop`` intervals (``ci=``).  See :func:`estimate`."""
    return estimate(data, design, [Request("proportion", v) for v in _as_list(variables)], **kwargs)


def svyratio(
    data: DataSource, design: Design, numerator: str, denominator: str, **kwargs: Any
) -> pd.DataFrame:
    """Ratio of two totals (R's ``svyratio``).  See :func:`estimate`."""
    return estimate(data, design, [Request("ratio", numerator, denominator)], **kwargs)


@dataclass(frozen=True)
class Difference:
    """The difference between a statistic in two domains (R's ``svycontrast`` on ``svyby``).

    Attributes
    ----------
    estimate, se : float
        First domain minus second, and its standard error.
    ci_low, ci_high : float
        Normal confidence interval (as R's ``confint`` on the contrast).
    t, df, p_value : float
        Test of no difference: ``t = estimate / se`` against a t distribution with the design
        degrees of freedom (as ``svyttest``).
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    t: float
    df: float
    p_value: float


def domain_difference(
    data: DataSource,
    design: Design,
    request: Request,
    *,
    by: Sequence[str] | str,
    first: Any,
    second: Any,
    level: float = 0.95,
    engine: EngineName = "duckdb",
    **engine_options: Any,
) -> Difference:
    """Difference of a mean, total or proportion between two domains, with SE and test.

    Parameters
    ----------
    data, design : see :func:`estimate`
    request : Request
        The statistic (``mean``, ``total`` or binary ``proportion``).
    by : str or sequence of str
        Domain columns.
    first, second : value or tuple of values
        The two domains (one value per ``by`` column).

    Returns
    -------
    Difference

    Notes
    -----
    The variance is that of the difference of the two domains' influence functions on the
    full design, which is what ``svycontrast(svyby(..., covmat=TRUE), ...)`` computes.
    """
    by_cols = [by] if isinstance(by, str) else list(by)
    v1 = first if isinstance(first, tuple) else (first,)
    v2 = second if isinstance(second, tuple) else (second,)
    if len(v1) != len(by_cols) or len(v2) != len(by_cols):
        raise SurveyDesignError("give one value per domain column for each of the two domains")
    if request.statistic == "ratio":
        raise SurveyDesignError("domain differences of ratios are not supported", column=request.variable)
    data = _prepare_data(data, design)
    with open_session(data, engine, **engine_options) as session:
        names = column_names(session)
        if names:  # columns that differ only in case: use the engine's names
            design = _rename_design(design, names)
            request = _rename_request(request, names)
            by_cols = [names.get(c, c) for c in by_cols]
        t = session.table
        numeric = request.statistic != "proportion"
        try:
            checked = _validate(session, design, [request.variable] if numeric else [], by_cols)
        except SurveyDesignError as error:
            raise _renamed_error(error, {v: k for k, v in names.items()}) from None
        w = _weights_expr(t, design)
        col = t[request.variable]
        y = (
            col.ifelse(1.0, 0.0)
            if request.statistic == "proportion" and t.schema()[request.variable].is_boolean()
            else col.cast("float64")
        )
        # Centred on its mid-range, as in estimate(): y = y' + cy (power sums lose no precision).
        # Not for a total: its score is w * y, uncentred, with a stable co-moment (see estimate()).
        total = request.statistic == "total"
        cy = checked.centre.get(request.variable, 0.0) if numeric and not total else 0.0
        if cy:
            y = y - cy

        def in_domain(values: tuple[Any, ...]) -> ir.BooleanValue:
            cond: ir.BooleanValue = ibis.literal(True)
            for c, v in zip(by_cols, values, strict=True):
                cond = cond & (t[c] == ibis.literal(v))
            return cond

        i1, i2 = in_domain(v1).ifelse(1.0, 0.0), in_domain(v2).ifelse(1.0, 0.0)
        factors = {"y": y, "i1": i1, "i2": i2}
        quantities = {"b1": ("i1",), "a1": ("y", "i1"), "b2": ("i2",), "a2": ("y", "i2")}
        est = Estimand(("a1", "b1", "a2", "b2"))
        infos = _stage_info(session, design)
        keys = _stage_keys(t, design)
        tables = [
            run_moments(
                session,
                stage_moments(
                    t,
                    domains={},
                    strata=s,
                    units=u,
                    weight=w,
                    factors=factors,
                    binary={"i1", "i2"},
                    quantities=quantities,
                    pairs=est.pairs(),
                    row_sums={},
                    # a total's score weighs the weights by cy
                    centred=est.pairs() if request.statistic == "total" else (),
                ),
            )
            for s, u, _, _ in keys
        ]
    stages: list[StageMoments] = []
    info1 = infos[0].copy()
    info1["mult"] = 1.0
    prepared = [info1]
    if len(infos) > 1:
        info2 = infos[1].merge(
            info1[["__cb_s", "n_units", "popsize"]].rename(columns={"n_units": "n1", "popsize": "N1"}),
            on="__cb_s",
            how="left",
        )
        with np.errstate(divide="ignore"):
            info2["mult"] = info2["n1"] / info2["N1"]
        prepared.append(info2)
    for i, (tab, info) in enumerate(zip(tables, prepared, strict=True)):
        label_cols = keys[i][3]
        merged = tab.merge(info[[*label_cols, "n_units", "f", "mult"]], on=label_cols, how="left").assign(
            __domain=0
        )
        stages.append(StageMoments(merged, stage=i + 1, label_columns=label_cols))
    st1 = stages[0].table
    sums = {q: float(st1[f"sum_{q}"].sum()) for q in ("a1", "b1", "a2", "b2")}
    if sums["b1"] == 0 or sums["b2"] == 0:
        raise SurveyDesignError("a domain of the difference is empty")
    if request.statistic == "total":  # z = q_a1 - q_a2 = q_a1' - q_a2' + cy (q_b1 - q_b2)
        diff = (sums["a1"] - sums["a2"]) + cy * (sums["b1"] - sums["b2"])
        coefs = [np.ones(1), np.full(1, cy), -np.ones(1), np.full(1, -cy)]
    else:  # means of the centred values: theta_k = cy + mean_k
        mean1, mean2 = sums["a1"] / sums["b1"], sums["a2"] / sums["b2"]
        diff = mean1 - mean2
        coefs = [
            np.array([1 / sums["b1"]]),
            np.array([-mean1 / sums["b1"]]),
            np.array([-1 / sums["b2"]]),
            np.array([mean2 / sums["b2"]]),
        ]
    var = float(domain_variances(stages, est, coefs, 1, design.lonely_psu)[0])
    se = math.sqrt(var)
    degf = float(st1["m"].sum() - len(st1))
    zq = float(special.ndtri(1 - (1 - level) / 2))
    tstat = diff / se if se > 0 else math.inf
    p_value = float(2 * special.stdtr(degf, -abs(tstat))) if degf > 0 else math.nan  # 2 t.sf(|t|)
    return Difference(diff, se, diff - zq * se, diff + zq * se, tstat, degf, p_value)
