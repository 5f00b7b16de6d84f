"""Benchmarks for the incidents pure cores (issue 3, "Must show").

Run: .venv/bin/python benchmarks/incidents_bench.py [--quick] [section ...]

Structure: one ``bench_<name>()`` function per section; ``main()`` runs every ``bench_*`` function defined in
this module, in the order they are defined (or only the sections named on the command line, e.g.
``redaction pipeline``). Add a section by adding a function; nothing else needs to change.

* ``bench_redaction`` — precision/recall per type on the annotated corpus (deduce-only baseline), texts/s.
* ``bench_classifier`` — form suggestion: macro-F1 and calibration under stratified cross-validation, against
  a word-only uncalibrated baseline measured in the same run; training time; texts/s when classifying.
* ``bench_early_warning`` — detection probability, delay and false alarms per year on synthetic series with
  injected rises (Farrington/Noufaily, EARS-C3, CUSUM); the alarms on the real national police series
  3.7.4 Cybercrime 2012–2023 (``../shared/data``, or ``$CYBERBEELD_SHARED_DATA``).
* ``bench_pipeline`` — redaction + classification together as the bulk import does them, texts/s on one
  core (target ≥ 500), the two parts apart, and deduce's own full pipeline as the baseline.
* ``bench_import`` — import of 100,000 incidents: rows/s and peak memory.
* ``bench_lock_window`` — the write-lock window of a 100,000-row import on SQLite (the longest time another
  writer waits), next to the import's total time; goal ≤ 1 s (``--quick``: 10,000 rows).

``--quick``: fewer cross-validation folds, simulation runs and seconds per measurement, 5,000 import rows.
"""

from __future__ import annotations

import contextlib
import csv
import inspect
import io
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SHARED = Path(os.environ.get("CYBERBEELD_SHARED_DATA", REPO.parent / "shared" / "data"))
QUICK = "--quick" in sys.argv

from cyberbeeld.common import redact as R  # noqa: E402 - after the path set-up

# Every section returns a dict of its headline numbers (handy for tests/CI), and prints a report.
BenchResult = dict[str, float]


def _deduce_baseline(text: str) -> R.RedactionResult:
    """Baseline: deduce's own full pipeline, its tags mapped to ours (no stdnum/schwifty/phonenumbers)."""
    tag_map = {
        "persoon": "NAAM",
        "patient": "NAAM",
        "bsn": "BSN",
        "telefoonnummer": "TELEFOON",
        "emailadres": "EMAIL",
        "datum": "GEBOORTEDATUM",
        "url": "HANDLE",
    }
    doc = R._deduce().deidentify(text)
    spans: list[R.Span] = []
    for a in sorted(doc.annotations, key=lambda a: a.start_char):
        typ = tag_map.get(a.tag)
        if a.tag == "locatie":
            if re.search(r"\d{4} ?[A-Z]{2}", a.text):
                typ = "POSTCODE"
            elif re.search(r"\d", a.text):
                typ = "ADRES"
        if a.tag == "id" and re.search(r"[A-Z]{2}\d{2}", text[max(0, a.start_char - 8) : a.end_char]):
            typ = "IBAN"
        if typ:
            spans.append(R.Span(a.start_char, a.end_char, typ, 0, 0))
    return R.RedactionResult(doc.deidentified_text, tuple(spans))


def _texts_per_second(fn: Callable[[str], object], texts: list[str], min_seconds: float = 3.0) -> float:
    for t in texts[:5]:
        fn(t)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < min_seconds:
        for t in texts:
            fn(t)
        n += len(texts)
    return n / (time.perf_counter() - t0)


