"""Own survey microdata → observations with design-based intervals; the microdata never stays."""

from __future__ import annotations

import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cyberbeeld.indicators.models import Observation
from cyberbeeld.survey import Design, Request, estimate

pytestmark = pytest.mark.django_db


def microdata(n: int = 400, seed: int = 7, gemeenten: tuple[str, ...] = ("GM0935",)) -> pd.DataFrame:
    """Respondents of Maastricht (an organisation stores own survey estimates only for its own gemeente)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "gemeente": rng.choice(list(gemeenten), n), "stratum": rng.choice(["oost", "west"], n),
        "w": rng.uniform(10, 60, n), "phishing": rng.integers(0, 2, n), "hack": (rng.random(n) < 0.1).astype(int),
    })


def upload(client, df: pd.DataFrame, **fields):
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    data = {"weights": "w", "area_column": "gemeente", "variables": "phishing, hack", "strata": "stratum",
            "cluster": "", "period": "2025", **fields,
            "file": SimpleUploadedFile("enquete.csv", buf.getvalue().encode(), content_type="text/csv")}
    return client.post("/nl/monitor/eigen-onderzoek/", data)


def test_estimates_stored_with_intervals_and_no_microdata(client, world, tmp_path, settings):
    df = microdata()
    client.force_login(world.anna)
    response = upload(client, df)
    assert response.status_code == 200 and 'id="survey-result"' in response.content.decode()
    expected = estimate(df, Design(weights="w", strata="stratum"), [Request("proportion", "phishing")], by="gemeente")
    for row in expected.to_dict("records"):
        obs = Observation.objects.get(indicator__code="eigen-gemeente-maastricht-phishing", area__code=row["gemeente"],
                                      period="2025")
        assert obs.value == Decimal(str(round(row["estimate"] * 100, 6)))
        assert obs.ci_low == Decimal(str(round(row["ci_low"] * 100, 6)))
        assert obs.ci_high == Decimal(str(round(row["ci_high"] * 100, 6)))
        assert obs.n == row["n"]
    assert Observation.objects.filter(period="2025").count() == 2  # 1 gemeente × 2 variables
    # nothing of the microdata is kept: no respondent value appears anywhere in the database dump
    from django.core import serializers

    from cyberbeeld.indicators.models import ImportBatch

    dump = serializers.serialize("json", list(ImportBatch.objects.all()) + list(Observation.objects.all()))
    assert "stratum" not in dump and "oost" not in dump


def test_bad_design_names_the_column_and_changes_nothing(client, world):
    df = microdata()
    df.loc[5, "w"] = None
    client.force_login(world.anna)
    html = upload(client, df).content.decode()
    assert 'id="survey-error"' in html and "w" in html
    assert Observation.objects.count() == 0
    html = upload(client, microdata(), weights="gewicht").content.decode()
    assert "kolom &#x27;gewicht&#x27; ontbreekt" in html or "kolom 'gewicht' ontbreekt" in html
    df = microdata()
    df.loc[3, "gemeente"] = "GM9999"
    html = upload(client, df).content.decode()
    assert "rij 5" in html and "GM9999" in html
    assert Observation.objects.count() == 0


def test_only_bewerkers_of_an_organisation(client, world):
    client.force_login(world.lezer)
    assert client.get("/nl/monitor/eigen-onderzoek/").status_code == 404
    client.force_login(world.nobody)
    assert client.get("/nl/monitor/eigen-onderzoek/").status_code == 404
