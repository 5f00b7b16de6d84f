"""Issue 12, findings 1, 4 and 5: copies keep their label, only coördinators relabel, pick lists and the
audit log go through the policy. Each test is the attack as the issue describes it."""

from __future__ import annotations

import pytest
from ceiling_kit import extra_users, make_source
from django.test import Client

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.tlp import TLP

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world, taxonomy, no_redact):
    extra_users(world)
    return world


def client_for(u):
    c = Client()
    c.force_login(u)
    return c


# --- finding 1: adopt moves TLP:RED to everyone -----------------------------------------------------
@pytest.mark.parametrize("tlp", [TLP.RED, TLP.AMBER_STRICT])
def test_adopting_red_or_strict_approach_of_another_owner_is_refused(w, tlp):
    from cyberbeeld.actions.models import Measure
    from cyberbeeld.actions.services import measure_from_approach

    approach = make_source(w, "approach", tlp, "Rode aanpak geheimx")
    paul = client_for(w.paul)
    r = paul.post(f"/nl/casusboek/aanpak/{approach.uuid}/overnemen/", follow=True)
    assert r.status_code == 200
    assert "niet doorgeven" in r.content.decode()  # the refusal is said, not a 500
    r = paul.post(f"/nl/maatregelen/aanpak/{approach.uuid}/overnemen/", {"due_date": ""})
    assert r.status_code == 200 and "niet doorgeven" in r.content.decode()
    assert not Measure.objects.filter(owner=w.politie).exists()
    assert not approach.adoptions.exists()
    with pytest.raises(policy.CeilingError):
        measure_from_approach(by=w.paul, owner=w.politie, approach=approach)
    # whatever paul does next, zaanstad never reads the text
    assert not Measure.objects.filter(title__contains="geheimx").exists()


def test_adopted_amber_approach_cannot_be_relabelled_to_clear(w):
    """The rest of the finding-1 chain with a label that may be passed on: the measure holds AMBER, the
    bewerker cannot relabel it, and even the coördinator cannot go above the approach's ceiling."""
    from cyberbeeld.accounts.services import share_set
    from cyberbeeld.actions.models import Measure
    from cyberbeeld.actions.services import measure_save

    approach = make_source(w, "approach", TLP.AMBER, "Oranje aanpak geheimx")
    client_for(w.paul).post(f"/nl/casusboek/aanpak/{approach.uuid}/overnemen/")
    measure = Measure.objects.get(owner=w.politie)
    assert measure.tlp == TLP.AMBER.value and measure.source_approach == approach
    # paul (bewerker) edits the measure with tlp=clear: the form has no label field for him, and a
    # label posted anyway is not applied
    paul = client_for(w.paul)
    assert 'name="tlp"' not in paul.get(f"/nl/maatregelen/{measure.uuid}/bewerken/").content.decode()
    r = paul.post(f"/nl/maatregelen/{measure.uuid}/bewerken/", {"title": measure.title, "status": "gepland",
                                                                  "effect_on": "kans", "tlp": "clear"})
    assert r.status_code == 302
    measure.refresh_from_db()
    assert measure.tlp == TLP.AMBER.value
    with pytest.raises(PermissionError):
        measure_save(by=w.paul, owner=w.politie, measure=measure, data={"tlp": "clear"})
    # the police coördinator may share, but not above the ceiling of the approach
    for wide in ({"tlp": "clear"}, {"tlp": "green", "community": True}, {"tlp": "amber", "organisations": [w.zaanstad]}):
        with pytest.raises(policy.CeilingError):
            share_set(by=w.pia, obj=measure, **wide)
    pia = client_for(w.pia)
    r = pia.post(f"/nl/maatregelen/{measure.uuid}/bewerken/", {"title": measure.title, "status": "gepland",
                                                                 "effect_on": "kans", "tlp": "clear"})
    assert r.status_code == 200  # the form shows why, nothing is saved
    measure.refresh_from_db()
    assert measure.tlp == TLP.AMBER.value
    assert client_for(w.zoe).get(f"/nl/maatregelen/{measure.uuid}/").status_code == 404
    # narrowing is always possible, and it is a share: audited
    share_set(by=w.pia, obj=measure, tlp="amber+strict")
    measure.refresh_from_db()
    assert measure.tlp == TLP.AMBER_STRICT.value


