"""Helpers to compare the survey engine with R (replicate, calibrate, sae tests).

R's ``survey`` package ships the California API datasets; :func:`api_data` writes
them to CSV once per test session. :func:`run_r` runs a piece of R code with
``Rscript`` and parses ``out(name, x)`` lines printed at 17 significant digits.

Tests that need R call :func:`require_r`: it skips when ``Rscript`` is absent,
but fails when the environment sets ``CYBERBEELD_REQUIRE_R=1`` (CI does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

RSCRIPT = shutil.which("Rscript")
API_TABLES = ("apistrat", "apiclus1", "apiclus2", "apipop")
REL_TOL = 1e-9

_PRELUDE = r"""
suppressMessages(library(survey))
options(warn = 1)
out <- function(name, x) cat(name, ":", sprintf("%.17g", as.vector(unclass(x))), "\n")
"""

_cache: dict[str, Path] = {}


def require_r() -> None:
    """Skip (or fail, with ``CYBERBEELD_REQUIRE_R=1``) when ``Rscript`` is missing."""
    if RSCRIPT is not None:
        probe = subprocess.run(
            [RSCRIPT, "-e", "suppressMessages(library(survey))"], capture_output=True, text=True
        )
        if probe.returncode == 0:
            return
        reason = "R package 'survey' is not installed"
    else:
        reason = "Rscript is not installed"
    if os.environ.get("CYBERBEELD_REQUIRE_R") == "1":
        pytest.fail(f"{reason} but CYBERBEELD_REQUIRE_R=1")
    pytest.skip(reason)


def run_r(code: str, workdir: Path | None = None) -> dict[str, np.ndarray]:
    """Run R code; return every ``out(name, x)`` as a float array.

    Parameters
    ----------
    code : str
        R code; the prelude loads ``survey`` and defines ``out``.
    workdir : Path, optional
        Working directory (where the API CSV files are).
    """
    require_r()
    assert RSCRIPT is not None
    proc = subprocess.run(
        [RSCRIPT, "--vanilla", "-e", _PRELUDE + code],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=600,
    )
    if proc.returncode != 0:
        raise AssertionError(f"Rscript failed:\n{proc.stderr}\n{proc.stdout}")
    result: dict[str, np.ndarray] = {}
    for line in proc.stdout.splitlines():
        if " : " not in line:
            continue
        name, _, values = line.partition(" : ")
        result[name.strip()] = np.array(
            [float("nan") if v == "NA" else float(v) for v in values.split()], dtype=np.float64
        )
    return result


def api_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory holding ``apistrat.csv`` etc. written by R (cached per session)."""
    if "api" in _cache:
        return _cache["api"]
    require_r()
    path = tmp_path_factory.mktemp("api")
    code = "data(api)\n" + "".join(
        f'write.csv({t}, "{t}.csv", row.names = FALSE)\n' for t in API_TABLES
    )
    run_r(code, path)
    _cache["api"] = path
    return path


def read_api(path: Path, table: str) -> pd.DataFrame:
    """Read one of the API tables written by :func:`api_data`."""
    return pd.read_csv(path / f"{table}.csv")


def assert_close(actual: object, expected: object, rtol: float = REL_TOL, atol: float = 0.0) -> None:
    """Compare to R at relative tolerance 1e-9 (shapes flattened)."""
    a = np.asarray(actual, dtype=np.float64).ravel()
    e = np.asarray(expected, dtype=np.float64).ravel()
    assert a.shape == e.shape, (a.shape, e.shape)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)
