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
    from cyberbeeld.incidents.redact import warm_up

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

    n = 5_000 if "--quick" in sys.argv else 100_000
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
    if len(sys.argv) > 2 and sys.argv[1] == "--import-worker":
        import json

        print(json.dumps(_import_worker(int(sys.argv[2]))))
        raise SystemExit(0)
    raise SystemExit(main())
