"""Benchmarks for the incidents pure cores.

Run: .venv/bin/python benchmarks/incidents_bench.py

Structure: one ``bench_<name>()`` function per section; ``main()`` runs every ``bench_*`` function defined in
this module, in the order they are defined. Add a section by adding a function (e.g. ``bench_classifier``,
``bench_early_warning``); nothing else needs to change.
"""

from __future__ import annotations

import inspect
import re
import sys
import time
from collections.abc import Callable

from cyberbeeld.incidents import redact as R

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
    ours_tps = R.measure_throughput(texts, min_seconds=3.0)
    base_tps = _texts_per_second(_deduce_baseline, texts)
    print(f"throughput (one core, mean text {avg_len:.0f} chars): {ours_tps:,.0f} texts/s")
    print(
        f"  deduce full pipeline alone: {base_tps:,.0f} texts/s  (ratio ours/deduce {ours_tps / base_tps:.2f})"
    )
    out["texts_per_second"] = ours_tps
    out["baseline_texts_per_second"] = base_tps
    return out


def main() -> int:
    module = sys.modules[__name__]
    benches = [
        fn
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("bench_") and fn.__module__ == module.__name__
    ]
    benches.sort(key=lambda f: f.__code__.co_firstlineno)
    for fn in benches:
        title = fn.__name__.removeprefix("bench_")
        print(f"\n=== {title} ===")
        if fn.__doc__:
            print(fn.__doc__.strip().splitlines()[0])
        fn()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
