"""Retention rules: shown before they act, applied by a scheduled task, every step logged."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from cyberbeeld.accounts.models import AuditEvent
from cyberbeeld.incidents import retention
from cyberbeeld.incidents.models import FormFeedback, Incident, RetentionRule
from cyberbeeld.incidents.services import incident_save

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def backdate(inc, days, closed_days=None):
    when = timezone.now() - dt.timedelta(days=days)
    Incident.objects.filter(pk=inc.pk).update(created_at=when, updated_at=when,
                                              closed_at=None if closed_days is None
                                              else timezone.now() - dt.timedelta(days=closed_days))
    inc.refresh_from_db()
    return inc


@pytest.fixture
def setup(world, taxonomy):
    raw_rule = retention.rule_save(by=world.anna, owner=world.maastricht, data={
        "target": "raw-text", "period_days": 365, "action": "anonymise",
        "legal_basis": "AVG art. 5 lid 1 sub e (opslagbeperking)"})
    closed_rule = retention.rule_save(by=world.anna, owner=world.maastricht, data={
        "target": "closed", "period_days": 730, "action": "delete", "legal_basis": "Archiefwet 1995, selectielijst"})
    old = backdate(incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Oude melding", "raw_description": "Jan Jansen, 06-12345678, belde."}), 400)
    soon = backdate(incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Bijna oud", "raw_description": "Piet belde over phishing."}), 340)
    closed = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Afgesloten zaak", "raw_description": "Afgehandeld.", "status": "afgesloten"})
    closed = backdate(closed, 900, closed_days=800)
    fresh = incident_save(by=world.anna, owner=world.maastricht, data={"title": "Nieuw", "raw_description": "Vandaag."})
    other = backdate(incident_save(by=world.zoe, owner=world.zaanstad, data={
        "title": "Zaanstad oud", "raw_description": "Karel belde."}), 1000)
    return raw_rule, closed_rule, old, soon, closed, fresh, other


def test_plan_shows_what_happens_when(setup):
    raw_rule, closed_rule, old, soon, closed, fresh, other = setup
    planned = {p.incident.pk: p for p in retention.plan(owner=old.owner)}
    assert planned[old.pk].action == "anonymise" and planned[old.pk].due <= TODAY
    assert planned[soon.pk].due == timezone.localdate(soon.created_at) + dt.timedelta(days=365)
    assert planned[closed.pk].action == "delete"
    assert fresh.pk not in planned and other.pk not in planned  # other organisations' rules do not apply


def test_dry_run_changes_nothing_but_is_logged(setup):
    _, _, old, soon, closed, fresh, other = setup
    out = StringIO()
    call_command("apply_retention", dry_run=True, stdout=out)
    assert "1 geanonimiseerd" in out.getvalue() and "1 verwijderd" in out.getvalue()
    assert Incident.objects.get(pk=old.pk).raw_description
    assert Incident.objects.filter(pk=closed.pk).exists()
    assert AuditEvent.objects.filter(action="retention-dry-run").exists()


def test_apply_anonymises_and_deletes_and_logs(setup, world):
    _, _, old, soon, closed, fresh, other = setup
    FormFeedback.objects.create(owner=world.maastricht, incident=closed, title="x", chosen_form="phishing")
    report = retention.apply_retention(dry_run=False)
    assert report.anonymised == [str(old.uuid)] and report.deleted == [str(closed.uuid)]
    old.refresh_from_db()
    assert old.raw_description == "" and old.redacted_description and old.anonymised_at is not None
    assert not Incident.objects.filter(pk=closed.pk).exists()
    assert Incident.objects.get(pk=soon.pk).raw_description and Incident.objects.get(pk=other.pk).raw_description
    ev = AuditEvent.objects.get(action="retention-anonymise", object_id=str(old.uuid))
    assert ev.changes["legal_basis"].startswith("AVG") and "Jan" not in str(ev.changes)
    assert AuditEvent.objects.filter(action="retention-delete", object_id=str(closed.uuid)).exists()
    assert AuditEvent.objects.filter(action="retention-run").exists()
    # a second run has nothing left to do
    again = retention.apply_retention()
    assert again.anonymised == [] and again.deleted == []


def test_task_runs_the_same(setup):
    from cyberbeeld.incidents.tasks import apply_retention_task

    result = apply_retention_task.enqueue(dry_run=False)
    assert result.return_value == {"dry_run": False, "anonymised": 1, "deleted": 1}


def test_raw_text_rule_cannot_delete(world):
    with pytest.raises(ValidationError):
        retention.rule_save(by=world.anna, owner=world.maastricht, data={
            "target": "raw-text", "period_days": 10, "action": "delete", "legal_basis": "x"})


def test_pages_show_it_before_it_happens(client, setup, world):
    _, _, old, soon, closed, fresh, other = setup
    client.force_login(world.lezer)
    page = client.get("/nl/incidenten/bewaartermijnen/").content.decode()
    assert "Archiefwet 1995" in page and "Bijna oud" in page and "Afgesloten zaak" in page
    assert "Zaanstad oud" not in page and "Regel toevoegen" not in page  # readers only read
    detail = client.get(f"/nl/incidenten/{soon.uuid}/").content.decode()
    assert 'id="retention-notice"' in detail and "wordt op" in detail
    assert 'id="retention-notice"' not in client.get(f"/nl/incidenten/{fresh.uuid}/").content.decode()
    client.force_login(world.anna)
    response = client.post("/nl/incidenten/bewaartermijnen/", {
        "target": "closed", "period_days": "3650", "action": "anonymise", "legal_basis": "Selectielijst", "active": "on"})
    assert response.status_code == 302 and RetentionRule.objects.filter(legal_basis="Selectielijst").exists()
    client.force_login(world.zoe)
    rule = RetentionRule.objects.filter(owner=world.maastricht).first()
    assert client.post(f"/nl/incidenten/bewaartermijnen/{rule.pk}/verwijderen/").status_code == 404
    assert "Archiefwet 1995" not in client.get("/nl/incidenten/bewaartermijnen/").content.decode()
