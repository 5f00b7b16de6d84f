"""The threat-picture document as HTML and PDF: a pure function of the snapshot.

The risk diagram is recomputed from the frozen scores in the snapshot with ``risks.scoring``
(checking each score's method fingerprint, so a changed method can never silently rescore a
report) and rendered to SVG (``common.charts.render_svg``). The PDF is PDF/UA-1 (WeasyPrint);
its metadata dates come from the snapshot (``as_of``), never from the clock, so the same snapshot
gives byte-identical files.
"""

from __future__ import annotations

import base64
import builtins
import dataclasses
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.safestring import mark_safe

from cyberbeeld.accounts.tlp import MEANING_EN, MEANING_NL, TLP
from cyberbeeld.common.charts import render_svg
from cyberbeeld.risks import scoring

from .texts import texts

CSS_FILE = Path(__file__).parent / "static" / "reports" / "report.css"
Progress = Callable[[int, str], None]


@lru_cache(maxsize=1)
def _css() -> str:
    return CSS_FILE.read_text(encoding="utf-8")


def diagram(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    """Risk diagram (SVG + accessible table) from the snapshot's frozen scores."""
    scen = snapshot["scenarios"]
    if not scen:
        return None
    lang = snapshot["lang"]
    method = scoring.load_method(snapshot["method"]["id"]) if snapshot["method"]["id"] in scoring.available_methods() \
        else None
    if method is None or method.fingerprint != snapshot["method"]["fingerprint"]:
        raise scoring.MethodVersionMismatch(
            f"the report was made with method {snapshot['method']['id']} {snapshot['method']['fingerprint'][:12]}, "
            "which is no longer available unchanged; make a new report")
    regional = bool(snapshot["area"]["gemeenten"])
    results = []
    for i, s in enumerate(scen, start=1):
        lik: Any = s["likelihood"]
        if s["likelihood_low"] and s["likelihood_high"] and (s["likelihood_low"], s["likelihood_high"]) != (lik, lik):
            lik = (s["likelihood_low"], lik, s["likelihood_high"])
        results.append(scoring.assess(method, scoring.Assessment(
            method_id=s["method_id"], method_fingerprint=s["method_fingerprint"],
            impact={k: tuple(v) if isinstance(v, list) else v for k, v in s["impact"].items()},
            likelihood=lik, scenario_id=f"s{i}", title=s["title"], template=s["template"],
            area=s["area"] if regional else None, malicious=s["malicious"])))
    title = "Risicodiagram" if lang == "nl" else "Risk diagram"
    if regional:
        results = _per_template(results, lang)
    d = scoring.risk_diagram(method, results, lang=lang, title=title)
    columns = list(d.columns)
    for key, low, high in (("likelihood_range", "likelihood_low", "likelihood_high"),
                           ("impact_range", "impact_low", "impact_high")):
        if all(r[low] == r[high] for r in d.rows):  # no uncertainty ranges: leave the column out
            columns = [c for c in columns if c[0] != key]
    rows = []
    for r in d.rows:
        cells = []
        for k, _ in columns:
            if k == "likelihood_label":
                cells.append(f"{r['likelihood']} {r['likelihood_label']}")
            elif k == "impact_label":
                cells.append(f"{r['impact']} {r['impact_label']}")
            else:
                cells.append(r[k])
        rows.append(cells)
    svg = render_svg(d.spec, lang)
    # As an <img> with alt text (a data: URI; the CSP allows data: images): WeasyPrint tags an image as a
    # PDF /Figure with /Alt, which an inline <svg> does not get, and screen readers on the page read the alt.
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return {"svg": svg, "src": src, "label": d.spec.get("description", "") or title, "title": title,
            "headers": [h for _, h in columns], "rows": rows}


def _per_template(results: list[Any], lang: str) -> list[Any]:
    """Regional diagram: one point per scenario template, at the gemeente with the highest risk
    (as ``scoring.regional_summary`` combines them); the label says how many gemeenten share it."""
    groups: dict[str, list[Any]] = {}
    for r in results:
        groups.setdefault(r.template or r.scenario_id, []).append(r)
    out = []
    for key in sorted(groups):
        rs = sorted(groups[key], key=lambda r: (-r.risk_index, -r.impact.total, r.area or "", r.scenario_id))
        top = rs[0]
        n = len({r.area for r in rs})
        base_title = top.title.split(" (")[0] if top.template else top.title
        suffix = (f" ({n} gemeenten; hoogste: {top.area})" if lang == "nl" else f" ({n} municipalities; highest: {top.area})") \
            if n > 1 else f" ({top.area})"
        out.append(dataclasses.replace(top, title=base_title + suffix, area=None))
    return sorted(out, key=lambda r: (-r.risk_index, -r.impact.total, r.title))


def context(snapshot: dict[str, Any]) -> dict[str, Any]:
    lang = snapshot["lang"]
    tlp = TLP(snapshot["tlp"])
    population = snapshot["area"].get("population")
    return {
        "s": snapshot, "lang": lang, "t": texts(lang), "diagram": diagram(snapshot), "tlp_label": tlp.label,
        "population": formats.number_format(population, force_grouping=True) if population else "",
        "unverified": _unverified(snapshot),
        "tlp_class": tlp.value.replace("+", "-"),
        "header_css": _css_string(f"{texts(lang)['doc_title']} {snapshot['area']['name']}"),
        "tlp_meaning": (MEANING_NL if lang == "nl" else MEANING_EN)[tlp],
        "roads": _by_road(snapshot["scenarios"]), "summary": summary(snapshot),
    }


def _unverified(snapshot: dict[str, Any]) -> list[str]:
    """The method's unverified values, frozen in the snapshot, in plain words (never internal keys)."""
    paths = snapshot["method"].get("unverified") or []
    if not paths or snapshot["method"]["id"] not in scoring.available_methods():
        return []
    return scoring.describe_unverified(scoring.load_method(snapshot["method"]["id"]), snapshot["lang"], paths)


def _n(n: int, lang: str) -> str:
    """A whole number in the document's language: 125.305 (nl), 125,305 (en)."""
    with translation.override(lang):
        return formats.number_format(n, force_grouping=True)


def summary(snapshot: dict[str, Any]) -> list[str]:
    """A few plain sentences (B1) for the college and the council, with Dutch/English plurals and numbers."""
    s, lang = snapshot["summary"], snapshot["lang"]
    nl = lang == "nl"
    name = snapshot["area"]["name"]
    n = s["scenarios"]
    if nl:
        out = [f"Dit dreigingsbeeld beschrijft {_n(n, lang)} beoordeeld{'' if n == 1 else 'e'} "
               f"scenario{'' if n == 1 else chr(39) + 's'} voor {name}."]
    else:
        out = [f"This threat picture describes {_n(n, lang)} assessed scenario{'' if n == 1 else 's'} for {name}."]
    high = len(s["high"])
    if high:
        out.append((f"{_n(high, lang)} " + ("scenario heeft" if high == 1 else "scenario's hebben")
                    + " een hoog of zeer hoog risico: " if nl else
                    f"{_n(high, lang)} " + ("scenario carries" if high == 1 else "scenarios carry")
                    + " a high or very high risk: ") + "; ".join(s["high"]) + ".")
    elif n:
        out.append("Geen scenario heeft een hoog of zeer hoog risico." if nl else
                   "No scenario carries a high or very high risk.")
    if s["unscored"]:
        u = s["unscored"]
        out.append((f"{_n(u, lang)} scenario is nog niet definitief beoordeeld." if u == 1 else
                    f"{_n(u, lang)} scenario's zijn nog niet definitief beoordeeld.") if nl else
                   (f"{_n(u, lang)} scenario has not been finally assessed yet." if u == 1 else
                    f"{_n(u, lang)} scenarios have not been finally assessed yet."))
    if s["significant"]:
        out.append(("Significant veranderd: " if nl else "Changed significantly: ") + "; ".join(s["significant"]) + ".")
    if snapshot["incidents_by_form"]:
        top = snapshot["incidents_by_form"][0]
        i, c = s["incidents"], _n(top["count"], lang)
        if nl:
            out.append((f"Er is {_n(i, lang)} incident geregistreerd" if i == 1 else
                        f"Er zijn {_n(i, lang)} incidenten geregistreerd")
                       + f"; de meest voorkomende vorm is {top['form']} ({c}).")
        else:
            out.append((f"{_n(i, lang)} incident was registered" if i == 1 else
                        f"{_n(i, lang)} incidents were registered") + f"; the most frequent form is {top['form']} ({c}).")
    return out


def _css_string(text: str) -> str:
    """Text for a CSS ``content: "…"`` string inside <style> (no HTML escaping applies there)."""
    cleaned = "".join(ch if ch.isprintable() and ch not in "<>" else " " for ch in text)
    return mark_safe(cleaned.replace("\\", "\\\\").replace('"', '\\"'))  # noqa: S308


def _by_road(scenarios: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    order = ["eigen-huis", "incidenten-crises", "cybercrime", "openbare-orde"]
    out = []
    for code in order:
        items = [s for s in scenarios if s["road_code"] == code]
        if items:
            out.append((items[0]["road"], items))
    return out


def render_html(snapshot: dict[str, Any], *, standalone: bool = True) -> str:
    """The document as HTML. ``standalone``: a complete file with its CSS (for download and PDF);
    otherwise the body fragment for the web page (which links the same CSS file)."""
    with translation.override(snapshot["lang"]):
        ctx = context(snapshot)
        if not standalone:
            return render_to_string("reports/_document.html", ctx)
        return render_to_string("reports/document.html", {**ctx, "css": _css()})


_PDF_LOCK = threading.Lock()


@contextmanager
def _stable_tag_ids() -> Iterator[None]:
    """WeasyPrint (66) names table-header structure elements after Python's ``id()`` of layout
    boxes, which differs between runs and would make two renderings of the same snapshot differ.
    While rendering, give ``weasyprint.pdf.tags`` an ``id`` that numbers objects in the order the
    tagger meets them (same object → same number), so the bytes depend on the document only."""
    # deferred: heavy import (WeasyPrint ~1.8 s), only where a PDF is made
    from weasyprint.pdf import tags

    numbers: dict[int, int] = {}

    def stable_id(obj: object) -> int:
        return numbers.setdefault(builtins.id(obj), 100_000 + len(numbers))

    with _PDF_LOCK:
        tags.id = stable_id  # type: ignore[attr-defined]
        try:
            yield
        finally:
            del tags.id  # type: ignore[attr-defined]


def render_pdf(snapshot: dict[str, Any], *, html: str | None = None) -> bytes:
    """PDF/UA-1 via WeasyPrint, running headers and footers as artifacts (``pdfua``); deterministic for a
    given snapshot."""
    from weasyprint import HTML  # deferred: heavy import (WeasyPrint ~1.8 s), only where a PDF is made

    html = html if html is not None else render_html(snapshot)
    ident = hashlib.sha256(html.encode("utf-8")).digest()[:16]
    with _stable_tag_ids():
        pdf = bytes(HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf(
            pdf_variant="pdf/ua-1", pdf_identifier=ident))
    from .pdfua import margins_as_artifacts  # deferred: heavy import (pikepdf), only where a PDF is made

    return margins_as_artifacts(pdf)[0]


def render(snapshot: dict[str, Any], fmt: str, progress: Progress | None = None) -> bytes:
    progress = progress or (lambda p, m: None)
    progress(75, "document opmaken (HTML)")
    html = render_html(snapshot)
    if fmt == "html":
        return html.encode("utf-8")
    progress(85, "PDF maken")
    return render_pdf(snapshot, html=html)
