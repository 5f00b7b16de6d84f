"""Scenarios and assessments written through the API: the pages' forms (ScenarioForm, AssessmentForm) and
services (scenario_save, assessment_save, assessment_finalise), audited; another organisation's scenario is a
404 even when shared; a final assessment is never edited (409); the ceiling of a drafted scenario holds."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cyberbeeld.accounts import tokens
from cyberbeeld.accounts.models import AuditEvent
from cyberbeeld.accounts.services import share_set
from cyberbeeld.incidents.services import incident_save
from cyberbeeld.risks import services
from cyberbeeld.risks.models import Assessment, Scenario

pytestmark = pytest.mark.django_db

RW = ["risks:read", "risks:write"]
SCEN = {"road": "cybercrime", "lane": "oov", "threat_actor": "cybercrimineel"}
SCORES = {"2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}


def client_for(user, org, scopes=RW) -> Client:
    _row, text = tokens.token_create(by=None, acting_as=user, organisation=org, name="t", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {text}")


def send(c, method, path, body=None):
    return getattr(c, method)(path, json.dumps(body or {}), content_type="application/json")


def fields(response):
    assert response["Content-Type"] == "application/problem+json", response.content
    return {e["field"]: e for e in response.json()["errors"]}


def test_create_and_update_a_scenario(world, taxonomy):
    own_inc = incident_save(by=world.anna, owner=world.maastricht, data={"title": "Ransomware", "tlp": "amber"})
    other_inc = incident_save(by=world.zoe, owner=world.zaanstad, data={"title": "Zaans", "tlp": "amber"})
    c = client_for(world.anna, world.maastricht)
    r = send(c, "post", "/api/v1/risks/scenarios", {
        "title": "Ransomware raakt het mkb", "forms": ["malware-ransomware"], "evidence_incidents": [str(own_inc.uuid)],
        "risk_owner": "burgemeester", "tlp": "amber", **SCEN})
    assert r.status_code == 201, r.content
    s = Scenario.objects.get(uuid=r.json()["uuid"])
    assert s.owner == world.maastricht and s.created_by == world.anna and s.form_codes == ["malware-ransomware"]
    assert list(s.evidence_incidents.all()) == [own_inc] and r.json()["forms"] == ["malware-ransomware"]
    assert AuditEvent.objects.filter(action="create", object_id=str(s.uuid)).exists()
    # another organisation's incident is an unknown code (no hint that it exists); a bad choice names its field
    r = send(c, "post", "/api/v1/risks/scenarios", {"title": "x", "evidence_incidents": [str(other_inc.uuid)], **SCEN})
    assert r.status_code == 422 and fields(r).keys() == {"evidence_incidents"}
    r = send(c, "post", "/api/v1/risks/scenarios", {**SCEN, "title": "x", "road": "snelweg", "forms": ["geen"]})
    assert r.status_code == 422 and fields(r).keys() == {"road", "forms"}
    assert fields(send(c, "post", "/api/v1/risks/scenarios", {"title": "x"})).keys() == {"road", "threat_actor"}
    assert Scenario.objects.count() == 1
    # update only what is sent
    r = send(c, "patch", f"/api/v1/risks/scenarios/{s.uuid}", {"risk_owner": "wethouder"})
    assert r.status_code == 200, r.content
    s.refresh_from_db()
    assert s.risk_owner == "wethouder" and s.form_codes == ["malware-ransomware"] and s.road == "cybercrime"
    assert list(s.evidence_incidents.all()) == [own_inc]


def test_policy_of_scenario_writes(world, taxonomy):
    s = services.scenario_save(by=world.anna, owner=world.maastricht, data={"title": "Gedeeld scenario", **SCEN})
    share_set(by=world.anna, obj=s, tlp="amber", region=True)
    eva = client_for(world.eva, world.eijsden)
    assert eva.get(f"/api/v1/risks/scenarios/{s.uuid}").status_code == 200  # shared with the region: visible
    for method, path, body in (("patch", "", {"title": "gekaapt"}), ("post", "/assessments", {"likelihood": "A"})):
        r = send(eva, method, f"/api/v1/risks/scenarios/{s.uuid}{path}", body)
        assert r.status_code == 404 and r["Content-Type"] == "application/problem+json", (path, r.content)
    assert send(client_for(world.zoe, world.zaanstad), "patch", f"/api/v1/risks/scenarios/{s.uuid}",
                {"title": "gekaapt"}).status_code == 404
    assert send(client_for(world.lezer, world.maastricht), "patch", f"/api/v1/risks/scenarios/{s.uuid}",
                {"title": "gekaapt"}).status_code == 403
    ro = send(client_for(world.anna, world.maastricht, ["risks:read"]), "post", "/api/v1/risks/scenarios",
              {"title": "x", **SCEN})
    assert ro.status_code == 403 and "risks:write" in ro.json()["detail_nl"]
    # relabelling is sharing: a bewerker's token may not (403 naming the field)
    eva_s = services.scenario_save(by=world.eva, owner=world.eijsden, data={"title": "Eijsdens", **SCEN})
    r = send(eva, "patch", f"/api/v1/risks/scenarios/{eva_s.uuid}", {"tlp": "clear"})
    assert r.status_code == 403 and fields(r).keys() == {"tlp"}
    s.refresh_from_db()
    assert s.title == "Gedeeld scenario"


def test_assess_draft_then_final_then_never_edited(world, taxonomy):
    s = services.scenario_save(by=world.anna, owner=world.maastricht, data={"title": "Phishing", **SCEN})
    c = client_for(world.anna, world.maastricht)
    url = f"/api/v1/risks/scenarios/{s.uuid}/assessments"
    # every criterion of the method is needed; an unknown criterion or class is named
    r = send(c, "post", url, {"likelihood": "C", "impact": {"9.9": "A", "3.1": "Z"}})
    assert r.status_code == 422 and fields(r).keys() == {"impact.9.9"}
    r = send(c, "post", url, {"likelihood": "C", "impact": {**SCORES, "3.1": "Z"}})
    assert r.status_code == 422 and fields(r).keys() == {"impact.3.1"}
    r = send(c, "post", url, {"likelihood": "Q", "impact": SCORES})
    assert r.status_code == 422 and fields(r).keys() == {"likelihood"}
    assert not Assessment.objects.exists()

    r = send(c, "post", url, {"likelihood": "C", "impact": SCORES, "impact_rationale": {"3.1": "zorg geraakt"}})
    assert r.status_code == 201, r.content
    draft = Assessment.objects.get(uuid=r.json()["uuid"])
    assert draft.status == "draft" and draft.impact["3.1"] == "C" and draft.impact_rationale["3.1"] == "zorg geraakt"
    # a draft stays with the owner
    share_set(by=world.anna, obj=s, tlp="amber", region=True)
    eva = client_for(world.eva, world.eijsden, ["risks:read"])
    assert eva.get(f"/api/v1/risks/assessments/{draft.uuid}").status_code == 404
    assert c.get(f"/api/v1/risks/assessments/{draft.uuid}").status_code == 200
    # update only what is sent, then finalise
    r = send(c, "patch", f"/api/v1/risks/assessments/{draft.uuid}", {"likelihood": "D", "finalise": True})
    assert r.status_code == 200, r.content
    draft.refresh_from_db()
    assert draft.status == "final" and draft.likelihood == "D" and draft.impact["5.1"] == "B"
    assert draft.impact_rationale["3.1"] == "zorg geraakt"
    assert AuditEvent.objects.filter(action="finalise", object_id=str(draft.uuid)).exists()
    assert eva.get(f"/api/v1/risks/assessments/{draft.uuid}").status_code == 200
    assert c.get(f"/api/v1/risks/scenarios/{s.uuid}").json()["current_assessment"]["uuid"] == str(draft.uuid)
    # a final assessment is never edited; a new one starts from its scores and supersedes it
    r = send(c, "patch", f"/api/v1/risks/assessments/{draft.uuid}", {"likelihood": "A"})
    assert r.status_code == 409 and r["Content-Type"] == "application/problem+json"
    r = send(c, "post", url, {"likelihood": "E"})
    assert r.status_code == 201, r.content
    assert r.json()["supersedes"] == str(draft.uuid) and r.json()["impact"]["3.1"] == "C"
    # a lezer's token may not assess
    assert send(client_for(world.lezer, world.maastricht), "post", url, {"likelihood": "A"}).status_code == 403
