"""Fixtures for the survey engine tests: R's api data sets and a way to run R.

Tests marked ``r`` use the ``r`` fixture.  It skips when ``Rscript`` (with the ``survey``
package) is missing, but fails when ``CYBERBEELD_REQUIRE_R=1`` (CI sets it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

API_TABLES = ("apisrs", "apistrat", "apiclus1", "apiclus2", "apipop")

_PRELUDE = r"""
suppressMessages(library(survey))
options(warn = 1)
.res <- list()
out <- function(name, x) { .res[[name]] <<- as.vector(unclass(x)); invisible(NULL) }
"""

_EPILOGUE = r"""
for (.n in names(.res)) cat(.n, "\t", paste(sprintf("%.17g", .res[[.n]]), collapse = "\t"), "\n", sep = "")
"""

RRunner = Callable[[str], dict[str, np.ndarray]]


def _r_reason() -> str | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript is not installed"
    probe = subprocess.run(
        [rscript, "-e", "suppressMessages(library(survey))"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return "R package 'survey' is not installed"
    return None


@pytest.fixture(scope="session")
def r_available() -> None:
    """Skip (or fail with CYBERBEELD_REQUIRE_R=1) without R and its survey package."""
    reason = _r_reason()
    if reason is None:
        return
    if os.environ.get("CYBERBEELD_REQUIRE_R") == "1":
        pytest.fail(f"{reason}, but CYBERBEELD_REQUIRE_R=1")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def api_dir(r_available: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with R's api data sets as CSV files (written by R)."""
    path = tmp_path_factory.mktemp("api")
    code = "suppressMessages(library(survey)); data(api); " + "; ".join(
        f'write.csv({name}, "{name}.csv", row.names = FALSE)' for name in API_TABLES
    )
    subprocess.run(["Rscript", "-e", code], cwd=path, check=True, capture_output=True)
    return path


@pytest.fixture(scope="session")
def api(api_dir: Path) -> dict[str, pd.DataFrame]:
    """R's api data sets as pandas data frames."""
    return {name: pd.read_csv(api_dir / f"{name}.csv") for name in API_TABLES}


@pytest.fixture(scope="session")
def r(api_dir: Path) -> RRunner:
    """Run R code in the api directory; ``out(name, x)`` values come back as float arrays."""

    def run(code: str) -> dict[str, np.ndarray]:
        script = api_dir / "script.R"
        script.write_text(
            _PRELUDE
            + "data(api)\n"
            + "\n".join(f'{n} <- read.csv("{n}.csv")' for n in API_TABLES)
            + "\n"
            + code
            + "\n"
            + _EPILOGUE
        )
        proc = subprocess.run(["Rscript", str(script)], cwd=api_dir, capture_output=True, text=True)
        if proc.returncode != 0:
            raise AssertionError(f"R failed:\n{proc.stderr}")
        result: dict[str, np.ndarray] = {}
        for line in proc.stdout.splitlines():
            if "\t" not in line:
                continue
            name, *values = line.split("\t")
            result[name] = np.array([float(v) if v not in ("NA", "NaN") else np.nan for v in values])
        return result

    return run
