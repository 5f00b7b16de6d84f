"""Option names shared by the engine and the command line, importable without NumPy or pandas.

``cyberbeeld estimate --help`` builds its parser from these, so it starts in a fraction of a
second: the heavy modules (pandas, Ibis, DuckDB, SciPy) load only when there is work to do.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["CI_METHODS", "LONELY_PSU_OPTIONS", "CIMethod", "EngineName", "LonelyPSU"]

LonelyPSU = Literal["fail", "remove", "adjust", "average", "certainty"]
LONELY_PSU_OPTIONS: tuple[str, ...] = get_args(LonelyPSU)

CIMethod = Literal["logit", "beta", "wilson", "wald", "xlogit", "asin", "mean", "likelihood"]
CI_METHODS: tuple[str, ...] = get_args(CIMethod)

EngineName = Literal["duckdb", "spark"]
