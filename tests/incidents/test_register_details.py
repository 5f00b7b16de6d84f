"""Questions per form: kept as data, rendered as fields, stored in ``details``, shown on the detail page."""

from __future__ import annotations

import json

import pytest

from cyberbeeld.incidents import questions
from cyberbeeld.incidents.services import current_forms, incident_save
from cyberbeeld.incidents.taxonomy import load_taxonomy

pytestmark = pytest.mark.django_db


def test_every_form_has_questions_and_the_file_is_valid():
    data = json.loads(questions.PATH.read_text(encoding="utf-8"))
    codes = set(load_taxonomy().form_codes)
    assert codes <= set(data), codes - set(data)
    for code, qs in data.items():
        if code.startswith("_"):
            continue
        assert code in codes
        keys = [q["key"] for q in qs]
        assert len(keys) == len(set(keys))
        for q in qs:
            assert q["type"] in {"bool", "choice", "number", "text", "date"}
            assert q["label"]["nl"] and q["label"]["en"]
    ransomware = {q["key"] for q in data["malware-ransomware"]}
    assert {"encrypted", "ransom_demand", "backups", "ibd_ncsc_informed"} <= ransomware
    assert {"channel", "amount", "bank_informed"} <= {q["key"] for q in data["helpdeskfraude"]}
    assert {"platform", "location", "people_filmed"} <= {q["key"] for q in data["treitervloggers"]}


def test_clean_details_types_and_redacts_free_text():
    out = questions.clean_details("treitervloggers", {
        "d_platform": "YouTube", "d_location": "bij Jan de Vries, Kerkstraat 12", "d_people_filmed": "3",
        "d_repeat": "ja", "d_unknown": "x"}, redact=lambda t: t.replace("Jan de Vries", "[NAAM]"))
    assert out == {"platform": "YouTube", "location": "bij [NAAM], Kerkstraat 12", "people_filmed": 3, "repeat": True}
    with pytest.raises(ValueError):
        questions.clean_details("malware-ransomware", {"backups": "misschien"})


def test_form_page_shows_the_questions_and_detail_page_the_answers(client, world, taxonomy):
    ransomware = current_forms().get(code="malware-ransomware")
    client.force_login(world.anna)
    partial = client.get(f"/nl/incidenten/vragen/?form={ransomware.pk}").content.decode()
    assert "Waren er bruikbare back-ups?" in partial and 'name="d_backups"' in partial
    assert "Backups" not in partial
    assert "Were usable backups available?" in client.get(f"/en/incidenten/vragen/?form={ransomware.pk}").content.decode()
    response = client.post("/nl/incidenten/nieuw/", {
        "title": "Ransomware bij installatiebedrijf", "raw_description": "Alle bestanden versleuteld.",
        "form": ransomware.pk, "status": "nieuw", "tlp": "amber",
        "d_encrypted": "ja", "d_ransom_demand": "25000", "d_backups": "partial", "d_ibd_ncsc_informed": "nee"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"]).content.decode()
    assert "Zijn bestanden of systemen versleuteld?" in page and "gedeeltelijk" in page and "25.000" in page  # grouped
    edit = client.get(response["Location"] + "bewerken/").content.decode()
    assert 'value="partial" selected' in edit


def test_details_are_visible_to_partners_but_free_text_is_redacted(client, world, taxonomy):
    vlog = current_forms().get(code="treitervloggers")
    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Treitervlogger in winkelcentrum", "form": vlog, "tlp": "amber",
        "details": {"platform": "YouTube", "location": "portiek van Jan de Vries", "people_filmed": 4}})
    inc.audience_organisations.add(world.eijsden)
    assert "Jan de Vries" not in json.dumps(inc.details)
    client.force_login(world.eva)
    page = client.get(f"/nl/incidenten/{inc.uuid}/").content.decode()
    assert "Aantal gefilmde personen" in page and "YouTube" in page