# --- finding 4: RED titles in pick lists; an exercise from a RED scenario ---------------------------
@pytest.fixture
def red_things(w):
    from cyberbeeld.actions.services import portfolio_save
    from cyberbeeld.risks.services import asset_save

    red_scenario = make_source(w, "scenario", TLP.RED, "Rood scenario geheimx")
    amber_scenario = make_source(w, "scenario", TLP.AMBER, "Oranje scenario zichtbaarx")
    red_portfolio = portfolio_save(by=w.anna, owner=w.maastricht, data={"name": "Rode portefeuille geheimx",
                                                                       "tlp": "red"})
    red_asset = asset_save(by=w.anna, owner=w.maastricht, data={"name": "Rood object geheimx", "kind": "sluis",
                                                                "tlp": "red"})
    asset_save(by=w.anna, owner=w.maastricht, data={"name": "Oranje object zichtbaarx", "kind": "sluis",
                                                    "tlp": "amber"})
    return {"scenario": red_scenario, "amber_scenario": amber_scenario, "portfolio": red_portfolio,
            "asset": red_asset}


def test_pick_lists_hold_no_red_titles_of_others(w, red_things):
    approach = make_source(w, "approach", TLP.CLEAR, "Open aanpak")
    bert = client_for(w.bert)
    pages = ["/nl/maatregelen/nieuw/", "/nl/maatregelen/oefeningen/nieuw/", "/nl/maatregelen/preventie/nieuw/",
             "/nl/maatregelen/portefeuilles/nieuw/", f"/nl/maatregelen/aanpak/{approach.uuid}/overnemen/",
             "/nl/dreigingsbeeld/scenario/nieuw/", "/nl/dreigingsbeeld/objecten/nieuw/"]
    for url in pages:
        body = bert.get(url).content.decode()
        assert "geheimx" not in body, url
    # the lists are not simply empty: what bert may see is offered
    assert "Oranje scenario zichtbaarx" in bert.get("/nl/maatregelen/nieuw/").content.decode()
    assert "Oranje object zichtbaarx" in bert.get("/nl/dreigingsbeeld/scenario/nieuw/").content.decode()
    # the author of the RED items still picks them
    assert "Rood scenario geheimx" in client_for(w.anna).get("/nl/maatregelen/nieuw/").content.decode()


