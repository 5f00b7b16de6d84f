"""Indicators left by earlier demo versions (issue 14): ``total_incident_count`` ones go, raw-key names become
readable; by migration 0010 and by the demo's idempotent refresh."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest

from cyberbeeld.indicators.models import Indicator, Observation

pytestmark = pytest.mark.django_db


def _legacy(world):
    total = Indicator.objects.create(code="nl-crime-annual-2012-2023-total-incident-count-incident-type-code-1-1-1",
                                     name_nl="total_incident_count — 1.1.1 Diefstal", name_en="total_incident_count",
                                     unit="count", source="politie", series="nl-crime", source_measure="total_incident_count")
    raw = Indicator.objects.create(code="83648ned-geregistreerdemisdrijvenper1000inw_3-oud",
                                   name_nl="GeregistreerdeMisdrijvenPer1000Inw_3 — Misdrijven, totaal",
                                   name_en="GeregistreerdeMisdrijvenPer1000Inw_3 — Misdrijven, totaal",
                                   subject_nl="geregistreerdeMisdrijvenPer1000Inw_3", unit="per-1000", source="politie",
                                   series="83648ned")
    counts = Indicator.objects.create(code="nl-crime-incident-count-1-1-1", name_nl="incident_count — 1.1.1 Diefstal",
                                      name_en="incident_count — 1.1.1 Theft", unit="count", source="politie",
                                      series="nl-crime")
    kept = Indicator.objects.create(code="eigen-iets", name_nl="Iets eigens", name_en="Own", unit="count",
                                    source="eigen-onderzoek", series="eigen")
    for ind in (total, raw, counts, kept):
        Observation.objects.create(indicator=ind, area=world.gm_maastricht, period="2019", value=Decimal("5"))
    return total, raw, counts, kept


def test_migration_removes_not_figures_and_renames_raw_keys(world):
    from django.apps import apps

    total, raw, counts, kept = _legacy(world)
    step = importlib.import_module("cyberbeeld.indicators.migrations.0010_cleanup_legacy_indicators").cleanup
    step(apps, None)
    assert not Indicator.objects.filter(pk=total.pk).exists()
    assert not Observation.objects.filter(indicator_id=total.pk).exists()
    raw.refresh_from_db()
    counts.refresh_from_db()
    assert raw.name_nl == "Geregistreerde misdrijven per1000 inw — Misdrijven, totaal"
    assert counts.name_nl == "Incident count — 1.1.1 Diefstal" and counts.name_en == "Incident count — 1.1.1 Theft"
    assert Indicator.objects.get(pk=kept.pk).name_nl == "Iets eigens"
    assert Observation.objects.filter(indicator=raw).count() == 1  # renamed, figures kept
    before = list(Indicator.objects.values_list("code", "name_nl").order_by("code"))
    step(apps, None)
    assert list(Indicator.objects.values_list("code", "name_nl").order_by("code")) == before


def test_the_demo_refresh_cleans_up_too(world):
    from cyberbeeld.indicators.demo import load

    total, raw, _counts, _kept = _legacy(world)
    lines = []
    load(orgs={}, areas={}, log=lines.append)
    assert not Indicator.objects.filter(pk=total.pk).exists()
    assert not Indicator.objects.filter(name_nl__contains="_3").exists()
    assert any("oude indicatoren verwijderd" in line for line in lines)
