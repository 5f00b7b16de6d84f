"""Provenance per observation (issue 14, Deliver 6): every observation knows its import batch (how the file came
in), its source table and file and its source row; every figure on the indicator page, in the PDF report and in
the API links to it ("Bron": table, period of the source, import date)."""

from __future__ import annotations

import importlib
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from cyberbeeld.indicators.models import ImportBatch, Indicator, Observation

pytestmark = pytest.mark.django_db

FILE = "83648NED_gemeenten_totaal_2010_2020.csv"


@pytest.fixture
def imported(world, shared_data, settings):
    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    for path in reference_files(shared_data):
        import_file(path)
    call_command("import_cbs", str(shared_data / "cbs-83648NED" / FILE), stdout=io.StringIO())
    return world


def _rate() -> Indicator:
    return Indicator.objects.get(code__startswith="83648ned-geregistreerdemisdrijvenper1000inw_3")


def test_every_observation_knows_its_batch_file_table_and_row(imported):
    batch = ImportBatch.objects.get()
    assert batch.origin == ImportBatch.Origin.CLI and batch.table_id == "83648NED" and batch.file_name == FILE
    assert (batch.first_period, batch.last_period, batch.period_label) == ("2010", "2020", "2010–2020")
    assert not Observation.objects.filter(import_batch__isnull=True).exists()
    assert not Observation.objects.filter(source_row__isnull=True).exists()
    assert set(Observation.objects.values_list("source_table", flat=True)) == {"83648NED"}


def test_every_figure_on_the_indicator_page_links_to_its_source_row(client, imported):
    client.force_login(imported.anna)
    rate = _rate()
    html = client.get(f"/nl/monitor/maastricht/{rate.code}/").content.decode()
    today = timezone.localdate()
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december"]
    entry = re.search(r'<li id="bron-1"[^>]*>(.*?)</li>', html, re.S)
    assert entry, "no provenance entry"
    text = re.sub(r"<[^>]+>", "", entry.group(1))
    assert text.startswith("Bron: 83648NED") and "periode 2010–2020" in text and f"bestand {FILE}" in text
    assert f"ingelezen op {today.day} {months[today.month - 1]} {today.year}" in text
    rows = re.findall(r'<tr><th scope="row">(\d{4})</th>(.*?)</tr>', html, re.S)
    own = {o.period: o.source_row for o in Observation.objects.filter(indicator=rate, area__code="GM0935")}
    nl = {o.period: o.source_row for o in Observation.objects.filter(indicator=rate, area__code="NL01")}
    assert len(rows) == len(own) == 11
    for period, cells in rows:
        links = re.findall(r'<a class="utrecht-link" href="#bron-1">\[1\] regel (\d+)</a>', cells)
        # the figure of Maastricht and that of Nederland beside it, each with its own row of the file
        assert links == [str(own[period]), str(nl[period])], (period, cells)


def test_api_gives_the_bron_line_of_every_observation(client, imported):
    client.force_login(imported.anna)
    rate = _rate()
    o = Observation.objects.get(indicator=rate, area__code="GM0935", period="2019")
    got = client.get(f"/api/v1/indicators/{rate.code}/observations?area=GM0935&period=2019").json()["items"][0]
    p = got["provenance"]
    assert p["source_file"] == FILE and p["import_origin"] == "import-cbs"
    assert (p["source_period_from"], p["source_period_to"]) == ("2010", "2020") and p["source_row"] == o.source_row
    day = o.import_batch.at.strftime("%Y-%m-%d")
    assert p["bron_nl"] == f"Bron: 83648NED, periode 2010–2020, {FILE} regel {o.source_row}, ingelezen op {day}"
    assert p["bron_en"] == f"Source: 83648NED, period 2010–2020, {FILE} row {o.source_row}, imported on {day}"


def test_report_gives_the_bron_of_every_figure(imported):
    from cyberbeeld.reports import render, snapshot

    area = imported.gm_maastricht
    snap = snapshot.build(area, lang="nl", user=imported.anna, organisation=imported.maastricht)
    rate = _rate()
    row = next(i for i in snap["indicators"] if i["code"] == rate.code)
    o = Observation.objects.get(indicator=rate, area=area, period="2020")
    assert row["bron"].startswith(f"Bron: 83648NED, periode 2010–2020, {FILE} regel {o.source_row}, ingelezen op ")
    html = render.render_html(snap)
    assert row["bron"] in html


def test_the_demos_own_figures_say_so(imported):
    """Figures the demo enters itself (national Veiligheidsmonitor shares) get a demo batch, reused on a rerun."""
    from cyberbeeld.areas.models import Area
    from cyberbeeld.indicators.demo import NL_VM, load

    for _ in range(2):
        load(orgs={}, areas={"NL01": Area.objects.get(code="NL01")}, log=lambda *_: None)
    vm = Observation.objects.filter(indicator__code="vm-cybercrime-totaal", area__code="NL01")
    assert vm.count() == len(NL_VM) and {o.import_batch.origin for o in vm} == {"demo"}
    assert {o.import_batch.table_id for o in vm} == {"Veiligheidsmonitor"}
    assert ImportBatch.objects.filter(origin="demo").count() == 1


class _Before0012:
    """Today's models, plus the indicator ``ImportJob`` the step reads (moved into ``common.ImportJob`` by
    migration 0012; no old jobs here): the data step of 0007 runs on today's tables."""

    class _NoJobs:
        class objects:  # noqa: N801 - stands in for a manager
            @staticmethod
            def exclude(**kwargs):
                return _Before0012._NoJobs.objects

            @staticmethod
            def values_list(*fields):
                return []

    def __init__(self, apps):
        self.apps = apps

    def get_model(self, app_label, name):
        if (app_label, name) == ("indicators", "ImportJob"):
            return self._NoJobs
        return self.apps.get_model(app_label, name)


def test_migration_gives_existing_rows_their_table_and_file(imported, shared_data):
    """The data step of migration 0007: a batch read from a bundled reference file (its SHA-256 is in the
    refdata manifest) gets that file's name and table id; figures without a batch (earlier demos) get one."""
    from django.apps import apps

    step = importlib.import_module("cyberbeeld.indicators.migrations.0007_importbatch_provenance").provenance
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(origin="import-cbs", table_id="", file_name="", first_period="",
                                                    last_period="")
    vm = Indicator.objects.get_or_create(code="vm-cybercrime-totaal", defaults={
        "name_nl": "v", "name_en": "v", "unit": "percent", "source": "veiligheidsmonitor", "series": "vm"})[0]
    Observation.objects.create(indicator=vm, area=imported.gm_maastricht, period="2019", value=Decimal("13.8"),
                               source_table="gemeente Maastricht, thema Informatieveiligheid")
    step(_Before0012(apps), None)
    batch.refresh_from_db()
    assert (batch.origin, batch.table_id, batch.file_name) == ("referentiedata", "83648NED", FILE)
    assert (batch.first_period, batch.last_period) == ("2010", "2020")
    demo = Observation.objects.get(indicator=vm, area=imported.gm_maastricht).import_batch
    assert demo is not None and (demo.origin, demo.table_id, demo.first_period) == ("demo", "Veiligheidsmonitor", "2019")
    assert not Observation.objects.filter(import_batch__isnull=True).exists()
