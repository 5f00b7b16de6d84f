"""THE copy-and-relabel matrix (issue 12): every route that makes an object from another or changes its
label × every TLP label × every viewer relation; through the service and through the page (POST).

The source is owned by gemeente Maastricht and shared as the isolation matrix shares it (RED: the police
analyst paul by name; CLEAR: nobody; otherwise the police and the own veiligheidsregio). After the copy,
and again after every relabel attempt (the bewerker's and the coördinator's, widest first), the copy may
be visible only to viewers who may see the source: the owner's members, the police (analyst, coördinator,
lezer), the same region, another region, the knowledge centre, a user without membership, anonymous.
Routes into another organisation refuse TLP:AMBER+STRICT and TLP:RED outright.
"""

from __future__ import annotations

import json

import pytest
from ceiling_kit import VIEWERS, extra_users, leaks, make_source, user
from django.test import Client

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.tlp import TLP

pytestmark = pytest.mark.django_db

# route: (kind of source, who copies, into which organisation, ways)
ROUTES = {
    "adopt": ("approach", "paul", "politie", ("service", "page")),
    "adopt_as_measure": ("approach", "paul", "politie", ("service", "page")),
    "adopt_own_approach": ("approach", "anna", "maastricht", ("service", "page")),
    "exercise_from_scenario": ("scenario", "anna", "maastricht", ("service", "page")),
    "exercise_from_template": ("scenario", "anna", "maastricht", ("service", "page")),
    "observation_to_measure": ("exercise", "anna", "maastricht", ("service", "page")),
    "promote_incident": ("incident", "anna", "maastricht", ("service", "page")),
    "proposal_to_scenario": ("proposal", "anna", "maastricht", ("service", "page")),
    "report_snapshot": ("scenario", "paul", "politie", ("service", "page")),
}
COORDINATOR = {"maastricht": "anna", "politie": "pia"}
BEWERKER = {"maastricht": "bert", "politie": "paul"}
COMBINATIONS = [(r, way, t) for r, (_k, _a, _i, ways) in ROUTES.items() for way in ways for t in TLP]


def expected_refused(route: str, tlp: TLP) -> bool:
    """Into another organisation, AMBER+STRICT and RED are never passed on."""
    _kind, _actor, into, _ways = ROUTES[route]
    return route != "report_snapshot" and into != "maastricht" and tlp in (TLP.AMBER_STRICT, TLP.RED)


def _client(u):
    c = Client()
    c.force_login(u)
    return c


def _copy(route: str, way: str, w, source):
    """Run the route; the object it made (None when it was refused)."""
    from cyberbeeld.actions import services as actions
    from cyberbeeld.actions.models import Exercise, Measure
    from cyberbeeld.reports.models import Report
    from cyberbeeld.risks.models import Scenario
    from cyberbeeld.sharing import services as sharing
    from cyberbeeld.sharing.models import Case

    _kind, actor_name, into_name, _ways = ROUTES[route]
    actor, into = getattr(w, actor_name), getattr(w, into_name)
    page = _client(actor) if way == "page" else None
    template = actions.exercise_templates()[0]["code"]
    try:
        if route in ("adopt", "adopt_as_measure", "adopt_own_approach"):
            if page is None and route == "adopt":
                sharing.adopt(by=actor, approach=source, organisation=into)
            elif page is None:
                actions.measure_from_approach(by=actor, owner=into, approach=source)
            elif route == "adopt":
                assert page.post(f"/nl/casusboek/aanpak/{source.uuid}/overnemen/").status_code == 302
            else:
                assert page.post(f"/nl/maatregelen/aanpak/{source.uuid}/overnemen/", {"due_date": ""}).status_code in (200, 302)
            return Measure.objects.filter(source_approach=source, owner=into).first()
        if route in ("exercise_from_scenario", "exercise_from_template"):
            if page is None and route == "exercise_from_scenario":
                actions.exercise_from_scenario(by=actor, owner=into, scenario=source)
            elif page is None:
                actions.exercise_from_template(by=actor, owner=into, code=template, scenario=source)
            else:
                data = {"scenario": source.pk, "mode": "facilitator"}
                if route == "exercise_from_template":
                    data["template"] = template
                assert page.post("/nl/maatregelen/oefeningen/nieuw/", data).status_code == 302
            return Exercise.objects.filter(scenario=source).first()
        if route == "observation_to_measure":
            entry = actions.log_add(by=w.anna, exercise=source, kind="observatie", text="Niemand wist wie belt")
            actions.exercise_start(by=w.anna, exercise=source)
            actions.exercise_finish(by=w.anna, exercise=source)
            if page is None:
                actions.observation_to_measure(by=actor, exercise=source, entry=entry)
            else:
                url = f"/nl/maatregelen/oefeningen/{source.uuid}/evaluatie/{entry.uuid}/maatregel/"
                assert page.post(url, {"m-title": "Bellijst maken"}).status_code == 302
            return Measure.objects.filter(source_exercise=source).first()
        if route == "promote_incident":
            if page is None:
                sharing.promote_incident(by=actor, incident=source)
            else:
                assert page.post(f"/nl/casusboek/incident/{source.uuid}/casus-maken/").status_code == 302
            return Case.objects.filter(source_incident=source).first()
        if route == "proposal_to_scenario":
            from cyberbeeld.risks.services import proposal_decide

            if page is None:
                proposal_decide(by=actor, proposal=source, decision="accepted")
            else:
                assert page.post(f"/nl/dreigingsbeeld/voorstellen/{source.uuid}/besluit/",
                                 {"decision": "accepted"}).status_code == 302
            return Scenario.objects.filter(proposals=source).first()
        if route == "report_snapshot":
            from cyberbeeld.reports import services as reports

            if page is None:
                report = reports.report_request(by=actor, owner=into, area=w.vr24, lang="nl", fmt="html")
                reports.report_build(report)
            else:
                assert page.post("/nl/rapport/", {"area": "VR24", "lang": "nl", "format": "html"}).status_code == 302
            return Report.objects.get(owner=into)
    except policy.CeilingError:
        return None
    raise AssertionError(route)


