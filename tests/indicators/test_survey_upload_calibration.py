"""The own-survey upload offers what ``cyberbeeld estimate`` offers: fpc, raking and calibration to
population margins (issue 18, Deliver 5), with messages that name the file, row and field."""

from __future__ import annotations

import io
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cyberbeeld.indicators.models import Observation
from cyberbeeld.survey import Design, Request
from cyberbeeld.survey.caldomain import Calibration, Margin, calibrated_estimate

pytestmark = pytest.mark.django_db

AGE = "leeftijd,aantal\n0,30000\n1,45000\n2,35000\n"
SEX = "geslacht;aantal\nm;54000\nv;56000\n"  # a semicolon file, as Dutch spreadsheets write


def microdata(n: int = 500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "gemeente": "GM0935", "stratum": rng.choice(["oost", "west"], n), "N": 0,
        "w": rng.uniform(100, 300, n), "leeftijd": rng.integers(0, 3, n), "geslacht": rng.choice(["m", "v"], n),
        "phishing": rng.integers(0, 2, n), "hack": (rng.random(n) < 0.2).astype(int),
    }).assign(N=lambda d: d.groupby("stratum")["w"].transform("sum").round() + 1000)


def _file(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(client, df: pd.DataFrame, lang: str = "nl", **fields):
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    data = {"weights": "w", "area_column": "gemeente", "variables": "phishing, hack", "strata": "stratum",
            "cluster": "", "period": "2025", "fpc": "N", "calibration": "rake",
            "margin_1": _file("leeftijd.csv", AGE), "margin_2": _file("geslacht.csv", SEX), **fields,
            "file": SimpleUploadedFile("enquete.csv", buf.getvalue().encode(), content_type="text/csv")}
    return client.post(f"/{lang}/monitor/eigen-onderzoek/", {k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize(("method", "bounds", "expected_bounds"),
                         [("rake", "", None), ("linear", "", None), ("logit", "0,5;2", (0.5, 2.0))])
def test_raked_and_calibrated_estimates_are_stored(client, world, method, bounds, expected_bounds):
    df = microdata()
    client.force_login(world.anna)
    html = upload(client, df, calibration=method, bounds=bounds).content.decode()
    assert 'id="survey-result"' in html, html[html.find("cb-errorlist"):][:500]
    cal = Calibration(
        (Margin(("leeftijd",), {("0",): 30000, ("1",): 45000, ("2",): 35000}),
         Margin(("geslacht",), {("m",): 54000, ("v",): 56000})),
        method=method, bounds=expected_bounds or (float("-inf"), float("inf")))  # type: ignore[arg-type]
    design = Design(weights="w", strata="stratum", fpc="N")
    expected = calibrated_estimate(df, design, [Request("proportion", "phishing")], cal, by="gemeente")
    row = expected.iloc[0]
    obs = Observation.objects.get(indicator__code="eigen-gemeente-maastricht-phishing", area__code="GM0935",
                                  period="2025")
    assert obs.value == Decimal(str(round(row["estimate"] * 100, 6)))
    assert obs.se == Decimal(str(round(row["se"] * 100, 6)))
    assert obs.ci_low == Decimal(str(round(row["ci_low"] * 100, 6)))
    # the weighting changed the estimate (the margins differ from the sample's)
    plain = df["phishing"].mul(df["w"]).sum() / df["w"].sum()
    assert abs(row["estimate"] - plain) > 1e-6


def _errors(html: str) -> str:
    start = html.find('id="error-summary"')
    return html[start:start + 3000] if start >= 0 else html[html.find('id="survey-error"'):][:1000]


@pytest.mark.parametrize(("margin", "needle"), [
    ("leeftijd,aantal\n0,30000\n1,veel\n2,35000\n", ["rij 3", "aantal", "veel", "geen getal"]),
    ("leeftijd,aantal\n0,30000\n0,45000\n", ["rij 3", "twee keer"]),
    ("leeftijd,aantal\n0,30000\n1,-5\n", ["rij 3", "0 of meer"]),
    ("leeftijd,aantal\n0,30000,12\n", ["rij 2", "3 velden, verwacht 2"]),
    ("aantal\n", ["rij 1"]),
    ("\n", ["rij 1", "leeg"]),
])
def test_bad_margin_file_names_row_and_field(client, world, margin, needle):
    client.force_login(world.anna)
    html = upload(client, microdata(), margin_1=_file("leeftijd.csv", margin)).content.decode()
    errors = _errors(html)
    assert "leeftijd.csv" in errors
    for part in needle:
        assert part in errors.replace("&#x27;", "'"), (part, errors)
    assert Observation.objects.count() == 0


def test_form_level_checks(client, world):
    client.force_login(world.anna)
    df = microdata()
    html = _errors(upload(client, df, margin_1=None, margin_2=None).content.decode())
    assert "Geef minstens één populatiemarge" in html
    html = _errors(upload(client, df, calibration="").content.decode())
    assert "Kies hoe er naar de populatiemarges gewogen wordt" in html
    html = _errors(upload(client, df, bounds="0,5;2").content.decode())  # bounds with rake
    assert "Grenzen gelden alleen bij kalibreren" in html
    html = _errors(upload(client, df, calibration="linear", bounds="2;3").content.decode())
    assert "ondergrens" in html
    html = _errors(upload(client, df, margin_2=_file("l2.csv", AGE)).content.decode())
    assert "staat ook in een andere marge" in html
    assert Observation.objects.count() == 0


def test_data_problems_are_named(client, world):
    client.force_login(world.anna)
    html = upload(client, microdata().drop(columns=["geslacht"])).content.decode()
    assert "kolom &#x27;geslacht&#x27; ontbreekt" in html or "kolom 'geslacht' ontbreekt" in html
    # a category in the data that the margin lacks
    html = upload(client, microdata(), margin_1=_file("leeftijd.csv", "leeftijd,aantal\n0,30000\n1,45000\n"))
    text = html.content.decode().replace("&#x27;", "'")
    assert "wegen naar de populatiemarges lukt niet" in text and "category 2 of leeftijd" in text
    # a variable that is not 0/1
    html = upload(client, microdata().assign(hack=lambda d: d["hack"] * 3)).content.decode().replace("&#x27;", "'")
    assert "kolom 'hack'" in html and "0/1" in html
    assert Observation.objects.count() == 0


def test_plain_upload_still_works_without_margins(client, world):
    client.force_login(world.anna)
    html = upload(client, microdata(), calibration="", margin_1=None, margin_2=None, fpc="").content.decode()
    assert 'id="survey-result"' in html
    assert Observation.objects.filter(period="2025").count() == 2


def test_english_page_offers_the_same_fields(client, world):
    client.force_login(world.anna)
    html = client.get("/en/monitor/eigen-onderzoek/").content.decode()
    for name in ("fpc", "calibration", "margin_1", "margin_2", "margin_3", "bounds"):
        assert f'name="{name}"' in html
