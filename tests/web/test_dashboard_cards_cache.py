"""The dashboard's cards (risk picture, casebook, measures and exercises, first steps) are cached per reader and
never stale: a write of what a card shows — in any organisation, in any app they read — shows on the next request;
a warm dashboard asks the database nothing for them; a card is never served to another reader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cyberbeeld.accounts import pagecache
from cyberbeeld.actions import services as actions
from cyberbeeld.risks import services as risks
from cyberbeeld.risks.models import ScenarioTemplate
from cyberbeeld.sharing import services as sharing

pytestmark = pytest.mark.django_db

SCORES = {"2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}
CARD_TABLES = ("risks_", "sharing_", "actions_", "reports_", "indicators_publictheme")


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _card(page: str, title: str) -> str:
    card = page[page.index(f">{title}</a></h2>"):]
    return card[:card.index("</section>")]


def test_a_warm_dashboard_reads_no_card_table(world):
    c = _client(world.anna)
    c.get("/nl/overzicht/")
    with CaptureQueriesContext(connection) as queries:
        assert c.get("/nl/overzicht/").status_code == 200
    touched = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in CARD_TABLES)]
    assert touched == []


def test_every_write_a_card_shows_appears_on_the_next_request(world):
    c = _client(world.anna)
    risks.templates_sync()
    assert "0 scenario&#x27;s beoordeeld" in _card(c.get("/nl/overzicht/").content.decode(), "Dreigingsbeeld")
    s = risks.scenario_adopt(by=world.anna, owner=world.maastricht,
                             template=ScenarioTemplate.objects.get(code="ransomware-mkb"))
    a = risks.assessment_save(by=world.anna, scenario=s, data={"likelihood": "D", "impact": SCORES})
    risks.assessment_finalise(by=world.anna, assessment=a)
    page = c.get("/nl/overzicht/").content.decode()
    assert "1 scenario beoordeeld" in _card(page, "Dreigingsbeeld")

    before = _card(page, "Maatregelen en oefeningen")
    assert '<span class="cb-count">0</span> maatregelen te laat' in before
    actions.measure_save(by=world.anna, owner=world.maastricht, data={
        "title": "Back-ups offline", "scenarios": [s], "status": "in-uitvoering",
        "due_date": dt.date.today() - dt.timedelta(days=3)})
    after = _card(c.get("/nl/overzicht/").content.decode(), "Maatregelen en oefeningen")
    assert '<span class="cb-count">1</span> maatregel te laat' in after

    # another organisation's write: a partner asks about Maastricht's shared case
    case = sharing.case_save(by=world.anna, owner=world.maastricht, data={"title": "Sluis gehackt", "tlp": "amber"})
    sharing.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie])
    assert '<span class="cb-count">0</span> open vragen' in _card(c.get("/nl/overzicht/").content.decode(), "Casusboek")
    sharing.question_ask(by=world.paul, case=case, organisation=world.politie, text="Welke back-ups?")
    casebook = _card(c.get("/nl/overzicht/").content.decode(), "Casusboek")
    assert '<span class="cb-count">1</span> open vraag' in casebook and "Sluis gehackt" in casebook


def test_a_cached_card_is_never_served_to_another_reader(world):
    risks.templates_sync()
    s = risks.scenario_adopt(by=world.anna, owner=world.maastricht,
                             template=ScenarioTemplate.objects.get(code="gehackte-sluis-brug"))
    a = risks.assessment_save(by=world.anna, scenario=s, data={"likelihood": "E", "impact": SCORES})
    risks.assessment_finalise(by=world.anna, assessment=a)
    mine = _client(world.anna).get("/nl/overzicht/").content.decode()
    assert "1 scenario beoordeeld" in _card(mine, "Dreigingsbeeld")
    other = _client(world.zoe).get("/nl/overzicht/").content.decode()
    assert "0 scenario&#x27;s beoordeeld" in _card(other, "Dreigingsbeeld")
    assert s.title not in other


def test_only_real_writes_of_card_apps_raise_the_generation(world):
    before = pagecache.generation(pagecache.DASHBOARD_KIND)
    pagecache.bump("unrelated")  # the counter row itself: no recursion, no raise
    world.gm_maastricht.save()  # the areas app: not read by these cards (the monitor has its own generation)
    assert pagecache.generation(pagecache.DASHBOARD_KIND) == before
    from cyberbeeld.accounts import audit

    audit.record(user=world.anna, action="login", organisation=world.maastricht)  # a sign-in never waits on it
    assert pagecache.generation(pagecache.DASHBOARD_KIND) == before
    world.maastricht.save()
    assert pagecache.generation(pagecache.DASHBOARD_KIND) == before + 1


def test_the_first_steps_card_sees_a_drafted_picture_that_found_nothing(world):
    """The card's "drafted" step rests on the run's audit event (audit writes raise no generation themselves)."""
    from cyberbeeld.reports import services as reports

    c = _client(world.anna)
    before = _card(c.get("/nl/overzicht/").content.decode(), "Eerste stappen")
    reports.draft_first_picture(by=world.anna, owner=world.maastricht)
    after = _card(c.get("/nl/overzicht/").content.decode(), "Eerste stappen")
    assert after != before
