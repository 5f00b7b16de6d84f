"""The report from the web UI: a background task (immediate backend in tests), progress, download, isolation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cyberbeeld.reports.models import Report
from cyberbeeld.risks import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def picture(world, taxonomy):
    services.templates_sync()
    from cyberbeeld.risks.models import ScenarioTemplate

    s = services.scenario_adopt(by=world.anna, owner=world.maastricht,
                                template=ScenarioTemplate.objects.get(code="helpdeskfraude-ouderen"))
    a = services.assessment_save(by=world.anna, scenario=s, data={"likelihood": "E", "impact": {
        "2.1": "0", "2.2": "0", "2.3": "0", "3.1": "B", "5.1": "A", "5.2": "0", "5.3": "B", "L.1": "0", "L.2": "A"}})
    services.assessment_finalise(by=world.anna, assessment=a)
    return s


def test_generate_in_the_web_ui_and_download(client, world, picture):
    client.force_login(world.anna)
    assert client.get(reverse("reports:list")).status_code == 200
    r = client.post(reverse("reports:list"), {"area": "GM0935", "lang": "nl", "format": "pdf"})
    assert r.status_code == 302, r.content.decode()[-3000:]
    report = Report.objects.get()
    assert r["Location"] == reverse("reports:detail", args=[report.uuid])
    assert report.status == "done" and report.progress == 100 and report.version == 1
    page = client.get(r["Location"]).content.decode()
    assert 'id="download-link"' in page and "hx-get" not in page
    status = client.get(reverse("reports:status", args=[report.uuid])).content.decode()
    assert "download-link" in status
    d = client.get(reverse("reports:download", args=[report.uuid]))
    assert d["Content-Type"] == "application/pdf" and d.content.startswith(b"%PDF")
    assert "attachment" in d["Content-Disposition"]
    view = client.get(reverse("reports:view", args=[report.uuid])).content.decode()
    assert "Risicodiagram" in view and picture.title in view
    # another gemeente: 404 everywhere
    client.force_login(world.eva)
    for name in ("detail", "status", "download", "view"):
        assert client.get(reverse(f"reports:{name}", args=[report.uuid])).status_code == 404


def test_running_report_polls_with_htmx(client, world, picture):
    from cyberbeeld.reports.services import report_request

    report = report_request(by=world.anna, owner=world.maastricht, area=world.gm_maastricht, lang="nl", fmt="pdf")
    client.force_login(world.anna)
    page = client.get(reverse("reports:detail", args=[report.uuid])).content.decode()
    assert f'hx-get="{reverse("reports:status", args=[report.uuid])}"' in page
    assert "htmx.min.js" in page and "<script>" not in page
    assert client.get(reverse("reports:download", args=[report.uuid])).status_code == 404


def test_reader_cannot_request_a_report(client, world, picture):
    client.force_login(world.lezer)
    assert client.post(reverse("reports:list"), {"area": "GM0935", "lang": "nl", "format": "pdf"}).status_code == 404
