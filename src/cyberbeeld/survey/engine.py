"""Run the heavy per-row work of survey estimation in DuckDB (default) or Spark.

The per-row work -- weighted sums per domain × stratum × PSU, and the centred moments of
those PSU totals per domain × stratum -- is expressed once as an Ibis expression.  Ibis
compiles it to the SQL dialect of the engine, and the engine's own connection runs it:
a DuckDB connection by default, a local (or given) Spark session with ``engine="spark"``.
Only small tables (one row per domain × stratum at each stage) come back to pandas/NumPy,
where :mod:`cyberbeeld.survey.moments` turns them into variances.

Compiling to SQL instead of using an Ibis backend connection keeps the engine working
across DuckDB and PySpark versions that an Ibis release does not know yet.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.options import EngineName

__all__ = [
    "DuckDBTable",
    "column_names",
    "EngineName",
    "Session",
    "open_session",
    "run_moments",
    "spark_available",
    "stage_moments",
    "stratum_info",
]

TABLE_NAME = "cyberbeeld_survey_src"


@dataclass(frozen=True)
class DuckDBTable:
    """A table (or view) in a DuckDB database.

    Parameters
    ----------
    table : str
        Table name.
    database : str or duckdb.DuckDBPyConnection
        Path of the database file, or an open connection.
    """

    table: str
    database: str | duckdb.DuckDBPyConnection = ":memory:"


DataSource: TypeAlias = pd.DataFrame | str | Path | DuckDBTable


class Session(Protocol):
    """An open data source on an engine."""

    table: ir.Table
    engine: EngineName

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        """Run an expression built on :attr:`table` and return the (small) result."""
        ...


def _file_kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")) or path.is_dir():
        return "parquet"
    if name.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return "csv"
    raise SurveyDesignError(f"unknown data file type {path.name!r} (use .parquet or .csv)")


class DuckDBSession:
    """A data source in a DuckDB connection.

    Parquet files, data frames and DuckDB tables are registered as a view: DuckDB reads
    them column by column, as fast as from its own storage.  A CSV file is parsed once and
    loaded into a temporary table (DuckDB's own storage), because every pass over a view on a
    CSV file would parse the whole file again -- unless ``single_pass`` says that one pass
    is all there will be.
    """

    engine: EngineName = "duckdb"
    #: What the data is in DuckDB: "view" or "table".
    kind: str = "view"

    def __init__(self, data: DataSource, *, threads: int | None = None, single_pass: bool = False) -> None:
        if isinstance(data, DuckDBTable):
            con = data.database if isinstance(data.database, duckdb.DuckDBPyConnection) else None
            if con is None:
                con = duckdb.connect(str(data.database), read_only=str(data.database) != ":memory:")
            self.con = con
            self.con.execute(f'CREATE OR REPLACE TEMP VIEW {TABLE_NAME} AS SELECT * FROM "{data.table}"')
        else:
            self.con = duckdb.connect()
            if threads:
                self.con.execute(f"SET threads = {int(threads)}")
            if isinstance(data, pd.DataFrame):
                self.con.register(TABLE_NAME, data)
            else:
                path = Path(data)
                if not path.exists():
                    raise SurveyDesignError(f"data file not found: {path}")
                quoted = str(path).replace("'", "''")
                if _file_kind(path) == "parquet":
                    self._parquet = f"'{quoted}/**/*.parquet'" if path.is_dir() else f"'{quoted}'"
                    src = (
                        f"read_parquet('{quoted}/**/*.parquet')"
                        if path.is_dir()
                        else f"read_parquet('{quoted}')"
                    )
                else:
                    src = f"read_csv_auto('{quoted}', header = true)"
                    self.kind = "view" if single_pass else "table"
                self.con.execute(f"CREATE OR REPLACE TEMP {self.kind.upper()} {TABLE_NAME} AS SELECT * FROM {src}")
        arrow_schema = self.con.sql(f"SELECT * FROM {TABLE_NAME} LIMIT 0").to_arrow_table().schema
        self.table = ibis.table(ibis.Schema.from_pyarrow(arrow_schema), name=TABLE_NAME)
        self.names = _renamed(_original_names(self.con, data), list(arrow_schema.names))

    _parquet: str | None = None
    #: The data's column names that DuckDB knows by another name (original -> DuckDB's).
    names: dict[str, str]

    def column_stats(self, columns: Sequence[str]) -> dict[str, tuple[float | None, float | None, int]]:
        """Minimum, maximum and number of nulls per column from Parquet metadata (no scan).

        Only columns whose every row group carries statistics are returned; min and max are
        ``None`` for non-numeric columns.  Parquet statistics ignore NaN.
        """
        if self._parquet is None or not columns:
            return {}
        names = ", ".join("'" + c.replace("'", "''") + "'" for c in columns)
        try:
            meta = self.con.sql(
                "SELECT path_in_schema AS col, stats_min_value AS lo, stats_max_value AS hi, "
                f"stats_null_count AS nulls FROM parquet_metadata({self._parquet}) "
                f"WHERE path_in_schema IN ({names})"
            ).df()
        except duckdb.Error:  # pragma: no cover - metadata is optional
            return {}
        out: dict[str, tuple[float | None, float | None, int]] = {}
        for col, grp in meta.groupby("col"):
            if grp["nulls"].isna().any():
                continue
            lo = pd.to_numeric(grp["lo"], errors="coerce")
            hi = pd.to_numeric(grp["hi"], errors="coerce")
            numeric = not (lo.isna().any() or hi.isna().any())
            out[str(col)] = (
                float(lo.min()) if numeric else None,
                float(hi.max()) if numeric else None,
                int(grp["nulls"].sum()),
            )
        return out

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        """Compile ``expr`` to DuckDB SQL and run it."""
        sql = str(ibis.to_sql(expr, dialect="duckdb"))
        return self.con.sql(sql).df()

    def close(self) -> None:
        """Drop the view or table (the connection stays open when it was given to us)."""
        try:
            self.con.execute(f"DROP {self.kind.upper()} IF EXISTS {TABLE_NAME}")
        except duckdb.Error:  # pragma: no cover - best effort
            pass


def _original_names(con: duckdb.DuckDBPyConnection, data: DataSource) -> list[str] | None:
    """The column names as the data has them (DuckDB renames ``Nh`` to ``Nh_1`` next to ``nh``)."""
    if isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns]
    if isinstance(data, DuckDBTable):
        return None  # a DuckDB table's names are already DuckDB's
    path = Path(data)
    quoted = str(path).replace("'", "''")
    try:
        if _file_kind(path) == "csv":
            row = con.sql(f"SELECT * FROM read_csv('{quoted}', header = false, all_varchar = true) LIMIT 1")
            first = row.fetchone()
            return None if first is None else [str(v) for v in first]
        files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
        if not files:
            return None
        first_file = str(files[0]).replace("'", "''")
        rows = con.sql(f"SELECT name, num_children FROM parquet_schema('{first_file}')").fetchall()
    except duckdb.Error:  # pragma: no cover - the names stay DuckDB's
        return None
    if any(children for _, children in rows[1:]):
        return None  # nested columns: no renaming to undo
    return [str(name) for name, _ in rows[1:]]


def _renamed(original: list[str] | None, engine: list[str]) -> dict[str, str]:
    """Original -> engine name of the columns whose names differ (matched by position)."""
    if original is None or len(original) != len(engine):
        return {}
    return {o: e for o, e in zip(original, engine, strict=True) if o != e}


def column_names(session: Session) -> dict[str, str]:
    """The data's column names that the engine knows by another name (original -> engine)."""
    return dict(getattr(session, "names", None) or {})


def spark_available() -> bool:
    """Whether PySpark can be imported."""
    try:
        import pyspark  # noqa: F401  # deferred: optional dependency (the spark extra)
    except ImportError:
        return False
    return True


_SPARK: Any = None


def _spark_session() -> Any:
    global _SPARK
    if _SPARK is None:
        # deferred: optional dependency (the spark extra), ~1 s and a JVM
        from pyspark.sql import SparkSession

        builder = (
            SparkSession.builder.master(os.environ.get("CYBERBEELD_SPARK_MASTER", "local[2]"))
            .appName("cyberbeeld-survey")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
        )
        _SPARK = builder.getOrCreate()
    return _SPARK


class SparkSession_:
    """A data source registered as a temporary view in a (local) Spark session."""

    engine: EngineName = "spark"

    def __init__(self, data: DataSource, spark: Any = None) -> None:
        if not spark_available():
            raise SurveyDesignError("engine='spark' needs pyspark (pip install 'pyspark~=3.5')")
        self.spark = spark or _spark_session()
        # Loading Ibis's pyspark backend registers the options its SQL compiler reads.
        getattr(ibis, "pyspark")  # noqa: B009
        if isinstance(data, pd.DataFrame):
            frame = self.spark.createDataFrame(data)
        elif isinstance(data, DuckDBTable):
            con = DuckDBSession(data)
            frame = self.spark.createDataFrame(con.con.sql(f"SELECT * FROM {TABLE_NAME}").df())
        else:
            path = Path(data)
            if not path.exists():
                raise SurveyDesignError(f"data file not found: {path}")
            if _file_kind(path) == "parquet":
                frame = self.spark.read.parquet(str(path))
            else:
                frame = self.spark.read.csv(str(path), header=True, inferSchema=True)
        frame.createOrReplaceTempView(TABLE_NAME)
        self.table = ibis.table(
            ibis.Schema({name: _spark_type(t) for name, t in frame.dtypes}), name=TABLE_NAME
        )

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        """Compile ``expr`` to Spark SQL and run it."""
        sql = str(ibis.to_sql(expr, dialect="pyspark"))
        return self.spark.sql(sql).toPandas()

    def close(self) -> None:
        """Drop the temporary view."""
        self.spark.catalog.dropTempView(TABLE_NAME)


def _spark_type(name: str) -> str:
    base = name.split("(")[0]
    return {
        "bigint": "int64",
        "int": "int32",
        "smallint": "int16",
        "tinyint": "int8",
        "double": "float64",
        "float": "float32",
        "decimal": "float64",
        "string": "string",
        "boolean": "boolean",
        "date": "date",
        "timestamp": "timestamp",
    }.get(base, "string")


@contextmanager
def open_session(data: DataSource, engine: EngineName = "duckdb", **options: Any) -> Iterator[Session]:
    """Open ``data`` on ``engine`` for the duration of a ``with`` block.

    Parameters
    ----------
    data : pandas.DataFrame, str, Path or DuckDBTable
        The microdata: a data frame, a Parquet/CSV path, or a DuckDB table.
    engine : {"duckdb", "spark"}
        Where the per-row work runs.
    **options
        ``threads`` for DuckDB, ``spark`` (a SparkSession) for Spark; ``single_pass=True``
        when the caller reads the data only once (a CSV file then stays a view, not a table).
    """
    session: DuckDBSession | SparkSession_
    if engine == "duckdb":
        session = DuckDBSession(
            data, threads=options.get("threads"), single_pass=bool(options.get("single_pass", False))
        )
    elif engine == "spark":
        session = SparkSession_(data, spark=options.get("spark"))
    else:
        raise SurveyDesignError(f"unknown engine {engine!r} (use 'duckdb' or 'spark')")
    try:
        yield session
    finally:
        session.close()


# --------------------------------------------------------------------------- expressions


def _term(power: int, factors: Sequence[str], binary: Collection[str]) -> tuple[int, tuple[str, ...]]:
    """Canonical key of the per-row term ``w**power * prod(factors)`` (``y*y == y`` for 0/1 ``y``)."""
    seen: list[str] = []
    for f in sorted(factors):
        if f in binary and f in seen:
            continue
        seen.append(f)
    return power, tuple(seen)


def stage_moments(
    t: ir.Table,
    *,
    domains: Mapping[str, ir.Value],
    strata: Mapping[str, ir.Value],
    units: Mapping[str, ir.Value] | None,
    weight: ir.NumericValue,
    factors: Mapping[str, ir.NumericValue],
    binary: Collection[str],
    quantities: Mapping[str, tuple[str, ...]],
    pairs: Sequence[tuple[str, str]],
    row_sums: Mapping[str, tuple[str, ...]],
    centred: Collection[tuple[str, str]] = (),
) -> tuple[ir.Table, dict[str, str]]:
    """Power sums of unit totals per domain × stratum, for one sampling stage.

    Parameters
    ----------
    t : ibis.Table
        The microdata.
    domains : mapping of name to expression
        Domain (``by``) keys; empty for the whole sample.
    strata : mapping of name to expression
        Keys of the strata of this stage (at stage two: the PSU).
    units : mapping of name to expression, optional
        Keys of the sampling units of this stage; ``None`` when every row is a unit.
    weight : numeric expression
        The sampling weight ``w``.
    factors : mapping of name to numeric expression
        Per-row analysis values (``y``, indicators).
    binary : collection of str
        Names of factors known to be 0/1, so that ``y * y`` is ``y`` (fewer sums to compute).
    quantities : mapping of name to tuple of factor names
        The weighted quantities ``q = w * prod(factors)`` whose unit totals are analysed
        (``()`` is the weight itself).
    pairs : sequence of (str, str)
        Pairs of quantities whose sum of products over units is needed.
    row_sums : mapping of name to tuple of factor names
        Per-row values ``w * prod(factors)`` that are only summed (for design effects).
    centred : collection of (str, str)
        Pairs (of ``pairs``) that need the centred sum of products even when every row is a
        unit.  With sampling units the unit totals are few and every pair is centred.

    Returns
    -------
    (ibis.Table, dict)
        The expression -- one row per domain × stratum present, with ``m`` (units present) and
        ``nrows`` -- and the aliases that name its other columns: ``sum_<q>``, for each pair
        either ``cprod_<a>__<b>`` (sum over the units present of
        ``(q_a - mean q_a) * (q_b - mean q_b)``, by the engine's one-pass stable co-moment
        aggregate) or ``prod_<a>__<b>`` (sum over units of ``q_a * q_b``), and ``rs_<name>``.

    Notes
    -----
    Power sums ``sum(q_a * q_b)`` are the cheapest to scan, but the variance formed from them
    (``P - S**2 / m``) loses ``(mean / sd)**2`` of the unit values to rounding: far too much
    when a quantity hardly varies within a stratum and a score weighs it heavily (``w`` in the
    total of a variable far from zero, ``y = 1e6 + ...``).  ``var_pop``/``covar_pop`` (Welford
    updates, merged pairwise) have no such loss, at about twice the cost of a sum.
    """
    # A stratum key that is also a domain key (by=gemeente, strata=gemeente) is grouped on once.
    aliases: dict[str, str] = {}
    keys: dict[str, ir.Value] = dict(domains)
    for name, expr in strata.items():
        same = next((d for d, e in domains.items() if e.equals(expr)), None)
        if same is None:
            keys[name] = expr
        else:
            aliases[name] = same
    aggs: dict[str, ir.Scalar] = {}

    w2: ir.NumericValue = weight * weight
    if units is None:
        # w*w once per row rather than once per aggregate (DuckDB does not share it).
        t = t.mutate(__cb_w2=w2)
        w2 = t["__cb_w2"]

    def product(power: int, names: Sequence[str]) -> ir.NumericValue:
        expr: ir.NumericValue = weight if power == 1 else w2
        for f in names:
            expr = expr * factors[f]
        return expr

    if units is None:
        terms: dict[tuple[int, tuple[str, ...]], str] = {}

        def agg(power: int, names: Sequence[str]) -> str:
            key = _term(power, names, binary)
            if key not in terms:
                terms[key] = f"t{len(terms)}"
                aggs[terms[key]] = product(*key).sum()
            return terms[key]

        for q, fs in quantities.items():
            aliases[f"sum_{q}"] = agg(1, fs)
        n = t.count()
        for a, b in pairs:
            if (a, b) in centred or (b, a) in centred:
                qa, qb = product(1, quantities[a]), product(1, quantities[b])
                aggs[f"cprod_{a}__{b}"] = _comoment(qa, qb, n, a == b)
                aliases[f"cprod_{a}__{b}"] = f"cprod_{a}__{b}"
            else:
                aliases[f"prod_{a}__{b}"] = agg(2, (*quantities[a], *quantities[b]))
        for r, fs in row_sums.items():
            aliases[f"rs_{r}"] = agg(1, fs)
        return t.group_by(**keys).aggregate(m=n, nrows=n, **aggs), aliases
    inner = t.group_by(**keys, **{f"u_{k}": v for k, v in units.items()}).aggregate(
        **{f"q_{k}": product(1, fs).sum() for k, fs in quantities.items()},
        **{f"r_{k}": product(1, fs).sum() for k, fs in row_sums.items()},
        __n=t.count(),
    )
    for q in quantities:
        aggs[f"sum_{q}"] = inner[f"q_{q}"].sum()
    n_units = inner.count()
    for a, b in pairs:
        aggs[f"cprod_{a}__{b}"] = _comoment(inner[f"q_{a}"], inner[f"q_{b}"], n_units, a == b)
    for r in row_sums:
        aggs[f"rs_{r}"] = inner[f"r_{r}"].sum()
    aliases.update({k: k for k in aggs})
    expr = inner.group_by(*keys.keys()).aggregate(m=n_units, nrows=inner["__n"].sum(), **aggs)
    return expr, aliases


def _comoment(a: ir.NumericValue, b: ir.NumericValue, n: ir.IntegerScalar, same: bool) -> ir.NumericScalar:
    """``sum((a - mean a) * (b - mean b))`` over the group, by a numerically stable aggregate."""
    moment: ir.NumericScalar = a.var(how="pop") if same else a.cov(b, how="pop")
    return moment * n


def run_moments(session: Session, expr_and_aliases: tuple[ir.Table, dict[str, str]]) -> pd.DataFrame:
    """Execute a :func:`stage_moments` expression and name its columns."""
    expr, aliases = expr_and_aliases
    frame = session.execute(expr)
    extra = {name: frame[col] for name, col in aliases.items() if name != col}
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
    return frame


def stratum_info(
    t: ir.Table,
    *,
    strata: Mapping[str, ir.Value],
    units: Mapping[str, ir.Value] | None,
    fpc: ir.NumericValue | None,
) -> ir.Table:
    """Number of sampled units and the range of the fpc per stratum of one stage."""
    if units is None:
        if fpc is None:
            return t.group_by(**strata).aggregate(n_units=t.count())
        return t.group_by(**strata).aggregate(n_units=t.count(), fpc_min=fpc.min(), fpc_max=fpc.max())
    unit_keys = {f"u_{k}": v for k, v in units.items()}
    if fpc is None:
        inner = t.group_by(**strata, **unit_keys).aggregate(__n=t.count())
        return inner.group_by(*strata.keys()).aggregate(n_units=inner.count())
    inner = t.group_by(**strata, **unit_keys).aggregate(fmin=fpc.min(), fmax=fpc.max())
    return inner.group_by(*strata.keys()).aggregate(
        n_units=inner.count(), fpc_min=inner.fmin.min(), fpc_max=inner.fmax.max()
    )
