"""Incidents written through the API: the web form's validation, incident_save (redaction applied), the
policy (another organisation's incident is a 404; a role or scope that does not allow it a 403)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cyberbeeld.accounts import tokens
from cyberbeeld.accounts.models import AuditEvent
from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import incident_save

pytestmark = pytest.mark.django_db

RW = ["incidents:read", "incidents:write"]


def client_for(user, org, scopes=RW) -> Client:
    _row, text = tokens.token_create(by=None, acting_as=user, organisation=org, name="t", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {text}")


def post(c, path, body):
    return c.post(path, json.dumps(body), content_type="application/json")


def patch(c, path, body):
    return c.patch(path, json.dumps(body), content_type="application/json")


def fields(response):
    assert response["Content-Type"] == "application/problem+json", response.content
    return {e["field"]: e for e in response.json()["errors"]}


def test_create_redacts_and_audits(world, taxonomy, warm_cores):
    c = client_for(world.anna, world.maastricht)
    r = post(c, "/api/v1/incidents", {"title": "Phishingmail bij burger", "raw_description":
                                      "Jan Jansen belde vanaf 06-12345678 over een valse bankmail.",
                                      "area": "gm0935", "reported_on": "2026-11-30", "sector": "burgers",
                                      "tlp": "amber", "external_id": "zaak-1"})
    assert r.status_code == 201, r.content
    body = r.json()
    inc = Incident.objects.get(uuid=body["uuid"])
    assert inc.owner == world.maastricht and inc.created_by == world.anna and inc.area.code == "GM0935"
    assert "Jan Jansen" in inc.raw_description and "Jan Jansen" not in inc.redacted_description
    assert "06-12345678" not in inc.redacted_description
    assert AuditEvent.objects.filter(action="create", object_id=str(inc.uuid)).exists()
    # the owner reads the raw text; the police, once shared with, the redacted text only
    assert body["description_is_redacted"] is False
    again = post(c, "/api/v1/incidents", {"title": "nogmaals", "external_id": "zaak-1"})
    assert again.status_code == 409 and Incident.objects.count() == 1


def test_bad_input_names_the_field_in_both_languages(world, taxonomy):
    c = client_for(world.anna, world.maastricht)
    before = Incident.objects.count()
    r = post(c, "/api/v1/incidents", {"title": "x", "sector": "ruimtevaart", "form": "geen-vorm",
                                      "area": "GM9999"})
    assert r.status_code == 422
    errs = fields(r)
    assert set(errs) == {"form", "area"}  # the codes are checked first
    assert "geen-vorm" in errs["form"]["message_en"] and "geen-vorm" in errs["form"]["message_nl"]
    r = post(c, "/api/v1/incidents", {"title": "x", "sector": "ruimtevaart", "postcode4": "12"})
    errs = fields(r)
    assert r.status_code == 422 and "sector" in errs
    assert errs["sector"]["message_nl"] != errs["sector"]["message_en"]  # Django's own messages, both languages
    assert fields(post(c, "/api/v1/incidents", {"raw_description": "zonder titel"})).keys() == {"title"}
    assert post(c, "/api/v1/incidents", {"title": ""}).status_code == 422
    r = c.post("/api/v1/incidents", "{not json", content_type="application/json")
    assert r.status_code in (400, 422) and r["Content-Type"] == "application/problem+json"
    assert Incident.objects.count() == before


def test_update_only_sent_fields_and_policy(world, taxonomy):
    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Ransomware bij sportclub", "raw_description": "intern", "tlp": "amber", "sector": "mkb",
        "reported_on": "2026-11-02"})
    c = client_for(world.anna, world.maastricht)
    r = patch(c, f"/api/v1/incidents/{inc.uuid}", {"status": "in-behandeling"})
    assert r.status_code == 200, r.content
    inc.refresh_from_db()
    assert inc.status == "in-behandeling" and inc.sector == "mkb" and str(inc.reported_on) == "2026-11-02"
    assert inc.raw_description == "intern" and inc.tlp == "amber"

    # another organisation: 404, nothing changes (also with a write token)
    zoe = client_for(world.zoe, world.zaanstad)
    hidden = patch(zoe, f"/api/v1/incidents/{inc.uuid}", {"title": "gekaapt"})
    assert hidden.status_code == 404 and hidden["Content-Type"] == "application/problem+json"
    # a lezer's token: the role does not allow writing (403), a read-only token lacks the scope (403)
    assert patch(client_for(world.lezer, world.maastricht), f"/api/v1/incidents/{inc.uuid}",
                 {"title": "gekaapt"}).status_code == 403
    ro = patch(client_for(world.anna, world.maastricht, ["incidents:read"]), f"/api/v1/incidents/{inc.uuid}",
               {"title": "gekaapt"})
    assert ro.status_code == 403 and "incidents:write" in ro.json()["detail_en"]
    assert post(client_for(world.lezer, world.maastricht), "/api/v1/incidents", {"title": "x"}).status_code == 403
    inc.refresh_from_db()
    assert inc.title == "Ransomware bij sportclub"

    # relabelling is sharing: a bewerker may not (403 naming the field), a coördinator may
    eva_inc = incident_save(by=world.eva, owner=world.eijsden, data={"title": "DDoS", "tlp": "amber"})
    r = patch(client_for(world.eva, world.eijsden), f"/api/v1/incidents/{eva_inc.uuid}", {"tlp": "clear"})
    assert r.status_code == 403 and fields(r).keys() == {"tlp"}
    assert patch(c, f"/api/v1/incidents/{inc.uuid}", {"tlp": "green"}).status_code == 200
    inc.refresh_from_db()
    assert inc.tlp == "green"


def test_session_writes_need_csrf(world, taxonomy):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.anna)
    r = post(c, "/api/v1/incidents", {"title": "zonder csrf"})
    assert r.status_code in (401, 403) and not Incident.objects.exists()
