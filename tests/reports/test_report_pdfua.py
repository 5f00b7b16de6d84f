"""The report PDF as a document a council reads (issue 17, Deliver 6): every chart a /Figure with /Alt, running
headers and footers as artifacts instead of orphaned structure, nothing outside the text area of A4, Dutch
number formats and plurals, and the method's unverified values in plain words instead of internal keys."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pikepdf
import pytest

from cyberbeeld.reports import render, services

pytestmark = pytest.mark.django_db

A4_WIDTH = 595.28  # pt
MARGIN = 1.8 / 2.54 * 72  # the @page left/right margin of reports/document.html (1.8 cm)


@pytest.fixture
def report_pdf(demo_picture):
    def build(lang: str) -> tuple[dict, bytes]:
        return services.build_document(demo_picture.gm_maastricht, lang=lang, fmt="pdf")
    return build


def _elements(pdf: pikepdf.Pdf) -> tuple[set, list]:
    """(object ids reachable from the StructTreeRoot, every StructElem object in the file)."""
    reachable: set = set()
    stack = [pdf.Root.StructTreeRoot.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") not in (pikepdf.Name.MCR, pikepdf.Name.OBJR):
            if node.objgen not in reachable:
                reachable.add(node.objgen)
                stack.append(node.get("/K"))
    every = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == pikepdf.Name.StructElem]
    return reachable, every


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_chart_is_a_figure_with_alt_text(report_pdf, lang):
    snap, content = report_pdf(lang)
    html = render.render_html(snap)
    charts = html.count("<img ")
    assert charts >= 1  # the risk diagram
    with pikepdf.open(io.BytesIO(content)) as pdf:
        _, every = _elements(pdf)
        figures = [e for e in every if e.S == pikepdf.Name.Figure]
        assert len(figures) == charts
        for f in figures:
            alt = str(f.get("/Alt", ""))
            assert len(alt) > 40, alt  # says what the chart shows, not just "chart"
        assert ("Risicodiagram" if lang == "nl" else "Risk diagram") in str(figures[0].Alt)


def test_running_headers_and_footers_are_artifacts_not_orphaned_structure(report_pdf):
    _, content = report_pdf("nl")
    with pikepdf.open(io.BytesIO(content)) as pdf:
        reachable, every = _elements(pdf)
        orphans = [e for e in every if e.objgen not in reachable]
        assert orphans == []
        parents = pdf.Root.StructTreeRoot.ParentTree.Nums
        by_key = {int(parents[i]): parents[i + 1] for i in range(0, len(parents), 2)}
        for number, page in enumerate(pdf.pages, start=1):
            array = by_key[int(page.StructParents)]
            artifacts = 0
            for inst in pikepdf.parse_content_stream(page):
                if str(inst.operator) == "BDC" and inst.operands[0] == pikepdf.Name.Artifact:
                    d = inst.operands[1] if len(inst.operands) > 1 else None
                    artifacts += isinstance(d, pikepdf.Dictionary) and d.get("/Type") == pikepdf.Name.Pagination
                elif str(inst.operator) == "BDC" and isinstance(inst.operands[1], pikepdf.Dictionary) \
                        and "/MCID" in inst.operands[1]:
                    elem = array[int(inst.operands[1].MCID)]
                    assert elem.objgen in reachable, f"page {number}: MCID {inst.operands[1].MCID} is orphaned"
            assert artifacts >= 4, f"page {number}: TLP label ×2, title and page number are pagination artifacts"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_text_outside_the_text_area_of_a4(report_pdf, lang, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    _, content = report_pdf(lang)
    path = tmp_path / "r.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.-]+)" yMin="[\d.-]+" xMax="([\d.-]+)" yMax="[\d.-]+">([^<]*)<', out)
    assert len(words) > 500
    outside = [(w, x0, x1) for x0, x1, w in words if float(x0) < MARGIN - 1 or float(x1) > A4_WIDTH - MARGIN + 1]
    assert outside == []


def test_dutch_numbers_plurals_and_plain_words(report_pdf, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    snap, content = report_pdf("nl")
    path = tmp_path / "r.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    population = snap["area"]["population"]
    assert population and population >= 1000
    assert f"Inwoners: {population:,}".replace(",", ".") in flat
    assert f"Inwoners: {population}" not in flat
    assert not re.search(r"\b1 (beoordeelde )?scenario's\b", flat)
    assert not re.search(r"\b(settings|criteria)\.[\w.]+", flat), "internal method keys in the report"
    assert "de klassegrenzen van" in flat  # the unverified values, in words


def test_summary_plurals_and_number_formats():
    base = {"lang": "nl", "area": {"name": "Heerlen"}, "incidents_by_form": [{"form": "Phishing", "count": 1234}],
            "summary": {"scenarios": 1, "high": ["Ransomware"], "unscored": 1, "significant": [], "incidents": 1}}
    nl = render.summary(base)
    assert nl[0] == "Dit dreigingsbeeld beschrijft 1 beoordeeld scenario voor Heerlen."
    assert nl[1].startswith("1 scenario heeft een hoog of zeer hoog risico")
    assert nl[2] == "1 scenario is nog niet definitief beoordeeld."
    assert nl[3] == "Er is 1 incident geregistreerd; de meest voorkomende vorm is Phishing (1.234)."
    many = {**base, "summary": {**base["summary"], "scenarios": 2, "incidents": 12000, "unscored": 3,
                                "high": ["A", "B"]}}
    nl = render.summary(many)
    assert nl[0] == "Dit dreigingsbeeld beschrijft 2 beoordeelde scenario's voor Heerlen."
    assert nl[1].startswith("2 scenario's hebben")
    assert nl[3].startswith("Er zijn 12.000 incidenten geregistreerd")
    en = render.summary({**base, "lang": "en"})
    assert en[0] == "This threat picture describes 1 assessed scenario for Heerlen."
    assert en[3] == "1 incident was registered; the most frequent form is Phishing (1,234)."
    assert render.summary({**many, "lang": "en"})[3].startswith("12,000 incidents were registered")