def bench_redaction() -> BenchResult:
    """Redaction: per-type precision/recall on the annotated corpus, and texts/s on one core."""
    t0 = time.perf_counter()
    R.warm_up()
    print(f"deduce warm-up: {time.perf_counter() - t0:.1f} s")
    corpus = R.load_corpus()
    n_spans = sum(len(d.spans) for d in corpus)
    print(f"corpus: {len(corpus)} texts, {n_spans} annotated spans ({R.default_corpus_path().name})")
    print("matching: overlap within the same type (exact-offset matches shown as 'exact')")

    ours = R.evaluate(corpus)
    base = R.evaluate(corpus, _deduce_baseline)
    # batch 3 was written after the detectors were frozen (see corpus/README.md): the unseen-text estimate
    held = R.evaluate([d for d in corpus if d.meta.get("batch") == "3"])
    header = f"{'type':<14}{'gold':>5}{'pred':>6}{'prec':>7}{'recall':>8}{'exact':>7}  | deduce-only P / R   | batch 3 P / R"
    print(header)
    print("-" * len(header))
    out: BenchResult = {}
    for t, s in ours.items():
        b = base.get(t)
        h = held.get(t)
        bp = f"{b.precision:5.3f} / {b.recall:5.3f}" if b and b.gold else "   -  /   -  "
        hp = f"{h.precision:5.3f} / {h.recall:5.3f}" if h and h.gold else "   -  /   -  "
        print(
            f"{t:<14}{s.gold:>5}{s.predicted:>6}{s.precision:>7.3f}{s.recall:>8.3f}{s.exact:>7}  | {bp}     | {hp}"
        )
        out[f"precision_{t}"] = s.precision
        out[f"recall_{t}"] = s.recall

    texts = [d.text for d in corpus]
    avg_len = sum(map(len, texts)) / len(texts)
    secs = 1.0 if QUICK else 3.0
    ours_tps = R.measure_throughput(texts, min_seconds=secs)
    base_tps = _texts_per_second(_deduce_baseline, texts, secs)
    print(f"throughput (one core, mean text {avg_len:.0f} chars): {ours_tps:,.0f} texts/s")
    print(
        f"  deduce full pipeline alone: {base_tps:,.0f} texts/s  (ratio ours/deduce {ours_tps / base_tps:.2f})"
    )
    out["texts_per_second"] = ours_tps
    out["baseline_texts_per_second"] = base_tps
    return out


