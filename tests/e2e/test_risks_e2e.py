"""The threat picture in the browser: adopt a template, score it, see it move in the risk diagram,
accept a drafted proposal, download the report; axe-core on every page, NL and EN."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCORES = {"2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}


def risk_row(page, title):
    return page.locator("#risk-table tbody tr", has_text=title)


def test_threat_picture_journey(page, live_server, world, taxonomy, axe_check):
    from cyberbeeld.risks import services

    services.templates_sync()
    services.asset_save(by=world.anna, owner=world.maastricht,
                        data={"name": "Sluis Bosscherveld (test)", "kind": "sluis", "criticality": "vitaal"})
    base = live_server.url
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")
    axe_check(page)

    # adopt a template from the library
    page.goto(f"{base}/nl/dreigingsbeeld/bibliotheek/")
    axe_check(page)
    page.locator("section", has=page.get_by_role("heading", name="Ransomware bij kleine bedrijven")) \
        .get_by_role("button", name="Overnemen").click()
    page.wait_for_url("**/bewerken/")
    axe_check(page)
    page.get_by_label("Risico-eigenaar").fill("wethouder economische zaken")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/dreigingsbeeld/scenario/*/")
    axe_check(page)
    scenario_url = page.url

    # score it: likelihood B
    page.get_by_role("link", name="Beoordelen").click()
    page.wait_for_url("**/beoordelen/")
    axe_check(page)
    page.get_by_label("Waarschijnlijkheid", exact=True).select_option("B")
    page.get_by_label("Onderbouwing waarschijnlijkheid").fill("Geen concrete aanwijzingen in de gemeente.")
    for code, cls in SCORES.items():
        page.locator(f"#id_c_{code.replace('.', '_')}_class").select_option(cls)
    page.locator("#id_c_3_1_rationale").fill("Stilstand bij meerdere bedrijven.")
    page.get_by_role("button", name="Definitief vaststellen").click()
    page.wait_for_url(scenario_url)
    assert "Stilstand bij meerdere bedrijven." in page.locator("#criteria-table").inner_text()
    axe_check(page)

    page.goto(f"{base}/nl/dreigingsbeeld/")
    axe_check(page)
    row = risk_row(page, "Ransomware bij kleine bedrijven")
    assert "onwaarschijnlijk" in row.inner_text()
    svg_before = page.locator("#risk-diagram figure").inner_html()

    # re-score: likelihood E; the old assessment stays, the scenario moves right in the diagram
    page.goto(scenario_url)
    page.get_by_role("button", name="Herbeoordelen").click()
    page.wait_for_url("**/beoordeling/*/bewerken/")
    axe_check(page)
    page.get_by_label("Waarschijnlijkheid", exact=True).select_option("E")
    page.get_by_role("button", name="Definitief vaststellen").click()
    page.wait_for_url(scenario_url)
    assert page.locator("#assessment-history tbody tr").count() == 2
    page.goto(f"{base}/nl/dreigingsbeeld/")
    row = risk_row(page, "Ransomware bij kleine bedrijven")
    assert "zeer waarschijnlijk" in row.inner_text()
    assert page.locator("#risk-diagram figure").inner_html() != svg_before
    axe_check(page)

    # the drafted picture: the lock has no scenario; accept the proposal
    page.goto(f"{base}/nl/dreigingsbeeld/voorstellen/")
    axe_check(page)
    page.get_by_role("button", name="Voorstellen opstellen uit de gegevens").click()
    page.wait_for_url("**/voorstellen/")
    proposal = page.locator("section.cb-proposal", has_text="Sluis Bosscherveld (test)")
    axe_check(page)
    proposal.get_by_label("Toelichting bij uw besluit").fill("Met Rijkswaterstaat oppakken")
    proposal.get_by_role("button", name="Overnemen", exact=True).click()
    page.wait_for_url("**/dreigingsbeeld/scenario/*/")
    assert "Sluis Bosscherveld (test)" in page.content()
    assert "Gehackte besturing van een sluis of beweegbare brug" in page.content()
    axe_check(page)
    page.goto(f"{base}/nl/dreigingsbeeld/voorstellen/")
    assert "Met Rijkswaterstaat oppakken" in page.locator("#decided-proposals").inner_text()

    # the other views
    for path in ("ciso/", "regio/", "objecten/"):
        page.goto(f"{base}/nl/dreigingsbeeld/{path}")
        axe_check(page)

    # the report: background task, progress, download
    page.goto(f"{base}/nl/rapport/")
    axe_check(page)
    page.get_by_label("Formaat").select_option("pdf")
    page.get_by_role("button", name="Rapport maken").click()
    page.wait_for_url("**/nl/rapport/*/")
    page.locator("#download-link").wait_for()
    axe_check(page)
    with page.expect_download() as info:
        page.locator("#download-link").click()
    path = info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    page.get_by_role("link", name="Bekijken in de browser").click()
    page.wait_for_url("**/bekijken/")
    assert "Scenariolijst" in page.content()
    axe_check(page)

    # every page again in English
    page.goto(f"{base}/en/dreigingsbeeld/")
    for path in ("", "ciso/", "regio/", "bibliotheek/", "objecten/", "voorstellen/"):
        page.goto(f"{base}/en/dreigingsbeeld/{path}")
        assert page.locator("html").get_attribute("lang") == "en"
        axe_check(page)
    page.goto(scenario_url.replace("/nl/", "/en/"))
    axe_check(page)
    page.goto(scenario_url.replace("/nl/", "/en/") + "beoordelen/")
    axe_check(page)
    page.goto(scenario_url.replace("/nl/", "/en/") + "bewerken/")
    axe_check(page)
    page.goto(f"{base}/en/rapport/")
    axe_check(page)
    page.get_by_label("Language of the report").select_option("en") if page.get_by_label(
        "Language of the report").count() else page.locator("#id_lang").select_option("en")
    page.locator("#id_format").select_option("html")
    page.locator("form.cb-form button[type=submit]").click()
    page.wait_for_url("**/en/rapport/*/")
    page.locator("#download-link").wait_for()
    axe_check(page)
    page.locator("a[href$='/bekijken/']").click()
    page.wait_for_url("**/bekijken/")
    assert "Risk diagram" in page.content()
    axe_check(page)
