"""Benchmark: domain means, plain and on a raked design, 2,000,000 respondents (issue 18).

Builds a synthetic survey (default 2,000,000 respondents in 342 gemeenten (strata) of very unequal
size, 20 binary indicators, 6 age classes x 2 sexes, weights and fpc), writes it to Parquet and, in
this one run, measures side by side (every measurement is a fresh process, timed from outside, so
start-up counts; the best of ``--repeat`` runs; peak memory is the process's maximum RSS):

1. **stratified domain means**: ``cyberbeeld estimate survey.parquet --weights w --strata gemeente
   --fpc N --mean i01..i20 --by gemeente`` as a whole process, against the **floor**: one DuckDB
   query on the Parquet file giving the sums from which means *and* SEs follow (``sum(w)``,
   ``sum(w*y)``, ``sum(w*w)``, ``sum(w*w*y)`` by gemeente), in a process that imports only DuckDB
   and NumPy.  Goal: <= 1.5x.
2. **raked domain means**: the same command with ``--rake leeftijd=FILE,geslacht=FILE`` (raking to
   age and sex margins, then 20 means by gemeente on the raked design with R's raking variance),
   against the floor plus one raking pass (a DuckDB group-by of ``sum(w)`` by age x sex and
   iterative proportional fitting on that small table).  Goal: <= 3x.
3. **R** (``Rscript`` with the ``survey`` package): what ``svyby(~i01+..., ~gemeente, design,
   svymean)`` does per domain (``svymean`` on ``subset()``), on the plain and on the ``rake()``-d
   design.  R needs one full-length pass per domain on a raked design (hours at full size), so it
   is timed on ``--r-n`` respondents and ``--r-domains`` gemeenten and extrapolated linearly in both
   -- printed as such.
4. **Spark** (local mode, when pyspark is installed): the raked job with ``--engine spark``.

Usage::

    python benchmarks/survey_bench.py            # full size (2,000,000)
    python benchmarks/survey_bench.py --quick    # 50,000 respondents, R on 5,000
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


def write_margins(df: pd.DataFrame, workdir: Path) -> tuple[Path, Path]:
    """Population margins for age and sex (the total population, shares perturbed a few percent)."""
    rng = np.random.default_rng(5)
    w = df["w"].to_numpy(dtype=np.float64)
    total = float(df.groupby("gemeente")["N"].first().sum())
    paths = []
    for col in ("leeftijd", "geslacht"):
        codes = df[col].to_numpy().astype(np.intp)
        share = np.bincount(codes, weights=w) / w.sum()
        share = share * rng.uniform(0.95, 1.05, share.size)
        counts = np.round(total * share / share.sum())
        path = workdir / f"{col}.csv"
        pd.DataFrame({col: np.arange(share.size), "N": counts}).to_csv(path, index=False)
        paths.append(path)
    return paths[0], paths[1]


FLOOR = """
import json, sys, duckdb, numpy as np
path, rake, age, sex = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
inds = [f"i{k:02d}" for k in range(1, 21)]
con = duckdb.connect()
if rake:  # one raking pass: weight per age x sex cell, IPF on the small table
    cells = con.sql(f"SELECT leeftijd, geslacht, sum(w) FROM read_parquet('{path}') GROUP BY ALL").fetchnumpy()
    a, s, w = (np.asarray(v) for v in cells.values())
    ta = np.loadtxt(age, delimiter=",", skiprows=1)[:, 1]
    ts = np.loadtxt(sex, delimiter=",", skiprows=1)[:, 1]
    g = np.ones_like(w)
    for _ in range(50):
        g *= (ta / np.bincount(a, weights=w * g, minlength=ta.size))[a]
        g *= (ts / np.bincount(s, weights=w * g, minlength=ts.size))[s]
sql = ("SELECT gemeente, count(*) AS n, any_value(N) AS popn, sum(w) AS sw, sum(w * w) AS sww, "
       + ", ".join(f"sum(w * {i}) AS s_{i}, sum(w * w * {i}) AS q_{i}" for i in inds)
       + f" FROM read_parquet('{path}') GROUP BY gemeente")
r = con.sql(sql).fetchnumpy()
n, N, sw, sww = (np.asarray(r[k], dtype=float) for k in ("n", "popn", "sw", "sww"))
se = []
for i in inds:
    sy, qy = np.asarray(r[f"s_{i}"], dtype=float), np.asarray(r[f"q_{i}"], dtype=float)
    m = sy / sw
    ss = qy - 2 * m * qy + m * m * sww  # sum w^2 (y - m)^2 for 0/1 y; sum w (y - m) = 0 (domain = stratum)
    se.append(np.sqrt((1 - n / N) * n / (n - 1) * ss / sw ** 2))
