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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from cyberbeeld.survey.errors import SurveyDesignError

__all__ = [
    "DuckDBTable",
    "EngineName",
    "Session",
    "open_session",
    "spark_available",
]

EngineName = Literal["duckdb", "spark"]
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
    """A data source registered as a view in a DuckDB connection."""

    engine: EngineName = "duckdb"

    def __init__(self, data: DataSource, *, threads: int | None = None) -> None:
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
                    src = (
                        f"read_parquet('{quoted}/**/*.parquet')"
                        if path.is_dir()
                        else f"read_parquet('{quoted}')"
                    )
                else:
                    src = f"read_csv_auto('{quoted}', header = true)"
                self.con.execute(f"CREATE OR REPLACE TEMP VIEW {TABLE_NAME} AS SELECT * FROM {src}")
        arrow_schema = self.con.sql(f"SELECT * FROM {TABLE_NAME} LIMIT 0").to_arrow_table().schema
        self.table = ibis.table(ibis.Schema.from_pyarrow(arrow_schema), name=TABLE_NAME)

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        """Compile ``expr`` to DuckDB SQL and run it."""
        sql = str(ibis.to_sql(expr, dialect="duckdb"))
        return self.con.sql(sql).df()

    def close(self) -> None:
        """Drop the view (the connection stays open when it was given to us)."""
        try:
            self.con.execute(f"DROP VIEW IF EXISTS {TABLE_NAME}")
        except duckdb.Error:  # pragma: no cover - best effort
            pass


def spark_available() -> bool:
    """Whether PySpark can be imported."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


_SPARK: Any = None


def _spark_session() -> Any:
    global _SPARK
    if _SPARK is None:
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
        ``threads`` for DuckDB, ``spark`` (a SparkSession) for Spark.
    """
    session: DuckDBSession | SparkSession_
    if engine == "duckdb":
        session = DuckDBSession(data, threads=options.get("threads"))
    elif engine == "spark":
        session = SparkSession_(data, spark=options.get("spark"))
    else:
        raise SurveyDesignError(f"unknown engine {engine!r} (use 'duckdb' or 'spark')")
    try:
        yield session
    finally:
        session.close()


# --------------------------------------------------------------------------- expressions


def stage_moments(
    t: ir.Table,
    *,
    domains: Mapping[str, ir.Value],
    strata: Mapping[str, ir.Value],
    units: Mapping[str, ir.Value] | None,
    quantities: Mapping[str, ir.NumericValue],
    pairs: Sequence[tuple[str, str]],
    row_sums: Mapping[str, ir.NumericValue],
) -> ir.Table:
    """Centred moments of unit totals per domain × stratum, for one sampling stage.

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
    quantities : mapping of name to numeric expression
        Weighted per-row values whose unit totals are analysed (``w``, ``w * y``, ...).
    pairs : sequence of (str, str)
        Pairs of quantities whose population covariance over units is needed
        (``(q, q)`` for a variance).
    row_sums : mapping of name to numeric expression
        Extra per-row values that are only summed (for design effects).

    Returns
    -------
    ibis.Table
        One row per domain × stratum present, with ``m`` (units present), ``nrows``,
        ``sum_<q>``, ``mean_<q>``, ``cov_<q1>__<q2>`` and ``rs_<name>`` columns.
    """
    keys = {**domains, **strata}
    if units is None:
        unit_table = t.mutate(
            **keys,
            **{f"q_{k}": v for k, v in quantities.items()},
            **{f"r_{k}": v for k, v in row_sums.items()},
            __n=ibis.literal(1),
        )
    else:
        unit_table = t.group_by(**keys, **{f"u_{k}": v for k, v in units.items()}).aggregate(
            **{f"q_{k}": v.sum() for k, v in quantities.items()},
            **{f"r_{k}": v.sum() for k, v in row_sums.items()},
            __n=t.count(),
        )
    q = {k: unit_table[f"q_{k}"] for k in quantities}
    nrows = unit_table["__n"].sum()
    rsum = {k: unit_table[f"r_{k}"].sum() for k in row_sums}
    aggs: dict[str, ir.Scalar] = {"m": unit_table.count(), "nrows": nrows}
    for k, col in q.items():
        aggs[f"sum_{k}"] = col.sum()
        aggs[f"mean_{k}"] = col.mean()
    for a, b in pairs:
        if a == b:
            aggs[f"cov_{a}__{b}"] = q[a].var(how="pop")
        else:
            aggs[f"cov_{a}__{b}"] = q[a].cov(q[b], how="pop")
    for k, col in rsum.items():
        aggs[f"rs_{k}"] = col
    return unit_table.group_by(*keys.keys()).aggregate(**aggs)


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
