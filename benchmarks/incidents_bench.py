"""Benchmarks of the incident register's pure cores.

``main()`` runs every ``bench_*`` function in this module (helpers add their own; never remove
another's). Each prints what it measured and returns a dict of numbers.

* ``bench_classifier`` — form suggestion (``incidents.classify``): macro-F1 and calibration under
  stratified 5-fold cross-validation on the repository corpus, against a word-only uncalibrated
  baseline measured in the same run; training time; texts/s when classifying.
* ``bench_early_warning`` — early warning (``incidents.surveillance``): detection probability, delay
  and false alarms per year on synthetic Poisson series with trend, season and injected rises, for
  Farrington/Noufaily, EARS-C3 and CUSUM; and the alarms on the real national police series
  3.7.4 Cybercrime 2012–2023.

Usage::

    .venv/bin/python benchmarks/incidents_bench.py            # all benchmarks
    .venv/bin/python benchmarks/incidents_bench.py classifier  # only bench_classifier
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SHARED = Path(os.environ.get("CYBERBEELD_SHARED_DATA", REPO.parent / "shared" / "data"))


def bench_classifier() -> dict[str, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from cyberbeeld.incidents import classify

    print("== bench_classifier: form suggestion on the Dutch incident corpus")
    corpus = classify.load_corpus()
    texts = [e.text for e in corpus]
    labels = [e.form for e in corpus]
    results: dict[str, float] = {}

    ev = classify.evaluate(corpus, folds=5, seed=0)
    verdict = "OK" if ev.macro_f1 >= 0.85 else "BELOW TARGET"
    print(f"  corpus: {ev.n} texts, {len(set(labels))} forms; stratified {ev.folds}-fold CV in {ev.seconds:.1f} s")
    print(f"  macro-F1 {ev.macro_f1:.3f} [{verdict}, target 0.85], accuracy {ev.accuracy:.3f}")
    print(f"  calibration: ECE {ev.ece:.3f}, Brier {ev.brier:.3f}; reliability (bin: n, mean p → accuracy):")
    for b in ev.reliability:
        if b.n:
            print(f"    ({b.low:.1f}, {b.high:.1f}]: {b.n:4d}, {b.mean_probability:.2f} → {b.accuracy:.2f}")
    print(f"  unsure threshold {ev.threshold:.2f}: {ev.coverage:.0%} of texts get a suggestion, "
          f"{ev.accuracy_above_threshold:.1%} of those right; for the rest the right form is in the top 3 "
          f"in {ev.top3_accuracy_below_threshold:.1%}; threshold for ≥95 % right: {ev.suggested_threshold:.2f}")
    worst = sorted(ev.per_form_f1.items(), key=lambda kv: kv[1])[:4]
    print("  weakest forms: " + ", ".join(f"{k} {v:.2f}" for k, v in worst))

    # baseline in the same run: word TF-IDF + LinearSVC, no character n-grams, no calibration
    t0 = time.perf_counter()
    base_pred = cross_val_predict(
        make_pipeline(TfidfVectorizer(sublinear_tf=True), LinearSVC(C=0.5)),
        texts, labels, cv=StratifiedKFold(5, shuffle=True, random_state=0),
    )
    base_f1 = float(f1_score(labels, base_pred, average="macro"))
    print(f"  baseline (word TF-IDF + LinearSVC): macro-F1 {base_f1:.3f} in {time.perf_counter() - t0:.1f} s; "
          f"ours − baseline = {ev.macro_f1 - base_f1:+.3f}")

    t0 = time.perf_counter()
    clf = classify.train(corpus)
    train_s = time.perf_counter() - t0
    batch = [(e.title, e.description) for e in corpus] * 8
    t0 = time.perf_counter()
    clf.suggest_many(batch)
    batch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for title, desc in batch[:300]:
        clf.suggest(title, desc)
    single_s = (time.perf_counter() - t0) / 300
    vec = TfidfVectorizer(sublinear_tf=True).fit([classify.join_text(t, d) for t, d in batch[: len(corpus)]])
    t0 = time.perf_counter()
    vec.transform([classify.join_text(t, d) for t, d in batch])
    bare_s = time.perf_counter() - t0
    print(f"  training on {len(corpus)} texts: {train_s:.2f} s; classifying: {len(batch) / batch_s:,.0f} texts/s in "
          f"batch ({batch_s / bare_s:.1f}x a bare word TF-IDF transform), {single_s * 1000:.1f} ms per single suggest()")
    results.update(
        macro_f1=ev.macro_f1, accuracy=ev.accuracy, ece=ev.ece, brier=ev.brier, coverage=ev.coverage,
        accuracy_above_threshold=ev.accuracy_above_threshold, suggested_threshold=ev.suggested_threshold,
        baseline_macro_f1=base_f1, train_seconds=train_s, texts_per_s=len(batch) / batch_s,
        single_suggest_ms=single_s * 1000,
    )
    return results


def _police_series(code_prefix: str) -> tuple[list[str], list[float]]:
    path = SHARED / "cbs-police-crime" / "NL_Crime_monthly_2012_2023.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["crime_type_code"].startswith(code_prefix)]
    rows.sort(key=lambda r: r["date"])
    return [r["date"][:7] for r in rows], [float(r["frequency"]) for r in rows]


def bench_early_warning(runs: int = 100) -> dict[str, float]:
    from cyberbeeld.incidents import surveillance as sv

    print("== bench_early_warning: synthetic monthly series (8 years, last 2 judged; trend +5 %/yr, season ±20 %)")
    results: dict[str, float] = {}
    print(f"  {'method':11s} {'mean':>5s} {'rise':>5s}  {'P(detect)':>9s}  {'delay (months)':>14s}  {'false alarms/yr':>15s}")
    for method in ("farrington", "ears-c3", "cusum"):
        for base in (5.0, 20.0):
            for rise in (1.0, 1.5, 2.0, 3.0):
                st = sv.evaluate_detection(method=method, runs=runs, base=base, rise=rise, rise_length=3, seed=7)
                p = "-" if rise == 1.0 else f"{st.detection_probability:.2f}"
                d = "-" if rise == 1.0 or np.isnan(st.mean_delay) else f"{st.mean_delay:.2f}"
                print(f"  {method:11s} {base:5.0f} {'none' if rise == 1 else f'x{rise:g}':>5s}  {p:>9s}  {d:>14s}  "
                      f"{st.false_alarms_per_year:15.2f}")
                tag = f"{method}_mean{base:g}_rise{rise:g}"
                results[f"{tag}_p_detect"] = st.detection_probability
                results[f"{tag}_delay"] = st.mean_delay
                results[f"{tag}_false_per_year"] = st.false_alarms_per_year
    od = sv.evaluate_detection(method="farrington", runs=runs, base=20, rise=2.0, dispersion=3.0, seed=8)
    od0 = sv.evaluate_detection(method="farrington", runs=runs, base=20, rise=1.0, dispersion=3.0, seed=8)
    print(f"  overdispersed (φ=3), mean 20, x2: P(detect) {od.detection_probability:.2f}, delay {od.mean_delay:.2f}, "
          f"false alarms/yr {od0.false_alarms_per_year:.2f}")
    wk = sv.evaluate_detection(method="farrington", runs=max(runs // 4, 10), freq=52, years=6, base=10, rise=2.0,
                               rise_length=4, seed=9)
    print(f"  weekly (6 years, mean 10, x2 for 4 weeks): P(detect) {wk.detection_probability:.2f}, "
          f"delay {wk.mean_delay:.2f} weeks, false alarms/yr {wk.false_alarms_per_year:.2f}")
    results.update(overdispersed_p_detect=od.detection_probability, overdispersed_false_per_year=od0.false_alarms_per_year,
                   weekly_p_detect=wk.detection_probability, weekly_false_per_year=wk.false_alarms_per_year)

    # throughput: one check of the newest month for 342 gemeenten × 17 forms
    rng = np.random.default_rng(3)
    series = {i: rng.poisson(rng.uniform(1, 30), 96).astype(float) for i in range(500)}
    t0 = time.perf_counter()
    for counts in series.values():
        sv.farrington(counts)
    per_check = (time.perf_counter() - t0) / len(series)
    print(f"  speed: {per_check * 1000:.2f} ms per Farrington check → {342 * 17 * per_check:.1f} s for 342 gemeenten × 17 forms")
    results["farrington_ms_per_check"] = per_check * 1000

    if not (SHARED / "cbs-police-crime" / "NL_Crime_monthly_2012_2023.csv").is_file():
        print("  (shared police data not found: real-series check skipped)")
        return results
    print("== bench_early_warning: national police series 3.7.4 Cybercrime, monthly 2012–2023 (Farrington, α=0.01)")
    periods, y = _police_series("3.7.4")
    checks = sv.run(y, method="farrington")
    alarms = [periods[c.index] for c in checks if c.alarm]
    judged = [periods[c.index] for c in checks]
    print(f"  judged {judged[0]}…{judged[-1]} ({len(judged)} months), {len(alarms)} alarms: {', '.join(alarms)}")
    for lo, hi, label in (("2013-01", "2017-12", "quiet 2013–2017"), ("2018-01", "2021-03", "rise 2018–2021Q1"),
                          ("2021-04", "2023-12", "plateau 2021Q2–2023")):
        span = [p for p in judged if lo <= p <= hi]
        n = sum(p in alarms for p in span)
        print(f"    {label:22s}: {n:2d} alarms in {len(span)} months = {12 * n / len(span):.2f} per year")
        results[f"real_{lo[:4]}_{hi[:4]}_alarms_per_year"] = 12 * n / len(span)
    first_2018 = next((p for p in alarms if p >= "2018-10"), None)
    print(f"  autumn-2018 jump (Sep 230 → Oct 330): first alarm {first_2018}; May-2020 spike (1891): "
          f"{'alarm' if '2020-05' in alarms else 'missed'}")
    for method in ("ears-c3", "cusum"):
        other = [a.period for a in sv.detect(y, periods, method=method)]  # type: ignore[arg-type]
        quiet = [p for p in other if "2013-01" <= p <= "2017-12" or "2021-04" <= p <= "2023-12"]
        print(f"  for comparison {method}: {len(other)} alarms, {len(quiet)} in the quiet/plateau years")
        results[f"real_{method}_alarms"] = len(other)
    return results


def main(argv: list[str] | None = None) -> None:
    wanted = set(argv if argv is not None else sys.argv[1:])
    benches: list[tuple[str, Callable[[], object]]] = sorted(
        (name, fn) for name, fn in globals().items() if name.startswith("bench_") and callable(fn)
    )
    for name, fn in benches:
        if not wanted or name.removeprefix("bench_") in wanted or name in wanted:
            fn()


if __name__ == "__main__":
    main()
