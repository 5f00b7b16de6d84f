"""The threat-picture report: content (checked with pdftotext), determinism, versions, the command."""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import pytest
from django.core.management import call_command

from cyberbeeld.reports import render, services, snapshot
from cyberbeeld.reports.models import Report

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = tmp_path / "r.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_contains_diagram_indicator_table_and_scenario_list(demo_picture, tmp_path):
    snap, content = services.build_document(demo_picture.gm_maastricht, lang="nl", fmt="pdf")
    assert content.startswith(b"%PDF")
    text = pdf_text(content, tmp_path)
    assert "Risicodiagram" in text
    assert "Indicatortabel" in text and "Slachtofferschap online oplichting en fraude" in text
    assert "significant" in text
    assert "Scenariolijst" in text
    for title in ("Golf van helpdeskfraude onder oudere inwoners", "Ransomware bij kleine bedrijven"):
        assert title in text.replace("\n", " ") or title[:30] in text
    assert "TLP:AMBER" in text and "Pagina 1 van" in text
    assert "Voorbeeld" in text
    assert snap["tlp"] == "amber" and snap["is_example"]


def test_english_report(demo_picture, tmp_path):
    _, content = services.build_document(demo_picture.gm_maastricht, lang="en", fmt="pdf")
    text = pdf_text(content, tmp_path)
    assert "Risk diagram" in text and "Indicator table" in text and "Scenario list" in text and "Page 1 of" in text


def test_same_inputs_same_document(demo_picture):
    s1, pdf1 = services.build_document(demo_picture.gm_maastricht, lang="nl", fmt="pdf")
    s2, pdf2 = services.build_document(demo_picture.gm_maastricht, lang="nl", fmt="pdf")
    assert snapshot.snapshot_hash(s1) == snapshot.snapshot_hash(s2)
    assert hashlib.sha256(pdf1).hexdigest() == hashlib.sha256(pdf2).hexdigest()
    # and the document is a function of the snapshot alone
    assert render.render_pdf(s1) == pdf1


def test_versions_follow_the_snapshot(demo_picture):
    w = demo_picture
    r1 = services.report_build(services.report_request(by=w.anna, owner=w.maastricht, area=w.gm_maastricht,
                                                       lang="nl", fmt="pdf"))
    r2 = services.report_build(services.report_request(by=w.anna, owner=w.maastricht, area=w.gm_maastricht,
                                                       lang="nl", fmt="pdf"))
    assert r1.version == r2.version == 1 and r1.content_sha256 == r2.content_sha256
    from cyberbeeld.risks.models import Scenario
    from cyberbeeld.risks.services import scenario_save

    s = Scenario.objects.filter(owner=w.maastricht).first()
    scenario_save(by=w.anna, owner=w.maastricht, scenario=s, data={"risk_owner": "burgemeester"})
    r3 = services.report_build(services.report_request(by=w.anna, owner=w.maastricht, area=w.gm_maastricht,
                                                       lang="nl", fmt="pdf"))
    assert r3.version == 2 and r3.snapshot_sha256 != r1.snapshot_sha256
    assert r1.tlp == "amber"


def test_report_only_holds_what_the_user_may_see(demo_picture):
    w = demo_picture
    snap_anna = snapshot.build(w.gm_maastricht, user=w.anna)
    snap_zoe = snapshot.build(w.gm_maastricht, user=w.zoe)
    assert snap_anna["scenarios"] and not snap_zoe["scenarios"] and not snap_zoe["assets"]
    assert snap_zoe["summary"]["incidents"] == 0


def test_report_command(demo_picture, tmp_path, capsys):
    out = tmp_path / "dreigingsbeeld.pdf"
    call_command("report", "maastricht", "--format", "pdf", "--out", str(out))
    printed = capsys.readouterr().out
    assert "[ 10%]" in printed and "[100%]" in printed
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Risicodiagram" in text and "Scenariolijst" in text
    assert Report.objects.filter(area=demo_picture.gm_maastricht, status="done").count() == 1
    html = tmp_path / "d.html"
    call_command("report", "GM0935", "--format", "html", "--out", str(html), "--lang", "en", "--no-store")
    assert "Risk diagram" in html.read_text(encoding="utf-8")


def test_region_report(demo_picture, tmp_path):
    _, content = services.build_document(demo_picture.vr24, lang="nl", fmt="pdf")
    text = pdf_text(content, tmp_path)
    assert "Risicodiagram" in text and "Eijsden-Margraten" in text


def test_region_diagram_has_one_point_per_template(demo_picture):
    from cyberbeeld.risks import services as risk_services
    from cyberbeeld.risks.models import ScenarioTemplate

    w = demo_picture
    tpl = ScenarioTemplate.objects.get(code="ransomware-mkb")
    s = risk_services.scenario_adopt(by=w.eva, owner=w.eijsden, template=tpl)
    a = risk_services.assessment_save(by=w.eva, scenario=s, data={"likelihood": "E", "impact": {
        "2.1": "0", "2.2": "0", "2.3": "0", "3.1": "D", "5.1": "C", "5.2": "0", "5.3": "B", "L.1": "0", "L.2": "B"}})
    risk_services.assessment_finalise(by=w.eva, assessment=a)
    snap = snapshot.build(w.vr24)
    assert len(snap["scenarios"]) == 7
    d = render.diagram(snap)
    assert len(d["rows"]) == 6  # six templates; ransomware-mkb shared by two gemeenten
    assert any("2 gemeenten; hoogste: Eijsden-Margraten" in str(r) for r in d["rows"])
