"""Figures have owners (issue 12, finding 3): a gemeente's figures are written only by that gemeente,
reference figures only by the platform, and every value is checked before anything is written."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.common.models import ImportJob
from cyberbeeld.indicators.catalogue import seed
from cyberbeeld.indicators.models import ImportBatch, Indicator, Observation, PublicTheme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def figures(world):
    seed()
    vm = Indicator.objects.get(code="vm-cybercrime-totaal")
    for p, v in {"2017": "12.4", "2019": "13.8"}.items():
        Observation.objects.create(indicator=vm, area=world.gm_maastricht, period=p, value=Decimal(v))
    Area.objects.create(code="NL01", kind=AreaKind.LAND, name="Nederland", slug="nederland")
    theme = PublicTheme.objects.create(owner=world.maastricht, gemeente=world.gm_maastricht, slug="informatieveiligheid",
                                       tlp="clear", title_nl="Informatieveiligheid", title_en="Information security",
                                       last_update=dt.date(2020, 3, 5))
    theme.indicators.set([vm])
    return world


def _upload(client, user, text: str, name: str = "cijfers.csv"):
    client.force_login(user)
    f = io.BytesIO(text.encode("utf-8"))
    f.name = name
    r = client.post("/nl/monitor/import/", {"file": f})
    return r, ImportJob.objects.order_by("-pk").first()


def _snapshot():
    return (sorted(Observation.objects.values_list("indicator__code", "area__code", "period", "value")),
            ImportBatch.objects.count(), Indicator.objects.count())


def _public_values(client) -> str:
    client.logout()
    r = client.get("/nl/publiek/maastricht/informatieveiligheid/")
    assert r.status_code == 200
    return r.content.decode()


def test_another_gemeente_cannot_write_maastrichts_figures(client, figures):
    before = _snapshot()
    r, job = _upload(client, figures.zoe, "indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM0935;2019;99,9\n")
    assert r.status_code == 302
    assert job.state == ImportJob.State.FAILED
    problem = job.problems[0]
    assert problem["row"] == 2 and problem["column"] == "gebied"
    assert "GM0935" in problem["nl"] and "Zaanstad" in problem["nl"]
    assert _snapshot() == before
    html = client.get(f"/nl/monitor/import/{job.pk}/").content.decode()
    assert "rij 2" in html or "2" in html
    public = _public_values(client)
    assert "13,8" in public and "99,9" not in public


def test_own_gemeente_writes_its_own_figures_and_nobody_else_overwrites_them(client, figures):
    r, job = _upload(client, figures.eva, "indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM1903;2019;11,1\n")
    assert job.state == ImportJob.State.DONE, job.problems
    obs = Observation.objects.get(indicator__code="vm-cybercrime-totaal", area__code="GM1903", period="2019")
    assert obs.owner_id == figures.eijsden.pk and obs.reference_source == ""
    before = _snapshot()
    _, job = _upload(client, figures.zoe, "indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM1903;2019;50\n")
    assert job.state == ImportJob.State.FAILED and _snapshot() == before
    # a reference import (platform) does not overwrite a gemeente's own figure either
    _, job = _upload(client, figures.kees, "indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM1903;2019;50\n")
    assert job.state == ImportJob.State.FAILED and job.problems[0]["row"] == 2
    assert "Eijsden" in job.problems[0]["nl"] and _snapshot() == before


def test_a_gemeente_does_not_overwrite_reference_figures(client, figures):
    before = _snapshot()
    _, job = _upload(client, figures.anna, "indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM0935;2019;14\n")
    assert job.state == ImportJob.State.FAILED and job.problems[0]["row"] == 2
    assert _snapshot() == before


def test_reference_imports_only_by_platform_beheerders(client, figures):
    text = "indicator;gebied;periode;waarde\nvm-cybercrime-totaal;NL01;2019;13\n"
    before = _snapshot()
    _, job = _upload(client, figures.anna, text)  # a coördinator of a gemeente is no platform beheerder
    assert job.state == ImportJob.State.FAILED and job.problems[0]["column"] == "gebied"
    assert _snapshot() == before
    _, job = _upload(client, figures.kees, text)  # beheerder of the kenniscentrum
    assert job.state == ImportJob.State.DONE, job.problems
    obs = Observation.objects.get(area__code="NL01", period="2019")
    assert obs.owner_id is None and obs.reference_source
    # a bewerker of the police (no gemeente, no platform role) has no import at all
    client.force_login(figures.paul)
    assert client.get("/nl/monitor/import/").status_code == 404


def test_existing_figures_belong_to_a_reference_source(figures):
    """Rows made before ownership existed (and fixtures without an owner) are reference figures."""
    obs = Observation.objects.get(area__code="GM0935", period="2019")
    assert obs.owner_id is None and obs.reference_source


@pytest.mark.parametrize("value", ["1e309", "-1e309", "1e13", "inf", "-inf", "Infinity"])
def test_non_finite_or_too_large_values_are_refused_on_the_web(client, figures, value):
    before = _snapshot()
    _, job = _upload(client, figures.anna,
                     f"indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM0935;2020;5\n"
                     f"vm-cybercrime-totaal;GM0935;2021;{value}\n")
    assert job.state == ImportJob.State.FAILED
    assert job.problems[0]["row"] == 3 and job.problems[0]["column"] in ("waarde", "value")
    assert _snapshot() == before
    client.force_login(figures.anna)
    assert client.get("/nl/monitor/maastricht/vm-cybercrime-totaal/").status_code == 200
    assert "13,8" in _public_values(client)


def test_1e309_is_refused_by_the_cli(figures, tmp_path):
    path = tmp_path / "nl.csv"
    path.write_text("indicator;gebied;periode;waarde\nvm-cybercrime-totaal;NL01;2018;5\n"
                    "vm-cybercrime-totaal;NL01;2019;1e309\n", encoding="utf-8")
    before = _snapshot()
    with pytest.raises(CommandError, match="rij 3"):
        call_command("import_cbs", str(path))
    assert _snapshot() == before
    path.write_text("indicator;gebied;periode;waarde\nvm-cybercrime-totaal;NL01;2019;13\n", encoding="utf-8")
    call_command("import_cbs", str(path))  # the operator's CLI is the platform: reference figures
    assert Observation.objects.get(area__code="NL01", period="2019").reference_source


def test_excess_decimals_are_rounded_to_the_column(client, figures):
    _, job = _upload(client, figures.anna,
                     "indicator;gebied;periode;waarde\nvm-cybercrime-totaal;GM0935;2020;0,30000000000000004\n")
    assert job.state == ImportJob.State.DONE, job.problems
    assert Observation.objects.get(area__code="GM0935", period="2020").value == Decimal("0.3")


def test_own_survey_indicator_of_another_organisation_is_refused(client, figures):
    Indicator.objects.create(code="eigen-gemeente-zaanstad-phishing", name_nl="phishing (eigen onderzoek Zaanstad)",
                             name_en="phishing", unit="percent", source="eigen-onderzoek", series="eigen-zaanstad")
    before = _snapshot()
    _, job = _upload(client, figures.anna,
                     "indicator;gebied;periode;waarde\neigen-gemeente-zaanstad-phishing;GM0935;2025;5\n")
    assert job.state == ImportJob.State.FAILED and job.problems[0]["column"] == "indicator"
    assert _snapshot() == before


def _survey(client, user, gemeenten):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame({"gemeente": rng.choice(gemeenten, n), "w": rng.uniform(10, 60, n),
                       "phishing": rng.integers(0, 2, n)})
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    client.force_login(user)
    return client.post("/nl/monitor/eigen-onderzoek/", {
        "weights": "w", "area_column": "gemeente", "variables": "phishing", "strata": "", "cluster": "",
        "period": "2025", "file": SimpleUploadedFile("enquete.csv", buf.getvalue().encode(), content_type="text/csv")})


def test_own_survey_only_for_the_own_gemeente(client, figures):
    before = _snapshot()
    r = _survey(client, figures.zoe, ["GM0935"])
    html = r.content.decode()
    assert r.status_code == 200 and "GM0935" in html and "kolom" in html and "rij" in html
    assert _snapshot() == before
    r = _survey(client, figures.anna, ["GM0935", "GM1903"])
    assert "GM1903" in r.content.decode() and _snapshot() == before
    r = _survey(client, figures.anna, ["GM0935"])
    obs = Observation.objects.get(indicator__code="eigen-gemeente-maastricht-phishing")
    assert obs.area.code == "GM0935" and obs.owner_id == figures.maastricht.pk and obs.reference_source == ""


def test_migration_makes_existing_rows_reference_figures_and_own_surveys_owned(figures):
    """The data step of migration 0006: rows get their source table as reference source; own-survey
    estimates of an organisation's own gemeente become that organisation's figures."""
    import importlib

    from django.apps import apps

    step = importlib.import_module("cyberbeeld.indicators.migrations.0006_observation_owner").assign_owners
    own = Indicator.objects.create(code="eigen-gemeente-maastricht-phishing", name_nl="p", name_en="p",
                                   unit="percent", source="eigen-onderzoek", series="eigen-gemeente-maastricht")
    Observation.objects.create(indicator=own, area=figures.gm_maastricht, period="2025", value=Decimal("5"))
    Observation.objects.create(indicator=own, area=figures.gm_zaanstad, period="2025", value=Decimal("6"))
    Observation.objects.filter(area__code="GM0935", period="2017").update(source_table="83648NED")
    step(apps, None)
    mine = Observation.objects.get(indicator=own, area=figures.gm_maastricht)
    assert mine.owner_id == figures.maastricht.pk and mine.reference_source == ""
    stray = Observation.objects.get(indicator=own, area=figures.gm_zaanstad)  # not its own gemeente
    assert stray.owner_id is None and stray.reference_source
    assert Observation.objects.get(area__code="GM0935", period="2017", indicator__code="vm-cybercrime-totaal"
                                   ).reference_source == "83648NED"
    vm = Observation.objects.get(area__code="GM0935", period="2019", indicator__code="vm-cybercrime-totaal")
    ind = Indicator.objects.get(code="vm-cybercrime-totaal")
    assert vm.owner_id is None and vm.reference_source == (ind.source_table or ind.source)