print(json.dumps({"rows": int(len(n) * len(inds))}))
"""

R_CODE = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); age <- read.csv(args[2]); sex <- read.csv(args[3]); k <- as.integer(args[4])
names(age) <- c("leeftijd", "Freq"); names(sex) <- c("geslacht", "Freq")
inds <- sprintf("i%02d", 1:20)
f <- as.formula(paste("~", paste(inds, collapse = "+")))
des <- svydesign(ids = ~1, strata = ~gemeente, weights = ~w, fpc = ~N, data = d)
keep <- sort(unique(as.character(d$gemeente)))[seq_len(k)]
# what svyby(f, ~gemeente, design, svymean) does per domain, for k of the domains
t0 <- proc.time()[["elapsed"]]
for (g in keep) m <- svymean(f, subset(des, gemeente == g))
plain <- proc.time()[["elapsed"]] - t0
t0 <- proc.time()[["elapsed"]]
raked <- rake(des, list(~leeftijd, ~geslacht), list(age, sex))
rake_time <- proc.time()[["elapsed"]] - t0
t0 <- proc.time()[["elapsed"]]
for (g in keep) m <- svymean(f, subset(raked, gemeente == g))
rk <- proc.time()[["elapsed"]] - t0
cat(sprintf('{"plain": %.6f, "rake": %.6f, "raked": %.6f, "rows": %d, "domains": %d}\n',
    plain, rake_time, rk, nrow(d), length(unique(d$gemeente))))
"""


# The measured process is started by this small launcher, not by the benchmark itself: Linux
# keeps a process's peak RSS across exec, so a child of the benchmark (which holds the
# 2,000,000-row frame) would report the benchmark's own memory as its peak.
LAUNCHER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}, f)
"""


def _run_peak(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (from wait4, in a small launcher) and stdout of a fresh process."""
    with (
        tempfile.TemporaryFile("w+") as out_f,
        tempfile.TemporaryFile("w+") as err_f,
        tempfile.NamedTemporaryFile("r", suffix=".json") as measured,
    ):
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, measured.name, *cmd], stdout=out_f, stderr=err_f, env=env, check=True
        )
        result = json.loads(Path(measured.name).read_text())
        out_f.seek(0)
        err_f.seek(0)
        if result["code"] != 0:
            raise SystemExit(f"benchmark step failed: {' '.join(cmd[:4])}\n{err_f.read()[-2000:]}")
        return float(result["seconds"]), result["maxrss_kb"] / 1024, out_f.read()


