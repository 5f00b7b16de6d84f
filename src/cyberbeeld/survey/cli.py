"""``cyberbeeld estimate``: design-based estimates from survey microdata, on the command line.

Example::

    cyberbeeld estimate survey.parquet --weights w --strata gemeente --mean age \\
        --proportion victim --by gemeente,sex --ci logit --out estimates.csv

Raked to population margins (R's ``rake()``; ``--calibrate`` with ``--calfun`` for ``calibrate()``),
with the design weights derived from the fpc::

    cyberbeeld estimate survey.parquet --strata gemeente --fpc N --rake leeftijd=age.csv,geslacht=sex.csv \\
        --mean victim --by gemeente --out estimates.csv

Writes CSV (``.csv``) or Parquet (``.parquet``) with the columns
``<by columns>, variable, statistic, estimate, se, ci_low, ci_high, deff, n``.
Bad input prints one line naming the column and the first offending row, and exits with 2.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, cast

from cyberbeeld.common.errors import Invalid

# Only light modules here: ``--help`` and usage errors must not wait for pandas, Ibis, DuckDB or
# SciPy (imported in main() once the arguments are known to be usable).
from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.lean import lean_estimate, write_csv
from cyberbeeld.survey.options import CI_METHODS, LONELY_PSU_OPTIONS, CIMethod, EngineName, LonelyPSU

__all__ = ["OUTPUT_COLUMNS", "build_parser", "main"]

OUTPUT_COLUMNS = ["variable", "statistic", "estimate", "se", "ci_low", "ci_high", "deff", "n"]


class _UsageError(Exception):
    """A command-line usage error (reported in one line)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


