"""The common case of ``cyberbeeld estimate`` in one DuckDB query, without pandas, Ibis or SciPy.

Means and totals, overall or by domains, of a stratified element sample (``--weights``,
``--strata``, ``--fpc``; no clusters) from a Parquet or CSV file: the numbers of
:func:`cyberbeeld.survey.estimators.estimate` (R's ``svyby(..., svymean)`` / ``svytotal``), but the
whole process costs little more than the one aggregation query that any implementation needs
(issue 18: the start-up of pandas, Ibis and SciPy was half of the run time at 2,000,000 rows).

Everything that is not this common case -- clusters, ratios, proportions, a weight of 0, missing
values, a lonely stratum, a bad fpc, column names that differ only in case, Parquet output --
returns ``None`` so that the caller runs the general engine, which also words every error.  So
this module never reports a problem itself: it only answers when all is well.

The arithmetic is that of :mod:`cyberbeeld.survey.estimators` and
:mod:`cyberbeeld.survey.moments` for one-stage element sampling (tests/survey/test_lean.py checks
that both give the same numbers, and the R references).
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["lean_estimate", "write_csv"]

_CENSUS_TOL = 1e-7
_ROUNDING = 64 * 2.220446049250313e-16
_SRC = "cyberbeeld_lean_src"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(x: float) -> str:
    return f"CAST({x!r} AS DOUBLE)"


def lean_estimate(
    data: str | Path,
    *,
    weights: str | None,
    strata: str | None,
    fpc: Sequence[str],
    ids: Sequence[str],
    requests: Sequence[tuple[str, str, str | None]],
    by: Sequence[str],
    level: float = 0.95,
    lonely_psu: str = "fail",
) -> tuple[list[str], list[list[Any]]] | None:
    """Estimate means and totals in one pass, or ``None`` when the general engine is needed.

    Parameters
    ----------
    data : str or Path
        A ``.parquet`` file (not a directory) or a ``.csv`` file.
    weights, strata : str, optional
        Design columns (as :class:`~cyberbeeld.survey.design.Design`).
    fpc : sequence of str
        At most one column (population sizes or sampling fractions).
    ids : sequence of str
        Must be empty (element sampling).
    requests : sequence of (statistic, variable, denominator)
        Only ``mean`` and ``total``.
    by : sequence of str
        Domain columns.
    level : float
        Confidence level of the normal interval.
    lonely_psu : str
        Unused here except that a stratum of one row is left to the general engine.

    Returns
    -------
    (header, rows) or None
        ``<by>, variable, statistic, estimate, se, ci_low, ci_high, deff, n`` in the order of
        the general engine (requests in order, domains sorted), or ``None``.
    """
    path = Path(data)
    name = path.name.lower()
    if ids or len(fpc) > 1 or not requests or not 0 < level < 1 or (fpc and not weights):
        return None  # (weights from the fpc: the general engine's rule)
    if any(stat not in ("mean", "total") or den for stat, _, den in requests):
        return None
    if not path.is_file():
        return None
    if name.endswith((".parquet", ".pq")):
        kind = "parquet"
    elif name.endswith(".csv"):
        kind = "csv"
    else:
        return None
    # deferred: start-up: duckdb and numpy load only when a file is estimated, not for `estimate --help`
    import duckdb
    import numpy as np

    con = duckdb.connect()
    try:
        return _run(con, np, path, kind, weights, strata, list(fpc), requests, list(by), level)
    except duckdb.Error:
        return None  # the general engine reads the file again and words the problem
    finally:
        con.close()


def _run(
    con: Any,
    np: Any,
    path: Path,
    kind: str,
    weights: str | None,
    strata: str | None,
    fpc: list[str],
    requests: Sequence[tuple[str, str, str | None]],
    by: list[str],
    level: float,
) -> tuple[list[str], list[list[Any]]] | None:
    quoted = str(path).replace("'", "''")
    if kind == "parquet":
        con.execute(f"CREATE TEMP VIEW {_SRC} AS SELECT * FROM read_parquet('{quoted}')")
    else:  # parsed once, into DuckDB's own storage (two passes read it)
        con.execute(f"CREATE TEMP TABLE {_SRC} AS SELECT * FROM read_csv_auto('{quoted}', header = true)")
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {_SRC})").fetchall())
    names = list(types)
    lower = {n.lower() for n in names}
    if len(lower) != len(names) or any(
        (m := re.fullmatch(r"(.+)_\d+", n)) is not None and m.group(1).lower() in lower for n in names
    ):
        return None  # DuckDB renames one of nh/Nh (to Nh_1): the general engine maps the names back
    variables = list(dict.fromkeys(v for _, v, _ in requests))
    numeric = list(dict.fromkeys([*([weights] if weights else []), *fpc, *variables]))
    design_cols = [c for c in (weights, strata) if c] + fpc
    for col in [*design_cols, *variables, *by]:
        if col not in types:
            return None
    integer = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT")
    floating = ("FLOAT", "DOUBLE", "REAL")
    for col in numeric:
        if types[col] not in integer and types[col] not in floating and not types[col].startswith("DECIMAL"):
            return None
    # Missing values, ranges, and (floats) finiteness and 0/1-ness: one cheap scan of those columns.
    every = list(dict.fromkeys([*design_cols, *variables, *by]))
    parts = ["COUNT(*)"]
    for col in every:
        parts.append(f"COUNT({_q(col)})")
    for col in numeric:
        parts += [f"MIN({_q(col)})", f"MAX({_q(col)})"]
        if types[col] in floating:
            parts.append(f"SUM({_q(col)})")
            parts.append(f"SUM(ABS({_q(col)} * (1.0 - {_q(col)})))")
    known = _parquet_stats(con, quoted, every) if kind == "parquet" else {}
    # Parquet statistics ignore NaN: a NaN (or infinity) shows in the sums of the main query,
    # which are checked below.  Whether a float column in [0, 1] holds only 0 and 1 needs a scan.
    unit_floats = [
        c for c in variables
        if types[c] in floating and c in known and known[c][0] >= 0 and known[c][1] <= 1
    ]
    if all(c in known for c in every) and not unit_floats:
        for col in every:
            if known[col][2]:
                return None  # a missing value: R's rules (na.rm, svyby) are the general engine's
        lo_hi = {c: (known[c][0], known[c][1]) for c in numeric}
        flags: dict[str, tuple[float, float]] = {}
    else:
        row = con.execute(f"SELECT {', '.join(parts)} FROM {_SRC}").fetchone()
        rows = int(row[0])
        pos = 1
        for _col in every:
            if int(row[pos]) != rows:
                return None
            pos += 1
        lo_hi = {}
        flags = {}
        for col in numeric:
            lo_hi[col] = (row[pos], row[pos + 1])
            pos += 2
            if types[col] in floating:
                flags[col] = (float(row[pos]), float(row[pos + 1]))
                pos += 2
    if any(v is None for pair in lo_hi.values() for v in pair):
        return None  # no rows
    lo_hi = {c: (float(a), float(b)) for c, (a, b) in lo_hi.items()}
    for col, (lo, hi) in lo_hi.items():
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return None
        if col in flags and not math.isfinite(flags[col][0]):
            return None
    if weights and lo_hi[weights][0] <= 0:
        return None  # a weight of 0 changes R's deff; a negative one is an error
    if fpc and lo_hi[fpc[0]][0] <= 0:
        return None
    # 0/1 columns are used as they are; others are centred on their mid-range (as estimators.py).
    centre: dict[str, float] = {}
    for col in variables:
        lo, hi = lo_hi[col]
        binary = lo >= 0 and hi <= 1 and (types[col] not in floating or flags[col][1] == 0)
        if not binary and 0.5 * (lo + hi) != 0:
            centre[col] = 0.5 * (lo + hi)

    w = f"CAST({_q(weights)} AS DOUBLE)" if weights else "1.0"
    keys: list[str] = list(dict.fromkeys([*by, *([strata] if strata else [])]))
    select = [f"{_q(k)} AS k{i}" for i, k in enumerate(keys)]
    aggs = ["COUNT(*) AS n", "SUM(_w) AS sw", "SUM(_w2) AS sww"]
    if fpc:
        aggs += [f"MIN(CAST({_q(fpc[0])} AS DOUBLE)) AS flo", f"MAX(CAST({_q(fpc[0])} AS DOUBLE)) AS fhi"]
    for j, col in enumerate(variables):
        y = f"({_q(col)} - {_lit(centre[col])})" if col in centre else _q(col)
        binary = col not in centre and lo_hi[col][0] >= 0 and lo_hi[col][1] <= 1
        aggs.append(f"SUM(_w * {y}) AS s{j}")  # sum w y'
        aggs.append(f"SUM(_w2 * {y}) AS p{j}")  # sum w^2 y'
        aggs.append(f"SUM(_w2 * {y} * {y}) AS pp{j}" if not binary else f"SUM(_w2 * {y}) AS pp{j}")
        aggs.append(f"SUM(_w * {y} * {y}) AS r{j}" if not binary else f"SUM(_w * {y}) AS r{j}")
        if any(stat == "total" and v == col for stat, v, _ in requests):
            raw = _q(col)
            aggs.append(f"SUM(_w * {raw}) AS t{j}")
            aggs.append(f"VAR_POP(_w * {raw}) * COUNT(*) AS c{j}")
    group = f" GROUP BY {', '.join(f'k{i}' for i in range(len(keys)))}" if keys else ""
    sql = (
        f"SELECT {', '.join([*(f'k{i}' for i in range(len(keys))), *aggs])} FROM "
        f"(SELECT {', '.join([*select, f'{w} AS _w', f'{w} * {w} AS _w2', *map(_q, [*fpc, *variables])])} "
        f"FROM {_SRC}){group}"
    )
    res = con.execute(sql).fetchnumpy()
    for name, values in res.items():
        if not name.startswith("k") and not np.all(np.isfinite(np.asarray(values, dtype=np.float64))):
            return None  # a NaN or infinite value: the general engine names the row
    return _assemble(np, res, keys, by, strata, fpc, variables, centre, requests, level)


def _parquet_stats(con: Any, quoted: str, columns: list[str]) -> dict[str, tuple[Any, Any, int]]:
    """min, max, nulls per column from the Parquet footer (only when every row group has them)."""
    names = ", ".join("'" + c.replace("'", "''") + "'" for c in columns)
    rows = con.execute(
        "SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count "
        f"FROM parquet_metadata('{quoted}') WHERE path_in_schema IN ({names})"
    ).fetchall()
    out: dict[str, list[Any]] = {}
    bad: set[str] = set()
    for col, lo, hi, nulls in rows:
        if nulls is None or lo is None or hi is None:
            bad.add(col)
            continue
        try:
            lo_f, hi_f = float(lo), float(hi)
        except ValueError:
            lo_f, hi_f = math.nan, math.nan  # text columns: only the null count is used
        cur = out.get(col)
        if cur is None:
            out[col] = [lo_f, hi_f, int(nulls)]
        else:
            cur[0] = min(cur[0], lo_f) if not math.isnan(lo_f) else lo_f
            cur[1] = max(cur[1], hi_f) if not math.isnan(hi_f) else hi_f
            cur[2] += int(nulls)
    return {c: (v[0], v[1], v[2]) for c, v in out.items() if c not in bad}


def _assemble(
    np: Any,
    res: dict[str, Any],
    keys: list[str],
    by: list[str],
    strata: str | None,
    fpc: list[str],
    variables: list[str],
    centre: dict[str, float],
    requests: Sequence[tuple[str, str, str | None]],
    level: float,
) -> tuple[list[str], list[list[Any]]] | None:
    f64 = np.float64
    m = np.asarray(res["n"], dtype=f64)
    n_groups = m.shape[0]
    if n_groups == 0:
        return None
    # domains, sorted as the general engine sorts them
    by_values = [res[f"k{keys.index(c)}"] for c in by]
    if by:
        labels = [tuple(_py(col[i]) for col in by_values) for i in range(n_groups)]
        if any(isinstance(v, float) and math.isnan(v) for lab in labels for v in lab):
            return None
        try:
            domains = sorted(set(labels))
        except TypeError:
            return None
        index = {lab: i for i, lab in enumerate(domains)}
        d = np.fromiter((index[lab] for lab in labels), dtype=np.intp, count=n_groups)
    else:
        domains = [()]
        d = np.zeros(n_groups, dtype=np.intp)
    n_dom = len(domains)
    if strata:
        s_values = [_py(v) for v in res[f"k{keys.index(strata)}"]]
        s_index: dict[Any, int] = {}
        h = np.fromiter((s_index.setdefault(v, len(s_index)) for v in s_values), dtype=np.intp, count=n_groups)
    else:
        h = np.zeros(n_groups, dtype=np.intp)
    n_strata = int(h.max()) + 1
    n_h_strat = np.bincount(h, weights=m, minlength=n_strata)
    if fpc:
        flo = np.full(n_strata, np.inf)
        fhi = np.full(n_strata, -np.inf)
        np.minimum.at(flo, h, np.asarray(res["flo"], dtype=f64))
        np.maximum.at(fhi, h, np.asarray(res["fhi"], dtype=f64))
        if np.any(flo != fhi):
            return None
        is_pop = bool(np.any(fhi > 1))
        if is_pop != bool(flo.min() >= 1):
            return None
        pop = flo if is_pop else n_h_strat / flo
        if np.any(pop < n_h_strat):
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            f_strat = np.where(np.isinf(pop), 1.0, (pop - n_h_strat) / pop)
    else:
        f_strat = np.ones(n_strata)
    census_strat = f_strat < _CENSUS_TOL
    if np.any((n_h_strat == 1) & ~census_strat):
        return None  # a lonely stratum: R's rules and messages are the general engine's
    n_h = n_h_strat[h]
    f = f_strat[h]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = f * np.where(n_h > 1, n_h / (n_h - 1.0), 1.0)
    census = f < _CENSUS_TOL

    def dsum(x: Any) -> Any:
        return np.bincount(d, weights=x, minlength=n_dom).astype(f64)

    sw = np.asarray(res["sw"], dtype=f64)
    sww = np.asarray(res["sww"], dtype=f64)
    W = dsum(sw)
    n_rows = dsum(m)
    nobs = n_rows
    zq = statistics.NormalDist().inv_cdf(1 - (1.0 - level) / 2)

    def variance(coefs: list[Any], sums: list[Any], comoments: dict[tuple[int, int], tuple[Any, Any]]) -> Any:
        c = [cf[d] for cf in coefs]
        tot = np.zeros(n_groups)
        dz2 = np.zeros(n_groups)
        size = np.zeros(n_groups)
        for i in range(len(c)):
            tot = tot + c[i] * sums[i]
            for j in range(i, len(c)):
                centred, magnitude = comoments[(i, j)]
                k = 1.0 if i == j else 2.0
                dz2 = dz2 + k * c[i] * c[j] * centred
                size = size + k * np.abs(c[i] * c[j]) * magnitude
        with np.errstate(divide="ignore", invalid="ignore"):
            pad = (n_h - m) / (n_h * m) * tot * tot
        ss = dz2 + pad
        ss = np.where(ss <= _ROUNDING * (size + pad), 0.0, ss)
        contrib = np.where(census, 0.0, scale * ss)
        return dsum(contrib)

    header = [*by, "variable", "statistic", "estimate", "se", "ci_low", "ci_high", "deff", "n"]
    out: list[list[Any]] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for stat, var_name, _ in requests:
            j = variables.index(var_name)
            cy = centre.get(var_name, 0.0)
            s_row = np.asarray(res[f"s{j}"], dtype=f64)
            p_row = np.asarray(res[f"p{j}"], dtype=f64)
            pp_row = np.asarray(res[f"pp{j}"], dtype=f64)
            s_y = dsum(s_row)
            rs_yy = dsum(np.asarray(res[f"r{j}"], dtype=f64))
            e = -s_y / W
            wss = np.maximum(rs_yy + 2 * e * s_y + e**2 * W, 0.0)
            if stat == "mean":
                point = cy - e
                coefs = [1.0 / W, e / W]
                power = {
                    (0, 0): pp_row,
                    (0, 1): p_row,
                    (1, 1): sww,
                }
                sums = [s_row, sw]
                comoments = {}
                for (a, b), pw in power.items():
                    comoments[(a, b)] = (pw - sums[a] * sums[b] / m, np.abs(pw))
                var = variance(coefs, sums, comoments)
                svyvar = nobs / (nobs - 1) * wss / W**2 / W
                vsrs = svyvar * W**2 * (W - nobs) / (W * nobs)
                vsrs = np.where(W < nobs, np.nan, vsrs)
            else:
                t_row = np.asarray(res[f"t{j}"], dtype=f64)
                c_row = np.asarray(res[f"c{j}"], dtype=f64)
                point = dsum(t_row)
                var = variance([np.ones(n_dom)], [t_row], {(0, 0): (c_row, np.abs(c_row))})
                svyvar = nobs / (nobs - 1) * wss / W
                vsrs = svyvar * W**2 * (W - nobs) / (W * nobs)
            se = np.sqrt(var)
            deff = var / vsrs
            lo, hi = point - zq * se, point + zq * se
            for di, lab in enumerate(domains):
                out.append(
                    [
                        *lab,
                        var_name,
                        stat,
                        float(point[di]),
                        float(se[di]),
                        float(lo[di]),
                        float(hi[di]),
                        float(deff[di]),
                        int(n_rows[di]),
                    ]
                )
    return header, out


def _py(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.17g}"
    if value is None:
        return ""
    return str(value)


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    """Write as pandas' ``to_csv(index=False, float_format="%.17g")`` does (same bytes)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([_cell(v) for v in row] for row in rows)
