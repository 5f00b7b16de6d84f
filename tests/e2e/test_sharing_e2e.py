"""Casebook in the browser: share a case with the region, the police see it, ask and answer a
question, withdraw it and it disappears. axe-core on every page, in Dutch and English."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, username, password):
    page.context.clear_cookies()
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")


def check_both_languages(page, axe_check):
    """axe on the current page, then on its English twin, then back to Dutch."""
    axe_check(page)
    url = page.url
    page.goto(url.replace("/nl/", "/en/", 1))
    axe_check(page)
    page.goto(url)


def test_share_ask_answer_withdraw(warm_cores, page, live_server, world, taxonomy, axe_check):
    base = live_server.url
    login(page, base, "anna", world.password)
    page.goto(f"{base}/nl/casusboek/casus/nieuw/")
    check_both_languages(page, axe_check)
    page.get_by_label("Titel").fill("Sextortion onder scholieren")
    page.get_by_label("Wat gebeurde er").fill("Scholieren werden via sociale media afgeperst met beelden.")
    page.get_by_label("Trefwoorden").fill("sextortion, jongeren")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/nl/casusboek/casus/[0-9a-f-]+/$"))
    case_url = page.url
    check_both_languages(page, axe_check)
    # share with the own region under TLP:AMBER; the dialog shows each label's meaning
    page.get_by_role("link", name="Delen", exact=True).click()
    assert "Alleen de ontvangende organisaties en hun klanten" in page.content()
    check_both_languages(page, axe_check)
    page.get_by_label("TLP:AMBER", exact=True).check()
    page.get_by_label("Mijn veiligheidsregio").check()
    page.get_by_label("Grondslag (AVG)").select_option("publieke-taak")
    page.get_by_label("Doel van het delen").fill("Regionale aanpak sextortion")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(case_url)
    assert "Delen aangepast" in page.content()

    # the police analyst in the same region sees it in the casebook and asks a question
    login(page, base, "paul", world.password)
    page.goto(f"{base}/nl/overzicht/")
    assert "Sextortion onder scholieren" in page.content()  # dashboard card: recent from my region
    axe_check(page)
    page.goto(f"{base}/nl/casusboek/")
    check_both_languages(page, axe_check)
    page.locator("#results").get_by_role("link", name="Sextortion onder scholieren").click()
    page.wait_for_url(case_url)
    page.get_by_label("Uw vraag").fill("Via welke platforms werden zij benaderd?")
    page.get_by_role("button", name="Vraag stellen").click()
    page.wait_for_url(case_url)
    assert "Via welke platforms" in page.content()
    check_both_languages(page, axe_check)

    # the owner answers
    login(page, base, "anna", world.password)
    page.goto(case_url)
    page.get_by_label("Uw antwoord").fill("Vooral Snapchat en Instagram.")
    page.get_by_role("button", name="Antwoorden").click()
    page.wait_for_url(case_url)
    assert "Vooral Snapchat en Instagram." in page.content()

    # the police see the answer
    login(page, base, "paul", world.password)
    page.goto(case_url)
    assert "Vooral Snapchat en Instagram." in page.content()

    # the owner withdraws: it disappears for the police
    login(page, base, "anna", world.password)
    page.goto(case_url)
    page.get_by_role("button", name="Delen intrekken").click()
    page.wait_for_url(case_url)
    assert "Delen ingetrokken" in page.content()
    axe_check(page)
    login(page, base, "paul", world.password)
    response = page.goto(case_url)
    assert response.status == 404
    page.goto(f"{base}/nl/casusboek/?q=sextortion")
    assert "Sextortion onder scholieren" not in page.content()
    page.goto(f"{base}/nl/casusboek/bibliotheek/")
    check_both_languages(page, axe_check)
