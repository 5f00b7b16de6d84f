"""Monitor pages, downloads, the public theme page and its TLP ceiling, the import UI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import tablib

from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.common.models import ImportJob
from cyberbeeld.indicators.catalogue import match, seed
from cyberbeeld.indicators.models import ImportBatch, Indicator, Observation, PublicTheme

pytestmark = pytest.mark.django_db

MAASTRICHT_VM = {"2014": "14", "2015": "13.2", "2016": "9.7", "2017": "12.4", "2019": "13.8"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rendered maps and public pages are cached by content stamps; database ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def monitor(world):
    seed()
    vm = Indicator.objects.get(code="vm-cybercrime-totaal")
    for p, v in MAASTRICHT_VM.items():
        Observation.objects.create(indicator=vm, area=world.gm_maastricht, period=p, value=Decimal(v))
    nl = Area.objects.create(code="NL01", kind=AreaKind.LAND, name="Nederland", slug="nederland", population=17_280_000)
    for p, v in {"2017": "11", "2019": "13"}.items():
        Observation.objects.create(indicator=vm, area=nl, period=p, value=Decimal(v))
    # a VM series with margins for the significance sentences (invented test values)
    hack = Indicator.objects.get(code="vm-cybercrime-hacken")
    for p, v, lo, hi in (("2017", "4.0", "3.5", "4.5"), ("2019", "6.0", "5.5", "6.5")):
        Observation.objects.create(indicator=hack, area=world.gm_maastricht, period=p, value=Decimal(v),
                                   ci_low=Decimal(lo), ci_high=Decimal(hi))
    police = Indicator.objects.get(code="politie-3-7-4-cybercrime")
    Observation.objects.create(indicator=police, area=nl, period="2019", value=Decimal("10000"))
    theme = PublicTheme.objects.create(owner=world.maastricht, gemeente=world.gm_maastricht, slug="informatieveiligheid",
                                       tlp="clear", title_nl="Informatieveiligheid", title_en="Information security",
                                       narrative_nl="Tekst met <script>alert(1)</script> **vet**",
                                       narrative_en="Text **bold**", last_update=dt.date(2020, 3, 5),
                                       sources=[{"title": "Kamerstuk", "url": "https://example.org/kamerstuk"}])
    theme.indicators.set([vm])
    return world


def login(client, world, user="anna"):
    client.force_login(getattr(world, user))


def test_catalogue_has_both_vm_series_and_police_codes(db):
    result = seed()
    assert result["created"] == result["total"] >= 25
    assert seed()["created"] == 0 and seed()["updated"] == 0  # idempotent
    old, new = Indicator.objects.get(code="vm-cybercrime-totaal"), Indicator.objects.get(code="vm-online-totaal")
    assert old.series != new.series
    assert {b["year"] for b in old.method_breaks} == {2012, 2021}
    assert Indicator.objects.get(code="cbs-computervredebreuk").category == "cybercrime"
    assert match("incident_count", {"SoortMisdrijf": "3.7.4 Cybercrime"}) == "politie-3-7-4-cybercrime"
    assert match("TotaalGeregistreerdeMisdrijven_1", {"SoortMisdrijf": "CRI2240"}) == "cbs-computervredebreuk"
    assert match("TotaalGeregistreerdeMisdrijven_1", {"SoortMisdrijf": "T001161"}) is None


@pytest.mark.parametrize("lang,expect", [("nl", ["13,8", "9,7", "12,4"]), ("en", ["13.8", "9.7", "12.4"])])
def test_indicator_page_shows_the_numbers(client, monitor, lang, expect):
    login(client, monitor)
    r = client.get(f"/{lang}/monitor/maastricht/vm-cybercrime-totaal/")
    assert r.status_code == 200
    html = r.content.decode()
    for v in expect:
        assert f">{v}<" in html
    assert "<svg" in html and 'role="img"' in html
    assert "Nederland" in html  # reference line and column
    assert ("methodebreuk" if lang == "nl" else "2021") in html


def test_indicator_page_sentences_and_reporting_gap(client, monitor):
    login(client, monitor)
    html = client.get("/nl/monitor/maastricht/vm-cybercrime-hacken/").content.decode()
    assert "significant" in html and "gestegen" in html
    assert "/nl/monitor/maastricht/vm-online-hacken/" in html  # the 2021+ series, linked but never mixed
    # total cyber victimisation (which includes purchase fraud) is not paired with police code 3.7.4 alone
    html = client.get("/en/monitor/maastricht/vm-cybercrime-totaal/").content.decode()
    assert "10,000" not in html
    # a like-for-like pair: hacking in the survey, computer intrusion in the register (Maastricht 2019)
    from cyberbeeld.indicators.models import Indicator as Ind

    Observation.objects.create(indicator=Ind.objects.get(code="cbs-computervredebreuk"), area=monitor.gm_maastricht,
                               period="2019", value=Decimal("300"))
    html = client.get("/nl/monitor/maastricht/vm-cybercrime-hacken/").content.decode()
    assert "registreerde de politie 300 misdrijven" in html and "art. 138ab" in html
    assert "Veiligheidsmonitor 2019" in html and "8%" in html  # CBS's published reporting share, with source


def test_basisteam_figure_is_labelled_for_small_gemeente(client, monitor):
    bt = Area.objects.create(code="BT9999", kind=AreaKind.BASISTEAM, name="Heuvelland", slug="heuvelland")
    monitor.gm_eijsden.basisteam = bt
    monitor.gm_eijsden.save()
    vm = Indicator.objects.get(code="vm-cybercrime-totaal")
    Observation.objects.create(indicator=vm, area=bt, period="2019", value=Decimal("11.1"))
    login(client, monitor)
    html = client.get("/nl/monitor/eijsden-margraten/vm-cybercrime-totaal/").content.decode()
    assert "basisteam Heuvelland" in html and ">11,1<" in html


def test_login_required(client, monitor):
    assert client.get("/nl/monitor/maastricht/vm-cybercrime-totaal/").status_code == 302
    assert client.get("/nl/monitor/").status_code == 302


def test_index_compare_and_map(client, monitor):
    login(client, monitor)
    html = client.get("/nl/monitor/").content.decode()
    assert "Maastricht" in html and "13,8" in html
    hack = Indicator.objects.get(code="vm-cybercrime-hacken")
    Observation.objects.create(indicator=hack, area=monitor.gm_zaanstad, period="2019", value=Decimal("5.8"),
                               ci_low=Decimal("5.0"), ci_high=Decimal("6.6"))
    Observation.objects.create(indicator=hack, area=monitor.gm_eijsden, period="2019", value=Decimal("2.0"),
                               ci_low=Decimal("1.5"), ci_high=Decimal("2.5"))
    r = client.get("/nl/monitor/vergelijk/?indicator=vm-cybercrime-hacken&periode=2019&g=maastricht&g=zaanstad"
                   "&g=eijsden-margraten")
    html = r.content.decode()
    assert r.status_code == 200 and "1–2" in html and ">3<" in html  # Maastricht and Zaanstad tie, Eijsden third
    square = {"type": "Polygon", "coordinates": [[[5.6, 50.8], [5.8, 50.8], [5.8, 50.9], [5.6, 50.9], [5.6, 50.8]]]}
    for a in (monitor.gm_maastricht, monitor.gm_zaanstad):
        a.geometry = square
        a.save()
    html = client.get("/en/monitor/kaart/vm-cybercrime-hacken/").content.decode()
    assert "<svg" in html and ">5.8<" in html and ">6.0<" in html


def _download(client, fmt):
    r = client.get(f"/nl/monitor/maastricht/vm-cybercrime-totaal/download.{fmt}")
    assert r.status_code == 200
    return r.content


def test_downloads_parse_back(client, monitor):
    login(client, monitor)
    body = _download(client, "csv")
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    mine = {r["periode"]: r["waarde"] for r in rows if r["gemeente_code"] == "GM0935"}
    assert mine == {k: v.replace(".", ",") for k, v in MAASTRICHT_VM.items()}
    plain = list(csv.DictReader(io.StringIO(_download(client, "csv-komma").decode("utf-8"))))
    assert {r["periode"]: r["waarde"] for r in plain if r["gemeente_code"] == "GM0935"} == MAASTRICHT_VM
    for fmt in ("xlsx", "ods"):
        data = tablib.Dataset().load(_download(client, fmt), format=fmt)
        got = {str(r[4]): float(r[5]) for r in data if r[0] == "GM0935"}
        assert got == {k: float(v) for k, v in MAASTRICHT_VM.items()}


@pytest.mark.parametrize("lang,values,title", [("nl", ["14", "13,2", "9,7", "12,4", "13,8"], "Informatieveiligheid"),
                                               ("en", ["14", "13.2", "9.7", "12.4", "13.8"], "Information security")])
def test_public_theme_page_without_login(client, monitor, lang, values, title):
    r = client.get(f"/{lang}/publiek/maastricht/informatieveiligheid/")
    assert r.status_code == 200
    html = r.content.decode()
    assert title in html
    cells = html.split('id="vm-table-1"')[1].split("</table>")[0]

    tds = re.findall(r'<td class="cbp-num" data-label="([^"]*)">([^<]*)<', cells)
    assert [v for _, v in tds] == values
    heads = [c.split("<")[0] for c in cells.split('<th scope="col" class="cbp-num">')[1:]]
    assert heads == ["2014", "2015", "2016", "2017", "2019"]
    assert [label for label, _ in tds] == heads  # the phone layout labels each value with its year
    # Markdown rendered, sanitised: the narrative's script is gone; the only script is the page's own file
    assert "alert(1)" not in html and "<strong>" in html
    assert all(' src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert "https://example.org/kamerstuk" in html and "2020" in html
    assert "public" in r["Cache-Control"] and r["ETag"] and r["Last-Modified"]
    assert client.get(r.request["PATH_INFO"], HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 304


@pytest.mark.parametrize("tlp", ["green", "amber", "amber+strict", "red"])
def test_non_clear_theme_is_404_publicly(client, monitor, tlp):
    PublicTheme.objects.filter(slug="informatieveiligheid").update(tlp=tlp)
    assert client.get("/nl/publiek/maastricht/informatieveiligheid/").status_code == 404
    login(client, monitor)  # not even for the owner: public pages carry only TLP:CLEAR
    assert client.get("/nl/publiek/maastricht/informatieveiligheid/").status_code == 404


def test_import_upload_runs_task_and_reports_rows(client, monitor, shared_data):
    nl = Area.objects.get(code="NL01")
    login(client, monitor, "kees")  # a national table: reference figures, imported by a platform beheerder
    path = shared_data / "cbs-police-crime" / "NL_Crime_annual_2012_2023.csv"
    with path.open("rb") as fh:
        r = client.post("/nl/monitor/import/", {"file": fh, "area": "NL01"})
    job = ImportJob.objects.get()
    assert r.status_code == 302 and job.state == "done"
    assert bytes(job.data) == b""  # the uploaded file is deleted when its job ends (issue 13)
    cyber = Observation.objects.get(indicator__code="politie-3-7-4-cybercrime", area=nl, period="2021")
    assert cyber.value == Decimal("14174")
    html = client.get(f"/nl/monitor/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html and "Klaar" in html
    bad = io.BytesIO(b"indicator;gebied;periode;waarde\nx;NL01;2019;12,5\nx;NL01;2020;abc\n")
    bad.name = "kapot.csv"
    before = (Observation.objects.count(), ImportBatch.objects.count())
    client.post("/nl/monitor/import/", {"file": bad})
    failed = ImportJob.objects.order_by("-pk").first()
    assert failed.state == "failed" and failed.problems[0]["row"] == 3 and failed.problems[0]["column"]
    assert (Observation.objects.count(), ImportBatch.objects.count()) == before
    html = client.get(f"/nl/monitor/import/{failed.pk}/").content.decode()
    assert 'aria-live="polite"' in html and "abc" in html


def test_import_is_for_bewerkers_and_jobs_of_others_are_404(client, monitor):
    login(client, monitor, "lezer")
    assert client.get("/nl/monitor/import/").status_code == 404
    job = ImportJob.objects.create(kind="indicators", owner=monitor.zaanstad, filename="x.csv", data=b"")
    login(client, monitor, "anna")
    assert client.get(f"/nl/monitor/import/{job.pk}/").status_code == 404


def test_publish_writes_a_static_site(monitor, tmp_path):
    from django.core.management import call_command

    PublicTheme.objects.create(owner=monitor.maastricht, gemeente=monitor.gm_maastricht, slug="geheim", tlp="amber",
                               title_nl="Geheim", last_update=dt.date(2020, 1, 1))
    call_command("publish", "maastricht", "--out", str(tmp_path))
    nl = (tmp_path / "nl" / "informatieveiligheid" / "index.html").read_text(encoding="utf-8")
    en = (tmp_path / "en" / "informatieveiligheid" / "index.html").read_text(encoding="utf-8")
    assert ">13,8<" in nl and ">13.8<" in en and "Information security" in en
    assert '<html lang="en">' in en and "../../nl/informatieveiligheid/index.html" in en
    assert not (tmp_path / "nl" / "geheim").exists()  # TLP:AMBER never leaves the server
    for rel in ("static/vendor/utrecht/index.css", "static/indicators/public.css"):
        assert (tmp_path / rel).stat().st_size > 0
    assert "../../static/indicators/public.css" in nl
    assert (tmp_path / "nl" / "informatieveiligheid" / "chart-1.svg").read_text().startswith("<svg")
