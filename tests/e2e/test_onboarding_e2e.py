"""Issue 17, the first fifteen minutes, in Chromium: a gemeente that is not in the demo (Heerlen) is connected
the way a real installation does it (`cyberbeeld import-areas`, `import-cbs` on the bundled reference data,
`add-organisation` with its first beheerder), and its beheerder walks from the first sign-in over the start
page — choosing the gemeente, its figures against the Netherlands and its peers, a scenario adopted along a
road of the Lokale Cyberwegenkaart and scored, the narrative — to a report draft and the public-page preview,
in Dutch and English. Screenshots are saved as test artefacts; every page opened goes through the page checks
(axe-core, IBM Equal Access, text rules, Nu HTML Checker)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "heerlen-start-2027!"
SCORES = {"2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}
REFDATA = ("cbs-police-crime/NL_Crime_annual_2012_2023.csv", "cbs-83648NED/83648NED_gemeenten_totaal_2010_2020.csv")


@pytest.fixture
def artefacts(tmp_path_factory):
    """Screenshots go to $CYBERBEELD_ARTEFACTS/screenshots (CI keeps them) or a pytest tmp folder."""
    root = os.environ.get("CYBERBEELD_ARTEFACTS")
    folder = Path(root) / "screenshots" if root else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def install_heerlen(settings, tmp_path, monkeypatch):
    """A fresh installation with nothing beside the repository: the reference data come from the bundled
    package (src/cyberbeeld/refdata), never from ../shared."""
    from django.core.management import call_command

    from cyberbeeld import refdata

    settings.SHARED_DATA_DIR = tmp_path / "no-shared-data"
    call_command("import_areas")
    call_command("seed_indicators")
    for rel in REFDATA:
        path = refdata.path(rel)
        assert path is not None and refdata.PACKAGE_DIR.name == "refdata"
        assert not str(path).startswith(str(tmp_path / "no-shared-data"))
        call_command("import_cbs", str(path))
    monkeypatch.setenv("CYBERBEELD_NEW_PASSWORD", PASSWORD)
    call_command("add_organisation", "Gemeente Heerlen", beheerder="heerlen-beheer", email="cyber@heerlen.example")


def shot(page, folder, name):
    page.evaluate("() => document.fonts.ready")
    out = folder / f"onboarding-{name}.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 1000
    return out


def test_heerlen_from_first_login_to_report_draft_and_public_preview(page, live_server, settings, tmp_path,
                                                                    monkeypatch, taxonomy, warm_cores, artefacts,
                                                                    axe_check):
    from cyberbeeld.accounts.models import AuditEvent, Organisation
    from cyberbeeld.reports.models import Report

    install_heerlen(settings, tmp_path, monkeypatch)
    page.set_default_timeout(90_000)  # a shared CI machine: the draft and the PDF take their time
    org = Organisation.objects.get(slug="gemeente-heerlen")
    assert org.area is None  # the beheerder chooses the gemeente at the start
    base = live_server.url

    # first sign-in: a gemeente without a chosen gemeente lands on the start page, not on a dashboard of links
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("heerlen-beheer")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/start/")
    axe_check(page)
    assert "0 van 7 stappen gedaan" in page.locator(".cb-start-checklist").inner_text()
    assert page.locator("#id_gemeente").evaluate("s => s.options[s.selectedIndex].text") == "Heerlen (GM0917)"
    shot(page, artefacts, "nl-1-first-login")

    page.get_by_role("button", name="Eerste beeld maken").click()
    page.wait_for_url("**/nl/start/")
    axe_check(page)
    org.refresh_from_db()
    assert org.area.code == "GM0917" and list(org.regions.values_list("code", flat=True)) == ["VR24"]
    assert AuditEvent.objects.filter(organisation=org, action="update", object_repr=org.name).exists()
    known = page.locator("section", has=page.get_by_role("heading", name="Wat Cyberbeeld al weet over Heerlen"))
    text = known.inner_text()
    # the figures of the bundled CBS table 83648NED, in plain sentences against the Netherlands and the peers
    assert "58,1 per 1.000 inwoners" in text
    assert "significant hoger dan in Nederland (46,4 per 1.000 inwoners)" in text
    assert "Gemiddeld in 48 vergelijkbare gemeenten (50.000 tot 100.000 inwoners)" in text
    assert "Zuid-Limburg" in text and "87.460" in text
    for road in ("Eigen huis op orde", "Cyberincidenten en -crises", "Online aangejaagde verstoring van de openbare orde"):
        assert page.get_by_role("heading", name=road).count() == 1
    # before any draft, every road already offers a first scenario from the library
    assert page.locator("section.cb-road").get_by_role("button", name="Scenario overnemen").count() == 4
    shot(page, artefacts, "nl-2-first-picture")

    # let Cyberbeeld draft from the evidence (a run is recorded even when nothing points to a new scenario)
    page.get_by_role("button", name="Stel voorstellen op uit de gegevens").click()
    page.wait_for_url("**/nl/start/#scenarios")
    assert "wijzen nu niet op een nieuw scenario" in page.get_by_role("status").inner_text()
    axe_check(page)
    assert AuditEvent.objects.filter(organisation=org, action="draft-picture").count() == 1

    # adopt the suggested scenario on the cybercrime road, then score it
    road = page.locator("section.cb-road", has=page.get_by_role(
        "heading", name="Cybercrime en gedigitaliseerde criminaliteit tegen inwoners en ondernemers"))
    road.get_by_role("button", name="Scenario overnemen").click()
    page.wait_for_url("**/bewerken/")
    axe_check(page)
    page.get_by_label("Risico-eigenaar").fill("burgemeester")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/dreigingsbeeld/scenario/*/")
    scenario_url = page.url
    page.get_by_role("link", name="Beoordelen").click()
    page.wait_for_url("**/beoordelen/")
    page.get_by_label("Waarschijnlijkheid", exact=True).select_option("C")
    page.get_by_label("Onderbouwing waarschijnlijkheid").fill("Meer geregistreerde misdrijven dan in Nederland.")
    for code, cls in SCORES.items():
        page.locator(f"#id_c_{code.replace('.', '_')}_class").select_option(cls)
    page.get_by_role("button", name="Definitief vaststellen").click()
    page.wait_for_url(scenario_url)

    # back at the start: the checklist has moved on; write the narrative (drafted from the figures)
    page.goto(f"{base}/nl/start/")
    axe_check(page)
    steps = page.locator(".cb-start-checklist").inner_text()
    assert "4 van 7 stappen gedaan" in steps, steps
    assert "1 van de 4 wegen" in steps
    narrative = page.get_by_label("Toelichting in het Nederlands")
    assert "58,1 per 1.000 inwoners" in narrative.input_value()
    narrative.fill(narrative.input_value() + "\n\nDe gemeente werkt met politie en partners aan voorlichting.")
    shot(page, artefacts, "nl-3-checklist")
    page.get_by_role("button", name="Bewaren en voorbeeld bekijken").click()
    page.wait_for_url("**/nl/monitor/publieke-pagina/*/voorbeeld/")
    axe_check(page)
    assert "Concept: deze pagina is nog niet openbaar." in page.locator("main").inner_text()
    assert "voorlichting" in page.locator(".cbp-narrative").inner_text()
    assert page.locator("table.cbp-years").count() >= 1
    preview_url = page.url
    shot(page, artefacts, "nl-4-public-preview")
    # a draft is not public: the public address is a 404
    assert page.request.get(f"{base}/nl/publiek/heerlen/cyberveiligheid/").status == 404

    # the report draft
    page.goto(f"{base}/nl/start/")
    page.get_by_role("button", name="Conceptrapport maken (PDF)").click()
    page.wait_for_url("**/nl/rapport/*/")
    axe_check(page)
    report = Report.objects.get(owner=org)
    assert report.status == "done", report.error
    assert report.area.code == "GM0917"
    shot(page, artefacts, "nl-5-report-draft")

    # the dashboard at a glance: the risk matrix as a picture with its table, the trend, counts with links
    for lang in ("nl", "en"):
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(f"{base}/{lang}/overzicht/")
        axe_check(page)
        cards = page.locator(".cb-card")
        assert page.locator(".cb-card .cb-chart svg").count() == 2  # the risk matrix and the trend sparkline
        assert page.locator(".cb-card table").count() == 2
        assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        for i in range(cards.count()):
            over = cards.nth(i).evaluate("c => c.scrollWidth - c.clientWidth")
            assert over <= 0, f"card {i} overflows by {over} px"
        shot(page, artefacts, f"{lang}-dashboard-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/nl/overzicht/")
    risk = page.locator(".cb-card", has=page.get_by_role("heading", name="Dreigingsbeeld"))
    assert "1 scenario beoordeeld, 0 nog niet." in risk.inner_text()
    shot(page, artefacts, "nl-dashboard-1280")

    # English: the start page and the preview
    page.goto(f"{base}/en/start/")
    axe_check(page)
    assert page.locator("html").get_attribute("lang") == "en"
    text = page.locator("main").inner_text()
    # the figures' sentences come from the comparisons core in the page's language
    assert "58.1 per 1,000 inhabitants" in text
    assert "significantly higher than in the Netherlands (46.4 per 1,000 inhabitants)" in text
    shot(page, artefacts, "en-1-start")
    page.goto(preview_url.replace("/nl/", "/en/"))
    axe_check(page)
    assert page.locator("html").get_attribute("lang") == "en"
    assert "58.1" in page.locator("table.cbp-years").first.inner_text()
    shot(page, artefacts, "en-2-public-preview")

    # publishing makes the public address answer (relabelled CLEAR through the audited sharing service)
    page.goto(f"{base}/nl/start/")
    page.get_by_role("button", name="Publiceren voor inwoners (TLP:CLEAR)").click()
    page.wait_for_url("**/nl/start/")
    assert "7 van 7 stappen gedaan" in page.locator(".cb-start-checklist").inner_text()
    page.goto(f"{base}/nl/publiek/heerlen/cyberveiligheid/")
    axe_check(page)
    assert "voorlichting" in page.locator(".cbp-narrative").inner_text()
    shot(page, artefacts, "nl-6-public-page")
    assert len(list(artefacts.glob("onboarding-*.png"))) >= 9
