"""Pages, isolation (404 in pages and API), exports, PDFs and the management commands."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.test import Client

from cyberbeeld.actions import services
from cyberbeeld.actions.models import Exercise, Measure
from cyberbeeld.risks import services as risk_services
from cyberbeeld.risks.models import ScenarioTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world, taxonomy):
    risk_services.templates_sync()
    sluis = risk_services.scenario_adopt(by=world.anna, owner=world.maastricht,
                                         template=ScenarioTemplate.objects.get(code="gehackte-sluis-brug"))
    rellen = risk_services.scenario_adopt(by=world.anna, owner=world.maastricht,
                                          template=ScenarioTemplate.objects.get(code="online-oproep-rellen"))
    measure = services.measure_save(by=world.anna, owner=world.maastricht, data={
        "title": "Noodbediening sluis", "scenarios": [sluis], "partners": ["politie", "waterschap"]})
    ex = services.exercise_from_scenario(by=world.anna, owner=world.maastricht, scenario=sluis)
    return {"sluis": sluis, "rellen": rellen, "measure": measure, "exercise": ex}


def client_for(world, user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pages_render(world, setup, lang):
    c = client_for(world, world.anna)
    ex, m = setup["exercise"], setup["measure"]
    urls = ["", "nieuw/", "dekking/", "te-laat/", "portefeuilles/", "portefeuilles/afdruk/", "portefeuilles/nieuw/",
            "bevoegdheden/", f"bevoegdheden/scenario/{setup['rellen'].uuid}/", "oefeningen/", "oefeningen/nieuw/",
            f"oefeningen/{ex.uuid}/", f"oefeningen/{ex.uuid}/bewerken/", f"oefeningen/{ex.uuid}/leiden/",
            f"oefeningen/{ex.uuid}/klok/", "preventie/", "preventie/nieuw/", f"{m.uuid}/", f"{m.uuid}/bewerken/"]
    for u in urls:
        r = c.get(f"/{lang}/maatregelen/{u}")
        assert r.status_code == 200, u
    body = c.get(f"/{lang}/maatregelen/bevoegdheden/scenario/{setup['rellen'].uuid}/").content.decode()
    assert "wetten.overheid.nl" in body and "36789" in body


def test_coverage_page_and_create_for_uncovered(world, setup):
    c = client_for(world, world.anna)
    body = c.get("/nl/maatregelen/dekking/").content.decode()
    uncovered = body.split('id="uncovered"')[1].split("</ul>")[0]
    assert setup["rellen"].title in uncovered and setup["sluis"].title not in uncovered
    r = c.post("/nl/maatregelen/nieuw/", {"title": "Monitoring online oproepen", "scenarios": [setup["rellen"].pk],
                                         "status": "gepland", "effect_on": "kans", "tlp": "amber",
                                         "partners": ["politie"]})
    assert r.status_code == 302
    assert Measure.objects.get(title="Monitoring online oproepen").scenarios.get() == setup["rellen"]


def test_isolation_404_pages_and_api(world, setup):
    ex, m = setup["exercise"], setup["measure"]
    for user in (world.zoe, world.eva, world.paul):
        c = client_for(world, user)
        for u in (f"oefeningen/{ex.uuid}/", f"oefeningen/{ex.uuid}/leiden/", f"oefeningen/{ex.uuid}/klok/",
                  f"oefeningen/{ex.uuid}/bewerken/", f"oefeningen/{ex.uuid}/evaluatie/",
                  f"oefeningen/{ex.uuid}/draaiboek.pdf", f"{m.uuid}/", f"{m.uuid}/bewerken/"):
            assert c.get(f"/nl/maatregelen/{u}").status_code == 404, (user, u)
        for op in ("start", "pauze", "log"):
            assert c.post(f"/nl/maatregelen/oefeningen/{ex.uuid}/actie/{op}/").status_code == 404
        assert c.get(f"/api/v1/actions/exercises/{ex.uuid}").status_code == 404
        assert c.get(f"/api/v1/actions/measures/{m.uuid}").status_code == 404
        assert c.get("/api/v1/actions/measures").json()["items"] == []
    # a lezer of the owner may look but not run
    c = client_for(world, world.lezer)
    assert c.get(f"/nl/maatregelen/oefeningen/{ex.uuid}/").status_code == 200
    assert c.get(f"/nl/maatregelen/oefeningen/{ex.uuid}/leiden/").status_code == 404
    assert c.post(f"/nl/maatregelen/oefeningen/{ex.uuid}/actie/start/").status_code == 404
    ex.refresh_from_db()
    assert ex.status == "concept"
    # the owner sees it in the API
    c = client_for(world, world.anna)
    data = c.get(f"/api/v1/actions/exercises/{ex.uuid}").json()
    assert data["status"] == "concept" and len(data["upcoming"]) == ex.injects.count()


def test_facilitator_flow_via_pages(world, setup):
    c = client_for(world, world.anna)
    ex = setup["exercise"]
    base = f"/nl/maatregelen/oefeningen/{ex.uuid}"
    c.post(f"{base}/actie/start/")
    assert "Bedieningscentrale" in c.get(f"{base}/klok/").content.decode()
    c.post(f"{base}/actie/pauze/")
    assert "gepauzeerd" in c.get(f"{base}/leiden/").content.decode()
    c.post(f"{base}/actie/hervat/")
    page = c.get(f"{base}/leiden/").content.decode()
    poll = page.split('id="live-poll"')[1].split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    assert c.get(poll).status_code == 204  # nothing new: no swap, no announcement
    c.post(f"{base}/actie/log/", {"log-kind": "observatie", "log-text": "Communicatie was traag"})
    c.post(f"{base}/actie/log/", {"log-kind": "besluit", "log-role": "burgemeester", "log-text": "Kade afzetten"})
    c.post(f"{base}/actie/adhoc/", {"adhoc-delay_minutes": "0", "adhoc-channel": "social",
                                    "adhoc-message": "Nepbericht: sluis ontploft", "adhoc-is_media": "on"})
    assert "Nepbericht" in c.get(f"{base}/klok/").content.decode()
    r = c.get(poll)
    assert r.status_code == 200 and "Communicatie was traag" in r.content.decode()
    r = c.post(f"{base}/actie/beeindig/")
    assert r.status_code == 302 and r["Location"].endswith("/evaluatie/")
    ex.refresh_from_db()
    entry = ex.log.get(text="Communicatie was traag")
    c.post(f"{base}/evaluatie/{entry.uuid}/maatregel/", {"m-title": "Sneller communiceren"})
    assert Measure.objects.get(title="Sneller communiceren").source_exercise == ex
    c.post(f"{base}/evaluatie/", {"what": "evaluation", "ev-evaluation": "Leerzaam."})
    ex.refresh_from_db()
    assert ex.status == "geevalueerd"


def test_export_formats(world, setup):
    c = client_for(world, world.anna)
    r = c.get("/nl/maatregelen/export.csv")
    assert r.status_code == 200 and "Noodbediening sluis" in r.content.decode()
    for fmt in ("xlsx", "ods"):
        r = c.get(f"/nl/maatregelen/export.{fmt}")
        assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "Noodbediening" not in client_for(world, world.zoe).get("/nl/maatregelen/export.csv").content.decode()


def test_powers_edit_only_for_beheerders(world, setup):
    assert client_for(world, world.anna).get("/nl/maatregelen/bevoegdheden/art-175/bewerken/").status_code == 404
    c = client_for(world, world.kees)
    assert c.get("/nl/maatregelen/bevoegdheden/art-175/bewerken/").status_code == 200
    from cyberbeeld.actions.models import PowerInstrument

    inst = PowerInstrument.objects.get(version__version=1, code="art-175")
    data = {f: getattr(inst, f) for f in ("article", "status", "title_nl", "title_en", "power_nl", "power_en",
                                          "conditions_nl", "conditions_en", "limits_nl", "limits_en", "inform_nl",
                                          "inform_en", "online_nl", "online_en", "source_url")}
    data.update({"limits_nl": "Nieuwe grens", "note": "Wetswijziging verwerkt"})
    assert c.post("/nl/maatregelen/bevoegdheden/art-175/bewerken/", data).status_code == 302
    assert PowerInstrument.objects.get(version__version=2, code="art-175").limits_nl == "Nieuwe grens"
    assert PowerInstrument.objects.get(version__version=1, code="art-175").limits_nl != "Nieuwe grens"
    assert client_for(world, world.anna).get("/nl/maatregelen/bevoegdheden/v1/").status_code == 200


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext missing")


def pdf_text(data: bytes, tmp_path) -> str:
    p = tmp_path / "x.pdf"
    p.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True).stdout


@needs_poppler
def test_exercise_script_and_debrief_commands(world, setup, tmp_path):
    ex = setup["exercise"]
    services.exercise_start(by=world.anna, exercise=ex)
    services.log_add(by=world.anna, exercise=ex, kind="observatie", text="Niemand had het telefoonnummer van IBD")
    services.exercise_finish(by=world.anna, exercise=ex)
    out = tmp_path / "script.pdf"
    call_command("exercise_script", str(ex.uuid), "--out", str(out), stdout=io.StringIO())
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Draaiboek" in text and "OEFENMATERIAAL" in text and "Bedieningscentrale" in text
    assert "burgemeester" in text
    out2 = tmp_path / "debrief.pdf"
    call_command("exercise_debrief", str(ex.pk), "--out", str(out2), stdout=io.StringIO())
    text = pdf_text(out2.read_bytes(), tmp_path)
    assert "Debrief" in text and "Niemand had het telefoonnummer" in text
    out3 = tmp_path / "script-en.pdf"
    call_command("exercise_script", str(ex.uuid), "--out", str(out3), "--lang", "en", stdout=io.StringIO())
    assert out3.stat().st_size > 1000


@needs_poppler
def test_shared_pdf_link_without_account(world, setup, tmp_path):
    ex = setup["exercise"]
    body = client_for(world, world.anna).get(f"/nl/maatregelen/oefeningen/{ex.uuid}/").content.decode()
    link = body.split("/oefeningen/gedeeld/")[1].split(".pdf")[0]
    anon = Client()
    r = anon.get(f"/nl/maatregelen/oefeningen/gedeeld/{link}.pdf")
    assert r.status_code == 200 and "Draaiboek" in pdf_text(r.content, tmp_path)
    assert anon.get(f"/nl/maatregelen/oefeningen/gedeeld/{link}x.pdf").status_code == 404
    assert anon.get(f"/nl/maatregelen/oefeningen/{ex.uuid}/draaiboek.pdf").status_code == 302  # login


@needs_poppler
def test_portfolio_pdf(world, setup, tmp_path):
    services.portfolio_save(by=world.anna, owner=world.maastricht, data={
        "name": "Openbare orde", "holder_role": "burgemeester", "scenarios": [setup["rellen"]]})
    r = client_for(world, world.anna).get("/nl/maatregelen/portefeuilles/?format=pdf")
    assert r.status_code == 200
    text = pdf_text(r.content, tmp_path)
    assert "Openbare orde" in text
    p = tmp_path / "p.pdf"
    p.write_bytes(r.content)
    info = subprocess.run(["pdfinfo", str(p)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)


def test_demo_hook_idempotent(world, taxonomy):
    from cyberbeeld.actions.demo import load

    orgs = {"gemeente-maastricht": world.maastricht}
    load(orgs=orgs, areas={}, log=lambda m: None)
    load(orgs=orgs, areas={}, log=lambda m: None)
    ex = Exercise.objects.get(owner=world.maastricht, is_example=True)
    assert "sluisbesturing" in ex.title and ex.scenario is not None and ex.injects.filter(is_media=True).exists()
    assert Measure.objects.filter(owner=world.maastricht, is_example=True).count() == 4


def test_adopt_approach_page(world, setup):
    from cyberbeeld.sharing.models import Approach

    shared = Approach.objects.create(owner=world.eijsden, title="Webcare bij online oproepen", tlp="green",
                                     audience_region=True, approach="Jongerenwerk online")
    private = Approach.objects.create(owner=world.zaanstad, title="Geheim", tlp="amber")
    c = client_for(world, world.anna)
    url = f"/nl/maatregelen/aanpak/{shared.uuid}/overnemen/"
    assert c.get(url).status_code == 200
    r = c.post(url, {"scenarios": [setup["rellen"].pk], "due_date": "2027-01-31"})
    assert r.status_code == 302, r.context["form"].errors
    m = Measure.objects.get(source_approach=shared)
    assert m.owner == world.maastricht and list(m.scenarios.all()) == [setup["rellen"]]
    assert c.get(f"/nl/maatregelen/aanpak/{private.uuid}/overnemen/").status_code == 404
    assert client_for(world, world.lezer).get(url).status_code == 404


def test_forms_refuse_another_organisations_scenario(world, setup):
    other = risk_services.scenario_adopt(by=world.zoe, owner=world.zaanstad,
                                         template=ScenarioTemplate.objects.get(code="ransomware-mkb"))
    c = client_for(world, world.anna)
    r = c.post("/nl/maatregelen/nieuw/", {"title": "x", "scenarios": [other.pk], "status": "gepland",
                                         "effect_on": "kans", "tlp": "amber"})
    assert r.status_code == 200 and not Measure.objects.filter(title="x").exists()
    r = c.post("/nl/maatregelen/oefeningen/nieuw/", {"scenario": other.pk, "mode": "facilitator"})
    assert r.status_code == 200 and not Exercise.objects.filter(scenario=other).exists()


def test_inject_delete_only_while_preparing(world, setup):
    ex = setup["exercise"]
    first = ex.injects.order_by("offset_minutes").first()
    base = f"/nl/maatregelen/oefeningen/{ex.uuid}"
    assert client_for(world, world.zoe).post(f"{base}/injects/{first.uuid}/verwijderen/").status_code == 404
    c = client_for(world, world.anna)
    n = ex.injects.count()
    c.post(f"{base}/injects/{first.uuid}/verwijderen/")
    assert ex.injects.count() == n - 1
    services.exercise_start(by=world.anna, exercise=ex)
    second = ex.injects.first()
    c.post(f"{base}/injects/{second.uuid}/verwijderen/")
    assert ex.injects.count() == n - 1


def test_reassess_via_evaluation_page_keeps_history(world, setup):
    scenario, ex = setup["sluis"], setup["exercise"]
    m = risk_services.method(scenario.method_id)
    a = risk_services.assessment_save(by=world.anna, scenario=scenario, data={
        "likelihood": "B", "impact": {c: "C" if i == 0 else "X" for i, c in enumerate(m.codes)}})
    old = risk_services.assessment_finalise(by=world.anna, assessment=a)
    services.exercise_start(by=world.anna, exercise=ex)
    services.exercise_finish(by=world.anna, exercise=ex)
    c = client_for(world, world.anna)
    url = f"/nl/maatregelen/oefeningen/{ex.uuid}/evaluatie/"
    assert 'value="B" selected' in c.get(url).content.decode()
    r = c.post(url, {"what": "reassess", "ra-likelihood": "D", "ra-rationale": "Handbediening ontbrak"})
    assert r.status_code == 302
    scenario.refresh_from_db()
    assert scenario.current_assessment().likelihood == "D"
    assert scenario.assessments.filter(pk=old.pk, likelihood="B", status="final").exists()
    assert "Handbediening ontbrak" in c.get(url).content.decode()


def test_english_pages_show_english_exercise_templates_and_powers_notes(client, world, setup):
    """The exercise library and the powers page in English: no Dutch reference text (issue #17)."""
    client.force_login(world.anna)
    en = client.get("/en/maatregelen/oefeningen/").content.decode()
    descriptions = re.findall(r'<p class="utrecht-paragraph tpl-description">(.*?)</p>', en)
    assert len(descriptions) == 5
    assert any(d.startswith("On Monday morning the municipality") for d in descriptions)
    assert not any("Oefen" in d or "gemeente" in d.split() for d in descriptions), descriptions
    nl = client.get("/nl/maatregelen/oefeningen/").content.decode()
    assert "Maandagochtend zijn de bestanden van de gemeente versleuteld" in nl
    powers = client.get("/en/maatregelen/bevoegdheden/").content.decode()
    assert re.search(r'id="powers-note">First version: a paraphrase', powers)
    assert "Eerste versie" not in powers
    # an editor's note of a later version is Dutch content: shown, and marked as Dutch on the English page
    services.powers_new_version(by=world.beheerder, note="Artikel 172 lid 3 verduidelijkt", changes={})
    powers = client.get("/en/maatregelen/bevoegdheden/").content.decode()
    assert '<span lang="nl">Artikel 172 lid 3 verduidelijkt</span>' in powers
    assert 'lang="nl"' not in client.get("/nl/maatregelen/bevoegdheden/").content.decode().split("<main", 1)[1]
