"""Measures written through the API: the measure form's validation, measure_save, the policy."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cyberbeeld.accounts import tokens
from cyberbeeld.actions.models import Measure
from cyberbeeld.actions.services import measure_save
from cyberbeeld.risks.services import scenario_save

pytestmark = pytest.mark.django_db

RW = ["actions:read", "actions:write"]
SCEN = {"road": "cybercrime", "lane": "oov", "threat_actor": "cybercrimineel"}


def client_for(user, org, scopes=RW) -> Client:
    _row, text = tokens.token_create(by=None, acting_as=user, organisation=org, name="t", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {text}")


def send(c, method, path, body):
    return getattr(c, method)(path, json.dumps(body), content_type="application/json")


def test_create_update_and_isolation(world, taxonomy):
    own = scenario_save(by=world.anna, owner=world.maastricht, data={"title": "Ransomware raakt de zorg", **SCEN})
    other = scenario_save(by=world.zoe, owner=world.zaanstad, data={"title": "Zaans scenario", **SCEN})
    c = client_for(world.anna, world.maastricht)
    r = send(c, "post", "/api/v1/actions/measures", {"title": "Back-ups testen", "scenarios": [str(own.uuid)],
                                                     "due_date": "2027-02-03", "status": "gepland"})
    assert r.status_code == 201, r.content
    m = Measure.objects.get(uuid=r.json()["uuid"])
    assert m.owner == world.maastricht and list(m.scenarios.all()) == [own] and str(m.due_date) == "2027-02-03"
    # another organisation's scenario is an unknown code, not a hint that it exists
    r = send(c, "post", "/api/v1/actions/measures", {"title": "x", "scenarios": [str(other.uuid)]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scenarios"
    assert Measure.objects.count() == 1
    # update only what is sent
    r = send(c, "patch", f"/api/v1/actions/measures/{m.uuid}", {"status": "in-uitvoering"})
    assert r.status_code == 200, r.content
    m.refresh_from_db()
    assert m.status == "in-uitvoering" and str(m.due_date) == "2027-02-03" and list(m.scenarios.all()) == [own]
    # another organisation: 404; a bad status: 422 naming the field
    assert send(client_for(world.zoe, world.zaanstad), "patch", f"/api/v1/actions/measures/{m.uuid}",
                {"title": "gekaapt"}).status_code == 404
    r = send(c, "patch", f"/api/v1/actions/measures/{m.uuid}", {"status": "klaar-misschien"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    m.refresh_from_db()
    assert m.title == "Back-ups testen" and m.status == "in-uitvoering"


def test_lezer_and_read_only_tokens_may_not_write(world, taxonomy):
    m = measure_save(by=world.anna, owner=world.maastricht, data={"title": "Bewustwording", "tlp": "amber"})
    assert send(client_for(world.lezer, world.maastricht), "patch", f"/api/v1/actions/measures/{m.uuid}",
                {"title": "x"}).status_code == 403
    assert send(client_for(world.anna, world.maastricht, ["actions:read"]), "post", "/api/v1/actions/measures",
                {"title": "x"}).status_code == 403
    assert Measure.objects.count() == 1
