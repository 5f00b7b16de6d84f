"""User content carries its language: on English pages, Dutch scenario titles, measures, exercises, cases and
questions are marked lang="nl", so the page checks' language rules fail only on untranslated interface text."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from e2e import page_checks as pc

LANGUAGE_RULES = {"other-language-word", "untranslated-msgid"}


@pytest.fixture
def no_redact(monkeypatch: pytest.MonkeyPatch) -> None:
    from cyberbeeld.sharing import services

    monkeypatch.setattr(services, "redact", lambda text: text)


def render(source: str, lang: str, **ctx: object) -> str:
    with translation.override(lang):
        return Template("{% load content_lang %}" + source).render(Context(ctx))


def test_content_filter_marks_only_on_pages_in_another_language():
    assert render("{{ t|content }}", "en", t="Gehackte sluis & brug") == \
        '<span lang="nl">Gehackte sluis &amp; brug</span>'
    assert render("{{ t|content }}", "nl", t="Gehackte sluis & brug") == "Gehackte sluis &amp; brug"
    assert render("{{ t|content }}", "en", t="") == ""
    assert render("<p{% lang_attr %}>x</p>", "en") == '<p lang="nl">x</p>'
    assert render("<p{% lang_attr %}>x</p>", "nl") == "<p>x</p>"
    # reference data in both languages: the page's language; a missing translation is Dutch, marked
    assert render("{% bilingual a b %}", "en", a="Vorm", b="Form") == "Form"
    assert render("{% bilingual a b %}", "en", a="Vorm", b="") == '<span lang="nl">Vorm</span>'
    assert render("{% bilingual a b %}", "nl", a="Vorm", b="Form") == "Vorm"
    # a generated English sentence quoting a Dutch title: only the title is marked
    out = render("{% bilingual_within a b t %}", "en", a="Herzie 'X'", b="Review the scenario 'Golf van <b>'.",
                 t="Golf van <b>")
    assert out == 'Review the scenario &#x27;<span lang="nl">Golf van &lt;b&gt;</span>&#x27;.'


def _language_findings(html: str) -> list[str]:
    return [str(p) for p in pc.text_problems(html) if p.rule in LANGUAGE_RULES]


@pytest.mark.django_db
def test_english_pages_with_dutch_content_have_no_language_findings(client, world, taxonomy, no_redact):
    from cyberbeeld.actions.demo import load
    from cyberbeeld.actions.models import Campaign, Exercise, Measure
    from cyberbeeld.risks.models import Scenario
    from cyberbeeld.sharing import services as sharing

    load(orgs={"gemeente-maastricht": world.maastricht}, areas={}, log=lambda m: None)
    case = sharing.case_save(by=world.anna, owner=world.maastricht, data={
        "title": "Verwijderen van back-ups door aanvaller", "summary": "De aanvaller wist de back-ups; deze "
        "worden niet meer gemaakt.", "actions_taken": "Geen losgeld betaald.", "outcome": "Herstel uit kopieën."})
    sharing.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie])
    sharing.question_ask(by=world.paul, case=case, organisation=world.politie, text="Welke back-ups waren er niet?")
    ex = Exercise.objects.get(is_example=True)
    measure = Measure.objects.filter(owner=world.maastricht).first()
    campaign = Campaign.objects.filter(owner=world.maastricht).first()
    scenario = Scenario.objects.filter(owner=world.maastricht).first()
    client.force_login(world.anna)
    paths = ["/en/maatregelen/", f"/en/maatregelen/{measure.uuid}/", "/en/maatregelen/dekking/",
             "/en/maatregelen/portefeuilles/", f"/en/maatregelen/oefeningen/{ex.uuid}/", "/en/maatregelen/oefeningen/",
             f"/en/maatregelen/preventie/{campaign.uuid}/", "/en/dreigingsbeeld/", f"/en/dreigingsbeeld/scenario/{scenario.uuid}/",
             "/en/casusboek/", f"/en/casusboek/casus/{case.uuid}/", "/en/maatregelen/nieuw/",
             f"/en/maatregelen/oefeningen/{ex.uuid}/bewerken/", f"/en/casusboek/casus/{case.uuid}/bewerken/"]
    found = {}
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200, path
        html = r.content.decode()
        assert 'lang="nl"' in html.split("<main", 1)[1], f"{path}: no Dutch content marked"
        if problems := _language_findings(html):
            found[path] = problems
    assert found == {}
    # a form for user content: its text boxes hold Dutch text
    edit = client.get(f"/en/maatregelen/oefeningen/{ex.uuid}/bewerken/").content.decode()
    tag = re.search(r'<textarea[^>]*name="description"[^>]*>', edit).group(0)
    assert 'lang="nl"' in tag, tag
    nl_tag = re.search(r'<textarea[^>]*name="description"[^>]*>',
                       client.get(f"/nl/maatregelen/oefeningen/{ex.uuid}/bewerken/").content.decode()).group(0)
    assert "lang=" not in nl_tag
    # the same pages in Dutch mark nothing (the page's own language)
    nl = client.get(f"/nl/casusboek/casus/{case.uuid}/").content.decode().split("<main", 1)[1]
    assert 'lang="nl"' not in nl and "Verwijderen van back-ups door aanvaller" in nl
