"""A bad request parameter is a 400 or 404 page, never a 500 (issue 13, finding 4)."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world, taxonomy):
    from cyberbeeld.actions import services
    from cyberbeeld.risks import services as risk_services
    from cyberbeeld.risks.models import ScenarioTemplate

    risk_services.templates_sync()
    sluis = risk_services.scenario_adopt(by=world.anna, owner=world.maastricht,
                                         template=ScenarioTemplate.objects.get(code="gehackte-sluis-brug"))
    ex = services.exercise_from_scenario(by=world.anna, owner=world.maastricht, scenario=sluis)
    return {"scenario": sluis, "exercise": ex}


def client_for(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


@pytest.mark.parametrize("url", [
    "/nl/incidenten/vragen/?form=abc",
    "/nl/incidenten/vragen/?form=-1",
    "/nl/incidenten/vragen/?form=99999999999999999999999",
    "/nl/maatregelen/nieuw/?scenario=0",
    "/nl/maatregelen/nieuw/?scenario=abc",
    "/nl/maatregelen/oefeningen/nieuw/?scenario=abc",
    "/nl/maatregelen/oefeningen/nieuw/?scenario=0",
    "/nl/incidenten/taxonomie/machinetag.json?version=abc",
    "/nl/incidenten/taxonomie/machinetag.json?version=1e9",
    "/nl/incidenten/taxonomie/machinetag.json?version=99999999999999999999999",
])
def test_bad_query_parameter_is_400_or_404(world, setup, url):
    r = client_for(world.anna).get(url)
    assert r.status_code in (400, 404), (url, r.status_code)


@pytest.mark.parametrize("good", ["/nl/incidenten/vragen/?form=", "/nl/maatregelen/nieuw/",
                                  "/nl/incidenten/taxonomie/machinetag.json?version=1"])
def test_good_or_missing_parameters_still_work(world, setup, good):
    assert client_for(world.anna).get(good).status_code == 200


def test_known_scenario_is_still_preselected(world, setup):
    s = setup["scenario"]
    body = client_for(world.anna).get(f"/nl/maatregelen/nieuw/?scenario={s.uuid}").content.decode()
    # the scenarios are a checkbox list (fieldset and legend): the known scenario is the checked box
    assert re.search(rf'<input type="checkbox" name="scenarios" value="{s.pk}"[^>]* checked>', body)


@pytest.mark.parametrize("inject", ["abc", "0", "' OR 1=1 --"])
def test_exercise_action_with_a_bad_inject_is_404(world, setup, inject):
    ex = setup["exercise"]
    c = client_for(world.anna)
    assert c.post(f"/nl/maatregelen/oefeningen/{ex.uuid}/actie/start/").status_code == 302
    r = c.post(f"/nl/maatregelen/oefeningen/{ex.uuid}/actie/overslaan/", {"inject": inject})
    assert r.status_code in (400, 404)


def test_bad_request_page_is_a_page(world, setup):
    r = client_for(world.anna).get("/nl/incidenten/taxonomie/machinetag.json?version=abc")
    assert r.status_code == 400 and "Ongeldig verzoek" in r.content.decode()


@pytest.mark.parametrize("values", ["notalist", [1, 2], [{"predicate": 5}], [{"predicate": "x", "entry": "y"}],
                                    None])
def test_taxonomy_upload_with_malformed_values_is_refused_with_a_message(world, taxonomy, values):
    from cyberbeeld.incidents import services
    from cyberbeeld.incidents.models import TaxonomyVersion

    mt = json.loads(services.taxonomy_export(lang="en"))
    mt["version"] = 7
    mt["values"] = values
    before = TaxonomyVersion.objects.count()
    c = client_for(world.kees)
    r = c.post("/nl/incidenten/taxonomie/", {"file": SimpleUploadedFile("m.json", json.dumps(mt).encode()),
                                             "lang": "en"})
    assert r.status_code == 200
    assert "values" in r.content.decode()
    assert TaxonomyVersion.objects.count() == before


@pytest.mark.parametrize("bad", [{"version": "7"}, {"version": True}, {"predicates": "x"}, {"namespace": 3}])
def test_taxonomy_upload_with_wrong_types_is_refused(world, taxonomy, bad):
    from cyberbeeld.incidents import services
    from cyberbeeld.incidents.models import TaxonomyVersion

    mt = {**json.loads(services.taxonomy_export(lang="en")), "version": 7, **bad}
    before = TaxonomyVersion.objects.count()
    r = client_for(world.kees).post("/nl/incidenten/taxonomie/", {
        "file": SimpleUploadedFile("m.json", json.dumps(mt).encode()), "lang": "en"})
    assert r.status_code == 200 and TaxonomyVersion.objects.count() == before
    assert next(iter(bad)) in r.content.decode()


@pytest.mark.parametrize("weight", ["0", "-1", "nan", "inf", "x"])
def test_survey_upload_with_unusable_weights_names_the_column(world, weight):
    from cyberbeeld.indicators.models import Observation

    rows = ["gemeente,w,phishing"] + [f"GM0935,{weight if i else weight},{i % 2}" for i in range(20)]
    data = {"weights": "w", "area_column": "gemeente", "variables": "phishing", "strata": "", "cluster": "",
            "period": "2025", "file": SimpleUploadedFile("enquete.csv", "\n".join(rows).encode(),
                                                         content_type="text/csv")}
    r = client_for(world.anna).post("/nl/monitor/eigen-onderzoek/", data)
    assert r.status_code == 200
    body = r.content.decode()
    assert "&#x27;w&#x27;" in body or "'w'" in body
    assert Observation.objects.count() == 0


def test_survey_upload_with_all_zero_weights(world):
    from cyberbeeld.indicators.models import Observation

    buf = io.StringIO("gemeente,w,phishing\n" + "".join(f"GM0935,0,{i % 2}\n" for i in range(30)))
    r = client_for(world.anna).post("/nl/monitor/eigen-onderzoek/", {
        "weights": "w", "area_column": "gemeente", "variables": "phishing", "strata": "", "cluster": "",
        "period": "2025", "file": SimpleUploadedFile("enquete.csv", buf.getvalue().encode())})
    assert r.status_code == 200 and Observation.objects.count() == 0
    assert "rij 2" in r.content.decode()


@pytest.mark.parametrize("body", [
    b"[" * 50_000 + b"]" * 50_000,
    b'{"objects": [1, 2]}',
    b'{"objects": "x"}',
    b'{"objects": [{"type": 5}]}',
    b'{"objects": [], "objects": [{"type": "incident"}]}',
    b'{"objects": [{"type": "incident", "x": NaN}]}',
    b"\xff\xfe garbage",
])
def test_taxii_post_with_a_malformed_envelope_is_400(world, body):
    import base64

    from cyberbeeld.sharing.models import Case

    auth = "Basic " + base64.b64encode(f"zoe:{world.password}".encode()).decode()
    before = Case.objects.count()
    r = Client(raise_request_exception=False).post(
        f"/api/taxii2/cyberbeeld/collections/{world.zaanstad.uuid}/objects/", body,
        content_type="application/taxii+json;version=2.1", HTTP_AUTHORIZATION=auth,
        HTTP_ACCEPT="application/taxii+json;version=2.1")
    assert r.status_code == 400, r.content[:300]
    assert Case.objects.count() == before
