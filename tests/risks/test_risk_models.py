"""The scoring through the models: frozen method versions, final assessments immutable, history."""

from __future__ import annotations

import pytest

from cyberbeeld.risks import scoring, selectors, services
from cyberbeeld.risks.models import Assessment, AssessmentStatus, FinalAssessmentError, ScenarioTemplate

pytestmark = pytest.mark.django_db

RANSOM = {"2.1": "0", "2.2": "0", "2.3": "A", "3.1": "C", "5.1": "D", "5.2": "B", "5.3": "C", "L.1": "D", "L.2": "C"}


def adopt(world, code="ransomware-gemeente", by=None, **overrides):
    services.templates_sync()
    tpl = ScenarioTemplate.objects.get(code=code)
    return services.scenario_adopt(by=by or world.anna, owner=world.maastricht, template=tpl, overrides=overrides)


def score(world, scenario, likelihood="D", impact=None, by=None, final=True):
    a = services.assessment_save(by=by or world.anna, scenario=scenario, data={
        "likelihood": likelihood, "likelihood_rationale": "Concrete aanwijzingen.",
        "impact": dict(impact or RANSOM), "impact_rationale": {"3.1": "Herstelkosten"}})
    return services.assessment_finalise(by=by or world.anna, assessment=a) if final else a


def test_templates_sync_is_idempotent(db):
    assert services.templates_sync() == 11
    assert services.templates_sync() == 0
    codes = set(ScenarioTemplate.objects.values_list("code", flat=True))
    assert {"gehackte-sluis-brug", "ransomware-mkb", "ddos-gemeente", "datalek-persoonsgegevens",
            "online-oproep-rellen", "treitervlogger", "helpdeskfraude-ouderen", "caas-lokale-daders",
            "cyberincident-ramp", "cyberincident-verkiezingen"} <= codes


def test_adopt_copies_template_and_links_matching_assets(world):
    asset = services.asset_save(by=world.anna, owner=world.maastricht,
                                data={"name": "E-loket", "kind": "digitale-dienstverlening"})
    s = adopt(world)
    assert s.template.code == "ransomware-gemeente" and s.lane == "ciso" and s.road == "eigen-huis"
    assert "malware-ransomware" in s.form_codes
    assert list(s.assets.all()) == [asset]
    assert s.area == world.gm_maastricht and s.method_id == "lokaal-cyber-2026"


def test_assessment_scores_like_the_pure_core(world):
    s = adopt(world)
    a = score(world, s)
    m = scoring.load_method("lokaal-cyber-2026")
    expected = scoring.score_impact(m, RANSOM)
    assert a.total == pytest.approx(expected.total) and a.impact_class == expected.impact_class
    assert a.method_fingerprint == m.fingerprint
    pic = selectors.picture([s])
    assert pic.entries[0][1] == a
    assert pic.entries[0][2].likelihood.best == "D"


def test_final_assessment_is_never_edited_or_deleted(world):
    s = adopt(world)
    a = score(world, s)
    a.likelihood = "A"
    with pytest.raises(FinalAssessmentError):
        a.save()
    with pytest.raises(FinalAssessmentError):
        services.assessment_save(by=world.anna, scenario=s, assessment=a, data={"likelihood": "B"})
    with pytest.raises(FinalAssessmentError):
        Assessment.objects.filter(pk=a.pk).update(likelihood="A")
    with pytest.raises(FinalAssessmentError):
        Assessment.objects.get(pk=a.pk).delete()
    with pytest.raises(FinalAssessmentError):
        Assessment.objects.filter(pk=a.pk).delete()
    assert Assessment.objects.get(pk=a.pk).likelihood == "D"


def test_rescoring_makes_a_new_assessment_and_keeps_history(world):
    s = adopt(world)
    first = score(world, s)
    draft = services.assessment_new_from(by=world.anna, previous=first)
    draft = services.assessment_save(by=world.anna, scenario=s, assessment=draft, data={"likelihood": "E"})
    second = services.assessment_finalise(by=world.anna, assessment=draft)
    assert second.supersedes == first and second.pk != first.pk
    assert Assessment.objects.filter(scenario=s, status=AssessmentStatus.FINAL).count() == 2
    assert selectors.current_assessment(s) == second
    assert Assessment.objects.get(pk=first.pk).likelihood == "D"


def test_new_method_version_means_new_assessment_never_silent_rescoring(world):
    s = adopt(world)
    first = score(world, s)
    # switching the scenario to another method version: the old assessment no longer counts
    services.scenario_save(by=world.anna, owner=world.maastricht, scenario=s, data={"method_id": "rrp-2009"})
    assert selectors.current_assessment(s) is None
    # scoring the old assessment with the new method is refused
    rrp = scoring.load_method("rrp-2009")
    with pytest.raises(scoring.MethodVersionMismatch):
        scoring.assess(rrp, services.to_pure(first, scenario=s))
    new = services.assessment_new_from(by=world.anna, previous=first, method_id="rrp-2009")
    assert new.method_id == "rrp-2009" and new.method_fingerprint == rrp.fingerprint
    assert set(new.impact) == set(rrp.codes)
    assert new.impact["1.1"] == "X" and new.impact["3.1"] == "C"  # new criteria start as X, shared ones carried
    services.assessment_finalise(by=world.anna, assessment=new)
    assert selectors.current_assessment(s).method_id == "rrp-2009"
    assert Assessment.objects.get(pk=first.pk).method_id == "lokaal-cyber-2026"


def test_changed_method_fingerprint_refuses_finalising(world):
    s = adopt(world)
    draft = score(world, s, final=False)
    Assessment.objects.filter(pk=draft.pk).update(method_fingerprint="0" * 64)
    draft.refresh_from_db()
    with pytest.raises(scoring.MethodVersionMismatch):
        services.assessment_finalise(by=world.anna, assessment=draft)


def test_invalid_scores_are_refused(world):
    s = adopt(world)
    with pytest.raises(scoring.ScoreError):
        services.assessment_save(by=world.anna, scenario=s, data={"likelihood": "D", "impact": {"3.1": "C"}})
    with pytest.raises(scoring.ScoreError):
        services.assessment_save(by=world.anna, scenario=s, data={"likelihood": "F", "impact": RANSOM})


def test_spread_over_assessors(world):
    s = adopt(world)
    score(world, s, likelihood="C", by=world.anna)
    score(world, s, likelihood="E", by=world.beheerder, impact={**RANSOM, "5.1": "E"})
    sp = selectors.spread_of(s)
    assert sp.n_assessors == 2 and sp.min_likelihood == "C" and sp.max_likelihood == "E"


def test_picture_sorts_by_risk(world):
    low = adopt(world, "ddos-gemeente")
    high = adopt(world, "ransomware-gemeente")
    score(world, low, likelihood="B", impact={k: "A" for k in RANSOM})
    score(world, high, likelihood="E")
    pic = selectors.picture([low, high])
    assert [e[0] for e in pic.entries] == [high, low]
    d = pic.diagram("nl")
    assert d.spec["title"] == "Risicodiagram" or "Risicodiagram" in str(d.spec["title"])
    assert [r["scenario"] for r in d.rows] == [high.title, low.title]
