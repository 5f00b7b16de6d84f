"""Benchmark: domain means with linearisation SEs for 20 indicators × 342 gemeenten.

Builds a synthetic survey (default 2,000,000 respondents in 342 strata of very unequal
size, 20 binary indicators, age × sex classes, weights and fpc), writes it to Parquet and
measures, in this run:

* **ours**: ``estimate(path, Design(weights, strata=gemeente, fpc), 20 means, by=gemeente)``
  -- validation, stratum information and the moments pass in DuckDB, variances in NumPy;
* **floor**: one pass of weighted group-by sums in DuckDB (``sum(w), sum(w*y_k)`` by gemeente)
  -- the least any engine must do to get the point estimates;
* **R**: ``svyby(~i01+...+i20, ~gemeente, design, svymean)`` with R's survey package, when
  ``Rscript`` is present.  R needs minutes per domain group at full size, so by default it is
  timed on ``--r-domains`` gemeenten (the smallest ``k`` strata subsets of the *full* design) and
  the time is extrapolated linearly to all 342 by rows; ``--r-full`` times the real thing.
  Loading the CSV into R is not timed.

Each measurement runs in a fresh Python (or R) process so that peak memory (the process's
``VmHWM`` from ``/proc/self/status``; tracemalloc cannot see DuckDB's allocations) belongs to
it alone.  Ours and the floor run alternately, twice each, ``--repeat`` times per process; the
best time is reported (and the highest peak memory).

Usage::

    python benchmarks/survey_bench.py            # full size
    python benchmarks/survey_bench.py --n 50000  # smoke test

Raking (calibration) belongs to S2's ``calibrate`` module: :func:`raking_inputs` builds its
inputs from the same synthetic data and ``--rake`` times ``calibrate.rake`` in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_GEMEENTEN = 342
N_INDICATORS = 20
INDICATORS = [f"i{k:02d}" for k in range(1, N_INDICATORS + 1)]


def make_survey(n: int = 2_000_000, *, seed: int = 20261123) -> pd.DataFrame:
    """A synthetic stratified survey of ``n`` respondents in 342 gemeenten.

    Parameters
    ----------
    n : int
        Number of respondents.
    seed : int
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``gemeente`` (GMxxxx), ``leeftijd`` (6 classes), ``geslacht`` (2), ``w`` (weight),
        ``N`` (population of the gemeente, the fpc) and ``i01`` ... ``i20`` (0/1 indicators).
    """
    rng = np.random.default_rng(seed)
    # Very unequal gemeenten: population lognormal, from ~1,000 to ~900,000.
    pop = np.exp(rng.normal(10.2, 1.1, N_GEMEENTEN)).clip(1_000, 900_000).round()
    share = np.sqrt(pop) / np.sqrt(pop).sum()
    n_h = np.maximum(5, np.floor(share * n)).astype(np.int64)
    n_h[np.argmax(n_h)] += n - n_h.sum()
    pop = np.maximum(pop, n_h * 2)
    codes = np.array([f"GM{c:04d}" for c in rng.choice(np.arange(1, 2000), N_GEMEENTEN, replace=False)])
    g = np.repeat(np.arange(N_GEMEENTEN), n_h)
    age = rng.integers(0, 6, n).astype(np.int8)
    sex = rng.integers(0, 2, n).astype(np.int8)
    w = (pop[g] / n_h[g]) * rng.lognormal(0.0, 0.3, n)
    frame: dict[str, object] = {
        "gemeente": pd.Categorical.from_codes(g, categories=codes).astype(str),
        "leeftijd": age,
        "geslacht": sex,
        "w": w,
        "N": pop[g],
    }
    a_g = rng.normal(-1.0, 0.4, N_GEMEENTEN)
    b_age = rng.normal(0.0, 0.3, 6)
    for k, name in enumerate(INDICATORS):
        eta = a_g[g] + b_age[age] + 0.2 * sex + 0.1 * (k - 10)
        frame[name] = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.int8)
    return pd.DataFrame(frame)


def raking_inputs(df: pd.DataFrame) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Weights, margin codes and population totals to rake the synthetic survey.

    The hook for timing calibration (S2's :func:`cyberbeeld.survey.calibrate.rake`): margins are
    gemeente (342), leeftijd (6) and geslacht (2); the totals are the weighted sample counts
    scaled to each gemeente's population and perturbed by a few percent, so raking has work to do.
    """
    rng = np.random.default_rng(5)
    w = df["w"].to_numpy(dtype=np.float64)
    gem_codes, gem_levels = pd.factorize(df["gemeente"], sort=True)
    pop = df.groupby("gemeente")["N"].first().reindex(gem_levels).to_numpy(dtype=np.float64)
    total = pop.sum()
    margins = [
        gem_codes.astype(np.intp),
        df["leeftijd"].to_numpy().astype(np.intp),
        df["geslacht"].to_numpy().astype(np.intp),
    ]
    totals = [pop]
    for codes in margins[1:]:
        share = np.bincount(codes, weights=w) / w.sum()
        share = share * rng.uniform(0.95, 1.05, share.size)
        totals.append(total * share / share.sum())
    return w, margins, totals


def time_raking(df: pd.DataFrame) -> float | None:
    """Seconds to rake the synthetic survey with :func:`cyberbeeld.survey.calibrate.rake`, if present."""
    try:
        from cyberbeeld.survey.calibrate import rake
    except ImportError:
        return None
    w, margins, totals = raking_inputs(df)
    t0 = time.perf_counter()
    rake(w, margins, totals)
    return time.perf_counter() - t0