def bench_classifier() -> BenchResult:
    """Form suggestion (classify.py): macro-F1 under stratified cross-validation, calibration, speed."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from cyberbeeld.incidents import classify

    corpus = classify.load_corpus()
    texts = [e.text for e in corpus]
    labels = [e.form for e in corpus]
    results: BenchResult = {}
    folds = 3 if QUICK else 5

    ev = classify.evaluate(corpus, folds=folds, seed=0)
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
        texts, labels, cv=StratifiedKFold(folds, shuffle=True, random_state=0),
    )
    base_f1 = float(f1_score(labels, base_pred, average="macro"))
    print(f"  baseline (word TF-IDF + LinearSVC): macro-F1 {base_f1:.3f} in {time.perf_counter() - t0:.1f} s; "
          f"ours − baseline = {ev.macro_f1 - base_f1:+.3f}")

    t0 = time.perf_counter()
    clf = classify.train(corpus)
    train_s = time.perf_counter() - t0
    batch = [(e.title, e.description) for e in corpus]
    clf.suggest_many(batch[:50])  # builds (and self-checks) the fast inference path
    calls = 2 if QUICK else 8
    t0 = time.perf_counter()
    for _ in range(calls):  # separate calls: nothing is cached from one call to the next
        clf.suggest_many(batch)
    batch_s = (time.perf_counter() - t0) / calls
    n_single = 50 if QUICK else 300
    t0 = time.perf_counter()
    for title, desc in (batch * 2)[:n_single]:
        clf.suggest(title, desc)
    single_s = (time.perf_counter() - t0) / n_single
    t0 = time.perf_counter()
    for title, desc in batch[:20]:
        clf.pipeline.predict_proba([classify.join_text(title, desc)])
    sk_single_s = (time.perf_counter() - t0) / 20
    vec = TfidfVectorizer(sublinear_tf=True).fit([classify.join_text(t, d) for t, d in batch[: len(corpus)]])
    t0 = time.perf_counter()
    vec.transform([classify.join_text(t, d) for t, d in batch])
    bare_s = time.perf_counter() - t0
    print(f"  training on {len(corpus)} texts: {train_s:.2f} s; classifying: {len(batch) / batch_s:,.0f} texts/s in "
          f"batch ({batch_s / bare_s:.1f}x a bare word TF-IDF transform), {single_s * 1000:.1f} ms per single suggest() "
          f"(sklearn's own predict_proba: {sk_single_s * 1000:.1f} ms; fast path {'on' if clf.fast_path else 'OFF'})")
    results.update(
        macro_f1=ev.macro_f1, accuracy=ev.accuracy, ece=ev.ece, brier=ev.brier, coverage=ev.coverage,
        accuracy_above_threshold=ev.accuracy_above_threshold, suggested_threshold=ev.suggested_threshold,
        baseline_macro_f1=base_f1, train_seconds=train_s, texts_per_s=len(batch) / batch_s,
        single_suggest_ms=single_s * 1000, sklearn_single_ms=sk_single_s * 1000,
    )
    return results


def _police_series(code_prefix: str) -> tuple[list[str], list[float]]:
    path = SHARED / "cbs-police-crime" / "NL_Crime_monthly_2012_2023.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["crime_type_code"].startswith(code_prefix)]
    rows.sort(key=lambda r: r["date"])
    return [r["date"][:7] for r in rows], [float(r["frequency"]) for r in rows]


def bench_early_warning() -> BenchResult:
    """Early warning (surveillance.py): detection delay and false alarms per year; the real police series."""
    from cyberbeeld.incidents import surveillance as sv

    runs = 20 if QUICK else 100
    print(f"  synthetic monthly series (8 years, last 2 judged; trend +5 %/yr, season ±20 %), {runs} runs each")
    results: BenchResult = {}
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
    wk = sv.evaluate_detection(method="farrington", runs=max(runs // 4, 5), freq=52, years=6, base=10, rise=2.0,
                               rise_length=4, seed=9)
    print(f"  weekly (6 years, mean 10, x2 for 4 weeks): P(detect) {wk.detection_probability:.2f}, "
          f"delay {wk.mean_delay:.2f} weeks, false alarms/yr {wk.false_alarms_per_year:.2f}")
    results.update(overdispersed_p_detect=od.detection_probability, overdispersed_false_per_year=od0.false_alarms_per_year,
                   weekly_p_detect=wk.detection_probability, weekly_false_per_year=wk.false_alarms_per_year)

    # throughput: one check of the newest month for 342 gemeenten × 17 forms
    rng = np.random.default_rng(3)
    series = {i: rng.poisson(rng.uniform(1, 30), 96).astype(float) for i in range(100 if QUICK else 500)}
    t0 = time.perf_counter()
    for y in series.values():
        sv.farrington(y)
    per_check = (time.perf_counter() - t0) / len(series)
    print(f"  speed: {per_check * 1000:.2f} ms per Farrington check → {342 * 17 * per_check:.1f} s for 342 gemeenten × 17 forms")
    results["farrington_ms_per_check"] = per_check * 1000

    if not (SHARED / "cbs-police-crime" / "NL_Crime_monthly_2012_2023.csv").is_file():
        print(f"  (shared police data not found under {SHARED}: real-series check skipped)")
        return results
    print("  national police series 3.7.4 Cybercrime, monthly 2012–2023 (Farrington, α=0.01):")
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


def _idlest_cpu(cpus: set[int]) -> int:
    """The CPU among ``cpus`` with the most idle time over a short sample of /proc/stat (Linux), else the first."""

    def idle() -> dict[int, int]:
        out: dict[int, int] = {}
        with contextlib.suppress(OSError), open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                name, *fields = line.split()
                if name.startswith("cpu") and name[3:].isdigit():
                    out[int(name[3:])] = int(fields[3]) + int(fields[4])  # idle + iowait
        return out

    first = idle()
    time.sleep(0.3)
    second = idle()
    scores = {c: second.get(c, 0) - first.get(c, 0) for c in cpus}
    return max(sorted(cpus), key=lambda c: scores[c])


@contextlib.contextmanager
def _one_core() -> Iterator[str]:
    """Pin the process to one CPU (Linux) for the duration: 'one core' is then what is measured."""
    getaff = getattr(os, "sched_getaffinity", None)
    setaff = getattr(os, "sched_setaffinity", None)
    if getaff is None or setaff is None:
        yield "not pinned (no sched_setaffinity)"
        return
    before = getaff(0)
    cpu = _idlest_cpu(set(before))
    setaff(0, {cpu})
    try:
        yield f"pinned to CPU {cpu} (the idlest)"
    finally:
        setaff(0, before)


def _title(text: str) -> str:
    """The first sentence, or the first 60 characters when that is longer (a plausible incident title)."""
    m = re.match(r"(.+?[.!?])(?=\s|$)", text)
    first = m.group(1) if m else text
    return first if len(first) <= 60 else text[:60].rstrip()


def bench_pipeline() -> BenchResult:
    """Redaction + classification together, as the bulk import does them: texts/s on one core (target ≥ 500)."""
    from cyberbeeld.incidents import classify

    R.warm_up()
    corpus = R.load_corpus()
    rows = [(_title(d.text), d.text) for d in corpus]  # (title, raw description)
    n = len(rows)
    clf = classify.load_or_train()
    fast = clf.fast_path
    # What bulk.check_file does per file: every raw description is redacted (services.redact → redact_text),
    # then the rows without a form get suggestions in batches of 1000 from the title + *redacted* description
    # (clf.suggest_many), the kind of text the classifier is retrained on.
    batch_size = 1000
    redacted_rows = [(title, R.redact_text(raw) if raw else "") for title, raw in rows]

    def redact_all() -> list[str]:
        return [R.redact_text(raw) if raw else "" for _, raw in rows]

    def classify_all() -> None:
        for start in range(0, n, batch_size):
            clf.suggest_many(redacted_rows[start : start + batch_size])

    def timed(fn: Callable[[], object]) -> tuple[float, float]:
        """(wall seconds, process CPU seconds) of one call."""
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - w0, time.process_time() - c0

    rounds = 3 if QUICK else 7
    min_round = 0.5 if QUICK else 2.0
    # Per round: redact all rows, then classify them, repeated for ≥ min_round seconds. Reported per round as
    # texts per wall-clock second and per CPU second of this process. The process is pinned to one CPU, so
    # its CPU time can never exceed one core's; on a busy machine the wall clock also counts the time spent
    # waiting for that CPU, and texts per CPU second is what one core does.
    with _one_core() as pinned:
        redact_all()
        classify_all()  # warm-up: deduce structures, the classifier's fast path (and its self-check)
        res: dict[str, list[float]] = {k: [] for k in ("wall", "cpu", "red", "cls")}
        for _ in range(rounds):
            k = 0
            w_red = c_red = w_cls = c_cls = 0.0
            t0 = time.perf_counter()
            while True:
                w, c = timed(redact_all)
                w_red, c_red = w_red + w, c_red + c
                w, c = timed(classify_all)
                w_cls, c_cls = w_cls + w, c_cls + c
                k += 1
                if time.perf_counter() - t0 >= min_round:
                    break
            res["wall"].append(k * n / (w_red + w_cls))
            res["cpu"].append(k * n / (c_red + c_cls))
            res["red"].append(k * n / c_red)
            res["cls"].append(k * n / c_cls)
        # baselines in the same run: deduce's own full pipeline (redaction alone), and classification through
        # sklearn's pipeline.predict_proba (what suggest_many did before the fast path)
        c0 = time.process_time()
        base_n = 0
        while time.process_time() - c0 < (1.0 if QUICK else 3.0):
            for _, raw in rows:
                _deduce_baseline(raw)
            base_n += n
        base = base_n / (time.process_time() - c0)
        joined = [classify.join_text(t, d) for t, d in redacted_rows]
        sk = n / min(timed(lambda: clf.pipeline.predict_proba(joined))[1] for _ in range(3))
        single = statistics.median(
            timed(lambda row=row: clf.suggest(*row))[1] for row in (redacted_rows * 2)[: 30 if QUICK else 200]
        )

    med = statistics.median
    avg_len = sum(len(raw) for _, raw in rows) / n
    tps = med(res["cpu"])
    verdict = "OK" if tps >= 500 else "BELOW TARGET"
    print(f"  corpus: {n} redaction-corpus texts (mean {avg_len:.0f} chars), title = first sentence or first 60 chars;")
    print(f"  {pinned}; {rounds} rounds of ≥ {min_round:g} s, median (min–max) per CPU second; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"  redaction + classification: {tps:7,.0f} texts/s ({min(res['cpu']):,.0f}–{max(res['cpu']):,.0f}) "
          f"[{verdict}, target 500] = {1000 / tps:.2f} ms/text; wall clock {med(res['wall']):,.0f} texts/s")
    print(f"    redaction (redact_text per row):     {med(res['red']):7,.0f} texts/s  {1000 / med(res['red']):.2f} ms/text")
    print(f"    classification (suggest_many, batches ≤ {batch_size}): {med(res['cls']):7,.0f} texts/s  "
          f"{1000 / med(res['cls']):.2f} ms/text")
    print(f"  baselines: deduce full pipeline alone {base:,.0f} texts/s (redaction + classification is "
          f"{tps / base:.2f}× that); classification via sklearn pipeline.predict_proba {sk:,.0f} texts/s "
          f"(suggest_many is {med(res['cls']) / sk:.1f}× that)")
    print(f"  single suggest() (the web form): {single * 1000:.1f} ms (fast path {'on' if fast else 'OFF'})")
    return {"texts_per_second": tps, "wall_texts_per_second": med(res["wall"]),
            "redact_texts_per_second": med(res["red"]), "classify_texts_per_second": med(res["cls"]),
            "deduce_baseline_texts_per_second": base,
            "sklearn_classify_texts_per_second": sk, "single_suggest_ms": single * 1000}


def _import_worker(n: int) -> dict[str, float]:
    """Runs in a fresh process (``--import-worker N``): a temporary SQLite database, N rows imported."""
    import csv
    import io
    import os
    import resource

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cyberbeeld.accounts.models import Organisation
    from cyberbeeld.areas.models import Area
    from cyberbeeld.incidents import bulk
    from cyberbeeld.incidents.models import Incident
    from cyberbeeld.incidents.services import current_forms, taxonomy_sync

    taxonomy_sync()
    for i in range(20):
        Area.objects.create(code=f"GM{9000 + i}", kind="gemeente", name=f"Testgemeente {i}", slug=f"test-{i}")
    org = Organisation.objects.create(kind="gemeente", name="Bench", slug="bench")
    forms = [f.code for f in current_forms()]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(["sleutel", "titel", "beschrijving", "datum_melding", "gemeente", "vorm", "impact", "bron", "status", "tlp"])
    for i in range(n):  # short texts without personal data: redaction runs but finds nothing
        w.writerow([f"K{i:07d}", f"Melding {i}", f"Inwoner meldt verdachte activiteit, melding {i} van vandaag.",
                    f"20{15 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}", f"GM{9000 + i % 20}", forms[i % len(forms)],
                    "ABCDE"[i % 5], "melding", "nieuw", "AMBER"])
    data = buf.getvalue().encode("utf-8")
    from cyberbeeld.common.redact import warm_up

    warm_up()  # the deduce lookup structures are built once per process (several seconds, most of the RSS)

    def hwm_kb() -> float:  # peak resident memory (VmHWM), resettable on Linux via /proc/self/clear_refs
        try:
            with open("/proc/self/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return float(line.split()[1])
        except OSError:
            pass
        return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

    rss0 = hwm_kb()  # after warm-up: mostly deduce's lookup tables
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # reset the peak, so that the next reading is the import's own peak
    except OSError:
        pass
    t0 = time.perf_counter()
    r1 = bulk.import_file(org, None, "bench.csv", data)
    t1 = time.perf_counter()
    rss1 = hwm_kb()
    r2 = bulk.import_file(org, None, "bench.csv", data)  # idempotent re-import: nothing changes
    t2 = time.perf_counter()
    assert r1.ok and r1.created == n and r2.unchanged == n, (r1, r2)
    # the same import without redaction (texts pre-redacted by the caller): the rest of the pipeline
    Incident.objects.all().delete()
    t5 = time.perf_counter()
    r3 = bulk.import_file(org, None, "bench.csv", data, redact_texts=False)
    t6 = time.perf_counter()
    assert r3.created == n
    # baseline in the same run: parse the same CSV and bulk_create bare rows (no checks, redaction, audit)
    Incident.objects.all().delete()
    area_ids = dict(Area.objects.values_list("code", "pk"))
    form_ids = dict(current_forms().values_list("code", "pk"))
    t3 = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))[1:]
    objs = [Incident(owner=org, external_id=r[0], title=r[1], raw_description=r[2], redacted_description=r[2],
                     reported_on=r[3], area_id=area_ids[r[4]], form_id=form_ids[r[5]], impact=r[6], source=r[7],
                     status=r[8], tlp="amber") for r in rows]
    Incident.objects.bulk_create(objs, batch_size=1000)
    t4 = time.perf_counter()
    return {"rows": n, "bytes": len(data), "import_s": t1 - t0, "reimport_s": t2 - t1, "baseline_s": t4 - t3,
            "no_redaction_s": t6 - t5,
            "peak_rss_mb_before": rss0 / 1024, "peak_rss_mb_after": rss1 / 1024}


def bench_import() -> BenchResult:
    """Bulk import of incidents (CSV): rows/s and peak memory, all-or-nothing, then an idempotent re-import."""
    import json
    import subprocess

    n = 5_000 if QUICK else 100_000
    print(f"  {n:,} rows with short, unique texts WITHOUT personal data (redaction runs on every text but finds")
    print("  nothing; longer realistic texts cost more), forms given (no classification), SQLite, a fresh process")
    print("  and a temporary database; baseline = csv.reader + bare bulk_create of the same rows")
    proc = subprocess.run([sys.executable, __file__, "--import-worker", str(n)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
        raise RuntimeError("import worker failed")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    rate, rerate, base = n / r["import_s"], n / r["reimport_s"], n / r["baseline_s"]
    print(f"  import:     {r['import_s']:7.1f} s  {rate:9,.0f} rows/s  (checks, redaction, audit event per row)")
    print(f"  re-import:  {r['reimport_s']:7.1f} s  {rerate:9,.0f} rows/s  (nothing changes)")
    pre = n / r["no_redaction_s"]
    print(f"  pre-redacted: {r['no_redaction_s']:5.1f} s  {pre:9,.0f} rows/s  (same import, redaction skipped)")
    print(f"  baseline:   {r['baseline_s']:7.1f} s  {base:9,.0f} rows/s  → import is {base / rate:.1f}× slower than bare inserts")
    print(f"  peak memory (VmHWM of the process): {r['peak_rss_mb_before']:.0f} MB after loading the redaction "
          f"models, peak {r['peak_rss_mb_after']:.0f} MB during the import ({r['bytes'] / 1e6:.1f} MB file)")
    return {"rows": float(n), "rows_per_second": rate, "reimport_rows_per_second": rerate,
            "pre_redacted_rows_per_second": pre,
            "baseline_rows_per_second": base, "peak_rss_mb": r["peak_rss_mb_after"]}


def _probe_writer(path: str, stop: Any, out: Any) -> None:
    """Another writer (a separate process, plain sqlite3, no Django): a tiny write transaction every 10 ms,
    taking the lock as the app's writers do (``config/sqlite``: BEGIN IMMEDIATE retried every ≤ 5 ms); each
    one's wait for the write lock is recorded. Its longest wait is the import's longest lock window."""
    import random
    import sqlite3

    con = sqlite3.connect(path, timeout=600, isolation_level=None)
    con.execute("PRAGMA busy_timeout=0")
    waits: list[tuple[float, float, float]] = []  # (start, wait until committed, of which the COMMIT)
    while not stop.is_set():
        t0 = time.perf_counter()
        step = 0.0005
        while True:
            try:
                con.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError:
                time.sleep(step * (0.5 + random.random()))  # noqa: S311
                step = min(step * 2, 0.005)
        con.execute("INSERT INTO bench_probe (at) VALUES (?)", (t0,))
        t1 = time.perf_counter()
        con.execute("COMMIT")  # may run a WAL checkpoint (every 1000 pages written, by whoever commits)
        t2 = time.perf_counter()
        waits.append((t0, t2 - t0, t2 - t1))
        time.sleep(0.01)
    con.close()
    out.put(waits)


def _lock_window_worker(n: int) -> dict[str, float]:
    """Runs in a fresh process (``--lock-window-worker N``): a temporary SQLite file with the app's own
    settings (WAL, busy timeout, BEGIN IMMEDIATE); N rows imported while a probe process writes."""
    import multiprocessing
    import tempfile

    tmp = tempfile.mkdtemp(prefix="cyberbeeld-lockbench-")
    db = os.path.join(tmp, "bench.sqlite3")
    os.environ["DATABASE_URL"] = "sqlite:///" + db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from cyberbeeld.accounts.models import Organisation
    from cyberbeeld.areas.models import Area
    from cyberbeeld.common.redact import warm_up
    from cyberbeeld.incidents import bulk
    from cyberbeeld.incidents.models import Incident
    from cyberbeeld.incidents.services import current_forms, taxonomy_sync

    taxonomy_sync()
    for i in range(20):
        Area.objects.create(code=f"GM{9000 + i}", kind="gemeente", name=f"Testgemeente {i}", slug=f"test-{i}")
    org = Organisation.objects.create(kind="gemeente", name="Bench", slug="bench")
    forms = [f.code for f in current_forms()]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(["sleutel", "titel", "beschrijving", "datum_melding", "gemeente", "vorm", "impact", "bron", "status", "tlp"])
    for i in range(n):
        w.writerow([f"K{i:07d}", f"Melding {i}", f"Inwoner meldt verdachte activiteit, melding {i} van vandaag.",
                    f"20{15 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}", f"GM{9000 + i % 20}", forms[i % len(forms)],
                    "ABCDE"[i % 5], "melding", "nieuw", "AMBER"])
    data = buf.getvalue().encode("utf-8")
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_probe (id INTEGER PRIMARY KEY, at REAL)")
    warm_up()
    connection.close()
    ctx = multiprocessing.get_context("fork")

    def measured(run: Callable[[], object]) -> tuple[float, list[tuple[float, float, float]], tuple[float, float]]:
        stop, out = ctx.Event(), ctx.Queue()
        probe = ctx.Process(target=_probe_writer, args=(db, stop, out))
        probe.start()
        time.sleep(0.5)  # the probe's quiet baseline
        t0 = time.perf_counter()
        run()
        t1 = time.perf_counter()
        time.sleep(0.3)
        stop.set()
        waits = out.get()
        probe.join()
        return t1 - t0, waits, (t0, t1)

    marks: dict[str, float] = {}

    def progress(done: int, total: int, phase: str) -> None:
        marks.setdefault(f"{phase}_first", time.perf_counter())
        marks[f"{phase}_last"] = time.perf_counter()

    total, waits, (t0, t1) = measured(lambda: bulk.import_file(org, None, "bench.csv", data, progress=progress))
    assert Incident.objects.count() == n
    during = sorted(wait for at, wait, _ in waits if t0 - 1 <= at <= t1)
    commits = sorted(c for at, _, c in waits if t0 - 1 <= at <= t1)
    Incident.objects.all().delete()
    if os.environ.get("LOCKBENCH_NO_BASELINE"):
        worst = max((w for w in waits if t0 - 1 <= w[0] <= t1), key=lambda w: w[1])
        return {"rows": n, "import_s": total, "max_wait_s": worst[1], "max_commit_s": commits[-1],
                "worst_at_s": worst[0] - t0, "worst_commit_s": worst[2],
                **{k: v - t0 for k, v in marks.items()}}

    def one_transaction() -> None:  # the former save: every row in one write transaction
        rows, result = bulk.check_file(org, "bench.csv", data)
        with transaction.atomic():
            bulk.save_rows(org, None, rows, result, filename="bench.csv")

    base_total, base_waits, (b0, b1) = measured(one_transaction)
    base_during = sorted(wait for at, wait, _ in base_waits if b0 - 1 <= at <= b1)
    pct = lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")  # noqa: E731
    return {"rows": n, "import_s": total, "max_wait_s": during[-1] if during else float("nan"),
            "p99_wait_s": pct(during, 0.99), "probe_writes": len(during), "max_commit_s": commits[-1],
            "baseline_import_s": base_total, "baseline_max_wait_s": base_during[-1] if base_during else float("nan"),
            "baseline_probe_writes": len(base_during)}


def bench_lock_window() -> BenchResult:
    """Write-lock window of a bulk import on SQLite: the longest wait of another writer, next to the import time."""
    import json
    import subprocess

    n = 10_000 if QUICK else 100_000
    print(f"  {n:,} new rows imported (checks, redaction, staged chunks, swap) on SQLite with the app's settings, while")
    print("  another process writes a tiny transaction every 10 ms; its longest wait for the write lock is the")
    print("  longest lock window (goal: ≤ 1 s). Baseline in the same run: the same save in one transaction.")
    proc = subprocess.run([sys.executable, __file__, "--lock-window-worker", str(n)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
        raise RuntimeError("lock-window worker failed")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    verdict = "OK" if r["max_wait_s"] <= 1.0 else "ABOVE GOAL"
    print(f"  import total {r['import_s']:7.1f} s   longest lock window {r['max_wait_s']:6.3f} s [{verdict}]   "
          f"p99 {r['p99_wait_s']:.3f} s over {r['probe_writes']:,} probe writes")
    print(f"  baseline     {r['baseline_import_s']:7.1f} s   longest lock window {r['baseline_max_wait_s']:6.3f} s "
          f"(one write transaction; {r['baseline_probe_writes']:,} probe writes)")
    return {"rows": float(n), "import_seconds": r["import_s"], "max_lock_window_seconds": r["max_wait_s"],
            "p99_lock_wait_seconds": r["p99_wait_s"], "baseline_max_lock_window_seconds": r["baseline_max_wait_s"]}


def main() -> int:
    module = sys.modules[__name__]
    benches = [
        fn
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("bench_") and fn.__module__ == module.__name__
    ]
    benches.sort(key=lambda f: f.__code__.co_firstlineno)
    wanted = {a.removeprefix("bench_") for a in sys.argv[1:] if not a.startswith("-")}
    unknown = wanted - {fn.__name__.removeprefix("bench_") for fn in benches}
    if unknown:
        print(f"unknown section(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for fn in benches:
        title = fn.__name__.removeprefix("bench_")
        if wanted and title not in wanted:
            continue
        print(f"\n=== {title} ===")
        if fn.__doc__:
            print(fn.__doc__.strip().splitlines()[0])
        fn()
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--import-worker":
        import json

        print(json.dumps(_import_worker(int(sys.argv[2]))))
        raise SystemExit(0)
    if len(sys.argv) > 2 and sys.argv[1] == "--lock-window-worker":
        import json

        print(json.dumps(_lock_window_worker(int(sys.argv[2]))))
        raise SystemExit(0)
    raise SystemExit(main())
