"""The casebook written through the API: the casebook's own forms (CaseForm, ApproachForm, ShareForm) and
services (redaction, audit, search index), the policy (another organisation's object is a 404 even when it is
shared with the caller; a role or scope that does not allow it a 403), sharing only by a coördinator and never
above the ceiling of a promoted incident."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cyberbeeld.accounts import tokens
from cyberbeeld.accounts.models import AuditEvent
from cyberbeeld.sharing import selectors, services
from cyberbeeld.sharing.models import Approach, Case, ShareChange

pytestmark = pytest.mark.django_db

RW = ["sharing:read", "sharing:write"]


def client_for(user, org, scopes=RW) -> Client:
    _row, text = tokens.token_create(by=None, acting_as=user, organisation=org, name="t", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {text}")


def send(c, method, path, body=None):
    return getattr(c, method)(path, json.dumps(body or {}), content_type="application/json")


def fields(response):
    assert response["Content-Type"] == "application/problem+json", response.content
    return {e["field"]: e for e in response.json()["errors"]}


def test_create_case_redacts_indexes_and_audits(world, taxonomy, warm_cores):
    c = client_for(world.anna, world.maastricht)
    r = send(c, "post", "/api/v1/sharing/cases", {
        "title": "Phishing via valse gemeentemail", "summary": "Jan Jansen belde vanaf 06-12345678 over de mail.",
        "occurred_on": "2026-10-01", "impact": "B", "forms": ["phishing"], "sectors": ["burgers"],
        "tags": "phishing, gemeente"})
    assert r.status_code == 201, r.content
    body = r.json()
    case = Case.objects.get(uuid=body["uuid"])
    assert case.owner == world.maastricht and case.created_by == world.anna and case.tlp == "amber"
    assert "Jan Jansen" not in case.summary and "06-12345678" not in case.summary
    assert [f.code for f in case.forms.all()] == ["phishing"] and case.sector_list == ["burgers"]
    assert body["forms"] == ["phishing"] and body["year"] == 2026
    assert AuditEvent.objects.filter(action="create", object_id=str(case.uuid)).exists()
    # the search index knows it (the same service as the page)
    assert selectors.search(world.anna, kind="case", q="gemeentemail", filters={}).total == 1


def test_bad_input_names_the_field(world, taxonomy):
    c = client_for(world.anna, world.maastricht)
    r = send(c, "post", "/api/v1/sharing/cases", {"title": "x", "forms": ["geen-vorm"]})
    assert r.status_code == 422 and fields(r).keys() == {"forms"}
    assert "geen-vorm" in fields(r)["forms"]["message_nl"]
    r = send(c, "post", "/api/v1/sharing/cases", {"title": "x", "impact": "Q", "sectors": ["ruimtevaart"]})
    errs = fields(r)
    assert r.status_code == 422 and errs.keys() == {"impact", "sectors"}
    assert errs["sectors"]["message_nl"] != errs["sectors"]["message_en"]
    assert fields(send(c, "post", "/api/v1/sharing/approaches", {"problem": "zonder titel"})).keys() == {"title"}
    assert not Case.objects.exists() and not Approach.objects.exists()


def test_update_only_sent_fields_and_policy(world, taxonomy):
    case = services.case_save(by=world.anna, owner=world.maastricht, data={
        "title": "Ransomware bij sportclub", "summary": "intern verslag", "impact": "C"}, sectors=["mkb"])
    c = client_for(world.anna, world.maastricht)
    r = send(c, "patch", f"/api/v1/sharing/cases/{case.uuid}", {"outcome": "back-ups teruggezet"})
    assert r.status_code == 200, r.content
    case.refresh_from_db()
    assert case.outcome == "back-ups teruggezet" and case.summary == "intern verslag" and case.impact == "C"
    assert case.sector_list == ["mkb"]
    assert AuditEvent.objects.filter(action="update", object_id=str(case.uuid)).exists()

    # shared with Eijsden: Eijsden sees it, but never writes it (404, as a missing one)
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.eijsden], legal_basis="publieke-taak",
                   purpose="leren")
    eva = client_for(world.eva, world.eijsden)
    assert eva.get(f"/api/v1/sharing/cases/{case.uuid}").status_code == 200
    for method, path, body in (("patch", "", {"title": "gekaapt"}), ("post", "/share", {"tlp": "clear"}),
                               ("post", "/withdraw", None)):
        r = send(eva, method, f"/api/v1/sharing/cases/{case.uuid}{path}", body)
        assert r.status_code == 404 and r["Content-Type"] == "application/problem+json", (path, r.content)
        assert b"Ransomware" not in r.content
    # Zaanstad does not see it: 404
    assert send(client_for(world.zoe, world.zaanstad), "patch", f"/api/v1/sharing/cases/{case.uuid}",
                {"title": "gekaapt"}).status_code == 404
    # a lezer's token (role) and a read-only token (scope): 403
    assert send(client_for(world.lezer, world.maastricht), "patch", f"/api/v1/sharing/cases/{case.uuid}",
                {"title": "gekaapt"}).status_code == 403
    ro = send(client_for(world.anna, world.maastricht, ["sharing:read"]), "patch",
              f"/api/v1/sharing/cases/{case.uuid}", {"title": "gekaapt"})
    assert ro.status_code == 403 and "sharing:write" in ro.json()["detail_en"]
    assert send(client_for(world.lezer, world.maastricht), "post", "/api/v1/sharing/cases",
                {"title": "x"}).status_code == 403
    case.refresh_from_db()
    assert case.title == "Ransomware bij sportclub"


def test_share_and_withdraw_through_the_share_form(world, taxonomy):
    approach = services.approach_save(by=world.anna, owner=world.maastricht, data={"title": "Buurtapp-aanpak"})
    c = client_for(world.anna, world.maastricht)
    # the share form needs a legal basis and a purpose (none stored yet): 422 naming them
    r = send(c, "post", f"/api/v1/sharing/approaches/{approach.uuid}/share", {"tlp": "green", "community": True})
    assert r.status_code == 422 and fields(r).keys() == {"legal_basis", "purpose"}
    # community only with GREEN; an unknown organisation slug is an unknown code
    r = send(c, "post", f"/api/v1/sharing/approaches/{approach.uuid}/share",
             {"tlp": "amber", "community": True, "legal_basis": "publieke-taak", "purpose": "leren"})
    assert r.status_code == 422 and "community" in fields(r)
    r = send(c, "post", f"/api/v1/sharing/approaches/{approach.uuid}/share",
             {"organisations": ["bestaat-niet"], "legal_basis": "publieke-taak", "purpose": "leren"})
    assert r.status_code == 422 and fields(r).keys() == {"organisations"}

    zoe = client_for(world.zoe, world.zaanstad, ["sharing:read"])
    assert zoe.get(f"/api/v1/sharing/approaches/{approach.uuid}").status_code == 404
    r = send(c, "post", f"/api/v1/sharing/approaches/{approach.uuid}/share",
             {"tlp": "green", "community": True, "legal_basis": "publieke-taak", "purpose": "leren van elkaar"})
    assert r.status_code == 200, r.content
    assert r.json()["tlp"] == "green" and r.json()["community"] is True and r.json()["widened"] is True
    assert zoe.get(f"/api/v1/sharing/approaches/{approach.uuid}").status_code == 200
    assert AuditEvent.objects.filter(action="share", object_id=str(approach.uuid)).exists()
    # only the fields sent change: the audience stays, the label narrows
    r = send(c, "post", f"/api/v1/sharing/approaches/{approach.uuid}/share", {"organisations": ["politie-limburg"]})
    assert r.status_code == 200 and r.json()["organisations"] == ["politie-limburg"]
    assert r.json()["purpose"] == "leren van elkaar"

    # a bewerker may edit but not share (403); withdraw by the coördinator: only the owner sees it again
    eva_item = services.approach_save(by=world.eva, owner=world.eijsden, data={"title": "Eijsdens"})
    assert send(client_for(world.eva, world.eijsden), "post", f"/api/v1/sharing/approaches/{eva_item.uuid}/share",
                {"tlp": "clear", "legal_basis": "publieke-taak", "purpose": "x"}).status_code == 403
    r = send(c, "post", f"/api/v1/sharing/approaches/{approach.uuid}/withdraw")
    assert r.status_code == 200 and r.json()["withdrawn"] is True and r.json()["tlp"] == "amber"
    assert zoe.get(f"/api/v1/sharing/approaches/{approach.uuid}").status_code == 404
    assert ShareChange.objects.filter(object_id=approach.pk, withdrawn=True).count() == 1


def test_a_promoted_case_is_never_shared_above_its_incident(world, taxonomy):
    from cyberbeeld.incidents.services import incident_save

    inc = incident_save(by=world.anna, owner=world.maastricht, data={"title": "Interne melding", "tlp": "amber"})
    case = services.promote_incident(by=world.anna, incident=inc)
    c = client_for(world.anna, world.maastricht)
    r = send(c, "post", f"/api/v1/sharing/cases/{case.uuid}/share",
             {"tlp": "clear", "legal_basis": "publieke-taak", "purpose": "publiceren"})
    assert r.status_code == 403 and fields(r).keys() == {"tlp"}
    case.refresh_from_db()
    assert case.tlp == "amber"


def test_a_token_never_writes_red(world, taxonomy):
    """A RED case is for its author and named persons: a token (acting as the organisation) does not see it,
    so it cannot change it either — the same 404 as for a missing case."""
    case = services.case_save(by=world.anna, owner=world.maastricht, data={"title": "Geheim", "tlp": "red"})
    c = client_for(world.anna, world.maastricht)
    for method, path in (("patch", ""), ("post", "/share"), ("post", "/withdraw")):
        assert send(c, method, f"/api/v1/sharing/cases/{case.uuid}{path}", {"title": "x"}).status_code == 404


def test_case_from_incident_needs_the_incident_scope_and_ownership(world, taxonomy, warm_cores):
    from cyberbeeld.incidents.services import incident_save

    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Valse factuur", "raw_description": "Jan Jansen belde vanaf 06-12345678.", "tlp": "amber"})
    # a token with sharing scopes only may not copy an incident's text into a case
    r = send(client_for(world.anna, world.maastricht), "post", f"/api/v1/sharing/cases/from-incident/{inc.uuid}")
    assert r.status_code == 403 and "incidents:read" in r.json()["detail_en"] and not Case.objects.exists()
    both = [*RW, "incidents:read"]
    share_with_eijsden = {"tlp": "amber", "organisations": [world.eijsden]}
    from cyberbeeld.accounts.services import share_set

    share_set(by=world.anna, obj=inc, **share_with_eijsden)
    # another organisation that sees it: 404; Maastricht's lezer: 403
    assert send(client_for(world.eva, world.eijsden, both), "post",
                f"/api/v1/sharing/cases/from-incident/{inc.uuid}").status_code == 404
    assert send(client_for(world.lezer, world.maastricht, both), "post",
                f"/api/v1/sharing/cases/from-incident/{inc.uuid}").status_code == 403
    r = send(client_for(world.anna, world.maastricht, both), "post", f"/api/v1/sharing/cases/from-incident/{inc.uuid}")
    assert r.status_code == 201, r.content
    case = Case.objects.get(uuid=r.json()["uuid"])
    assert case.source_incident == inc and case.tlp == "amber" and "Jan Jansen" not in case.summary
    assert list(case.audience_organisations.all()) == [world.eijsden]  # the incident's audience, no wider


def test_adopt_an_approach_and_ask_and_answer(world, taxonomy):
    approach = services.approach_save(by=world.anna, owner=world.maastricht, data={"title": "Buurtapp-aanpak",
                                                                                   "problem": "oplichting"})
    services.share(by=world.anna, obj=approach, tlp="green", community=True, legal_basis="publieke-taak",
                   purpose="leren")
    zoe_rw = [*RW, "actions:write"]
    # adopting makes a measure: the token needs actions:write too
    r = send(client_for(world.zoe, world.zaanstad), "post", f"/api/v1/sharing/approaches/{approach.uuid}/adopt")
    assert r.status_code == 403 and "actions:write" in r.json()["detail_en"]
    r = send(client_for(world.zoe, world.zaanstad, zoe_rw), "post", f"/api/v1/sharing/approaches/{approach.uuid}/adopt")
    assert r.status_code == 200, r.content
    from cyberbeeld.actions.models import Measure

    measure = Measure.objects.get(uuid=r.json()["measure"])
    assert measure.owner == world.zaanstad and r.json()["organisation"] == "gemeente-zaanstad"
    # a lezer may not adopt
    assert send(client_for(world.lezer, world.maastricht, zoe_rw), "post",
                f"/api/v1/sharing/approaches/{approach.uuid}/adopt").status_code == 403

    case = services.case_save(by=world.anna, owner=world.maastricht, data={"title": "Phishing"})
    zoe = client_for(world.zoe, world.zaanstad)
    assert send(zoe, "post", f"/api/v1/sharing/cases/{case.uuid}/questions", {"text": "Hoe?"}).status_code == 404
    services.share(by=world.anna, obj=case, tlp="green", community=True, legal_basis="publieke-taak", purpose="x")
    r = send(zoe, "post", f"/api/v1/sharing/cases/{case.uuid}/questions", {"text": "Belde Jan Jansen u ook?"})
    assert r.status_code == 201, r.content
    assert r.json()["organisation"] == "gemeente-zaanstad"
    assert fields(send(zoe, "post", f"/api/v1/sharing/cases/{case.uuid}/questions", {"text": ""})).keys() == {"text"}
    r = send(client_for(world.anna, world.maastricht), "post", f"/api/v1/sharing/questions/{r.json()['uuid']}/answers",
             {"text": "Ja, via de balie."})
    assert r.status_code == 201 and r.json()["organisation"] == "gemeente-maastricht"
    assert AuditEvent.objects.filter(action="answer").exists()
