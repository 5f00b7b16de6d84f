"""Every write leaves an append-only audit event."""

from __future__ import annotations

import pytest

from cyberbeeld.accounts import services
from cyberbeeld.accounts.models import AuditEvent, OrganisationKind, Role

pytestmark = pytest.mark.django_db


def count() -> int:
    return AuditEvent.objects.count()


def test_each_service_write_is_audited(world, taxonomy):
    from cyberbeeld.areas.services import area_mapping_update
    from cyberbeeld.incidents.services import incident_save

    steps = [
        ("organisation", lambda: services.organisation_create(by=world.kees, kind=OrganisationKind.RIEC, name="RIEC X")),
        ("membership", lambda: services.membership_set(by=world.beheerder, user=world.nobody,
                                                      organisation=world.maastricht, role=Role.LEZER)),
        ("audience", lambda: services.audience_save(by=world.anna, owner=world.maastricht, name="Driehoek",
                                                    organisations=[world.politie])),
        ("user", lambda: services.user_create(by=world.kees, username="nieuw", password="x" * 16)),
        ("incident", lambda: incident_save(by=world.anna, owner=world.maastricht, data={"title": "t", "tlp": "amber"})),
        ("mapping", lambda: area_mapping_update(by=world.kees, area=world.gm_eijsden, basisteam=None)),
    ]
    for name, step in steps:
        before = count()
        obj = step()
        assert count() == before + 1, name
        event = AuditEvent.objects.first()
        assert event.action in {"create", "update"}
        if name == "incident":
            assert event.object_id == str(obj.uuid) and event.username == "anna"
            assert event.organisation == world.maastricht
            before = count()
            services.share_set(by=world.anna, obj=obj, tlp="green", region=True)
            assert count() == before + 1
            share = AuditEvent.objects.first()
            assert share.action == "share" and share.changes["tlp"] == ["amber", "green"]


def test_raw_text_never_enters_the_audit_log(world, taxonomy):
    from cyberbeeld.incidents.services import incident_save

    incident_save(by=world.anna, owner=world.maastricht, data={"title": "t", "raw_description": "Piet Geheim 0612345678"})
    assert "Geheim" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_log_is_append_only(world):
    event = AuditEvent.objects.first()
    event.action = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="x")


def test_login_and_logout_are_audited(client, world):
    assert client.post("/nl/account/inloggen/", {"username": "anna", "password": world.password}).status_code == 302
    assert AuditEvent.objects.filter(action="login", username="anna").exists()
    client.post("/nl/account/uitloggen/")
    assert AuditEvent.objects.filter(action="logout", username="anna").exists()


def test_audit_page_only_for_beheerders(client, world):
    client.force_login(world.beheerder)
    assert client.get("/nl/account/organisatie/gemeente-maastricht/auditlog/").status_code == 200
    client.force_login(world.anna)
    assert client.get("/nl/account/organisatie/gemeente-maastricht/auditlog/").status_code == 404
    client.force_login(world.zoe)
    assert client.get("/nl/account/organisatie/gemeente-maastricht/auditlog/").status_code == 404