class _AppendRequest(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        # (statistic, variable, denominator); made Requests in main(), after parsing
        requests: list[tuple[str, str, str | None]] = list(getattr(namespace, "requests", None) or [])
        statistic = cast(str, self.const)
        for value in str(values).split(","):
            value = value.strip()
            if not value:
                continue
            if statistic == "ratio":
                num, sep, den = value.partition(":")
                if not sep or not num or not den:
                    raise _UsageError(f"--ratio needs NUMERATOR:DENOMINATOR, not {value!r}")
                requests.append(("ratio", num, den))
            else:
                requests.append((statistic, value, None))
        namespace.requests = requests


def _columns(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cyberbeeld estimate``."""
    p = _Parser(
        prog="cyberbeeld estimate",
        description="Design-based estimates (means, totals, proportions, ratios) with linearisation "
        "standard errors, overall or by domains; numbers as R's survey package.",
    )
    p.add_argument("data", help="microdata: a .parquet or .csv file")
    p.add_argument("--weights", help="column of sampling weights")
    p.add_argument("--strata", help="column of (first-stage) strata")
    p.add_argument("--cluster", help="cluster columns, first stage first: PSU[,SSU]")
    p.add_argument(
        "--fpc", help="finite population correction columns (population sizes or fractions): FPC1[,FPC2]"
    )
    p.add_argument("--nest", action="store_true", help="cluster labels are only unique within strata")
    for stat in ("mean", "total", "proportion"):
        p.add_argument(
            f"--{stat}", action=_AppendRequest, const=stat, metavar="VAR", help=f"estimate the {stat} of VAR"
        )
    p.add_argument(
        "--ratio", action=_AppendRequest, const="ratio", metavar="NUM:DEN", help="estimate a ratio"
    )
    p.add_argument("--by", help="domain columns: COL[,COL]")
    p.add_argument("--ci", choices=CI_METHODS, default="logit", help="interval for proportions")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--lonely-psu", choices=LONELY_PSU_OPTIONS, default="fail", help="strata with one PSU")
    cal = p.add_argument_group(
        "calibration",
        "Rake or calibrate the design weights to population margins first (R's rake() / calibrate()); "
        "a margin file is a CSV whose header names the margin's column(s) and, last, the population "
        "count (e.g. 'leeftijd,N'). Without --weights the design weights follow from --fpc.",
    )
    cal.add_argument(
        "--rake",
        metavar="COL=FILE[,COL=FILE]",
        help="rake to these margins; COL*COL2=FILE is a crossed margin (post-stratification cells)",
    )
    cal.add_argument(
        "--calibrate",
        metavar="COL=FILE[,COL=FILE]",
        help="calibrate to these margins (GREG: ~ COL + COL2 ...) with --calfun",
    )
    cal.add_argument("--calfun", choices=["linear", "raking", "logit"], default="linear")
    cal.add_argument("--bounds", metavar="LO,HI", help="bounds on the g-weights (calibrate)")
    cal.add_argument("--trim", metavar="LO,HI", help="trim the g-weights to LO..HI (calibrate)")
    cal.add_argument("--epsilon", type=float, help="convergence tolerance (R's default: 1 for rake, 1e-7)")
    cal.add_argument("--maxit", type=int, help="maximum iterations (R's default: 10 for rake, 50)")
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    p.add_argument("--out", required=True, help="output file (.csv or .parquet)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cyberbeeld estimate``.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (without the program name; a leading ``estimate`` is accepted).

    Returns
    -------
    int
        0 on success, 2 on bad input (after a one-line message on stderr).
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["estimate"]:
        args_list = args_list[1:]
    try:
        args = build_parser().parse_args(args_list)
        wanted: list[tuple[str, str, str | None]] = getattr(args, "requests", None) or []
        if not wanted:
            raise _UsageError("give at least one of --mean, --total, --proportion or --ratio")
        out = Path(args.out)
        if out.suffix.lower() not in (".csv", ".parquet"):
            raise _UsageError(f"--out must end in .csv or .parquet, not {out.name!r}")
        if args.rake and args.calibrate:
            raise _UsageError("give --rake or --calibrate, not both")
        if args.rake or args.calibrate:
            bad = sorted({stat for stat, _, _ in wanted} - {"mean", "total", "proportion"})
            if bad:
                raise _UsageError(
                    f"--{bad[0]} is not available with --rake/--calibrate (use --mean, --total, --proportion)"
                )
            args.margins = [
                read_margin(cols, path) for cols, path in _margin_specs(args.rake or args.calibrate)
            ]
            args.bounds = _pair(args.bounds, "--bounds")
            args.trim = _pair(args.trim, "--trim")
        elif args.bounds or args.trim:
            raise _UsageError("--bounds and --trim need --calibrate")
    except (_UsageError, MarginFileError) as exc:
        print(f"cyberbeeld estimate: error: {exc}", file=sys.stderr)
        return 2
    return _run(args, wanted, out)


class MarginFileError(Invalid):
    """A margin file cannot be used: the message names the file, row, field and reason in one line."""

    code = "margin-file"


def _margin_specs(value: str) -> list[tuple[tuple[str, ...], Path]]:
    specs = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        cols, sep, path = part.partition("=")
        columns = tuple(c.strip() for c in cols.split("*") if c.strip())
        if not sep or not columns or not path.strip():
            raise _UsageError(f"a margin is COL=FILE (or COL*COL2=FILE), not {part!r}")
        specs.append((columns, Path(path.strip())))
    if not specs:
        raise _UsageError("give at least one margin: COL=FILE")
    return specs


def _pair(value: str | None, option: str) -> tuple[float, float] | None:
    if value is None:
        return None
    parts = value.split(",")
    try:
        lo, hi = (float(x) for x in parts)
    except ValueError:
        raise _UsageError(f"{option} needs LO,HI (two numbers), not {value!r}") from None
    if not lo < hi:
        raise _UsageError(f"{option}: LO must be below HI, not {value!r}")
    return lo, hi


def read_margin(columns: tuple[str, ...], path: Path) -> tuple[tuple[str, ...], dict[tuple[str, ...], float]]:
    """Read a margin file: header ``COL[,COL2],COUNT``; one row per category.

    Returns
    -------
    (columns, totals)
        ``totals`` maps the category labels (as text) to the population count.

    Raises
    ------
    MarginFileError
        Naming the file, the row (1 = the header), the field and the reason.
    """
    where = f"margin file {path}"
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            rows = list(csv.reader(handle, delimiter=delimiter))
    except FileNotFoundError:
        raise MarginFileError(f"{where}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MarginFileError(f"{where}: cannot be read ({type(exc).__name__})") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise MarginFileError(f"{where}: row 1: empty file (expected a header {','.join(columns)},N)")
    header = [h.strip() for h in rows[0]]
    for col in columns:
        if col not in header[:-1]:
            raise MarginFileError(
                f"{where}: row 1, field {col!r}: column missing from the header "
                f"(expected {','.join(columns)} and, last, the population count)"
            )
    if len(header) != len(columns) + 1:
        raise MarginFileError(
            f"{where}: row 1: expected the columns {','.join(columns)} and one count column, got {','.join(header)}"
        )
    count_field = header[-1]
    index = [header.index(c) for c in columns]
    totals: dict[tuple[str, ...], float] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MarginFileError(f"{where}: row {number}: {len(row)} fields, expected {len(header)}")
        key = tuple(row[i].strip() for i in index)
        for col, value in zip(columns, key, strict=True):
            if not value:
                raise MarginFileError(f"{where}: row {number}, field {col!r}: empty category")
        raw = row[-1].strip()
        try:
            count = float(raw)
        except ValueError:
            raise MarginFileError(
                f"{where}: row {number}, field {count_field!r}: not a number: {raw!r}"
            ) from None
        if not (count >= 0 and count < float("inf")):
            raise MarginFileError(
                f"{where}: row {number}, field {count_field!r}: population count must be 0 or more, not {raw}"
            )
        if key in totals:
            raise MarginFileError(
                f"{where}: row {number}, field {','.join(columns)!r}: category {'/'.join(key)} appears twice"
            )
        totals[key] = count
    if not totals:
        raise MarginFileError(f"{where}: row 2: no categories")
    return columns, totals


def _run(args: argparse.Namespace, wanted: list[tuple[str, str, str | None]], out: Path) -> int:
    """Estimate and write (the heavy modules load here)."""
    if _run_lean(args, wanted, out):
        return 0
    # deferred: heavy imports (duckdb, numpy, pandas, ibis): `estimate --help` starts in <= 0.5 s
    import duckdb

    from cyberbeeld.survey import Design, Request, estimate

    try:
        requests = [Request(stat, var, den) for stat, var, den in wanted]  # type: ignore[arg-type]
        design = Design(
            weights=args.weights,
            ids=tuple(_columns(args.cluster)),
            strata=args.strata,
            fpc=tuple(_columns(args.fpc)),
            nest=args.nest,
            lonely_psu=cast(LonelyPSU, args.lonely_psu),
        )
        by = _columns(args.by)
        started = time.perf_counter()
        print(f"estimating {len(requests)} statistic(s) from {args.data} ...", file=sys.stderr)
        margins = getattr(args, "margins", None)
        if margins:
            # deferred: heavy import (numpy, pandas): `estimate --help` starts in <= 0.5 s
            from cyberbeeld.survey.caldomain import Calibration, Margin, calibrated_estimate

            calibration = Calibration(
                tuple(Margin(cols, totals) for cols, totals in margins),
                method="rake" if args.rake else args.calfun,
                bounds=args.bounds or (float("-inf"), float("inf")),
                trim=args.trim,
                epsilon=args.epsilon,
                maxit=args.maxit,
            )
            result = calibrated_estimate(
                args.data,
                design,
                requests,
                calibration,
                by=by,
                level=args.level,
                engine=cast(EngineName, args.engine),
            )
        else:
            result = estimate(
                args.data,
                design,
                requests,
                by=by,
                ci=cast(CIMethod, args.ci),
                level=args.level,
                engine=cast(EngineName, args.engine),
            )
        table = result[[*by, *OUTPUT_COLUMNS]]
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".csv":
            table.to_csv(out, index=False, float_format="%.17g")
        else:
            table.to_parquet(out, index=False)
        print(f"wrote {len(table)} rows to {out} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        return 0
    except (_UsageError, SurveyDesignError) as exc:  # CalibrationError is a ValueError too
        print(f"cyberbeeld estimate: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        if type(exc).__name__ != "CalibrationError":
            raise
        print(f"cyberbeeld estimate: error: calibration: {exc}", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"cyberbeeld estimate: error: {first}", file=sys.stderr)
        return 2


def _run_lean(args: argparse.Namespace, wanted: list[tuple[str, str, str | None]], out: Path) -> bool:
    """The common case (means and totals of a stratified element sample, CSV out) in one query.

    Without pandas, Ibis and SciPy (see :mod:`cyberbeeld.survey.lean`); False when the general
    engine is needed (which then also words any problem with the data).
    """
    if args.engine != "duckdb" or getattr(args, "margins", None) or out.suffix.lower() != ".csv":
        return False

    started = time.perf_counter()
    result = lean_estimate(
        args.data,
        weights=args.weights,
        strata=args.strata,
        fpc=_columns(args.fpc),
        ids=_columns(args.cluster),
        requests=wanted,
        by=_columns(args.by),
        level=args.level,
    )
    if result is None:
        return False
    print(f"estimating {len(wanted)} statistic(s) from {args.data} ...", file=sys.stderr)
    header, rows = result
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(out, header, rows)
    print(f"wrote {len(rows)} rows to {out} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return True


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
