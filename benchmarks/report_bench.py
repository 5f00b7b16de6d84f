"""Benchmark: the threat-picture report (snapshot → HTML → PDF/UA-1).

Run: .venv/bin/python benchmarks/report_bench.py [--quick]

Measures, in one run and on a temporary SQLite database (the test settings):

* the full PDF report of the demo gemeente (Maastricht, the complete example picture);
* the PDF report of a synthetic veiligheidsregio with 20 gemeenten (8 scored scenarios, 30
  incidents and 4 assets each; 3 indicators × 6 periods for the region);
* WeasyPrint's time for an empty page, the baseline the ratios are given against.

Each report is timed cold (first build in the process: vl-convert and fonts start up) and warm
(median of repeated builds, with the SVG cache cleared so the chart is rendered each time), split
into snapshot (database), HTML (template + risk diagram SVG) and PDF (WeasyPrint).
Target: full demo report ≤ 5 s.

``--quick``: the demo without the large monitor import, fewer repetitions.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

QUICK = "--quick" in sys.argv
REPEAT = 2 if QUICK else 5
TARGET_S = 5.0
_DB: dict[str, Any] = {}


def _django() -> None:
    if _DB:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.test")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from django.test.runner import DiscoverRunner
    from django.test.utils import setup_test_environment

    setup_test_environment()
    runner = DiscoverRunner(verbosity=0, interactive=False)
    _DB["runner"], _DB["old"] = runner, runner.setup_databases()


def _teardown() -> None:
    if _DB:
        _DB["runner"].teardown_databases(_DB["old"])
        _DB.clear()


def _median(fn: Callable[[], Any], n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def empty_page() -> float:
    from weasyprint import HTML

    html = '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>leeg</title></head><body></body></html>'
    HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")  # warm up
    return _median(lambda: HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"), REPEAT * 2)


def load_demo() -> Any:
    from cyberbeeld import demo
    from cyberbeeld.common import demo_hooks

    hooks = list(demo_hooks.HOOKS)
    if QUICK:  # skip the big monitor import and the other apps' content; keep incidents and risks
        demo_hooks.HOOKS[:] = [h for h in hooks if h.__module__.split(".")[1] in ("incidents", "risks")]
    try:
        demo.load(log=lambda m: None)
    finally:
        demo_hooks.HOOKS[:] = hooks
    from cyberbeeld.areas.models import Area

    return Area.objects.by_ref("maastricht")


def make_region(n_gemeenten: int = 20, seed: int = 7) -> Any:
    """A synthetic veiligheidsregio: gemeenten, organisations, assets, scored scenarios, incidents."""
    from django.db import transaction

    from cyberbeeld.accounts import services as acc
    from cyberbeeld.accounts.models import OrganisationKind
    from cyberbeeld.areas.models import Area, AreaKind
    from cyberbeeld.incidents.models import Incident
    from cyberbeeld.incidents.services import current_forms, taxonomy_sync
    from cyberbeeld.indicators.models import Indicator, Observation
    from cyberbeeld.risks import services
    from cyberbeeld.risks.models import ScenarioTemplate

    rng = random.Random(seed)
    taxonomy_sync()
    services.templates_sync()
    forms = list(current_forms())
    templates = list(ScenarioTemplate.objects.all())
    codes = services.method("lokaal-cyber-2026").codes
    with transaction.atomic():
        vr = Area.objects.create(code="VR99", kind=AreaKind.VEILIGHEIDSREGIO, name="Synthetische regio", slug="synth")
        for k in range(3):
            ind = Indicator.objects.create(code=f"bench-{k}", name_nl=f"Benchmarkindicator {k}",
                                           name_en=f"Benchmark indicator {k}", unit="percent", source="veiligheidsmonitor",
                                           series="bench")
            for y in range(6):
                v = 5 + k + y * 0.4 + rng.random()
                Observation.objects.create(indicator=ind, area=vr, period=str(2018 + y), value=round(v, 1),
                                           ci_low=round(v - 0.8, 1), ci_high=round(v + 0.8, 1))
        for g in range(n_gemeenten):
            area = Area.objects.create(code=f"GM9{g:03d}", kind=AreaKind.GEMEENTE, name=f"Gemeente {g + 1:02d}",
                                       slug=f"bench-{g}", veiligheidsregio=vr, population=20_000 + 5_000 * g)
            org = acc.organisation_create(by=None, kind=OrganisationKind.GEMEENTE, name=f"Gemeente {g + 1:02d}",
                                          slug=f"bench-org-{g}", area=area, regions=[vr])
            for a in range(4):
                services.asset_save(by=None, owner=org, data={"name": f"Object {a + 1} van {g + 1}",
                                                              "kind": rng.choice(["sluis", "mkb-cluster", "evenement",
                                                                                  "digitale-dienstverlening"])})
            for tpl in rng.sample(templates, 8):
                s = services.scenario_adopt(by=None, owner=org, template=tpl)
                a = services.assessment_save(by=None, scenario=s, data={
                    "likelihood": rng.choice("ABCDE"),
                    "impact": {c: rng.choice(["X", "0", "A", "B", "C", "D"]) for c in codes},
                    "likelihood_rationale": "Synthetisch."})
                services.assessment_finalise(by=None, assessment=a)
            Incident.objects.bulk_create([
                Incident(owner=org, title=f"Incident {i}", form=rng.choice(forms), area=area, tlp="amber")
                for i in range(30)])
    return vr


def time_report(label: str, area: Any, baseline: float) -> dict[str, float]:
    from cyberbeeld.common import charts
    from cyberbeeld.reports import render, snapshot

    def build() -> tuple[float, float, float, int, int]:
        charts._svg.cache_clear()
        t0 = time.perf_counter()
        snap = snapshot.build(area, lang="nl")
        t1 = time.perf_counter()
        html = render.render_html(snap)
        t2 = time.perf_counter()
        pdf = render.render_pdf(snap, html=html)
        t3 = time.perf_counter()
        return t1 - t0, t2 - t1, t3 - t2, len(pdf), len(snap["scenarios"])

    cold = build()
    runs = [build() for _ in range(REPEAT)]
    snap_t = statistics.median(r[0] for r in runs)
    html_t = statistics.median(r[1] for r in runs)
    pdf_t = statistics.median(r[2] for r in runs)
    total = statistics.median(sum(r[:3]) for r in runs)

    print(f"\n{label}: {cold[4]} scenarios, {cold[3] / 1024:.0f} KiB PDF")
    print(f"  cold (first build)      {sum(cold[:3]):7.3f} s")
    print(f"  warm total (median {REPEAT})   {total:7.3f} s   = {total / baseline:7.1f} × empty page")
    print(f"    snapshot (database)   {snap_t:7.3f} s")
    print(f"    HTML + risk diagram   {html_t:7.3f} s")
    print(f"    PDF (WeasyPrint)      {pdf_t:7.3f} s")
    return {"cold": sum(cold[:3]), "warm": total, "snapshot": snap_t, "html": html_t, "pdf": pdf_t}


def main() -> int:
    _django()
    try:
        print(f"report_bench{' --quick' if QUICK else ''}: threat-picture report, PDF/UA-1 via WeasyPrint")
        base = empty_page()
        print(f"\nbaseline: WeasyPrint empty page (PDF/UA-1)  {base:7.3f} s")
        t0 = time.perf_counter()
        demo_area = load_demo()
        print(f"demo loaded in {time.perf_counter() - t0:.1f} s")
        demo = time_report("Demo gemeente Maastricht (full report)", demo_area, base)
        t0 = time.perf_counter()
        region = make_region(8 if QUICK else 20)
        print(f"\nsynthetic region built in {time.perf_counter() - t0:.1f} s")
        time_report(f"Veiligheidsregio with {8 if QUICK else 20} gemeenten (synthetic)", region, base)
        ok = demo["warm"] <= TARGET_S
        print(f"\ntarget: full demo report ≤ {TARGET_S:.0f} s (steady state, as in the report worker): "
              f"warm {demo['warm']:.2f} s — {'met' if ok else 'NOT met'}; first build in a fresh process "
              f"{demo['cold']:.2f} s (one-off start-up: Altair import, vl-convert, fontconfig)")
        print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} CPUs (numbers grow with load; the ratios are steadier)")
        return 0
    finally:
        _teardown()


if __name__ == "__main__":
    sys.exit(main())
