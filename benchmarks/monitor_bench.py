"""Benchmarks of the indicator monitor: ``python benchmarks/monitor_bench.py``.

Each ``bench_*`` function prints its measurements and a ratio against a baseline run in the same
process (so the numbers compare across machines); ``main()`` runs them all. The lead adds the
DB-storing and page-render sections as further ``bench_*`` functions.

bench_import_parse: a synthetic 1,000,000-cell table in two layouts (wide: 20,000 areas × 50
years, Dutch CSV with decimal commas; tidy: 125,000 rows × 8 cells), parsed by
``cyberbeeld.indicators.parsers.parse``. Prints cells/s, the ratio to a bare ``csv.reader`` +
``float()`` pass over the same file, and peak Python memory (tracemalloc, separate run).
Target: ≥ 50,000 cells/s on one core.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from cyberbeeld.indicators.parsers import parse

TARGET_CELLS_PER_S = 50_000


def _nl(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def make_wide(path: Path, areas: int = 20_000, years: int = 50, seed: int = 1) -> int:
    rnd = random.Random(seed)
    first = 2024 - years + 1
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(";".join(["gebied", *(str(y) for y in range(first, 2025))]) + "\n")
        for i in range(areas):
            cells = [_nl(rnd.uniform(0, 5000)) if rnd.random() > 0.02 else "." for _ in range(years)]
            f.write(f"WK{i:06d};" + ";".join(cells) + "\n")
    return areas * years


def make_tidy(path: Path, rows: int = 125_000, seed: int = 2) -> int:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["indicator", "area", "period", "value", "ci_low", "ci_high", "se", "n"])
        for i in range(rows):
            v = rnd.uniform(1, 60)
            w.writerow([f"ind{i % 25}", f"WK{i // 25:06d}", 2000 + i % 25 // 1, f"{v:.2f}", f"{v - 1.5:.2f}",
                        f"{v + 1.5:.2f}", "0.77", rnd.randint(50, 5000)])  # fmt: skip
    return rows * 8


def _baseline(path: Path, delimiter: str) -> float:
    """Bare csv.reader + float() over every cell after the first column (the floor to compare with)."""
    t0 = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        next(reader)
        total = 0.0
        for row in reader:
            for cell in row[3:] if delimiter == "," else row[1:]:
                try:
                    total += float(cell.replace(",", "."))
                except ValueError:
                    pass
    return time.perf_counter() - t0


def _timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds (CPU time is steadier on a busy shared machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - t0, time.process_time() - c0, result


def _peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def bench_import_parse() -> dict[str, float]:
    print("== bench_import_parse: parse a 1,000,000-cell table")
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        wide = Path(tmp) / "wide.csv"
        cases.append(("wide", wide, make_wide(wide), ";", {}))
        tidy = Path(tmp) / "tidy.csv"
        cases.append(("tidy", tidy, make_tidy(tidy), ",", {}))
        for name, path, cells, delim, opts in cases:
            size = path.stat().st_size / 2**20
            base = _baseline(path, delim)
            seconds, cpu, table = _timed(lambda p=path, o=opts: parse(p, **o))  # type: ignore[misc]
            rate = cells / seconds
            cpu_rate = cells / cpu
            peak = _peak_mib(lambda p=path, o=opts: parse(p, **o))  # type: ignore[misc]
            n_obs = len(table)  # type: ignore[arg-type]
            verdict = "OK" if rate >= TARGET_CELLS_PER_S else "TOO SLOW"
            print(f"  {name:5s} {cells:,} cells ({size:.1f} MiB, {n_obs:,} observations): {seconds:.2f} s, "
                  f"{rate:,.0f} cells/s wall, {cpu_rate:,.0f} cells/s CPU [{verdict}, target {TARGET_CELLS_PER_S:,}], "
                  f"{seconds / base:.1f}x a bare csv+float pass, peak {peak:.0f} MiB")  # fmt: skip
            results[f"{name}_cells_per_s"] = rate
            results[f"{name}_cpu_cells_per_s"] = cpu_rate
            results[f"{name}_peak_mib"] = peak
            results[f"{name}_ratio_to_baseline"] = seconds / base
    return results


def main() -> None:
    bench_import_parse()


if __name__ == "__main__":
    main()
