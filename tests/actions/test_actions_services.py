"""Measures, coverage, exercises (clock survives a reload), evaluation → measures + a new assessment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cyberbeeld.actions import selectors, services
from cyberbeeld.actions.models import ExerciseStatus, LogKind, Measure, PowersVersion
from cyberbeeld.risks import services as risk_services
from cyberbeeld.risks.models import Assessment, ScenarioTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenarios(world, taxonomy):
    risk_services.templates_sync()
    out = {}
    for code in ("gehackte-sluis-brug", "ransomware-mkb", "helpdeskfraude-ouderen", "online-oproep-rellen"):
        out[code] = risk_services.scenario_adopt(by=world.anna, owner=world.maastricht,
                                                 template=ScenarioTemplate.objects.get(code=code))
    return out


def final_assessment(world, scenario, likelihood="C"):
    m = risk_services.method(scenario.method_id)
    a = risk_services.assessment_save(by=world.anna, scenario=scenario, data={
        "likelihood": likelihood, "impact": {c: "B" if i == 0 else "X" for i, c in enumerate(m.codes)}})
    return risk_services.assessment_finalise(by=world.anna, assessment=a)


def test_coverage_lists_exactly_the_scenarios_without_a_live_measure(world, scenarios):
    today = timezone.localdate()
    save = services.measure_save
    save(by=world.anna, owner=world.maastricht, data={
        "title": "live", "scenarios": [scenarios["gehackte-sluis-brug"]], "due_date": today + dt.timedelta(days=9)})
    save(by=world.anna, owner=world.maastricht, data={
        "title": "overdue", "scenarios": [scenarios["ransomware-mkb"]], "due_date": today - dt.timedelta(days=1)})
    save(by=world.anna, owner=world.maastricht, data={
        "title": "stopped", "status": "gestopt", "scenarios": [scenarios["helpdeskfraude-ouderen"]]})
    save(by=world.anna, owner=world.maastricht, data={
        "title": "done", "status": "gereed", "due_date": today - dt.timedelta(days=100),
        "scenarios": [scenarios["online-oproep-rellen"]]})
    # another organisation's measure never covers our scenario
    rows = {r.scenario.pk: r for r in selectors.coverage(world.anna, world.maastricht)}
    uncovered = {r.scenario.pk for r in selectors.uncovered(world.anna, world.maastricht)}
    assert uncovered == {scenarios["ransomware-mkb"].pk, scenarios["helpdeskfraude-ouderen"].pk}
    assert rows[scenarios["ransomware-mkb"].pk].state == "overdue-only"
    assert rows[scenarios["helpdeskfraude-ouderen"].pk].state == "none"
    assert [m.title for m in selectors.overdue_measures(world.anna, world.maastricht)] == ["overdue"]


def test_measure_scenarios_are_the_owners_own(world, scenarios):
    m = services.measure_save(by=world.zoe, owner=world.zaanstad, data={
        "title": "x", "scenarios": [scenarios["ransomware-mkb"]]})
    assert list(m.scenarios.all()) == []


def test_measure_from_approach(world, taxonomy, scenarios):
    from cyberbeeld.sharing.models import Approach

    approach = Approach.objects.create(owner=world.eijsden, title="Wijkagent en seniorenvoorlichting",
                                       problem="Helpdeskfraude bij ouderen", approach="Bijeenkomsten in buurthuizen",
                                       partners="politie, seniorenvereniging", results="Minder slachtoffers",
                                       tlp="green", audience_region=True)
    m = services.measure_from_approach(by=world.anna, owner=world.maastricht, approach=approach,
                                       scenarios=[scenarios["helpdeskfraude-ouderen"]])
    assert m.source_approach == approach and m.owner == world.maastricht
    assert "Bijeenkomsten" in m.description and m.partners_other.startswith("politie")
    assert list(m.scenarios.all()) == [scenarios["helpdeskfraude-ouderen"]]


def test_exercise_clock_plays_in_order_and_survives_reload(world, scenarios):
    from cyberbeeld.actions.models import Exercise

    ex = services.exercise_from_scenario(by=world.anna, owner=world.maastricht,
                                         scenario=scenarios["gehackte-sluis-brug"])
    assert ex.template_code == "gehackte-sluisbesturing"
    assert {p.role for p in ex.participants.all()} >= {"burgemeester", "oov", "ciso", "communicatie", "politie",
                                                        "veiligheidsregio", "ibd"}
    order = [str(i.uuid) for i in ex.injects.order_by("offset_minutes", "position")]
    t0 = 1_800_000_000.0
    services.exercise_start(by=world.anna, exercise=ex, now=t0)
    played = lambda e, now: [i.key for i in services.exercise_schedule(e, now).played]  # noqa: E731
    assert played(ex, t0 + 1) == order[:1]
    assert played(ex, t0 + 6 * 60) == order[:2]
    services.exercise_pause(by=world.anna, exercise=ex, now=t0 + 7 * 60)
    # "reload": a fresh object from the database, much later while paused
    fresh = Exercise.objects.get(pk=ex.pk)
    assert played(fresh, t0 + 60 * 60) == order[:2]
    services.exercise_resume(by=world.anna, exercise=fresh, now=t0 + 60 * 60)
    fresh = Exercise.objects.get(pk=ex.pk)
    assert played(fresh, t0 + 60 * 60 + 3 * 60 + 1) == order[:3]  # 10 minutes of exercise time
    nxt = fresh.injects.get(uuid=order[3])
    services.exercise_skip(by=world.anna, exercise=fresh, inject=nxt, now=t0 + 3700)
    adhoc = services.exercise_add_inject(by=world.anna, exercise=fresh, delay_minutes=1, now=t0 + 3780,
                                         data={"channel": "social", "message": "Ad hoc", "is_media": True})
    fresh = Exercise.objects.get(pk=ex.pk)
    sch = services.exercise_schedule(fresh, t0 + 3780 + 61)
    assert str(adhoc.uuid) in [i.key for i in sch.played] and order[3] not in [i.key for i in sch.played]
    assert adhoc.added_during_run and float(adhoc.offset_minutes) == pytest.approx(11, abs=0.02)


def test_evaluation_creates_measures_and_a_new_assessment_keeping_the_old(world, scenarios):
    scenario = scenarios["gehackte-sluis-brug"]
    old = final_assessment(world, scenario, "B")
    ex = services.exercise_from_scenario(by=world.anna, owner=world.maastricht, scenario=scenario)
    services.exercise_start(by=world.anna, exercise=ex)
    o1 = services.log_add(by=world.anna, exercise=ex, kind=LogKind.OBSERVATIE, text="Niemand wist wie de sluis bedient")
    services.log_add(by=world.anna, exercise=ex, kind=LogKind.BESLUIT, text="Kade afgezet", role="burgemeester")
    with pytest.raises(services.ExerciseStateError):
        services.observation_to_measure(by=world.anna, exercise=ex, entry=o1)
    services.exercise_finish(by=world.anna, exercise=ex)
    ex.refresh_from_db()
    assert ex.status == ExerciseStatus.AFGEROND
    m = services.observation_to_measure(by=world.anna, exercise=ex, entry=o1, data={"title": "Bedieningsprotocol"})
    assert m.source_exercise == ex and list(m.scenarios.all()) == [scenario] and m.title == "Bedieningsprotocol"
    assert services.observation_to_measure(by=world.anna, exercise=ex, entry=o1) == m  # idempotent
    new = services.exercise_reassess(by=world.anna, exercise=ex, likelihood="D", rationale="Kwetsbaarder dan gedacht")
    assert new.pk != old.pk and new.supersedes_id == old.pk and new.is_final and new.likelihood == "D"
    old.refresh_from_db()
    assert old.likelihood == "B" and old.is_final
    assert set(Assessment.objects.filter(scenario=scenario)) == {old, new}
    assert scenario.current_assessment() == new
    services.exercise_evaluate(by=world.anna, exercise=ex, evaluation="Goed geoefend.")
    with pytest.raises(services.ExerciseStateError):
        services.log_add(by=world.anna, exercise=ex, kind=LogKind.OBSERVATIE, text="te laat")


def test_reassess_without_previous_assessment(world, scenarios):
    ex = services.exercise_from_scenario(by=world.anna, owner=world.maastricht,
                                         scenario=scenarios["online-oproep-rellen"])
    services.exercise_start(by=world.anna, exercise=ex)
    services.exercise_finish(by=world.anna, exercise=ex)
    with pytest.raises(services.ExerciseStateError):
        services.exercise_reassess(by=world.anna, exercise=ex, likelihood="C")
    code = risk_services.method(ex.scenario.method_id).codes[0]
    new = services.exercise_reassess(by=world.anna, exercise=ex, likelihood="C", impact={code: "C"})
    assert new.is_final and new.supersedes is None


def test_powers_versions_are_kept(world):
    v1 = services.powers_current()
    assert v1.version == 1
    codes = [i.code for i in v1.instruments.all()]
    for code in ("art-172-lid-3", "art-172a", "art-172b", "art-174", "art-175", "art-176", "art-176a", "apv",
                 "wetsvoorstel-36789"):
        assert code in codes
    bill = v1.instruments.get(code="wetsvoorstel-36789")
    assert bill.status == "wetsvoorstel" and "geen wet" in bill.title_nl
    v2 = services.powers_new_version(by=world.kees, note="Wetsvoorstel aangenomen door de Tweede Kamer",
                                     changes={"wetsvoorstel-36789": {"conditions_nl": "Aangenomen door de TK."}})
    assert v2.version == 2 and PowersVersion.objects.count() == 2
    assert v1.instruments.get(code="wetsvoorstel-36789").conditions_nl.startswith("Nog geen")
    assert v2.instruments.get(code="wetsvoorstel-36789").conditions_nl == "Aangenomen door de TK."
    assert v2.instruments.count() == v1.instruments.count()
    with pytest.raises(ValueError):
        services.powers_new_version(by=world.kees, note=" ", changes={})


def test_digital_component(world, scenarios):
    assert selectors.is_digital_component(scenarios["online-oproep-rellen"])
    assert not selectors.is_digital_component(scenarios["ransomware-mkb"])


def test_portfolio_matrix(world, scenarios, taxonomy):
    from cyberbeeld.incidents.services import current_forms

    p = services.portfolio_save(by=world.anna, owner=world.maastricht, data={
        "name": "OOV", "holder_role": "burgemeester", "scenarios": [scenarios["online-oproep-rellen"]]})
    q = services.portfolio_save(by=world.anna, owner=world.maastricht, data={
        "name": "Economie", "forms": list(current_forms().filter(code="malware-ransomware"))})
    services.measure_save(by=world.anna, owner=world.maastricht, data={
        "title": "m", "portfolio": q, "scenarios": [scenarios["helpdeskfraude-ouderen"]]})
    mx = selectors.portfolio_matrix(world.anna, world.maastricht)
    rows = {r["portfolio"].pk: {c["scenario"].pk: c for c in r["cells"]} for r in mx["rows"]}
    assert rows[p.pk][scenarios["online-oproep-rellen"].pk]["linked"]
    assert rows[q.pk][scenarios["ransomware-mkb"].pk]["forms"] == ["malware-ransomware"]
    assert rows[q.pk][scenarios["helpdeskfraude-ouderen"].pk]["measures"]
    assert rows[q.pk][scenarios["gehackte-sluis-brug"].pk]["forms"] == ["malware-ransomware"]
    assert mx["untouched"] == []
    services.portfolio_save(by=world.anna, owner=world.maastricht, portfolio=q, data={"forms": []})
    mx = selectors.portfolio_matrix(world.anna, world.maastricht)
    assert {s.pk for s in mx["untouched"]} == {scenarios["gehackte-sluis-brug"].pk, scenarios["ransomware-mkb"].pk}
    assert Measure.objects.count() == 1


def test_discussion_mode_has_no_clock(world, scenarios):
    ex = services.exercise_from_template(by=world.anna, owner=world.maastricht, code="project-x-oproep",
                                         scenario=scenarios["online-oproep-rellen"], mode="discussie")
    services.exercise_start(by=world.anna, exercise=ex, now=1_800_000_000.0)
    assert ex.clock_state.get("started_at") is None and ex.status == ExerciseStatus.LOPEND
    with pytest.raises(services.ExerciseStateError):
        services.exercise_pause(by=world.anna, exercise=ex)
    e = services.log_add(by=world.anna, exercise=ex, kind=LogKind.BESLUIT, text="Driehoek bijeen")
    assert e.elapsed_seconds is None
    services.exercise_finish(by=world.anna, exercise=ex)
    ex.refresh_from_db()
    assert ex.status == ExerciseStatus.AFGEROND


def test_every_library_template_builds(world, scenarios):
    for t in services.exercise_templates():
        ex = services.exercise_from_template(by=world.anna, owner=world.maastricht, code=t["code"])
        assert ex.injects.count() == len(t["injects"]) and ex.injects.filter(is_media=True).exists()
        assert ex.participants.count() == len(t["roles"])
    assert {t["code"] for t in services.exercise_templates()} == {
        "gehackte-sluisbesturing", "ransomware-gemeente", "ddos-verkiezingen", "project-x-oproep", "datalek-gemeente"}
    codes = set(ScenarioTemplate.objects.values_list("code", flat=True))
    assert all(t["scenario_template"] in codes for t in services.exercise_templates())


def test_exercise_from_other_orgs_scenario_refused(world, scenarios):
    with pytest.raises(PermissionError):
        services.exercise_from_scenario(by=world.zoe, owner=world.zaanstad, scenario=scenarios["ransomware-mkb"])


def test_group_signals_point_campaigns_at_groups(world):
    from cyberbeeld.indicators.models import Indicator, Observation

    ind = Indicator.objects.create(code="vm-oplichting", name_nl="Slachtoffers oplichting", name_en="Fraud victims",
                                   unit="percent", source="veiligheidsmonitor", series="vm-2021", form="oplichting-fraude")
    Observation.objects.create(indicator=ind, area=world.gm_maastricht, period="2021", value=4)
    Observation.objects.create(indicator=ind, area=world.gm_maastricht, period="2023", value=5.5)
    Observation.objects.create(indicator=ind, area=world.gm_zaanstad, period="2023", value=9)
    signals = {g["group"]: g for g in selectors.group_signals(world.maastricht)}
    row = signals["ouderen"]["rows"][0]
    assert row["indicator"] == ind and row["latest"].period == "2023" and row["change"] == pytest.approx(1.5)
    assert signals["jongeren"]["rows"] == []
    assert selectors.indicator_for_group("ouderen") == ind


def test_exercise_templates_have_english_texts_and_english_exercises(world, scenarios):
    """Every template text exists in both languages; an exercise made on an English page is English (issue #17)."""
    from django.utils import translation

    for t in services.exercise_templates():
        for value in (t["title"], t["description"], t["objectives"]):
            assert value["nl"] and value["en"] and value["nl"] != value["en"], t["code"]
        assert len(t["objectives"]["nl"]) == len(t["objectives"]["en"])
        for inj in t["injects"]:
            for key in ("sender", "message", "expected"):
                assert inj[key]["nl"] and inj[key]["en"], (t["code"], key)
    en = {t["code"]: t for t in services.exercise_templates("en")}
    assert en["ransomware-gemeente"]["description"].startswith("On Monday morning")
    with translation.override("en"):
        ex = services.exercise_from_template(by=world.anna, owner=world.maastricht, code="ransomware-gemeente")
    assert ex.title == "Ransomware at the gemeente"
    assert ex.description.startswith("On Monday morning")
    assert ex.objective_list[0] == "Crisis organisation when your own organisation is down"
    assert ex.injects.order_by("position").first().message.startswith("Staff cannot open files")
    nl = services.exercise_from_template(by=world.anna, owner=world.maastricht, code="ransomware-gemeente")
    assert nl.description.startswith("Maandagochtend") and nl.injects.first().sender


def test_powers_first_version_note_in_english(world):
    current = services.powers_current()
    assert current.note.startswith("Eerste versie") and current.note_en.startswith("First version")
