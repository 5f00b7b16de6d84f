"""``cyberbeeld redact`` of one sentence: start, work and exit of the real command (issue 15, "Must show").

Run: .venv/bin/python benchmarks/redact_bench.py [--quick] [--runs N]

Per run, three subprocesses, timed from the outside (wall) and by the kernel (CPU of the child):

* ``python -c pass``: the interpreter alone (the floor of any command);
* ``cyberbeeld redact`` with one sentence on stdin: *start* is the same command's ``--help`` (interpreter +
  the command's imports), *work* the time from spawn until the redacted sentence arrives minus *start*,
  *exit* the time from the sentence to the end of the process (deduce's objects are not torn down:
  ``cli.run`` leaves with ``os._exit`` once the output is flushed);
* the baseline measured in the same run: deduce as it loads without Cyberbeeld's changes (its full lookup
  cache, the garbage collector on) and the same sentence, in a subprocess.

Goal: ≤ 2 s wall on an idle machine. On a busy machine wall time includes waiting for a core, so the CPU
seconds (user + system) are printed beside it: on an idle machine the wall time is about that.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SENTENCE = "Mevrouw Jansen uit Maastricht belde vanaf 06-12345678 over een valse bank-sms.\n"
BASELINE = """
import sys, deduce
d = deduce.Deduce()
sys.stdout.write(d.deidentify(sys.stdin.read()).deidentified_text)
sys.stdout.flush()
"""


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), e.get("PYTHONPATH", "")]))
    return e


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(argv: list[str], stdin: str = "") -> tuple[float, float, float, str]:
    """(seconds until the first output line, seconds until exit, CPU seconds, output)."""
    cpu0 = cpu_children()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env(), text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    first = proc.stdout.readline()
    t_out = time.perf_counter() - start
    rest = proc.stdout.read()
    code = proc.wait()
    t_end = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"{' '.join(argv[:4])}: exit code {code}")
    return t_out, t_end, cpu_children() - cpu0, first + rest


def main() -> int:
    quick = "--quick" in sys.argv
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else (1 if quick else 3)
    py = sys.executable
    cli = [py, "-m", "cyberbeeld.cli"]
    timed(cli + ["redact"], SENTENCE)  # once untimed: builds the trimmed lookup cache if it is missing
    rows: dict[str, list[tuple[float, float, float]]] = {"python": [], "start": [], "redact": [], "baseline": []}
    output = ""
    for _ in range(runs):
        t = timed([py, "-c", "print()"])
        rows["python"].append((t[0], t[1], t[2]))
        t = timed(cli + ["--help"])
        rows["start"].append((t[1], t[1], t[2]))
        t_out, t_end, cpu, output = timed(cli + ["redact"], SENTENCE)
        rows["redact"].append((t_out, t_end, cpu))
        b_out, b_end, b_cpu, _ = timed([py, "-c", BASELINE], SENTENCE)
        rows["baseline"].append((b_out, b_end, b_cpu))
    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in rows.items()}
    start = med["start"][1]
    print(f"== redact_bench ({runs} run(s), median; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  uitvoer / output: {output.strip()}")
    print(f"  python alleen / interpreter only : {med['python'][1]:6.2f} s wall, {med['python'][2]:5.2f} s CPU")
    print(f"  start (cyberbeeld --help)        : {start:6.2f} s wall, {med['start'][2]:5.2f} s CPU")
    print(f"  werk / work (tot de uitvoer)     : {med['redact'][0] - start:6.2f} s wall")
    print(f"  afsluiten / exit (na de uitvoer) : {med['redact'][1] - med['redact'][0]:6.2f} s wall")
    print(f"  cyberbeeld redact totaal / total : {med['redact'][1]:6.2f} s wall, {med['redact'][2]:5.2f} s CPU"
          "   (doel / goal ≤ 2 s op een rustige machine / on an idle machine)")
    print(f"  basislijn / baseline deduce      : {med['baseline'][1]:6.2f} s wall, {med['baseline'][2]:5.2f} s CPU"
          f"   (volledige cache, gc aan / full cache, gc on)")
    print(f"  verhouding / ratio redact/baseline: wall {med['redact'][1] / med['baseline'][1]:.2f}, "
          f"CPU {med['redact'][2] / med['baseline'][2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