OURS = """
import json, time, sys
from cyberbeeld.survey.design import Design
from cyberbeeld.survey.estimators import Request, estimate
path, repeat = sys.argv[1], int(sys.argv[2])
inds = [f"i{k:02d}" for k in range(1, 21)]
design = Design(weights="w", strata="gemeente", fpc="N")
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    res = estimate(path, design, [Request("mean", i) for i in inds], by="gemeente")
    times.append(time.perf_counter() - t0)
assert len(res) == 20 * res["gemeente"].nunique() and res["se"].notna().all()
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(json.dumps({"time": min(times), "times": times, "peak_kb": hwm, "rows": len(res)}))
"""

FLOOR = """
import json, time, sys, duckdb
path, repeat = sys.argv[1], int(sys.argv[2])
inds = [f"i{k:02d}" for k in range(1, 21)]
sql = ("SELECT gemeente, sum(w) AS sw, " + ", ".join(f"sum(w * {i}) AS s_{i}" for i in inds)
       + f" FROM read_parquet('{path}') GROUP BY gemeente")
con = duckdb.connect()
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    out = con.sql(sql).df()
    times.append(time.perf_counter() - t0)
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(json.dumps({"time": min(times), "times": times, "peak_kb": hwm, "rows": len(out)}))
"""

R_CODE = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); k <- as.integer(args[2])
inds <- sprintf("i%02d", 1:20)
f <- as.formula(paste("~", paste(inds, collapse = "+")))
t0 <- proc.time()[["elapsed"]]
des <- svydesign(ids = ~1, strata = ~gemeente, weights = ~w, fpc = ~N, data = d)
sizes <- sort(table(d$gemeente))
keep <- if (k > 0) names(sizes)[seq_len(min(k, length(sizes)))] else names(sizes)
sub <- if (k > 0) subset(des, gemeente %in% keep) else des
b <- svyby(f, ~gemeente, sub, svymean)
el <- proc.time()[["elapsed"]] - t0
hwm <- as.integer(strsplit(grep("VmHWM", readLines("/proc/self/status"), value = TRUE), "[[:space:]]+")[[1]][2])
cat(sprintf('{"time": %.6f, "rows_timed": %d, "domains": %d, "peak_kb": %d}\n',
    el, sum(d$gemeente %in% keep), length(keep), hwm))
"""


def _run_json(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(cmd[:3])}\n{proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the numbers and ratios."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=2_000_000, help="respondents (default 2,000,000)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is reported)")
    p.add_argument("--r-domains", type=int, default=8, help="gemeenten R is timed on (0 = all)")
    p.add_argument("--r-full", action="store_true", help="time R on all gemeenten")
    p.add_argument("--no-r", action="store_true", help="skip R")
    p.add_argument(
        "--rake", action="store_true", help="also time raking (S2's calibrate.rake) in this process"
    )
    p.add_argument("--workdir", help="directory for the data files (default: a temporary one)")
    args = p.parse_args(argv)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="survey_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    df = make_survey(args.n)
    path = workdir / "survey.parquet"
    df.to_parquet(path, index=False)
    print(
        f"data: {len(df):,} respondents, {df['gemeente'].nunique()} gemeenten "
        f"(sizes {df['gemeente'].value_counts().min()}..{df['gemeente'].value_counts().max()}), "
        f"{N_INDICATORS} indicators; built in {time.perf_counter() - t0:.1f}s -> {path}"
    )
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    py = sys.executable
    # Alternate the two (each in a fresh process) so that a busy machine hurts both alike.
    ours_runs, floor_runs = [], []
    for _ in range(2):
        ours_runs.append(_run_json([py, "-c", textwrap.dedent(OURS), str(path), str(args.repeat)], env))
        floor_runs.append(_run_json([py, "-c", textwrap.dedent(FLOOR), str(path), str(args.repeat)], env))
    ours = min(ours_runs, key=lambda r: r["time"]) | {"peak_kb": max(r["peak_kb"] for r in ours_runs)}
    floor = min(floor_runs, key=lambda r: r["time"]) | {"peak_kb": max(r["peak_kb"] for r in floor_runs)}
    print(
        f"ours : {ours['time']:8.3f} s   peak RSS {ours['peak_kb'] / 1024:7.0f} MB   ({ours['rows']} estimates)"
    )
    print(
        f"floor: {floor['time']:8.3f} s   peak RSS {floor['peak_kb'] / 1024:7.0f} MB   (weighted group-by sums)"
    )
    print(f"ours / floor = {ours['time'] / floor['time']:.2f}x   (target <= 3x)")
    print(f"peak memory ours = {ours['peak_kb'] / 1024 / 1024:.2f} GB   (target <= 2 GB)")
    if args.rake:
        sys.path.insert(0, src)
        seconds = time_raking(df)
        print(
            "raking: "
            + ("calibrate.rake not available" if seconds is None else f"{seconds:.3f} s (S2's rake)")
        )
    rscript = shutil.which("Rscript")
    if args.no_r or rscript is None:
        print("R: skipped" + ("" if rscript else " (Rscript not found)"))
        return 0
    csv = workdir / "survey.csv"
    df.to_csv(csv, index=False)
    script = workdir / "bench.R"
    script.write_text(R_CODE)
    k = 0 if args.r_full else args.r_domains
    rres = _run_json([rscript, str(script), str(csv), str(k)])
    share = rres["rows_timed"] / len(df)
    r_full = rres["time"] / share if k else rres["time"]
    what = (
        "all gemeenten"
        if not k
        else f"{int(rres['domains'])} smallest gemeenten ({share:.2%} of rows), extrapolated by rows"
    )
    print(f"R    : {rres['time']:8.3f} s measured on {what} -> {r_full:.1f} s for all")
    print(f"R / ours = {r_full / ours['time']:.0f}x   (target >= 20x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
