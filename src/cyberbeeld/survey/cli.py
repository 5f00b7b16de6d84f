"""``cyberbeeld estimate``: design-based estimates from survey microdata, on the command line.

Example::

    cyberbeeld estimate survey.parquet --weights w --strata gemeente --mean age \\
        --proportion victim --by gemeente,sex --ci logit --out estimates.csv

Writes CSV (``.csv``) or Parquet (``.parquet``) with the columns
``<by columns>, variable, statistic, estimate, se, ci_low, ci_high, deff, n``.
Bad input prints one line naming the column and the first offending row, and exits with 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, cast

# Only light modules here: ``--help`` and usage errors must not wait for pandas, Ibis, DuckDB or
# SciPy (imported in main() once the arguments are known to be usable).
from cyberbeeld.survey.errors import SurveyDesignError
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
    except _UsageError as exc:
        print(f"cyberbeeld estimate: error: {exc}", file=sys.stderr)
        return 2
    return _run(args, wanted, out)


def _run(args: argparse.Namespace, wanted: list[tuple[str, str, str | None]], out: Path) -> int:
    """Estimate and write (the heavy modules load here)."""
    import duckdb

    from cyberbeeld.survey.design import Design
    from cyberbeeld.survey.estimators import Request, estimate

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
    except (_UsageError, SurveyDesignError) as exc:
        print(f"cyberbeeld estimate: error: {exc}", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"cyberbeeld estimate: error: {first}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
