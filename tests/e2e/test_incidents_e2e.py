"""Register an incident in the browser: suggested form, correction, redacted text, filtered list."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_register_correct_and_filter(warm_cores, page, live_server, world, taxonomy, axe_check):
    base = live_server.url
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")
    page.goto(f"{base}/nl/incidenten/nieuw/")
    axe_check(page)
    page.get_by_label("Titel").fill("Oudere vrouw gebeld door nepbankmedewerker")
    page.get_by_label("Beschrijving (intern)").fill(
        "Mevrouw Jansen (82) werd gebeld door iemand van de 'bank'. Zij maakte 3.000 euro over naar "
        "NL91ABNA0417164300 en gaf haar pincode. Terugbellen kan op 06-12345678.")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/nl/incidenten/*/")
    assert "Helpdeskfraude" in page.locator("#suggestion").inner_text()
    redacted = page.locator("#redacted-description").inner_text()
    assert "NL91ABNA0417164300" not in redacted and "06-12345678" not in redacted and "[IBAN]" in redacted
    axe_check(page)
    # correct the suggestion: the user's choice wins
    page.get_by_role("link", name="Bewerken").click()
    page.get_by_label("Vorm").select_option(label="Vriend-in-nood- / WhatsAppfraude")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/nl/incidenten/*/")
    assert "Vriend-in-nood- / WhatsAppfraude" in page.content()
    # filter the list by category and form
    page.goto(f"{base}/nl/incidenten/")
    page.get_by_label("Vorm").select_option(label="Helpdeskfraude (bankhelpdesk, Microsoft, CEO-fraude)")
    page.get_by_role("button", name="Filter toepassen").click()
    assert "Oudere vrouw gebeld" not in page.content()
    page.get_by_label("Vorm").select_option(label="Vriend-in-nood- / WhatsAppfraude")
    page.get_by_role("button", name="Filter toepassen").click()
    assert "Oudere vrouw gebeld" in page.content()
    axe_check(page)
