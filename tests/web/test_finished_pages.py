"""Finished pages: readable history, sensible defaults, questions in tab order, checkbox lists, m:ss countdown."""

from __future__ import annotations

import re

import pytest

from cyberbeeld.actions.views import mm_ss


def test_countdown_is_minutes_and_seconds():
    assert [mm_ss(s) for s in (296, 59, 60, 0, -3, 3725)] == ["4:56", "0:59", "1:00", "0:00", "0:00", "62:05"]


@pytest.mark.django_db
def test_new_incident_defaults_to_own_gemeente_and_questions_follow_the_form_field(client, world, taxonomy):
    client.force_login(world.anna)
    html = client.get("/nl/incidenten/nieuw/").content.decode()
    area = html.split('name="area"')[1].split("</select>")[0]
    assert re.search(rf'<option value="{world.gm_maastricht.pk}" selected>Maastricht\b', area)
    # the follow-up questions come right after "Vorm" in the tab order, before date, area ... and the TLP label
    assert html.index('name="form"') < html.index('id="detail-fields"') < html.index('name="occurred_on"') \
        < html.index('name="tlp"')


@pytest.mark.django_db
def test_history_lines_say_who_did_what_to_which_fields(client, world, taxonomy):
    client.force_login(world.anna)
    r = client.post("/nl/incidenten/nieuw/", {"title": "Phishingmail gemeente", "raw_description": "Mail met link.",
                                              "status": "nieuw", "tlp": "amber"})
    assert r.status_code == 302
    edit = r["Location"] + "bewerken/"
    r2 = client.post(edit, {"title": "Phishingmail over belastingaanslag", "raw_description": "Mail met link.",
                            "status": "nieuw", "tlp": "amber"})
    assert r2.status_code == 302
    html = client.get(r["Location"]).content.decode()
    history = html.split("Geschiedenis")[-1] if "Geschiedenis" in html else html
    assert "anna registreerde het incident" in history
    assert re.search(r"anna wijzigde: [^<]*titel", history, re.I), history[:1500]
    assert "velden)" not in html and ": create" not in html and ": update" not in html


@pytest.mark.django_db
def test_many_valued_fields_are_checkbox_groups_with_a_legend(client, world, taxonomy):
    client.force_login(world.anna)
    html = client.get("/nl/dreigingsbeeld/scenario/nieuw/").content.decode()
    assert "<select multiple" not in html and " multiple>" not in html
    group = html.split("<legend")[1:]
    legends = [g.split(">", 1)[1].split("<")[0].strip() for g in group]
    assert "Vormen" in legends
    vormen = html.split('<legend class="utrecht-form-fieldset__legend">Vormen')[0].rsplit("<fieldset", 1)[1]
    assert "data-filter-label=" in vormen  # a long list gets a search box (web/checklist.js)
    assert 'for=""' not in html
    assert "Audience region" not in html and "Delen met de eigen veiligheidsregio" in html
