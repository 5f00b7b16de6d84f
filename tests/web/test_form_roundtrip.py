"""Every edit form keeps what it shows, in Dutch and in English (issue 13, finding 1).

For every edit page of the site (discovered from the URL configuration, so a new one cannot be
forgotten): fill every field of an object through the form itself, then open the edit page again,
read the form the way a browser does (a date control whose value is not ``YYYY-MM-DD`` is empty to a
browser and is submitted empty), post exactly that, and check that no stored field changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from browserform import Form, main_form, sanitise
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

FILL_DATE = "2027-02-03"
FILL_DATETIME = "2026-12-26T09:30"
FILL_TIME = "09:30"
# Text fields whose values are validated by their format.
FILL_TEXT = {"postcode4": "6211", "note": "Bijgewerkt na controle"}
# Boxes a user ticks to do something other than editing (never ticked by the filler).
NOT_TICKED = ("delete", "remove", "verwijder", "clear")


def edit_url_names() -> set[str]:
    """Every named URL that shows an edit form: its name ends in ``edit`` or its path in ``bewerken/``."""
    names: set[str] = set()

    def walk(resolver: URLResolver, ns: str, prefix: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, f"{ns}{p.namespace}:" if p.namespace else ns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if p.name.endswith("edit") or p.name.startswith("edit_") or route.endswith("bewerken/"):
                    if "/<" in route or p.name.startswith("edit_"):  # edits an existing object
                        names.add(ns + p.name)

    walk(get_resolver(), "", "")
    return names


# ---------------------------------------------------------------- one object per edit page
def _scenario(world: Any, code: str = "ransomware-mkb") -> Any:
    from cyberbeeld.risks import services
    from cyberbeeld.risks.models import ScenarioTemplate

    services.templates_sync()
    return services.scenario_adopt(by=world.anna, owner=world.maastricht,
                                   template=ScenarioTemplate.objects.get(code=code))


def build_incident(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.incidents.services import incident_save

    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Phishingmail namens de gemeente", "raw_description": "Een mail met een valse link.",
        "tlp": "amber"})
    return world.anna, reverse("incidents:edit", args=[inc.uuid]), inc


def build_mapping(world: Any) -> tuple[Any, str, Any]:
    return world.kees, reverse("areas:edit_mapping", args=[world.gm_eijsden.code]), world.gm_eijsden


def build_scenario(world: Any) -> tuple[Any, str, Any]:
    s = _scenario(world)
    return world.anna, reverse("risks:scenario_edit", args=[s.uuid]), s


def build_assessment(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.risks import services

    s = _scenario(world)
    a = services.assessment_save(by=world.anna, scenario=s, data={"likelihood": "C", "impact": {
        "2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}})
    return world.anna, reverse("risks:assessment_edit", args=[a.uuid]), a


def build_asset(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.risks import services

    a = services.asset_save(by=world.anna, owner=world.maastricht, data={"name": "Brug", "kind": "beweegbare-brug"})
    return world.anna, reverse("risks:asset_edit", args=[a.uuid]), a


def build_case(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.sharing import services

    c = services.case_save(by=world.anna, owner=world.maastricht, data={"title": "Sluis gehackt", "tlp": "amber"})
    return world.anna, reverse("sharing:edit", args=["casus", c.uuid]), c


def build_approach(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.sharing import services

    a = services.approach_save(by=world.anna, owner=world.maastricht, data={"title": "Buurtpreventie", "tlp": "amber"})
    return world.anna, reverse("sharing:edit", args=["aanpak", a.uuid]), a


def build_measure(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.actions import services

    _scenario(world)
    m = services.measure_save(by=world.anna, owner=world.maastricht, data={"title": "Noodbediening"})
    return world.anna, reverse("actions:measure_edit", args=[m.uuid]), m


def build_portfolio(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.actions import services

    _scenario(world)
    p = services.portfolio_save(by=world.anna, owner=world.maastricht, data={"name": "Openbare orde"})
    return world.anna, reverse("actions:portfolio_edit", args=[p.uuid]), p


def build_campaign(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.actions import services

    _scenario(world)
    c = services.campaign_save(by=world.anna, owner=world.maastricht, data={"title": "Pas op voor phishing",
                                                                               "target_group": "ouderen"})
    return world.anna, reverse("actions:campaign_edit", args=[c.uuid]), c


def build_exercise(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.actions import services

    ex = services.exercise_from_scenario(by=world.anna, owner=world.maastricht, scenario=_scenario(world))
    return world.anna, reverse("actions:exercise_edit", args=[ex.uuid]), ex


def build_powers(world: Any) -> tuple[Any, str, Any]:
    from cyberbeeld.actions import services

    version = services.powers_sync()
    inst = version.instruments.order_by("order", "code").first()
    return world.kees, reverse("actions:powers_edit", args=[inst.code]), inst


# name → builders (one per kind of object the page edits)
BUILDERS: dict[str, list[Callable[[Any], tuple[Any, str, Any]]]] = {
    "incidents:edit": [build_incident],
    "areas:edit_mapping": [build_mapping],
    "risks:scenario_edit": [build_scenario],
    "risks:assessment_edit": [build_assessment],
    "risks:asset_edit": [build_asset],
    "sharing:edit": [build_case, build_approach],
    "actions:measure_edit": [build_measure],
    "actions:portfolio_edit": [build_portfolio],
    "actions:campaign_edit": [build_campaign],
    "actions:exercise_edit": [build_exercise],
    "actions:powers_edit": [build_powers],
}
CASES = [(name, b) for name, bs in BUILDERS.items() for b in bs]


def test_every_edit_page_is_covered() -> None:
    assert edit_url_names() == set(BUILDERS), "add a builder for each new edit page"


# ---------------------------------------------------------------- reading and filling
def current(obj: Any) -> Any:
    """The object as stored now; a powers instrument is edited by writing a new version."""
    from cyberbeeld.actions.models import PowerInstrument
    from cyberbeeld.actions.services import powers_current

    if isinstance(obj, PowerInstrument):
        return powers_current().instruments.get(code=obj.code)
    return type(obj)._default_manager.get(pk=obj.pk)


def snapshot(obj: Any) -> dict[str, Any]:
    from cyberbeeld.actions.models import PowerInstrument

    obj = current(obj)
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if isinstance(obj, PowerInstrument) and f.name in ("id", "version"):
            continue  # every save is a new version: the content is what must stay
        out[f.name] = f.value_from_object(obj)
    for f in obj._meta.many_to_many:
        out[f.name] = sorted(x.pk for x in getattr(obj, f.name).all())
    if isinstance(obj, PowerInstrument):
        out["version.checked_on"] = obj.version.checked_on
    return out


def fill(form: Form) -> dict[str, list[str]]:
    """What a user who fills in every empty field sends."""
    radios_done: set[str] = set()
    for c in form.controls:
        if c.disabled or not c.name:
            continue
        if c.tag == "select":
            usable = [o for o in c.options if o[0] and not o[2]]
            if usable and not any(o[1] and o[0] for o in c.options):
                pick = usable[-1][0]
                c.options = [(v, v == pick, d) for v, s, d in c.options]
        elif c.tag == "textarea":
            c.value = c.value or f"Ingevuld: {c.name}\nmet een tweede regel"
        elif c.kind == "checkbox":
            if not any(w in c.name.lower() for w in NOT_TICKED):
                c.checked = True
        elif c.kind == "radio":
            group = form.named(c.name)
            if c.name not in radios_done and not any(r.checked for r in group):
                c.checked = True
            radios_done.add(c.name)
        elif c.kind in ("submit", "button", "reset", "file", "hidden", "image"):
            continue
        elif not sanitise(c.kind, c.value):  # empty as the browser shows it
            c.value = {"date": FILL_DATE, "datetime-local": FILL_DATETIME, "time": FILL_TIME,
                       "email": "anna@example.org", "url": "https://example.org/bron",
                       "number": c.attrs.get("min") or "3"}.get(c.kind) or FILL_TEXT.get(c.name, f"Ingevuld {c.name}")
    return form.data()


def _post(client: Client, url: str, data: dict[str, list[str]]) -> None:
    r = client.post(url, data)
    if r.status_code != 302:
        import re

        errors = re.findall(r'class="[^"]*(?:error|invalid)[^"]*"[^>]*>(.*?)<', r.content.decode(), re.S)
        raise AssertionError(f"{url}: {r.status_code} {[e.strip() for e in errors if e.strip()]}")


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(("name", "build"), CASES, ids=[f"{n}-{b.__name__[6:]}" for n, b in CASES])
def test_saving_an_edit_form_unchanged_changes_nothing(client, world, taxonomy, monkeypatch, name, build, lang):
    from cyberbeeld.incidents import services as incident_services
    from cyberbeeld.sharing import services as sharing_services

    # redaction is not under test here (and the deduce model is slow to warm)
    monkeypatch.setattr(incident_services, "redact", lambda text: text)
    monkeypatch.setattr(sharing_services, "redact", lambda text: text)
    user, url, obj = build(world)
    client.force_login(user)
    with translation.override(lang):
        url = url.replace("/nl/", f"/{lang}/", 1)
    # fill every field through the form (twice: choosing a form of incident adds its questions)
    for _ in range(2):
        r = client.get(url)
        assert r.status_code == 200, url
        _post(client, url, fill(main_form(r.content.decode(), url)))
    before = snapshot(obj)
    dates = {k: v for k, v in before.items() if isinstance(v, dt.date)}
    date_fields = [f.name for f in current(obj)._meta.concrete_fields
                   if isinstance(f, models.DateField) and not (f.auto_now or f.auto_now_add)]
    shown = {c.name for c in main_form(client.get(url).content.decode(), url).controls
             if c.kind in ("date", "datetime-local")}
    for f in date_fields:  # every date the form shows was filled, so the round trip can lose it
        if f in shown:
            assert dates.get(f) is not None, (f, before)

    # the round trip: open the page, submit what the browser has, change nothing
    r = client.get(url)
    html = r.content.decode()
    form = main_form(html, url)
    for c in form.controls:  # a browser refuses to submit an empty required text: the user types one
        if c.required and not c.value and (c.tag == "textarea" or c.kind == "text"):
            c.value = FILL_TEXT.get(c.name, f"Ingevuld {c.name}")
    _post(client, url, form.data())
    after = snapshot(obj)
    changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    assert changed == {}, f"{url} ({lang}) changed fields on an unchanged save: {changed}"
