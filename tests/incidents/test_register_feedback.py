"""The user's choice of form always wins, is kept (redacted) for retraining, and retraining uses it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cyberbeeld.accounts.models import AuditEvent
from cyberbeeld.incidents import services
from cyberbeeld.incidents.models import FormFeedback
from cyberbeeld.incidents.services import incident_save

pytestmark = pytest.mark.django_db

HELPDESK = ("Oudere man gebeld door nepbankmedewerker",
            "Meneer Pietersen (79) werd gebeld door iemand die zei van de bank te zijn. Hij maakte 2.500 euro over "
            "naar NL91ABNA0417164300 en gaf zijn pincode. Terugbelnummer 06-12345678.")


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CYBERBEELD_CACHE_DIR", str(tmp_path))
    services._CLASSIFIER.clear()
    yield tmp_path
    services._CLASSIFIER.clear()


def form(code):
    return services.current_forms().get(code=code)


def test_chosen_form_differs_from_suggestion_is_kept_redacted(world, taxonomy):
    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": HELPDESK[0], "raw_description": HELPDESK[1], "form": form("vriend-in-nood-fraude")})
    assert inc.form.code == "vriend-in-nood-fraude"  # the user's choice wins
    assert inc.suggested_form.code == "helpdeskfraude"
    fb = FormFeedback.objects.get(incident=inc)
    assert fb.chosen_form == "vriend-in-nood-fraude" and fb.suggested_form == "helpdeskfraude"
    assert "NL91ABNA0417164300" not in fb.redacted_description and "06-12345678" not in fb.redacted_description
    assert "[IBAN]" in fb.redacted_description


def test_accepted_suggestion_is_not_feedback(world, taxonomy):
    inc = incident_save(by=world.anna, owner=world.maastricht, data={"title": HELPDESK[0], "raw_description": HELPDESK[1]})
    assert inc.form.code == "helpdeskfraude"
    assert not FormFeedback.objects.exists()
    # a status change alone is no new choice either
    incident_save(by=world.anna, owner=world.maastricht, incident=inc, data={"status": "in-behandeling"})
    assert not FormFeedback.objects.exists()


def test_correction_on_edit_is_feedback(client, world, taxonomy):
    inc = incident_save(by=world.anna, owner=world.maastricht, data={"title": HELPDESK[0], "raw_description": HELPDESK[1]})
    client.force_login(world.anna)
    target = form("vriend-in-nood-fraude")
    response = client.post(f"/nl/incidenten/{inc.uuid}/bewerken/", {
        "title": inc.title, "raw_description": inc.raw_description, "form": target.pk, "status": "nieuw", "tlp": "amber"})
    assert response.status_code == 302
    inc.refresh_from_db()
    assert inc.form == target
    assert FormFeedback.objects.filter(incident=inc, chosen_form="vriend-in-nood-fraude").count() == 1


def test_retrain_command_uses_feedback_and_the_user_still_wins(world, taxonomy, isolated_cache):
    text = ("Zorgelijke oproep in buurtapp", "In de buurtapp wordt opgeroepen om zaterdag verhaal te gaan halen bij "
            "de nieuwe opvang aan de Kastanjelaan.")
    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": text[0], "raw_description": text[1], "form": form("online-oproep-ordeverstoring")})
    assert FormFeedback.objects.filter(incident=inc).exists() or inc.suggested_form.code == "online-oproep-ordeverstoring"
    FormFeedback.objects.get_or_create(owner=world.maastricht, incident=None, title=text[0],
                                       redacted_description=inc.redacted_description,
                                       chosen_form="online-opruiing-desinformatie", suggested_form="x")
    from io import StringIO

    out = StringIO()
    call_command("retrain_classifier", cache_dir=str(isolated_cache), stdout=out)
    assert "keuzes van gebruikers" in out.getvalue()
    assert not FormFeedback.objects.filter(trained_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="retrain").exists()
    assert list(isolated_cache.glob("classifier-*.joblib"))
    # the retrained model remembers the latest choice for this very text
    suggestion = services.classifier().suggest(text[0], inc.redacted_description)
    assert suggestion.form == "online-opruiing-desinformatie" and suggestion.source == "feedback"
    # ... and still the user's explicit choice wins over the model
    again = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": text[0], "raw_description": text[1], "form": form("treitervloggers")})
    assert again.form.code == "treitervloggers"


def test_remembered_correction_applies_to_text_with_personal_data(world, taxonomy, isolated_cache):
    """Feedback is kept redacted; the app suggests from the redacted text too, so a correction made on a text
    with personal data (name, IBAN, phone) is found again for that text — in the form and in bulk import."""
    first = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": HELPDESK[0], "raw_description": HELPDESK[1], "form": form("vriend-in-nood-fraude")})
    assert first.suggested_form.code == "helpdeskfraude"  # the model alone would say helpdeskfraude
    from io import StringIO

    call_command("retrain_classifier", cache_dir=str(isolated_cache), stdout=StringIO())
    again = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": HELPDESK[0], "raw_description": HELPDESK[1]})
    assert again.suggested_form.code == "vriend-in-nood-fraude" and again.form.code == "vriend-in-nood-fraude"
    assert again.suggestion_probability == 1.0  # from the remembered choice, not a guess of the model

    from cyberbeeld.incidents import bulk

    data = ("sleutel;titel;beschrijving;datum_melding;gemeente;impact;bron;status;tlp\n"
            f"R1;{HELPDESK[0]};{HELPDESK[1]};2026-01-05;{world.maastricht.area.code};B;melding;nieuw;AMBER\n").encode()
    result = bulk.import_file(world.maastricht, world.anna, "r.csv", data)
    assert result.ok, result
    from cyberbeeld.incidents.models import Incident

    assert Incident.objects.get(owner=world.maastricht, external_id="R1").form.code == "vriend-in-nood-fraude"