def _report_leaks(w, report, source) -> list[str]:
    """Viewers of the report who find the source's title in it but may not see the source."""
    found = []
    holds = source.title in json.dumps(report.snapshot) or source.title.encode() in bytes(report.content or b"")
    for name in VIEWERS:
        u = user(w, name)
        if holds and policy.can_view(u, report) and not policy.can_view(u, source):
            found.append(name or "anonymous")
    return found


WIDER = [  # relabel attempts, widest first
    {"tlp": "clear"},
    {"tlp": "green", "community": True},
    {"tlp": "amber", "organisations": ["zaanstad", "politie"]},
    {"tlp": "amber", "region": True},
    {"tlp": "amber+strict"},
    {"tlp": "red", "recipients": ["zoe", "paul"]},
]


def _relabel(w, obj, spec: dict) -> bool:
    """The coördinator of the copy's owner shares it as ``spec``; False when the ceiling refused."""
    from cyberbeeld.accounts.services import share_set

    args = dict(spec)
    if "organisations" in args:
        args["organisations"] = [getattr(w, o) for o in args["organisations"]]
    if "recipients" in args:
        args["recipients"] = [getattr(w, u) for u in args["recipients"]]
    coordinator = getattr(w, COORDINATOR["maastricht" if obj.owner_id == w.maastricht.pk else "politie"])
    try:
        share_set(by=coordinator, obj=obj, **args)
    except policy.CeilingError:
        return False
    return True


@pytest.mark.parametrize("route, way, tlp", COMBINATIONS, ids=[f"{r}-{w}-{t.value}" for r, w, t in COMBINATIONS])
def test_copy_and_relabel(route, way, tlp, world, taxonomy, no_redact):
    w = world
    extra_users(w)
    kind = ROUTES[route][0]
    source = make_source(w, kind, tlp, f"Bron {route} {tlp.rank}x")
    copy = _copy(route, way, w, source)

    if expected_refused(route, tlp):
        assert copy is None, f"{route} of a {tlp.label} source into another organisation must be refused"
        return
    assert copy is not None, f"{route} of a {tlp.label} source was refused"
    if route == "report_snapshot":
        copy.refresh_from_db()
        assert TLP(copy.tlp).rank >= (tlp.rank if source.title in json.dumps(copy.snapshot) else 0)
        assert _report_leaks(w, copy, source) == []
        return

    copy.refresh_from_db()
    assert TLP(copy.tlp).rank >= tlp.rank, f"the copy is {copy.tlp}, its source {tlp.value}"
    assert leaks(w, copy, source) == [], "after the copy"

    # a bewerker of the copy's owner cannot relabel at all (service and, for measures, the edit page)
    from cyberbeeld.accounts.services import share_set

    bewerker = getattr(w, BEWERKER["maastricht" if copy.owner_id == w.maastricht.pk else "politie"])
    before = copy.tlp
    try:
        share_set(by=bewerker, obj=copy, tlp="clear" if copy.tlp != "clear" else "red")
    except PermissionError:
        pass
    copy.refresh_from_db()
    assert leaks(w, copy, source) == [], "after the bewerker's relabel"
    assert copy.tlp == before, "a bewerker relabelled"
    if copy._meta.model_name == "measure":
        _client(bewerker).post(f"/nl/maatregelen/{copy.uuid}/bewerken/", {
            "title": copy.title, "status": "gepland", "effect_on": "kans", "tlp": "clear"})
        copy.refresh_from_db()
        assert TLP(copy.tlp).rank >= tlp.rank

    # the coördinator through the pages where a label is set: a promoted case's share page, a measure's edit page
    coordinator = _client(getattr(w, COORDINATOR["maastricht" if copy.owner_id == w.maastricht.pk else "politie"]))
    if copy._meta.model_name == "case":
        r = coordinator.post(f"/nl/casusboek/casus/{copy.uuid}/delen/", {
            "tlp": "green", "community": "on", "legal_basis": "publieke-taak", "purpose": "test"})
        assert r.status_code in (200, 302)
    elif copy._meta.model_name == "measure":
        r = coordinator.post(f"/nl/maatregelen/{copy.uuid}/bewerken/", {
            "title": copy.title, "status": "gepland", "effect_on": "kans", "tlp": "clear"})
        assert r.status_code in (200, 302)
    copy.refresh_from_db()
    assert leaks(w, copy, source) == [], "after the page relabel"
    assert TLP(copy.tlp).rank >= tlp.rank

    # and through the service: every wider label is refused unless the source reaches that far
    for spec in WIDER:
        done = _relabel(w, copy, spec)
        copy.refresh_from_db()
        assert leaks(w, copy, source) == [], f"after relabel {spec} ({'applied' if done else 'refused'})"
        if spec == {"tlp": "clear"}:
            assert done == (tlp == TLP.CLEAR), "relabel to CLEAR"


def test_matrix_is_complete():
    """9 routes, each through the service and the page, × 5 labels; 12 viewers each."""
    assert len(COMBINATIONS) == 90 and len(VIEWERS) == 12