def test_every_pick_list_of_a_shareable_model_goes_through_the_policy():
    """Each form's choice field over a shareable model is a Visible… field (it needs the viewer)."""
    import inspect

    from django import forms

    from cyberbeeld.accounts.forms import VisibleModelChoiceField, VisibleModelMultipleChoiceField
    from cyberbeeld.accounts.models import Shareable
    from cyberbeeld.actions import forms as action_forms
    from cyberbeeld.incidents import forms as incident_forms
    from cyberbeeld.risks import forms as risk_forms
    from cyberbeeld.sharing import forms as sharing_forms

    checked = 0
    for module in (action_forms, risk_forms, sharing_forms, incident_forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != module.__name__:
                continue
            for fname, field in cls.base_fields.items():
                if isinstance(field, forms.ModelChoiceField) and issubclass(field.queryset.model, Shareable):
                    checked += 1
                    assert isinstance(field, VisibleModelChoiceField | VisibleModelMultipleChoiceField), \
                        f"{cls.__name__}.{fname}"
    assert checked >= 12


def test_exercise_from_red_scenario_stays_red(w, red_things):
    from cyberbeeld.actions.models import Exercise
    from cyberbeeld.actions.services import exercise_from_scenario, exercise_save

    red = red_things["scenario"]
    # bert cannot pick it (it is not in his list) and the service refuses it for him
    r = client_for(w.bert).post("/nl/maatregelen/oefeningen/nieuw/", {"scenario": red.pk, "mode": "facilitator"})
    assert r.status_code == 200 and not Exercise.objects.exists()
    with pytest.raises(policy.CeilingError):
        exercise_from_scenario(by=w.bert, owner=w.maastricht, scenario=red)
    # its author makes one: RED, for the scenario's author and named recipients only
    r = client_for(w.anna).post("/nl/maatregelen/oefeningen/nieuw/", {"scenario": red.pk, "mode": "facilitator"})
    assert r.status_code == 302
    ex = Exercise.objects.get()
    assert ex.tlp == TLP.RED.value and set(ex.recipients.all()) == {w.paul, w.anna}
    for name in ("bert", "lezer", "beheerder", "zoe"):
        assert client_for(getattr(w, name)).get(f"/nl/maatregelen/oefeningen/{ex.uuid}/").status_code == 404, name
        assert client_for(getattr(w, name)).get(f"/nl/maatregelen/oefeningen/{ex.uuid}/draaiboek.pdf").status_code == 404
    # moving an AMBER exercise onto the RED scenario is refused as well
    amber_ex = exercise_save(by=w.anna, owner=w.maastricht, data={"title": "Oefening", "tlp": "amber"})
    with pytest.raises(policy.CeilingError):
        exercise_save(by=w.anna, owner=w.maastricht, exercise=amber_ex, data={"scenario": red})


# --- finding 5: bewerkers relabel outside the casebook; promoting a RED incident --------------------
EDIT_PAGES = {
    "incident": "/nl/incidenten/{uuid}/bewerken/",
    "scenario": "/nl/dreigingsbeeld/scenario/{uuid}/bewerken/",
    "asset": "/nl/dreigingsbeeld/objecten/{uuid}/bewerken/",
    "measure": "/nl/maatregelen/{uuid}/bewerken/",
    "campaign": "/nl/maatregelen/preventie/{uuid}/bewerken/",
    "exercise": "/nl/maatregelen/oefeningen/{uuid}/bewerken/",
    "portfolio": "/nl/maatregelen/portefeuilles/{uuid}/bewerken/",
}


def _owned(w, kind):
    """An AMBER object of Maastricht of each kind with an edit form, and its save service."""
    from cyberbeeld.actions import services as a
    from cyberbeeld.incidents.services import incident_save
    from cyberbeeld.risks import services as r

    if kind == "incident":
        obj = make_source(w, "incident", TLP.AMBER, "Incident")
        return obj, lambda by, data: incident_save(by=by, owner=w.maastricht, incident=obj, data=data)
    if kind == "scenario":
        obj = make_source(w, "scenario", TLP.AMBER, "Scenario")
        return obj, lambda by, data: r.scenario_save(by=by, owner=w.maastricht, scenario=obj, data=data)
    if kind == "asset":
        obj = r.asset_save(by=w.anna, owner=w.maastricht, data={"name": "Sluis", "kind": "sluis", "tlp": "amber"})
        return obj, lambda by, data: r.asset_save(by=by, owner=w.maastricht, asset=obj, data=data)
    if kind == "measure":
        obj = a.measure_save(by=w.anna, owner=w.maastricht, data={"title": "Maatregel", "tlp": "amber"})
        return obj, lambda by, data: a.measure_save(by=by, owner=w.maastricht, measure=obj, data=data)
    if kind == "campaign":
        obj = a.campaign_save(by=w.anna, owner=w.maastricht, data={"title": "Campagne", "target_group": "mkb",
                                                                   "tlp": "amber"})
        return obj, lambda by, data: a.campaign_save(by=by, owner=w.maastricht, campaign=obj, data=data)
    if kind == "exercise":
        obj = a.exercise_save(by=w.anna, owner=w.maastricht, data={"title": "Oefening", "tlp": "amber"})
        return obj, lambda by, data: a.exercise_save(by=by, owner=w.maastricht, exercise=obj, data=data)
    obj = a.portfolio_save(by=w.anna, owner=w.maastricht, data={"name": "Portefeuille", "tlp": "amber"})
    return obj, lambda by, data: a.portfolio_save(by=by, owner=w.maastricht, portfolio=obj, data=data)


@pytest.mark.parametrize("kind", list(EDIT_PAGES))
def test_only_a_coordinator_relabels(w, kind):
    from cyberbeeld.accounts.models import AuditEvent

    obj, save = _owned(w, kind)
    url = EDIT_PAGES[kind].format(uuid=obj.uuid)
    body = client_for(w.bert).get(url).content.decode()
    assert 'name="tlp"' not in body and 'name="audience_region"' not in body
    assert 'name="tlp"' in client_for(w.anna).get(url).content.decode()
    with pytest.raises(PermissionError):
        save(w.bert, {"tlp": "clear"})
    obj.refresh_from_db()
    assert obj.tlp == TLP.AMBER.value
    save(w.bert, {"tlp": "amber"})  # an unchanged label is no relabel
    save(w.anna, {"tlp": "green"})  # the coördinator shares: through the share service, audited
    obj.refresh_from_db()
    assert obj.tlp == TLP.GREEN.value
    assert AuditEvent.objects.filter(action="share", object_id=str(obj.uuid),
                                     changes__tlp=["amber", "green"]).exists()


def test_promoting_a_red_incident_makes_a_red_case(w):
    from cyberbeeld.sharing.models import Case

    incident = make_source(w, "incident", TLP.RED, "Rood incident geheimx")
    r = client_for(w.anna).get(f"/nl/casusboek/incident/{incident.uuid}/casus-maken/")
    assert "Dit object krijgt minstens het label van de bron: TLP:RED" in r.content.decode()
    r = client_for(w.anna).post(f"/nl/casusboek/incident/{incident.uuid}/casus-maken/")
    assert r.status_code == 302
    case = Case.objects.get(source_incident=incident)
    assert case.tlp == TLP.RED.value and set(case.recipients.all()) == {w.paul, w.anna}
    from cyberbeeld.accounts.models import AuditEvent

    inherited = AuditEvent.objects.get(action="share-inherit", object_id=str(case.uuid))
    assert inherited.changes["tlp"] == "red" and inherited.changes["source"] == f"incidents.incident:{incident.uuid}"
    for name in ("lezer", "beheerder", "bert", "eva", "pia"):
        assert not policy.can_view(getattr(w, name), case), name
    # nor can the coördinator lift it to AMBER afterwards
    from cyberbeeld.sharing import services

    with pytest.raises(policy.CeilingError):
        services.share(by=w.anna, obj=case, tlp="amber", legal_basis="publieke-taak", purpose="test")


def test_a_promoted_amber_case_keeps_the_incidents_audience(w):
    from cyberbeeld.sharing import services

    incident = make_source(w, "incident", TLP.AMBER, "Oranje incident")
    case = services.promote_incident(by=w.anna, incident=incident)
    assert case.tlp == TLP.AMBER.value
    assert set(case.audience_organisations.all()) == {w.politie} and case.audience_region
    with pytest.raises(policy.CeilingError):
        services.share(by=w.anna, obj=case, tlp="green", community=True, legal_basis="publieke-taak", purpose="t")
    services.share(by=w.anna, obj=case, tlp="amber", organisations=[w.politie], legal_basis="publieke-taak",
                   purpose="narrower")  # narrowing is fine


# --- reports: the label of the most restrictive part, never a part the owner does not see --------------
def test_report_of_an_organisation_holds_no_part_seen_through_another_membership(w):
    from cyberbeeld.accounts.models import Role
    from cyberbeeld.accounts.services import membership_set
    from cyberbeeld.reports import snapshot

    membership_set(by=None, user=w.paul, organisation=w.zaanstad, role=Role.BEWERKER)  # paul also works there
    scenario = make_source(w, "scenario", TLP.AMBER, "Oranje scenario voor politie")
    from cyberbeeld.risks.services import assessment_finalise, assessment_save, method

    m = method(scenario.method_id)
    assessment_finalise(by=w.anna, assessment=assessment_save(by=w.anna, scenario=scenario, data={
        "likelihood": "C", "impact": {c: "B" for c in m.codes}}))
    seen = snapshot.build(w.gm_maastricht, user=w.paul, organisation=w.politie)
    assert "Oranje scenario voor politie" in str(seen)
    # a report of zaanstad (shown to all of zaanstad) may not hold what paul sees as police
    report = snapshot.build(w.gm_maastricht, user=w.paul, organisation=w.zaanstad)
    assert "Oranje scenario voor politie" not in str(report)


# --- the audit log ------------------------------------------------------------------------------------
def test_audit_log_withholds_objects_the_reader_may_not_see(w, red_things):
    body = client_for(w.beheerder).get("/nl/account/organisatie/gemeente-maastricht/auditlog/").content.decode()
    assert "geheimx" not in body
    assert "[afgeschermd]" in body
    assert "Oranje scenario zichtbaarx" in body


def test_a_reimport_never_relabels_an_incident(w):
    """A bewerker's re-import of the register (empty label cell = AMBER) does not lower a RED incident, nor
    lift an AMBER one to CLEAR: relabelling is sharing."""
    from cyberbeeld.accounts.services import share_set
    from cyberbeeld.incidents import bulk
    from cyberbeeld.incidents.models import Incident

    header = "sleutel;titel;beschrijving;datum_melding;gemeente;vorm;impact;tlp"
    rows = ["M-1;Rood geval geheimx;tekst;2026-03-02;GM0935;phishing;B;AMBER",
            "M-2;Oranje geval;tekst;2026-03-02;GM0935;phishing;B;AMBER"]
    assert bulk.import_file(w.maastricht, w.anna, "a.csv", ("\n".join([header, *rows]) + "\n").encode()).ok
    red = Incident.objects.get(external_id="M-1")
    share_set(by=w.anna, obj=red, tlp="red")
    again = ["M-1;Rood geval geheimx;tekst;2026-03-02;GM0935;phishing;C;",
             "M-2;Oranje geval;tekst;2026-03-02;GM0935;phishing;B;CLEAR"]
    result = bulk.import_file(w.maastricht, w.bert, "a.csv", ("\n".join([header, *again]) + "\n").encode())
    assert result.ok
    red.refresh_from_db()
    assert red.tlp == "red" and red.impact == "C"
    assert Incident.objects.get(external_id="M-2").tlp == "amber"


def test_a_copy_stays_editable_and_narrowable_after_its_source_narrowed(w):
    from cyberbeeld.accounts.services import share_set
    from cyberbeeld.actions.services import measure_from_approach, measure_save
    from cyberbeeld.sharing import services

    approach = make_source(w, "approach", TLP.AMBER, "Oranje aanpak")
    measure = measure_from_approach(by=w.paul, owner=w.politie, approach=approach)
    services.withdraw(by=w.anna, obj=approach)  # Maastricht narrows the approach to itself
    measure_save(by=w.paul, owner=w.politie, measure=measure, data={"title": "Eigen titel"})
    share_set(by=w.pia, obj=measure, tlp="amber+strict")
    measure.refresh_from_db()
    assert measure.title == "Eigen titel" and measure.tlp == "amber+strict"
    with pytest.raises(policy.CeilingError):
        share_set(by=w.pia, obj=measure, tlp="amber+strict", organisations=[w.zaanstad])


def test_a_drafted_scenario_is_not_relabelled_above_its_proposal_on_the_page(w):
    from cyberbeeld.accounts.services import share_set
    from cyberbeeld.risks.forms import ScenarioForm
    from cyberbeeld.risks.services import proposal_decide

    proposal = make_source(w, "proposal", TLP.AMBER, "Voorstel")
    share_set(by=w.anna, obj=proposal, tlp="amber")  # the own organisation only
    scenario = proposal_decide(by=w.anna, proposal=proposal, decision="accepted").scenario
    assert scenario.source_proposal == proposal and scenario.tlp == "amber"
    form = ScenarioForm(instance=scenario, owner=w.maastricht, viewer=w.anna)
    assert [v for v, _label in form.fields["tlp"].choices] == ["amber", "amber+strict", "red"]
    assert "TLP:AMBER" in str(form.fields["tlp"].help_text)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None and value is not False:
            data[name] = getattr(value, "pk", value)
    data["tlp"] = "clear"
    r = client_for(w.anna).post(f"/nl/dreigingsbeeld/scenario/{scenario.uuid}/bewerken/", data)
    assert r.status_code == 200 and "TLP:AMBER" in r.content.decode()
    scenario.refresh_from_db()
    assert scenario.tlp == "amber"
    # the same form with an allowed label and region sharing the proposal does not have: refused by the service
    data.update({"tlp": "amber", "audience_region": "on", "title": "Aangepast"})
    r = client_for(w.anna).post(f"/nl/dreigingsbeeld/scenario/{scenario.uuid}/bewerken/", data)
    assert r.status_code == 200 and "geen ruimer" in r.content.decode()
    scenario.refresh_from_db()
    assert scenario.title != "Aangepast" and not scenario.audience_region
    data.pop("audience_region")
    assert client_for(w.anna).post(f"/nl/dreigingsbeeld/scenario/{scenario.uuid}/bewerken/", data).status_code == 302
