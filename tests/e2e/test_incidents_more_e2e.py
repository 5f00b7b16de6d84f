"""Browser: bulk import with an error names the row; questions per form via htmx; new pages pass axe (NL, EN)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "sleutel;titel;beschrijving;datum_melding;gemeente;vorm;tlp"
GOOD = "B-1;Phishing namens gemeente;Nepmail over belastingteruggave.;2026-03-02;GM0935;phishing;AMBER"
BAD = "B-2;Helpdeskfraude;Oudere gebeld door nepbank.;2026-03-05;GM0935;bestaat-niet;AMBER"


def login(page, base, world, username="anna"):
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")


def upload(page, base, rows):
    page.goto(f"{base}/nl/incidenten/importeren/")
    content = ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode("utf-8")
    page.get_by_label("Bestand (CSV, XLSX of ODS)").set_input_files(
        files=[{"name": "incidenten.csv", "mimeType": "text/csv", "buffer": content}])
    page.get_by_role("button", name="Inlezen").click()
    page.wait_for_url("**/nl/incidenten/importeren/*/")


def test_import_with_error_names_the_row_then_succeeds(warm_cores, page, live_server, world, taxonomy, axe_check):
    from cyberbeeld.incidents.models import Incident

    base = live_server.url
    login(page, base, world)
    page.goto(f"{base}/nl/incidenten/importeren/")
    axe_check(page)
    upload(page, base, [GOOD, BAD])
    errors = page.locator("#import-errors")
    errors.wait_for()
    row = errors.locator("tbody tr").first.inner_text()
    assert "3" in row and "vorm" in row and "onbekende vorm 'bestaat-niet'" in row
    assert "Niets ingelezen" in page.content()
    assert Incident.objects.count() == 0
    assert page.locator("#import-live[aria-live=polite]").count() == 1
    axe_check(page)
    page.goto(page.url.replace("/nl/", "/en/"))
    assert "unknown form 'bestaat-niet'" in page.locator("#import-errors").inner_text()
    axe_check(page)
    upload(page, base, [GOOD, BAD.replace("bestaat-niet", "helpdeskfraude")])
    page.locator("#import-summary").wait_for()
    assert "2 nieuwe incidenten" in page.locator("#import-summary").inner_text()
    assert Incident.objects.count() == 2


def test_questions_per_form_appear_when_the_form_is_chosen(warm_cores, page, live_server, world, taxonomy, axe_check):
    base = live_server.url
    login(page, base, world)
    page.goto(f"{base}/nl/incidenten/nieuw/")
    assert page.locator("#no-questions").count() == 1
    page.get_by_label("Vorm", exact=True).select_option(label="Malware en ransomware")
    page.get_by_label("Waren er bruikbare back-ups?").wait_for()
    axe_check(page)
    page.get_by_label("Titel").fill("Ransomware bij installatiebedrijf")
    page.get_by_label("Waren er bruikbare back-ups?").select_option(label="gedeeltelijk")
    page.get_by_label("Losgeldeis (euro)").fill("25000")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**/nl/incidenten/*/")
    details = page.locator("#details").inner_text()
    assert "gedeeltelijk" in details and "25.000" in details  # grouped in Dutch
    axe_check(page)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_new_pages_pass_axe(warm_cores, page, live_server, world, taxonomy, axe_check, lang):
    from cyberbeeld.incidents import retention
    from cyberbeeld.incidents.services import incident_save

    retention.rule_save(by=world.anna, owner=world.maastricht, data={
        "target": "raw-text", "period_days": 30, "action": "anonymise", "legal_basis": "AVG art. 5 lid 1 sub e"})
    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Phishing namens de gemeente", "raw_description": "Jan kreeg een nepmail."})
    base = live_server.url
    login(page, base, world)
    for path in ("incidenten/bewaartermijnen/", "incidenten/taxonomie/", "incidenten/vroegsignalering/",
                 "incidenten/importeren/", f"incidenten/{inc.uuid}/", "incidenten/", "overzicht/"):
        page.goto(f"{base}/{lang}/{path}")
        assert page.locator("h1").count() == 1, path
        axe_check(page)
    assert page.locator("text=Vroegsignalering").count() or page.locator("text=Early warning").count()
    page.goto(f"{base}/{lang}/incidenten/{inc.uuid}/")
    assert page.locator("#retention-notice").count() == 1
    # kenniscentrum beheerder sees the import form on the taxonomy page
    page.context.clear_cookies()
    login(page, base, world, "kees")
    page.goto(f"{base}/{lang}/incidenten/taxonomie/")
    assert page.locator("input[type=file]").count() == 1
    axe_check(page)