def _loadavg() -> str:
    """The 1-, 5- and 15-minute load averages (how busy the machine was beside a figure)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _best(runs: list[tuple[float, float, str]]) -> tuple[float, float]:
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the numbers and ratios."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=2_000_000, help="respondents (default 2,000,000)")
    p.add_argument("--quick", action="store_true", help="small size: 50,000 respondents, R on 5,000")
    p.add_argument("--repeat", type=int, default=2, help="runs per measurement (best is reported)")
    p.add_argument("--r-n", type=int, default=10_000, help="respondents R is timed on (then extrapolated)")
    p.add_argument("--r-domains", type=int, default=20, help="domains R is timed on (then extrapolated)")
    p.add_argument("--no-r", action="store_true", help="skip R")
    p.add_argument("--no-spark", action="store_true", help="skip Spark")
    p.add_argument("--workdir", help="directory for the data files (default: a temporary one)")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.r_n, args.r_domains, args.repeat = 50_000, 5_000, 5, 1

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="survey_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    df = make_survey(args.n)
    path = workdir / "survey.parquet"
    df.to_parquet(path, index=False)
    age, sex = write_margins(df, workdir)
    sizes = df["gemeente"].value_counts()
    print(
        f"data: {len(df):,} respondents, {len(sizes)} gemeenten (sizes {sizes.min()}..{sizes.max()}), "
        f"{N_INDICATORS} indicators; built in {time.perf_counter() - t0:.1f}s -> {path}"
    )
    # A child's peak RSS (wait4) counts the pages it shared with this process before exec: without
    # the 2,000,000-row frame here, the figures are the measured processes' own.
    del df, sizes
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    py = sys.executable
    cli = [py, "-m", "cyberbeeld.survey.cli", "estimate", str(path), "--weights", "w", "--strata", "gemeente"]
    cli += ["--fpc", "N", "--mean", ",".join(INDICATORS), "--by", "gemeente"]
    rake_opt = ["--rake", f"leeftijd={age},geslacht={sex}"]
    floor_cmd = [py, "-c", textwrap.dedent(FLOOR), str(path), "0", str(age), str(sex)]
    floor_rake_cmd = [py, "-c", textwrap.dedent(FLOOR), str(path), "1", str(age), str(sex)]

    runs: dict[str, list[tuple[float, float, str]]] = {
        k: [] for k in ("plain", "floor", "raked", "floor+rake")
    }
    commands = {
        "plain": [*cli, "--out", str(workdir / "plain.csv")],
        "floor": floor_cmd,
        "raked": [*cli, *rake_opt, "--out", str(workdir / "raked.csv")],
        "floor+rake": floor_rake_cmd,
    }
    for k in range(args.repeat):  # alternate, so that a busy machine hurts all alike
        figures = []
        for key, cmd in commands.items():
            runs[key].append(_run_peak(cmd, env))
            figures.append(f"{key} {runs[key][-1][0]:.2f}s (load {_loadavg()})")
        print(f"run {k + 1}: " + ", ".join(figures))
    t = {k: _best(v) for k, v in runs.items()}
    print()
    print(f"{'':34s}{'ours':>10s}{'floor':>10s}{'ratio':>8s}{'goal':>7s}{'peak MB':>9s}")
    for label, ours, floor, goal in (
        ("stratified domain means", "plain", "floor", 1.5),
        ("raked (age, sex) + 20 means", "raked", "floor+rake", 3.0),
    ):
        ratio = t[ours][0] / t[floor][0]
        print(
            f"{label:34s}{t[ours][0]:9.2f}s{t[floor][0]:9.2f}s{ratio:7.2f}x{goal:6.1f}x{t[ours][1]:8.0f}"
            + ("" if ratio <= goal else "   (over goal)")
        )
    peak = max(t["plain"][1], t["raked"][1])
    print(f"peak memory (ours, whole process): {peak:.0f} MB   (goal <= 1024 MB)")

    if not args.no_spark:
        try:
            import pyspark  # noqa: F401

            sp = _run_peak(
                [*cli, *rake_opt, "--engine", "spark", "--out", str(workdir / "raked_spark.csv")], env
            )
            same = (workdir / "raked_spark.csv").read_bytes() == (workdir / "raked.csv").read_bytes()
            print(
                f"Spark local mode, raked job: {sp[0]:.2f}s whole process ({sp[0] / t['raked'][0]:.1f}x DuckDB); "
                f"output {'byte-identical to' if same else 'DIFFERENT from'} DuckDB's"
            )
        except ImportError:
            print("Spark: skipped (pyspark not installed)")

    rscript = shutil.which("Rscript")
    if args.no_r or rscript is None:
        print("R: skipped" + ("" if rscript else " (Rscript not found)"))
        return 0
    r_n = min(args.r_n, args.n)
    small = make_survey(r_n)
    csv = workdir / "survey_r.csv"
    small.to_csv(csv, index=False)
    script = workdir / "bench.R"
    script.write_text(R_CODE)
    k = min(args.r_domains, N_GEMEENTEN)
    _, r_peak, out = _run_peak([rscript, str(script), str(csv), str(age), str(sex), str(k)])
    r = json.loads(out.strip().splitlines()[-1])
    per_domain = N_GEMEENTEN / k
    scale = args.n / r_n
    r_plain = r["plain"] * per_domain * scale
    r_raked = (r["rake"] + r["raked"] * per_domain) * scale
    print(
        f"R survey, measured on {r_n:,} respondents and {k} of the {N_GEMEENTEN} domains (svymean on "
        f"subset(), which is what svyby does per domain; reading the CSV not timed): plain {r['plain']:.1f}s, "
        f"rake {r['rake']:.1f}s + raked {r['raked']:.1f}s.  EXTRAPOLATED (x{per_domain:.1f} domains, "
        f"x{scale:.0f} respondents, linear): plain {r_plain:.0f}s, raked {r_raked:.0f}s ({r_raked / 3600:.1f} h)"
    )
    print(
        f"R / ours (extrapolated): plain {r_plain / t['plain'][0]:.0f}x, raked {r_raked / t['raked'][0]:.0f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
