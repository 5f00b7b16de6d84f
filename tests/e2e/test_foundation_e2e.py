"""Browser tests in Debian's Chromium: log in, walk the shell in NL and EN, axe-core on every page."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, user, password):
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")


def test_public_pages_accessible_in_both_languages(page, live_server, axe_check):
    for lang in ("nl", "en"):
        for path in ("", "account/inloggen/", "toegankelijkheid/", "privacy/", "bestaat-niet/"):
            page.goto(f"{live_server.url}/{lang}/{path}")
            assert page.locator("html").get_attribute("lang") == lang
            axe_check(page)


def test_login_walk_and_keyboard(page, live_server, world, taxonomy, axe_check):
    from cyberbeeld.areas.models import Area

    Area.objects.filter(code="GM0935").update(population=125305)
    login(page, live_server.url, "anna", world.password)
    assert "Gemeente Maastricht" in page.content()
    axe_check(page)
    # the skip link is the first thing the keyboard reaches, and it moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for path in ("overzicht/", "gebieden/", "gebieden/GM0935/", "incidenten/", "incidenten/nieuw/",
                 "account/organisatie/gemeente-maastricht/"):
        for lang in ("nl", "en"):
            page.goto(f"{live_server.url}/{lang}/{path}")
            assert page.locator("h1").count() == 1
            axe_check(page)
    # switch language from the header
    page.goto(f"{live_server.url}/nl/overzicht/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/overzicht/")
    # log out
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/en/")


def test_other_gemeente_sees_not_found_page(page, live_server, world, taxonomy, axe_check):
    from cyberbeeld.incidents.services import incident_save

    inc = incident_save(by=world.anna, owner=world.maastricht, data={"title": "Geheim incident", "tlp": "amber"})
    login(page, live_server.url, "zoe", world.password)
    response = page.goto(f"{live_server.url}/nl/incidenten/{inc.uuid}/")
    assert response.status == 404
    assert "Geheim incident" not in page.content()
    axe_check(page)
