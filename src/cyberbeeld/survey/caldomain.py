"""Domain estimates on calibrated (raked, post-stratified, GREG) designs in one aggregation pass.

R computes ``svyby(~y, ~domain, rake(design, ...), svymean)`` one domain at a time: every domain
is a full-length pass that replaces the scores by the calibration's adjusted scores (residuals of
the regression of the scores on the calibration variables) and then computes their design
variance.  For calibration to *categorical* margins (raking, post-stratification, and linear,
raking or logit calibration with bounds and trimming to the same margins) everything depends on
the data only through sums per

    stratum × PSU × domain × calibration cell

(a cell is a combination of the margins' categories; within a cell the g-weight is constant), so
one grouped aggregation in the engine (DuckDB or Spark) is enough for *all* domains and *all*
variables at once:

* the calibration itself runs on the cell table (sum of the design weights per cell);
* the adjusted scores are ``z_i = w0_i * (1{i in d} * a_c * (y_i - m) - b_c)``, where ``a_c`` and
  ``b_c`` are per cell, domain and variable: ``b`` is ``g_c * X_c' beta`` for GREG-type
  calibration and R's ten rounds of margin-mean sweeps for ``rake()`` -- both computed from the
  per-domain-per-cell sums;
* their design variance needs, per stratum, the sum and the sum of squares of the PSU totals of
  ``z``: from first- and second-power sums of ``w0`` and ``w0 * y`` per stratum × domain × cell
  (element sampling), or from the PSU × domain × cell sums (cluster sampling).

The engine sums every per-row quantity *exactly*: each value is scaled by a power of two (chosen
from the column's range, found in a first cheap pass) to an integer and summed as a 38-digit
decimal.  The sums therefore do not depend on the order of summation, so DuckDB and Spark (and
any number of threads) give byte-identical results.

Pure module (no Django).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtri

from cyberbeeld.survey.calibrate import (
    CalibrationError,
    RakingAdjustment,
    calibrate,
    margin_model_matrix,
    margin_population_totals,
    rake,
)
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.engine import TABLE_NAME, DataSource, Session, open_session
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.options import EngineName

__all__ = ["Calibration", "Margin", "Total", "calibrated_estimate"]

FloatArray = npt.NDArray[np.float64]
Method = Literal["rake", "linear", "raking", "logit"]
_CENSUS_TOL = 1e-7
#: Integer range the scaled per-row values are floored into (|value * 2**k| < 2**_BITS).
_BITS = 60


@dataclass(frozen=True)
class Margin:
    """A population margin: the population count of every category of one or more columns.

    Parameters
    ----------
    columns : tuple of str
        The column(s) of the margin; two columns (``("leeftijd", "geslacht")``) make a crossed
        margin (R's ``~leeftijd + geslacht`` as one margin, i.e. post-stratification cells).
    totals : mapping
        Population count per category: keys are tuples of labels (one per column, compared as
        text), values the counts.
    """

    columns: tuple[str, ...]
    totals: Mapping[tuple[str, ...], float]

    def __post_init__(self) -> None:
        cols = (self.columns,) if isinstance(self.columns, str) else tuple(self.columns)
        object.__setattr__(self, "columns", cols)
        fixed = {
            tuple(str(v) for v in (k if isinstance(k, tuple) else (k,))): float(t)
            for k, t in self.totals.items()
        }
        object.__setattr__(self, "totals", fixed)


@dataclass(frozen=True)
class Total:
    """The population total of a numeric column, for GREG calibration (R's ``calibrate(~ ... + x)``).

    Parameters
    ----------
    column : str
        The numeric column (a continuous calibration variable).
    total : float
        Its population total.
    """

    column: str
    total: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", float(self.total))
        if not math.isfinite(self.total):
            raise CalibrationError(f"the population total of {self.column} must be a finite number")


@dataclass(frozen=True)
class Calibration:
    """How the design weights are calibrated (R's ``rake()`` or ``calibrate()``).

    Parameters
    ----------
    margins : tuple of Margin
    method : {"rake", "linear", "raking", "logit"}
        ``"rake"`` is R's ``rake()`` (iterative proportional fitting, with R's iterative
        variance approximation); the others are R's ``calibrate(calfun=)`` to the margins
        (``formula = ~ m1 + m2 + ...``), whose variance uses the regression residuals.
    bounds : (float, float)
        Bounds on the g-weights (``calibrate(bounds=)``).
    trim : (float, float), optional
        R's ``calibrate(trim=)``.
    epsilon, maxit : optional
        Convergence: R's defaults (``rake``: 1 and 10; ``calibrate``: 1e-7 and 50).
    totals : tuple of Total
        Population totals of continuous variables, calibrated to along with the margins
        (``formula = ~ m1 + m2 + ... + x1 + x2``): GREG, i.e. ``method="linear"`` without bounds
        or trimming (the g-weight is then linear in ``x``, so the one pass still suffices).
    """

    margins: tuple[Margin, ...]
    method: Method = "rake"
    bounds: tuple[float, float] = (-math.inf, math.inf)
    trim: tuple[float, float] | None = None
    epsilon: float | None = None
    maxit: int | None = None
    force: bool = False
    totals: tuple[Total, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "margins", tuple(self.margins))
        object.__setattr__(self, "totals", tuple(self.totals))
        if not self.margins:
            raise CalibrationError("calibration needs at least one margin")
        if self.method not in ("rake", "linear", "raking", "logit"):
            raise CalibrationError(f"unknown calibration method {self.method!r}")
        if self.totals:
            bounded = any(math.isfinite(b) for b in self.bounds)
            if self.method != "linear" or bounded or self.trim is not None:
                raise CalibrationError(
                    "totals of continuous variables need linear calibration (GREG) without bounds or trimming"
                )
            names = [t.column for t in self.totals]
            if len(set(names)) != len(names) or set(names) & set(self.columns):
                raise CalibrationError("a calibration variable appears twice")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column of every margin, once."""
        return tuple(dict.fromkeys(c for m in self.margins for c in m.columns))


# ----------------------------------------------------------------------------- engine pass


class _Sql:
    """Plain SQL that DuckDB and Spark both run (no Ibis compilation: wide aggregations compile slowly)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.spark = session.engine == "spark"

    def q(self, name: str) -> str:
        """A quoted identifier."""
        if self.spark:
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    def text(self, column: str) -> str:
        return f"COALESCE(CAST({self.q(column)} AS STRING), '__NA__')"

    def num(self, column: str) -> str:
        return f"CAST({self.q(column)} AS DOUBLE)"

    def run(self, sql: str) -> pd.DataFrame:
        if self.spark:
            return self.session.spark.sql(sql).toPandas()  # type: ignore[attr-defined]
        return self.session.con.sql(sql).df()  # type: ignore[attr-defined]


def _lit(x: float) -> str:
    """A double literal that parses back to exactly ``x`` in both engines."""
    return f"CAST({x!r} AS DOUBLE)"


def _exact_sum(expr: str, shift: int, spark: bool) -> str:
    """Sum of ``floor(expr * 2**shift)`` (an integer below ``2**_BITS``), exactly, as text.

    DuckDB sums BIGINT into a 128-bit integer; Spark's BIGINT sum would wrap around, so Spark
    sums 38-digit decimals.  Both are exact, so both give the same integer.
    """
    kind = "DECIMAL(38, 0)" if spark else "BIGINT"
    return f"CAST(SUM(CAST(CAST(FLOOR(({expr}) * {_lit(2.0**shift)}) AS BIGINT) AS {kind})) AS STRING)"


def _shift_for(bound: float) -> int:
    """The power of two that maps values up to ``bound`` below ``2**_BITS``."""
    if not np.isfinite(bound) or bound <= 0:
        return 0
    return int(_BITS - math.floor(math.log2(bound)) - 1)


@dataclass
class _Column:
    name: str
    centre: float
    bound: float  # max |value - centre|
    binary: bool


def _ranges(sql: _Sql, columns: Sequence[str], *, scan: bool = False) -> dict[str, tuple[float, float, int]]:
    """min, max and number of missing values per numeric column.

    From Parquet metadata when every row group has statistics (no scan; a NaN, which Parquet
    statistics ignore, then stops the aggregation with an engine error), else one cheap pass.
    """
    cols = list(dict.fromkeys(columns))
    stats = getattr(sql.session, "column_stats", None)
    if stats is not None and not sql.spark and not scan:
        known = stats(cols)
        if all(c in known and known[c][0] is not None and known[c][1] is not None for c in cols):
            return {c: (float(known[c][0]), float(known[c][1]), int(known[c][2])) for c in cols}
    parts = []
    for i, c in enumerate(cols):
        v = sql.num(c)
        parts += [
            f"MIN({v}) AS lo{i}",
            f"MAX({v}) AS hi{i}",
            f"SUM(CASE WHEN {sql.q(c)} IS NULL THEN 1 ELSE 0 END) AS na{i}",
        ]
    row = sql.run(f"SELECT {', '.join(parts)} FROM {TABLE_NAME}").iloc[0]
    out = {}
    for i, c in enumerate(cols):
        lo, hi = row[f"lo{i}"], row[f"hi{i}"]
        out[c] = (
            float(lo) if lo is not None and not pd.isna(lo) else math.nan,
            float(hi) if hi is not None and not pd.isna(hi) else math.nan,
            int(row[f"na{i}"] or 0),
        )
    return out


# ----------------------------------------------------------------------------- main entry


def calibrated_estimate(
    data: DataSource,
    design: Design,
    requests: Sequence[Any],
    calibration: Calibration,
    *,
    by: Sequence[str] | str | None = None,
    level: float = 0.95,
    engine: EngineName = "duckdb",
    **engine_options: Any,
) -> pd.DataFrame:
    """Means and totals by domain on a calibrated design, from one grouped aggregation.

    Parameters
    ----------
    data : pandas.DataFrame, str, Path or DuckDBTable
    design : Design
        One-stage design (strata, PSU, fpc); without a weights column the weights follow from
        the fpc (population over sample size), as R's ``svydesign`` does.
    requests : sequence of Request
        ``mean``, ``total`` or ``proportion`` (of a 0/1 variable) requests.
    calibration : Calibration
    by : str or sequence of str, optional
        Domain columns (R's ``svyby`` on the calibrated design).
    level : float
        Level of the normal confidence interval (R's ``confint``).
    engine : {"duckdb", "spark"}

    Returns
    -------
    pandas.DataFrame
        ``<by>, variable, statistic, estimate, se, ci_low, ci_high, deff, n``.
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    stats = []
    for r in requests:
        if r.statistic not in ("mean", "total", "proportion"):
            raise SurveyDesignError(
                f"{r.statistic} is not available on a calibrated design (mean, total, proportion)"
            )
        stats.append(("mean" if r.statistic == "proportion" else r.statistic, r.variable, r.statistic))
    if not stats:
        raise SurveyDesignError("nothing to estimate")
    psu = design.psu
    if len(design.ids) > 1 and design.fpc:
        raise SurveyDesignError(
            "calibrated domain estimates support one-stage designs (give one cluster column, "
            "or no fpc for the second stage)",
            column=design.ids[1],
        )
    if len(design.fpc) > 1:
        raise SurveyDesignError("one fpc column expected", column=design.fpc[1])
    with open_session(data, engine, **engine_options) as session:
        present = set(session.table.columns)
        needed = [
            *design.columns,
            *by_cols,
            *calibration.columns,
            *(t.column for t in calibration.totals),
            *(v for _, v, _ in stats),
        ]
        for col in needed:
            if col not in present:
                raise SurveyDesignError("column not found in the data", column=col)
        table = _aggregate(session, design, [v for _, v, _ in stats], by_cols, calibration)
    return _finish(table, design, stats, by_cols, calibration, level, psu is not None)


@dataclass
class _Aggregate:
    frame: pd.DataFrame
    columns: list[_Column]
    weighted: bool  # False: weights follow from the fpc (sums are of w0 = 1)
    xcols: list[_Column] = field(default_factory=list)  # continuous calibration variables (centred)


def _monomials(p: int, degree: int) -> list[tuple[int, ...]]:
    """Every product of at most ``degree`` of ``p`` variables, as sorted index tuples (``()`` is 1)."""
    out: list[tuple[int, ...]] = [()]
    frontier: list[tuple[int, ...]] = [()]
    for _ in range(degree):
        frontier = [m + (k,) for m in frontier for k in range(m[-1] if m else 0, p)]
        out += frontier
    return out


def _xname(power: int, alpha: tuple[int, ...], j: int | None = None, b: int = 0) -> str:
    """Column of the sum of ``w0**power * prod(x'[alpha]) * y'_j**b``."""
    base = f"g{power}_" + "_".join(map(str, alpha))
    return base if j is None else f"{base}_y{j}_{b}"


def _aggregate(
    session: Session,
    design: Design,
    variables: Sequence[str],
    by_cols: Sequence[str],
    calibration: Calibration,
) -> _Aggregate:
    sql = _Sql(session)
    schema = session.table.schema()
    variables = list(dict.fromkeys(variables))
    xnames = [t.column for t in calibration.totals]
    ranges = _ranges(sql, [*variables, *xnames, *design.fpc, *([design.weights] if design.weights else [])])
    for c, (lo, hi, na) in ranges.items():
        if na:
            raise SurveyDesignError(f"{na} missing value(s)", column=c)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise SurveyDesignError("non-finite value (NaN or infinity)", column=c)
    if design.weights:
        lo, hi, _ = ranges[design.weights]
        if lo < 0:
            raise SurveyDesignError("negative weight", column=design.weights)
        w = sql.num(design.weights)
        wbound = hi
    else:
        w = "1.0"
        wbound = 1.0
    cols: list[_Column] = []
    for v in variables:
        lo, hi, _ = ranges[v]
        binary = (lo >= 0 and hi <= 1 and schema[v].is_integer()) or schema[v].is_boolean()
        centre = 0.0 if binary else (lo + hi) / 2
        cols.append(_Column(v, centre, max(abs(hi - centre), abs(lo - centre), 1e-300), bool(binary)))
    # Inner query: per row, the keys (native types: grouping on them is fast), the weight as an
    # integer w * 2**kw (and w**2 * 2**kw2), the analysis values.
    element = design.psu is None
    key_cols: dict[str, str] = {}
    if design.strata:
        key_cols["_h"] = design.strata
    if design.psu:
        key_cols["_p"] = design.psu
    for i, c in enumerate(by_cols):
        key_cols[f"_d{i}"] = c
    for i, c in enumerate(calibration.columns):
        key_cols[f"_m{i}"] = c
    inner = [f"{sql.q(c)} AS {k}" for k, c in key_cols.items()]
    kw = _shift_for(wbound) if design.weights else 0
    kw2 = _shift_for(wbound * wbound) if design.weights else 0
    big = "DECIMAL(38, 0)" if sql.spark else "BIGINT"  # Spark's BIGINT sum would wrap around
    inner.append(f"CAST(FLOOR({w} * {_lit(2.0**kw)}) AS BIGINT) AS _wi")
    if element:
        inner.append(f"CAST(FLOOR({w} * {w} * {_lit(2.0**kw2)}) AS BIGINT) AS _wi2")
    xcols: list[_Column] = []
    for x in xnames:
        lo, hi, _ = ranges[x]
        centre = (lo + hi) / 2
        xcols.append(_Column(x, centre, max(abs(hi - centre), abs(lo - centre), 1e-300), False))
    if any(not c.binary for c in cols) or xcols:
        inner.append(f"{w} AS _w")
    for k, xc in enumerate(xcols):
        inner.append(f"({sql.num(xc.name)} - {_lit(xc.centre)}) AS _x{k}")
    for j, col in enumerate(cols):
        if col.binary:
            inner.append(f"CAST({sql.q(col.name)} AS BIGINT) AS _y{j}")
        else:
            inner.append(f"({sql.num(col.name)} - {_lit(col.centre)}) AS _y{j}")
    if design.fpc:
        inner.append(f"{sql.num(design.fpc[0])} AS _f")

    def isum(expr: str) -> str:
        return f"CAST(SUM(CAST({expr} AS {big})) AS STRING)"

    aggs: dict[str, str] = {"_n": "COUNT(*)", "s1": isum("_wi")}
    shifts: dict[str, int] = {"s1": kw}
    if element:
        aggs["s2"] = isum("_wi2")
        shifts["s2"] = kw2
    for j, col in enumerate(cols):
        y = f"_y{j}"
        if col.binary:  # integer products: exact without scaling
            aggs[f"u{j}"], shifts[f"u{j}"] = isum(y), 0
            aggs[f"s1y{j}"], shifts[f"s1y{j}"] = isum(f"_wi * {y}"), kw
            if element:
                aggs[f"s2y{j}"], shifts[f"s2y{j}"] = isum(f"_wi2 * {y}"), kw2
            continue
        for name, expr, bound in (
            (f"u{j}", y, col.bound),
            (f"s1y{j}", f"_w * {y}", wbound * col.bound),
            *(
                ((f"s2y{j}", f"_w * _w * {y}", wbound**2 * col.bound),)
                + ((f"s2yy{j}", f"_w * _w * {y} * {y}", wbound**2 * col.bound**2),)
                if element
                else ()
            ),
        ):
            shifts[name] = _shift_for(bound)
            aggs[name] = _exact_sum(expr, shifts[name], sql.spark)
    if xcols:  # sums of w0^a x'^alpha y'^b for GREG with continuous variables (see _greg_continuous)
        p = len(xcols)

        def xsum(power: int, alpha: tuple[int, ...], j: int | None = None, b: int = 0) -> None:
            name = _xname(power, alpha, j, b)
            terms = ["_w"] * power + [f"_x{k}" for k in alpha] + ([f"_y{j}"] * b if j is not None else [])
            bound = wbound**power * math.prod(xcols[k].bound for k in alpha)
            if j is not None:
                bound *= (1.0 if cols[j].binary else cols[j].bound) ** b
            shifts[name] = _shift_for(bound)
            aggs[name] = _exact_sum(" * ".join(terms), shifts[name], sql.spark)

        for alpha in _monomials(p, 2)[1:]:
            xsum(1, alpha)
        for j in range(len(cols)):
            for alpha in _monomials(p, 1)[1:]:
                xsum(1, alpha, j, 1)
        if element:
            for alpha in _monomials(p, 4)[1:]:
                xsum(2, alpha)
            for j in range(len(cols)):
                for alpha in _monomials(p, 3)[1:]:
                    xsum(2, alpha, j, 1)
                for alpha in _monomials(p, 2)[1:]:
                    xsum(2, alpha, j, 2)
    if design.fpc:
        aggs["_flo"] = "MIN(_f)"
        aggs["_fhi"] = "MAX(_f)"
    middle = [*key_cols, *(f"{expr} AS {name}" for name, expr in aggs.items())]
    group = ", ".join(key_cols)
    outer = [f"COALESCE(CAST({k} AS STRING), '__NA__') AS {k}" for k in key_cols] + list(aggs)
    query = (
        f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(middle)} FROM "
        f"(SELECT {', '.join(inner)} FROM {TABLE_NAME}) AS rows_"
        + (f" GROUP BY {group}" if group else "")
        + ") AS groups_"
    )
    try:
        frame = sql.run(query)
    except Exception:
        # Parquet statistics ignore NaN: a NaN then fails the integer cast.  Name the column.
        numeric = [*variables, *design.fpc, *([design.weights] if design.weights else [])]
        for c, (lo, hi, _) in _ranges(sql, numeric, scan=True).items():
            if not (np.isfinite(lo) and np.isfinite(hi)):
                raise SurveyDesignError("non-finite value (NaN or infinity)", column=c) from None
        raise
    if "_h" not in frame.columns:
        frame["_h"] = "1"
    keys = list(key_cols)
    # Engines return groups in any order; NumPy sums over them in a fixed one (byte-identical results).
    frame = frame.sort_values(keys, kind="stable", ignore_index=True) if keys else frame
    for name, shift in shifts.items():
        exact = np.array([0.0 if v is None else float(v) for v in frame[name]], dtype=np.float64)
        frame[name] = exact * 2.0**-shift  # float(text) is correctly rounded; 2**-shift is exact
    return _Aggregate(frame, cols, design.weights is not None, xcols)


# ----------------------------------------------------------------------------- NumPy part


def _finish(
    agg: _Aggregate,
    design: Design,
    stats: list[tuple[str, str, str]],
    by_cols: list[str],
    calibration: Calibration,
    level: float,
    clustered: bool,
) -> pd.DataFrame:
    fr = agg.frame
    cols = agg.columns
    col_index = {c.name: j for j, c in enumerate(cols)}
    nrow = len(fr)
    h_code, h_labels = pd.factorize(fr["_h"], sort=True)
    n_h = len(h_labels)
    dom_keys = [f"_d{i}" for i in range(len(by_cols))]
    if dom_keys:
        # A row with a missing by value belongs to no reported domain (svyby leaves that group
        # out) but stays in the design: it is calibrated and its zero scores enter the variance.
        # Its group is estimated like any other and left out of the result.
        dom_frame = fr[dom_keys]
        d_code, d_uniques = pd.factorize(pd.MultiIndex.from_frame(dom_frame), sort=True)
        d_labels = list(d_uniques)
    else:
        d_code = np.zeros(nrow, dtype=np.intp)
        d_labels = [()]
    n_d = len(d_labels)
    mcols = [f"_m{i}" for i in range(len(calibration.columns))]
    cell_code, cell_uniques = pd.factorize(pd.MultiIndex.from_frame(fr[mcols]), sort=True)
    cells = list(cell_uniques)
    n_c = len(cells)
    counts = fr["_n"].to_numpy(np.float64)
    s1 = fr["s1"].to_numpy(np.float64)

    # Units (PSUs) per stratum and the fpc.
    if clustered:
        unit_code, unit_uniques = pd.factorize(pd.MultiIndex.from_arrays([fr["_h"], fr["_p"]]), sort=True)
        n_units = len(unit_uniques)
        stratum_of_unit = np.zeros(n_units, dtype=np.intp)
        stratum_of_unit[unit_code] = h_code
        if not design.nest and design.strata:
            psu_label = pd.Series([u[1] for u in unit_uniques])
            if psu_label.duplicated().any():
                raise SurveyDesignError(
                    "clusters not nested in strata (a PSU appears in more than one stratum); "
                    "use nest=True if PSU labels are only unique within strata",
                    column=design.psu,
                )
        nh = np.bincount(stratum_of_unit, minlength=n_h).astype(np.float64)
    else:
        nh = np.bincount(h_code, weights=counts, minlength=n_h).astype(np.float64)
    fpc_pop = np.full(n_h, np.inf)
    if design.fpc:
        flo = np.full(n_h, np.inf)
        fhi = np.full(n_h, -np.inf)
        np.minimum.at(flo, h_code, fr["_flo"].to_numpy(np.float64))
        np.maximum.at(fhi, h_code, fr["_fhi"].to_numpy(np.float64))
        if np.any(flo != fhi):
            raise SurveyDesignError("fpc differs within a stratum", column=design.fpc[0])
        if np.any(flo <= 0):
            raise SurveyDesignError("fpc must be positive", column=design.fpc[0])
        is_pop = bool(np.any(flo > 1))
        if is_pop and np.any(flo < 1):
            raise SurveyDesignError(
                "fpc must be all population sizes (>= 1) or all sampling fractions (<= 1)",
                column=design.fpc[0],
            )
        fpc_pop = flo if is_pop else nh / flo
        if np.any(fpc_pop < nh):
            raise SurveyDesignError("fpc implies more than 100% sampling", column=design.fpc[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        f_h = np.where(np.isinf(fpc_pop), 1.0, (fpc_pop - nh) / fpc_pop)
    # Weights from the fpc: w0 = N_h / n_h (sums were of w0 = 1).
    if not agg.weighted and design.fpc:
        k_h = fpc_pop / nh
    else:
        k_h = np.ones(n_h)
    k_row = k_h[h_code]

    def scaled(name: str, power: int) -> FloatArray:
        return np.asarray(fr[name].to_numpy(np.float64) * k_row**power, dtype=np.float64)

    s1 = s1 * k_row

    # ---------------------------------------------------------------- calibration on the cells
    w0_cell = np.bincount(cell_code, weights=s1, minlength=n_c)
    n_cell = np.bincount(cell_code, weights=counts, minlength=n_c)
    margin_codes: list[npt.NDArray[np.intp]] = []
    margin_totals: list[FloatArray] = []
    col_pos = {c: i for i, c in enumerate(calibration.columns)}
    for m in calibration.margins:
        labels = [tuple(cell[col_pos[c]] for c in m.columns) for cell in cells]
        keys = list(m.totals)
        index = {key: i for i, key in enumerate(keys)}
        for key, i in list(index.items()):  # a CSV reader may have made Yes/No a boolean column
            index.setdefault(tuple(_as_bool_label(x) for x in key), i)
        missing = list(dict.fromkeys(lab for lab in labels if lab not in index))
        if missing:
            shown = ", ".join("/".join(x.replace("__NA__", "(missing)") for x in lab) for lab in missing[:3])
            raise CalibrationError(
                f"category {shown} of {'×'.join(m.columns)} is in the data but not in the margin"
            )
        margin_codes.append(np.array([index[lab] for lab in labels], dtype=np.intp))
        margin_totals.append(np.array([m.totals[key] for key in keys], dtype=np.float64))
    for m, codes, tot in zip(calibration.margins, margin_codes, margin_totals, strict=True):
        absent = np.bincount(codes, minlength=tot.shape[0]) == 0
        if np.any(absent & (tot > 0)):
            which = [k for k, a, tt in zip(m.totals, absent, tot, strict=True) if a and tt > 0]
            raise CalibrationError(
                f"category {'/'.join(which[0])} of {'×'.join(m.columns)} has a population count "
                "but no respondents"
            )
    if agg.xcols:
        est, zsums, n_dom = _greg_continuous(
            agg,
            stats,
            col_index,
            scaled,
            counts,
            cell_code,
            d_code,
            h_code,
            n_c,
            n_d,
            n_h,
            margin_codes,
            margin_totals,
            calibration,
            unit_code if clustered else None,
            stratum_of_unit if clustered else None,
        )
        variance = _stratum_variance(zsums[0], zsums[1], nh, f_h, design, h_labels)
    else:
        if calibration.method == "rake":
            cal = rake(
                w0_cell,
                margin_codes,
                margin_totals,
                epsilon=1.0 if calibration.epsilon is None else calibration.epsilon,
                maxit=10 if calibration.maxit is None else calibration.maxit,
            )
            g_cell = cal.weights / w0_cell
            adj = cal.adjustments[-1]
            assert isinstance(adj, RakingAdjustment)
            rho = [psw / w0_cell for psw in adj.weights]
            xmat = None
        else:
            sizes = [t.shape[0] for t in margin_totals]
            xmat = margin_model_matrix(margin_codes, sizes)
            pop = margin_population_totals(margin_totals)
            cal = calibrate(
                w0_cell,
                xmat,
                pop,
                calfun=calibration.method,
                bounds=calibration.bounds,
                trim=calibration.trim,
                epsilon=1e-7 if calibration.epsilon is None else calibration.epsilon,
                maxit=50 if calibration.maxit is None else calibration.maxit,
                force=calibration.force,
            )
            g_cell = cal.g
            rho = []
        g_row = g_cell[cell_code]

        # ---------------------------------------------------------------- point estimates
        n_y = len(stats)
        W_d = np.bincount(d_code, weights=g_row * s1, minlength=n_d)
        n_dom = np.bincount(d_code, weights=counts, minlength=n_d)
        est = np.zeros((n_d, n_y))
        mprime = np.zeros((n_d, n_y))  # the centre of the score, in centred units
        scale = np.zeros((n_d, n_y))  # s_d: 1/W_d for means, 1 for totals
        for k, (stat, vname, _) in enumerate(stats):
            col = cols[col_index[vname]]
            j = col_index[vname]
            t_d = np.bincount(d_code, weights=g_row * scaled(f"s1y{j}", 1), minlength=n_d)
            if stat == "mean":
                mprime[:, k] = t_d / W_d
                est[:, k] = col.centre + mprime[:, k]
                scale[:, k] = 1.0 / W_d
            else:
                mprime[:, k] = -col.centre
                est[:, k] = t_d + col.centre * W_d
                scale[:, k] = 1.0

        # per group row r: D1 = sum w0 (y' - m'), U1 = sum (y' - m')  (m' of the row's domain)
        m_row = mprime[d_code]  # (R, Y)
        s1y = np.column_stack([scaled(f"s1y{col_index[v]}", 1) for _, v, _ in stats])
        uy = np.column_stack([fr[f"u{col_index[v]}"].to_numpy(np.float64) for _, v, _ in stats])
        d1 = s1y - m_row * s1[:, None]
        u1 = uy - m_row * counts[:, None]
        a_cdy = np.zeros((n_c, n_d, n_y))  # a_c = g_c s_d
        a_cdy[:] = g_cell[:, None, None] * scale[None, :, :]
        d1_flat = np.zeros((n_c * n_d, n_y))
        np.add.at(d1_flat, cell_code * n_d + d_code, d1)
        d1_cd = d1_flat.reshape(n_c, n_d, n_y)

        # ---------------------------------------------------------------- b: the calibration's part
        if xmat is None:
            u1_cd = np.zeros((n_c * n_d, n_y))
            np.add.at(u1_cd, cell_code * n_d + d_code, u1)
            q = a_cdy * u1_cd.reshape(n_c, n_d, n_y)  # sum over the cell of x0 / w0
            b: FloatArray = np.zeros_like(q)
            for _ in range(10):
                for codes, r_m in zip(margin_codes, rho, strict=True):
                    n_k = codes.max() + 1
                    cnt = np.bincount(codes, weights=n_cell, minlength=n_k)
                    v = (q - n_cell[:, None, None] * b) / r_m[:, None, None]
                    sums = np.zeros((n_k, n_d, n_y))
                    np.add.at(sums, codes, v)
                    means = sums / np.where(cnt > 0, cnt, 1.0)[:, None, None]
                    b = b + r_m[:, None, None] * means[codes]
        else:
            xtx = (xmat * w0_cell[:, None]).T @ xmat
            rhs = np.einsum("ck,cdy->kdy", xmat, scale[None, :, :] * d1_cd)
            beta = np.linalg.lstsq(xtx, rhs.reshape(xmat.shape[1], -1), rcond=None)[0]
            b = g_cell[:, None, None] * (xmat @ beta).reshape(n_c, n_d, n_y)

        # ---------------------------------------------------------------- variance per stratum
        a_row = a_cdy[cell_code, d_code]  # (R, Y)
        if clustered:
            sum_z, sum_z2 = _cluster_sums(
                unit_code, stratum_of_unit, cell_code, d_code, s1, a_row * d1, b, n_h, n_d
            )
        else:
            s2 = scaled("s2", 2)
            s2y = np.column_stack([scaled(f"s2y{col_index[v]}", 2) for _, v, _ in stats])
            s2yy = np.column_stack(
                [
                    scaled(f"s2yy{col_index[v]}", 2)
                    if not cols[col_index[v]].binary
                    else scaled(f"s2y{col_index[v]}", 2)
                    for _, v, _ in stats
                ]
            )
            # binary y' (not centred): y'^2 == y', so sum w0^2 y'^2 == sum w0^2 y'
            dev2 = s2yy - 2 * m_row * s2y + m_row**2 * s2[:, None]  # sum w0^2 (y'-m')^2
            dev1 = s2y - m_row * s2[:, None]  # sum w0^2 (y'-m')
            b_row = b[cell_code, d_code]
            hd = h_code * n_d + d_code
            part1 = np.zeros((n_h * n_d, n_y))
            np.add.at(part1, hd, a_row * d1)
            part2 = np.zeros((n_h * n_d, n_y))
            np.add.at(part2, hd, a_row**2 * dev2 - 2 * a_row * b_row * dev1)
            s1_hc = np.zeros((n_h, n_c))
            np.add.at(s1_hc, (h_code, cell_code), s1)
            s2_hc = np.zeros((n_h, n_c))
            np.add.at(s2_hc, (h_code, cell_code), s2)
            sum_z = part1.reshape(n_h, n_d, n_y) - np.einsum("hc,cdy->hdy", s1_hc, b)
            sum_z2 = part2.reshape(n_h, n_d, n_y) + np.einsum("hc,cdy->hdy", s2_hc, b * b)
        variance = _stratum_variance(sum_z, sum_z2, nh, f_h, design, h_labels)

    # ---------------------------------------------------------------- result
    zq = float(ndtri(0.5 + level / 2))
    se = np.sqrt(np.maximum(variance, 0.0))
    rows: list[dict[str, Any]] = []
    for di, lab in enumerate(d_labels):
        lab_t = lab if isinstance(lab, tuple) else (lab,)
        if "__NA__" in lab_t:
            continue  # a missing by value (see above)
        for k, (_, var_name, shown) in enumerate(stats):
            row: dict[str, Any] = dict(zip(by_cols, lab_t, strict=True))
            row.update(
                variable=var_name,
                statistic=shown,
                estimate=est[di, k],
                se=se[di, k],
                ci_low=est[di, k] - zq * se[di, k],
                ci_high=est[di, k] + zq * se[di, k],
                deff=np.nan,
                n=int(n_dom[di]),
            )
            rows.append(row)
    return pd.DataFrame(
        rows, columns=[*by_cols, "variable", "statistic", "estimate", "se", "ci_low", "ci_high", "deff", "n"]
    )


_TRUE = {"true", "t", "yes", "y", "ja", "j", "1"}
_FALSE = {"false", "f", "no", "n", "nee", "0"}


def _as_bool_label(label: str) -> str:
    """How an engine prints the boolean that a CSV reader may have made of ``label``."""
    low = label.strip().lower()
    return "true" if low in _TRUE else "false" if low in _FALSE else label


def _cluster_sums(
    unit_code: npt.NDArray[np.intp],
    stratum_of_unit: npt.NDArray[np.intp],
    cell_code: npt.NDArray[np.intp],
    d_code: npt.NDArray[np.intp],
    s1: FloatArray,
    domain_part: FloatArray,
    b: FloatArray,
    n_h: int,
    n_d: int,
) -> tuple[FloatArray, FloatArray]:
    """Per stratum × domain × variable: sum and sum of squares of the PSU totals of z."""
    n_units = stratum_of_unit.shape[0]
    n_c = b.shape[0]
    n_y = b.shape[2]
    u_cell = np.zeros((n_units, n_c))
    np.add.at(u_cell, (unit_code, cell_code), s1)
    sum_z = np.zeros((n_h, n_d, n_y))
    sum_z2 = np.zeros((n_h, n_d, n_y))
    for k in range(n_y):
        z = -(u_cell @ b[:, :, k])  # (U, D)
        np.add.at(z, (unit_code, d_code), domain_part[:, k])
        for_h = np.zeros((n_h, n_d))
        np.add.at(for_h, stratum_of_unit, z)
        sum_z[:, :, k] = for_h
        sq = np.zeros((n_h, n_d))
        np.add.at(sq, stratum_of_unit, z * z)
        sum_z2[:, :, k] = sq
    return sum_z, sum_z2


def _stratum_variance(
    sum_z: FloatArray, sum_z2: FloatArray, nh: FloatArray, f_h: FloatArray, design: Design, labels: Any
) -> FloatArray:
    """R's ``onestage`` from per-stratum sums (all strata take part: calibrated subsets keep rows)."""
    census = f_h < _CENSUS_TOL
    lonely = (nh == 1) & ~census
    rule = design.lonely_psu
    if lonely.any() and rule == "fail":
        label = labels[int(np.argmax(lonely))]
        raise SurveyDesignError(
            f"stratum {label!r} has only one PSU at stage 1 (lonely_psu='fail'); "
            "use lonely_psu='adjust', 'average', 'remove' or 'certainty'",
            column=design.strata or design.psu,
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        centred = sum_z2 - sum_z**2 / nh[:, None, None]
        factor = np.where(nh > 1, nh / (nh - 1.0), 1.0)
    if rule == "adjust":
        centred = np.where(lonely[:, None, None], sum_z2, centred)
    keep = ~census
    if rule == "average":
        keep = keep & ~lonely
    scale = np.where(keep, f_h * factor, 0.0)
    var = np.einsum("h,hdy->dy", scale, np.where(keep[:, None, None], centred, 0.0))
    if rule == "average" and lonely.any():
        nstrat = len(nh)
        nok = nstrat - int(lonely.sum())
        var = var * (nstrat / nok) if nok else np.full_like(var, np.nan)
    return np.asarray(var, dtype=np.float64)


def _greg_continuous(
    agg: _Aggregate,
    stats: list[tuple[str, str, str]],
    col_index: dict[str, int],
    scaled: Any,
    counts: FloatArray,
    cell_code: npt.NDArray[np.intp],
    d_code: npt.NDArray[np.intp],
    h_code: npt.NDArray[np.intp],
    n_c: int,
    n_d: int,
    n_h: int,
    margin_codes: list[npt.NDArray[np.intp]],
    margin_totals: list[FloatArray],
    calibration: Calibration,
    unit_code: npt.NDArray[np.intp] | None,
    stratum_of_unit: npt.NDArray[np.intp] | None,
) -> tuple[Any, tuple[Any, Any], Any]:
    """GREG (linear, unbounded) to margins and totals of continuous variables, from the group sums.

    With ``phi_i = (1, x'_i)`` (the continuous variables centred, ``x' = x - c``) the calibration
    vector of a row in cell ``c`` is ``X_i = L_c phi_i`` (``L_c`` puts the cell's margin dummies
    beside the identity), so the g-weight is ``g_i = gamma_c' phi_i`` and the regression part of
    R's adjusted score is ``eta_cd' phi_i``: the score of domain ``d``

        z_i = w0_i (gamma_c' phi_i) (1{i in d} s_d (y'_i - m'_d) - eta_cd' phi_i)

    is a polynomial in ``phi_i`` and ``y'_i`` per group, and every sum the estimate and its
    variance need is a contraction of the group sums of ``w0^a phi^(k) y'^b`` (``k <= 2`` for
    the calibration, the estimates and cluster totals; ``k <= 4`` for the squares of element
    scores).  Centring ``x`` changes neither ``g`` nor the residuals: the margins' dummies include
    the intercept, whose population total ``N`` turns the totals of ``x`` into totals of ``x'``.

    Returns
    -------
    est : (n_d, n_y); (sum_z, sum_z2) : (n_h, n_d, n_y) each; n per domain : (n_d,)
    """
    fr = agg.frame
    xcols = agg.xcols
    p = len(xcols)
    dim = p + 1
    element = unit_code is None
    n_r = len(fr)
    n_y = len(stats)

    def idx_alpha(*positions: int) -> tuple[int, ...]:
        """Monomial of tensor position (0 = the constant, k = x'_{k-1})."""
        return tuple(sorted(q - 1 for q in positions if q > 0))

    def sum_of(power: int, alpha: tuple[int, ...], j: int | None = None, b: int = 0) -> FloatArray:
        if not alpha:  # the sums the margins-only path already has
            if j is None:
                return np.asarray(scaled(f"s{power}", power), dtype=np.float64)
            col = agg.columns[j]
            if power == 1:
                return np.asarray(scaled(f"s1y{j}", 1), dtype=np.float64)
            if b == 1 or col.binary:  # binary: y'^2 = y'
                return np.asarray(scaled(f"s2y{j}", 2), dtype=np.float64)
            return np.asarray(scaled(f"s2yy{j}", 2), dtype=np.float64)
        if j is not None and b == 2 and agg.columns[j].binary:
            b = 1
        return np.asarray(scaled(_xname(power, alpha, j, b), power), dtype=np.float64)

    def tensor(power: int, order: int, j: int | None = None, b: int = 0) -> FloatArray:
        """(R, dim, ..., dim): sums of w0^power phi^(order) [y'^b] per group."""
        out = np.zeros((n_r,) + (dim,) * order)
        cache: dict[tuple[int, ...], FloatArray] = {}
        for pos in np.ndindex(*((dim,) * order)):
            alpha = idx_alpha(*pos)
            if alpha not in cache:
                cache[alpha] = sum_of(power, alpha, j, b)
            out[(slice(None), *pos)] = cache[alpha]
        return out

    js = [col_index[v] for _, v, _ in stats]
    phi2 = tensor(1, 2)  # (R, P, P)
    phi1 = phi2[:, :, 0]  # (R, P)
    b1 = np.stack([tensor(1, 1, j, 1) for j in js], axis=1)  # (R, Y, P)

    # ------------------------------------------------------------ calibration: g = gamma_c' phi
    sizes = [t.shape[0] for t in margin_totals]
    xcat = margin_model_matrix(margin_codes, sizes)  # (C, K0), column 0 the intercept
    k0 = xcat.shape[1]
    kdim = k0 + p
    lmat = np.zeros((n_c, kdim, dim))
    lmat[:, :k0, 0] = xcat
    for k in range(p):
        lmat[:, k0 + k, 1 + k] = 1.0
    phi2_c = np.zeros((n_c, dim, dim))
    np.add.at(phi2_c, cell_code, phi2)
    mmat = np.einsum("ckp,cpq,clq->kl", lmat, phi2_c, lmat)
    sample = np.einsum("ckp,cp->k", lmat, phi2_c[:, :, 0])
    pop_cat = margin_population_totals(margin_totals)
    big_n = pop_cat[0]
    pop = np.concatenate([pop_cat, [t.total - xc.centre * big_n for t, xc in zip(calibration.totals, xcols, strict=True)]])
    try:
        lam = np.linalg.solve(mmat, pop - sample)
    except np.linalg.LinAlgError:
        raise CalibrationError("the calibration variables are collinear in the sample") from None
    gamma = np.einsum("ckp,k->cp", lmat, lam)
    gamma[:, 0] += 1.0
    gam_r = gamma[cell_code]  # (R, P)

    # ------------------------------------------------------------ point estimates
    gw = np.einsum("rp,rp->r", gam_r, phi1)
    w_d = np.bincount(d_code, weights=gw, minlength=n_d)
    n_dom = np.bincount(d_code, weights=counts, minlength=n_d).astype(np.float64)
    ty = np.einsum("rp,ryp->ry", gam_r, b1)
    est = np.zeros((n_d, n_y))
    mprime = np.zeros((n_d, n_y))
    scale = np.zeros((n_d, n_y))
    for k, (stat, vname, _) in enumerate(stats):
        col = agg.columns[col_index[vname]]
        t_d = np.bincount(d_code, weights=ty[:, k], minlength=n_d)
        if stat == "mean":
            mprime[:, k] = t_d / w_d
            est[:, k] = col.centre + mprime[:, k]
            scale[:, k] = 1.0 / w_d
        else:
            mprime[:, k] = -col.centre
            est[:, k] = t_d + col.centre * w_d
            scale[:, k] = 1.0

    # ------------------------------------------------------------ regression: eta = L_c' beta_d
    m_row = mprime[d_code]  # (R, Y)
    s_row = scale[d_code]
    v = s_row[:, :, None] * (b1 - m_row[:, :, None] * phi1[:, None, :])  # (R, Y, P)
    v_cd = np.zeros((n_c * n_d, n_y, dim))
    np.add.at(v_cd, cell_code * n_d + d_code, v)
    rhs = np.einsum("ckp,cdyp->kdy", lmat, v_cd.reshape(n_c, n_d, n_y, dim))
    beta = np.linalg.solve(mmat, rhs.reshape(kdim, -1)).reshape(kdim, n_d, n_y)
    eta = np.einsum("ckp,kdy->cdyp", lmat, beta)  # (C, D, Y, P)
    dom1 = np.einsum("rp,ryp->ry", gam_r, v)  # sum over the group's rows of the domain part of z

    # ------------------------------------------------------------ variance sums per stratum
    sum_z = np.zeros((n_h, n_d, n_y))
    sum_z2 = np.zeros((n_h, n_d, n_y))
    if not element:
        assert unit_code is not None and stratum_of_unit is not None
        n_units = stratum_of_unit.shape[0]
        phi2_uc = np.zeros((n_units, n_c, dim, dim))
        np.add.at(phi2_uc, (unit_code, cell_code), phi2)
        g2 = np.einsum("cp,ucpq->ucq", gamma, phi2_uc)
        for k in range(n_y):
            z = -np.einsum("ucq,cdq->ud", g2, eta[:, :, k, :])
            np.add.at(z, (unit_code, d_code), dom1[:, k])
            np.add.at(sum_z[:, :, k], stratum_of_unit, z)
            np.add.at(sum_z2[:, :, k], stratum_of_unit, z * z)
        return est, (sum_z, sum_z2), n_dom
    t4 = tensor(2, 4)  # (R, P, P, P, P)
    q2 = t4[:, :, :, 0, 0]
    t3 = t4[:, :, :, :, 0]
    phi2_hc = np.zeros((n_h, n_c, dim, dim))
    np.add.at(phi2_hc, (h_code, cell_code), phi2)
    t4_hc = np.zeros((n_h, n_c) + (dim,) * 4)
    np.add.at(t4_hc, (h_code, cell_code), t4)
    g4 = np.einsum("cp,cq,hcpqrs->hcrs", gamma, gamma, t4_hc)
    hd = h_code * n_d + d_code
    for k, j in enumerate(js):
        t3y = tensor(2, 3, j, 1)
        q2y = t3y[:, :, :, 0]
        q2yy = tensor(2, 2, j, 2)
        m = m_row[:, k]
        s = s_row[:, k]
        eta_r = eta[cell_code, d_code, k, :]  # (R, P): the group's own domain
        a_mat = q2yy - 2 * m[:, None, None] * q2y + (m**2)[:, None, None] * q2
        part = s**2 * np.einsum("rp,rpq,rq->r", gam_r, a_mat, gam_r)
        b_ten = t3y - m[:, None, None, None] * t3
        part -= 2 * s * np.einsum("rp,rq,rs,rpqs->r", gam_r, gam_r, eta_r, b_ten)
        dom_z2 = np.zeros(n_h * n_d)
        np.add.at(dom_z2, hd, part)
        dom_z = np.zeros(n_h * n_d)
        np.add.at(dom_z, hd, dom1[:, k])
        eta_k = eta[:, :, k, :]  # (C, D, P)
        sum_z[:, :, k] = dom_z.reshape(n_h, n_d) - np.einsum("cp,hcpq,cdq->hd", gamma, phi2_hc, eta_k)
        sum_z2[:, :, k] = dom_z2.reshape(n_h, n_d) + np.einsum("hcrs,cdr,cds->hd", g4, eta_k, eta_k)
    return est, (sum_z, sum_z2), n_dom
