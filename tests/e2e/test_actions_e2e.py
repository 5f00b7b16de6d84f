"""Measures and exercises in the browser: cover a scenario, run the demo exercise, evaluate; axe-core on every page."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base, world):
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")


def test_measure_exercise_evaluation(page, live_server, world, taxonomy, axe_check):
    from cyberbeeld.actions.demo import load
    from cyberbeeld.actions.models import Exercise, Measure

    load(orgs={"gemeente-maastricht": world.maastricht}, areas={}, log=lambda m: None)
    base = live_server.url
    login(page, base, world)
    axe_check(page)  # dashboard with the actions card
    assert "Maatregelen en oefeningen" in page.content()

    # 1. a measure for an uncovered scenario
    page.goto(f"{base}/nl/maatregelen/dekking/")
    axe_check(page)
    uncovered = page.locator("#uncovered li").filter(has_text="Online oproep tot rellen")
    uncovered.get_by_role("link", name="maatregel toevoegen").click()
    page.wait_for_url("**/maatregelen/nieuw/**")
    axe_check(page)
    page.get_by_label("Titel").fill("Webcare en monitoring van online oproepen")
    page.get_by_label("politie", exact=True).check()
    page.get_by_label("Gereed op").fill("2027-03-01")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/maatregelen/*/")
    axe_check(page)
    page.goto(f"{base}/nl/maatregelen/dekking/")
    assert "Online oproep tot rellen" not in page.locator("#uncovered").inner_text()

    # 2. run the demo exercise in facilitator mode
    page.goto(f"{base}/nl/maatregelen/oefeningen/")
    axe_check(page)
    page.get_by_role("link", name="Gehackte sluisbesturing (voorbeeldoefening Maastricht)").click()
    axe_check(page)
    page.get_by_role("link", name="Leiden (facilitatormodus)").click()
    axe_check(page)
    page.get_by_role("button", name="Start de oefening").click()
    page.wait_for_selector("#played li.cb-inject")
    assert "Bedieningscentrale" in page.locator("#played").inner_text()
    axe_check(page)
    # the state lives on the server: a reload keeps the run
    page.reload()
    assert "Bedieningscentrale" in page.locator("#played").inner_text()
    page.get_by_role("button", name="Pauzeer").click()
    assert page.locator("#clock-paused").is_visible()
    page.get_by_role("button", name="Hervat").click()
    for text in ("Niemand wist wie de noodbediening van de sluis regelt", "Eerste publieksbericht kwam na 40 minuten"):
        page.get_by_label("Wat is besloten of waargenomen").fill(text)
        page.get_by_role("button", name="Vastleggen").click()
        page.wait_for_url("**/leiden/**")
    # htmx polling refreshes the live region: an entry logged elsewhere appears without a reload
    from cyberbeeld.actions import services

    services.log_add(by=world.anna, exercise=Exercise.objects.get(is_example=True), kind="besluit",
                     text="Veiligheidsregio schaalt op naar GRIP 2")
    page.wait_for_function("document.querySelector('#log').innerText.includes('GRIP 2')", timeout=15_000)
    assert page.locator("#elapsed").get_attribute("role") == "timer"
    shown = page.locator("#elapsed").inner_text()
    page.wait_for_timeout(2200)  # static/actions/clock.js ticks under the CSP
    assert page.locator("#elapsed").inner_text() != shown
    axe_check(page)
    page.get_by_role("button", name="Beëindig de oefening").click()
    page.wait_for_url("**/evaluatie/")
    axe_check(page)
    page.get_by_role("button", name="Maak maatregel van: Niemand wist").click()
    page.wait_for_url("**/evaluatie/")
    assert page.locator("#observations").get_by_role("link", name="Niemand wist wie de noodbediening").count() == 1
    axe_check(page)
    ex = Exercise.objects.get(is_example=True)
    assert Measure.objects.filter(source_exercise=ex).count() == 1


def test_axe_on_every_page_nl_en(page, live_server, world, taxonomy, axe_check):
    from cyberbeeld.actions.demo import load
    from cyberbeeld.actions.models import Campaign, Exercise, Measure
    from cyberbeeld.risks.models import Scenario

    load(orgs={"gemeente-maastricht": world.maastricht}, areas={}, log=lambda m: None)
    ex = Exercise.objects.get(is_example=True)
    m = Measure.objects.filter(is_example=True).first()
    c = Campaign.objects.filter(is_example=True).first()
    s = Scenario.objects.filter(owner=world.maastricht, template__code="online-oproep-rellen").first()
    base = live_server.url
    login(page, base, world)
    paths = ["", "nieuw/", "dekking/", "te-laat/", "portefeuilles/", "portefeuilles/afdruk/", "portefeuilles/nieuw/",
             "bevoegdheden/", f"bevoegdheden/scenario/{s.uuid}/", "oefeningen/", "oefeningen/nieuw/",
             f"oefeningen/{ex.uuid}/", f"oefeningen/{ex.uuid}/bewerken/", f"oefeningen/{ex.uuid}/leiden/",
             "preventie/", "preventie/nieuw/", f"preventie/{c.uuid}/", f"preventie/{c.uuid}/bewerken/",
             f"{m.uuid}/", f"{m.uuid}/bewerken/"]
    for lang in ("nl", "en"):
        for p in paths:
            page.goto(f"{base}/{lang}/maatregelen/{p}")
            assert page.locator("h1").count() == 1, p
            axe_check(page)
