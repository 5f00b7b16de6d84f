"""STIX 2.1 and MISP exchange: valid bundles, round trips keep content and markings, refusal changes nothing."""

from __future__ import annotations

import json

import pytest
from stix2validator import ValidationOptions, validate_instance

from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.sharing import exchange, services
from cyberbeeld.sharing.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(world, taxonomy, no_redact):
    from cyberbeeld.incidents.services import current_forms

    form = current_forms().exclude(rsit="").first()
    out = {}
    for label in TLP:
        out[label] = services.case_save(
            by=world.anna, owner=world.maastricht, forms=[form], sectors=["mkb", "burgers"],
            data={"title": f"Casus {label.label}", "summary": "Valse facturen bij bedrijven.",
                  "actions_taken": "Waarschuwing verstuurd.", "actors": "gemeente en politie",
                  "outcome": "Geen schade.", "impact": "B", "tags": "facturen, mkb", "tlp": label.value,
                  "legal_basis": "publieke-taak", "purpose": "waarschuwen"})
    return out


def _valid(bundle):
    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    assert result.is_valid, [e.message for e in result.errors]


def test_stix_export_is_valid_and_marked(world, cases):
    bundle = exchange.stix_bundle(world.anna)
    _valid(bundle)
    incidents = [o for o in bundle["objects"] if o["type"] == "incident"]
    # RED is only for its author and named recipients: anna created it, so she sees and may export it
    assert {o["name"] for o in incidents} == {f"Casus {t.label}" for t in TLP}
    for inc in incidents:
        label = TLP.parse(inc["name"].split(" ", 1)[1])
        assert inc["object_marking_refs"] == [exchange.TLP2_MARKING_IDS[label]]
    types = {o["type"] for o in bundle["objects"]}
    assert {"report", "incident", "identity", "marking-definition"} <= types


def test_recipient_cannot_pass_on_amber_strict(world, cases):
    for label in (TLP.AMBER, TLP.AMBER_STRICT):
        services.share(by=world.anna, obj=cases[label], tlp=label.value, organisations=[world.politie])
    bundle = exchange.stix_bundle(world.paul)
    names = {o["name"] for o in bundle["objects"] if o["type"] == "incident"}
    assert names == {"Casus TLP:AMBER", "Casus TLP:CLEAR"}
    assert {e.info for e in exchange.misp_events(world.paul)} == names


def test_stix_round_trip_keeps_content_and_markings(world, cases):
    bundle = exchange.stix_bundle(world.anna, [cases[TLP.GREEN], cases[TLP.AMBER_STRICT]])
    imported = exchange.import_stix(json.dumps(bundle), organisation=world.zaanstad, by=world.zoe)
    assert len(imported) == 2
    for case in imported:
        original = cases[TLP(case.tlp)]
        for field in ("title", "summary", "actions_taken", "actors", "outcome", "impact", "tags", "sectors",
                      "occurred_on", "legal_basis", "purpose"):
            assert getattr(case, field) == getattr(original, field), field
        assert {f.code for f in case.forms.all()} == {f.code for f in original.forms.all()}
        assert case.owner == world.zaanstad
    # importing again is idempotent
    exchange.import_stix(bundle, organisation=world.zaanstad, by=world.zoe)
    assert Case.objects.filter(owner=world.zaanstad).count() == 2


def test_misp_round_trip_with_machine_tags(world, cases):
    doc = exchange.misp_document(world.anna, [cases[TLP.AMBER]])
    tags = {t["name"] for t in doc["response"][0]["Event"]["Tag"]}
    rsit = cases[TLP.AMBER].forms.first().rsit
    assert "tlp:amber" in tags and rsit in tags and rsit.startswith("rsit:")
    imported = exchange.import_misp(json.dumps(doc), organisation=world.zaanstad, by=world.zoe)
    (case,) = imported
    assert case.tlp == "amber" and case.title == "Casus TLP:AMBER"
    assert case.summary == cases[TLP.AMBER].summary and case.sector_list == ["burgers", "mkb"]
    assert case.tag_list == ["facturen", "mkb"] and case.impact == "B"


@pytest.mark.parametrize("mutate, message", [
    (lambda b: "{not json", "Geen geldige JSON"),
    (lambda b: {"type": "bundel"}, "verwacht een object met type 'bundle'"),
    (lambda b: {**b, "objects": [*b["objects"], {"type": "incident", "id": "incident--nope"}]}, "Ongeldige STIX"),
    (lambda b: {**b, "objects": [{k: v for k, v in o.items() if k != "object_marking_refs"}
                                 if o["type"] == "incident" else o for o in b["objects"]]}, "geen TLP-markering"),
])
def test_malformed_bundle_is_refused_and_changes_nothing(world, cases, mutate, message):
    bundle = exchange.stix_bundle(world.anna, [cases[TLP.GREEN], cases[TLP.AMBER]])
    before = Case.objects.count()
    with pytest.raises(exchange.ExchangeError, match=message):
        exchange.import_stix(mutate(bundle), organisation=world.zaanstad, by=world.zoe)
    assert Case.objects.count() == before


def test_half_bad_bundle_changes_nothing(world, cases):
    bundle = exchange.stix_bundle(world.anna, [cases[TLP.GREEN], cases[TLP.AMBER]])
    incs = [o for o in bundle["objects"] if o["type"] == "incident"]
    incs[1]["extensions"][exchange.CASE_EXTENSION]["occurred_on"] = "32-13-2026"
    before = Case.objects.count()
    with pytest.raises(exchange.ExchangeError, match="ongeldige datum"):
        exchange.import_stix(bundle, organisation=world.zaanstad, by=world.zoe)
    assert Case.objects.count() == before


def test_cli_export_and_import(world, cases, tmp_path):
    from django.core.management import CommandError, call_command

    services.share(by=world.anna, obj=cases[TLP.AMBER], tlp="amber", organisations=[world.politie])
    out = tmp_path / "cases.json"
    call_command("export_cases", "--org", "politie-limburg", "--format", "stix", "--out", str(out))
    bundle = json.loads(out.read_text())
    _valid(bundle)
    assert {o["name"] for o in bundle["objects"] if o["type"] == "incident"} == {"Casus TLP:AMBER", "Casus TLP:CLEAR"}
    call_command("import_cases", str(out), "--org", "gemeente-zaanstad")
    assert Case.objects.filter(owner=world.zaanstad).count() == 2
    misp = tmp_path / "cases.misp.json"
    call_command("export_cases", "--org", "gemeente-maastricht", "--format", "misp", "--out", str(misp))
    events = json.loads(misp.read_text())["response"]
    # acting as Maastricht's beheerder: own cases except RED (anna's, not addressed to the beheerder),
    # plus the TLP:CLEAR copy Zaanstad imported (CLEAR may be passed on by anyone)
    assert sorted(e["Event"]["info"] for e in events) == ["Casus TLP:AMBER", "Casus TLP:AMBER+STRICT", "Casus TLP:CLEAR",
                                                 "Casus TLP:CLEAR", "Casus TLP:GREEN"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "bundle", "id": "bundle--x", "objects": [{"type": "incident"}]}')
    with pytest.raises(CommandError, match="Niets ingelezen"):
        call_command("import_cases", str(bad), "--org", "gemeente-zaanstad")


# --- issue 12: imports never change another owner's object; the importer is never the author --------
def _incident_bundle(incident_id, label, *, name="Gelekte inloggegevens", summary="Inloggegevens op een forum."):
    """A minimal STIX bundle as CERT tooling sends it: one incident with a TLP 2.0 marking."""
    marking = exchange.tlp_marking(label)
    return {"type": "bundle", "id": "bundle--6b7c1f3e-9c1d-4a4e-8f2a-0c3b1e2d4f5a", "objects": [
        marking,
        {"type": "incident", "spec_version": "2.1", "id": incident_id, "created": "2026-03-01T10:00:00.000Z",
         "modified": "2026-03-01T10:00:00.000Z", "name": name, "description": summary,
         "object_marking_refs": [marking["id"]]},
    ]}


INCIDENT_ID = "incident--2f0b0e36-5d6c-4b3f-a0f4-6d8a3c1b9e77"


def test_reimport_cannot_lower_the_label_of_an_existing_case(world, taxonomy, no_redact):
    """Finding 2: a RED case re-imported with the same id as CLEAR keeps RED (and stays unreadable)."""
    from cyberbeeld.accounts import policy
    from cyberbeeld.accounts import services as account_services
    from cyberbeeld.accounts.models import Role

    bob = world.beheerder.__class__.objects.create_user(username="bob", password=world.password)
    account_services.membership_set(by=None, user=bob, organisation=world.maastricht, role=Role.BEWERKER)
    (case,) = exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.RED), organisation=world.maastricht, by=bob)
    assert case.tlp == "red"
    question = services.question_ask(by=bob, case=case, organisation=world.maastricht, text="Wie weet meer?")
    attachment = services.attachment_add(by=bob, parent=case, name="bewijs.pdf", content=b"%PDF-1.4 rood")

    # another bewerker, the coordinator and the beheerder of the organisation: none lowers the label
    for other in (world.anna, world.beheerder):
        with pytest.raises(exchange.ExchangeError, match="strenger TLP-label"):
            exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.CLEAR, name="Nu openbaar"),
                                 organisation=world.maastricht, by=other)
    case.refresh_from_db()
    assert case.tlp == "red" and case.title == "Gelekte inloggegevens"
    assert Case.objects.filter(external_id=INCIDENT_ID).count() == 1
    for outsider in (world.zoe, world.paul, world.anna):
        assert not policy.can_view(outsider, case)
        assert not policy.can_view(outsider, question.case)
        assert not policy.can_view(outsider, attachment.parent)
    # the importer is a named recipient, not the author
    assert case.created_by is None and bob in case.recipients.all()


def test_reimport_with_the_same_label_updates_only_for_who_may_see_it(world, taxonomy, no_redact):
    from cyberbeeld.accounts import services as account_services
    from cyberbeeld.accounts.models import Role

    bob = world.beheerder.__class__.objects.create_user(username="bob", password=world.password)
    account_services.membership_set(by=None, user=bob, organisation=world.maastricht, role=Role.BEWERKER)
    exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.RED), organisation=world.maastricht, by=bob)
    # anna cannot see bob's RED case: she may not overwrite it either
    with pytest.raises(exchange.ExchangeError, match="niet wijzigen"):
        exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.RED, name="Overschreven"),
                             organisation=world.maastricht, by=world.anna)
    (case,) = exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.RED, name="Bijgewerkt"),
                                   organisation=world.maastricht, by=bob)
    assert case.title == "Bijgewerkt" and case.tlp == "red"
    assert Case.objects.filter(external_id=INCIDENT_ID).count() == 1


def test_stricter_reimport_is_sharing_and_needs_a_coordinator(world, taxonomy, no_redact):
    (case,) = exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.GREEN), organisation=world.zaanstad,
                                   by=world.zoe)
    # zoe is a bewerker: a label change is sharing, which only a coordinator does
    with pytest.raises(exchange.ExchangeError, match="coördinator"):
        exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.AMBER), organisation=world.zaanstad, by=world.zoe)
    case.refresh_from_db()
    assert case.tlp == "green"
    # a coordinator may raise it; it goes through the share service (audited, ShareChange logged)
    (case,) = exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.AMBER), organisation=world.maastricht,
                                   by=world.anna)
    (again,) = exchange.import_stix(_incident_bundle(INCIDENT_ID, TLP.AMBER_STRICT),
                                    organisation=world.maastricht, by=world.anna)
    assert again.pk == case.pk and again.tlp == "amber+strict"
    from cyberbeeld.sharing.models import ShareChange

    assert ShareChange.objects.filter(object_id=case.pk, tlp_after="amber+strict").exists()


def test_import_of_another_organisations_object_never_changes_it(world, cases):
    original = cases[TLP.AMBER]
    services.share(by=world.anna, obj=original, tlp="amber", organisations=[world.politie])
    bundle = exchange.stix_bundle(world.paul, [original])
    incident = next(o for o in bundle["objects"] if o["type"] == "incident")
    incident["name"] = "Door de politie herschreven"
    # the same id, posted into the police's own collection: a new object of the police, the original untouched
    (copy,) = exchange.import_stix(bundle, organisation=world.politie, by=world.paul)
    original.refresh_from_db()
    assert original.title == "Casus TLP:AMBER" and original.owner == world.maastricht and original.tlp == "amber"
    assert copy.pk != original.pk and copy.owner == world.politie and copy.tlp == "amber"
    assert copy.source_name == "Gemeente Maastricht" and copy.created_by is None
    # the same id marked lower than the original: refused, nothing written
    incident["object_marking_refs"] = [exchange.TLP2_MARKING_IDS[TLP.GREEN]]
    bundle["objects"].append(exchange.tlp_marking(TLP.GREEN))
    before = Case.objects.count()
    with pytest.raises(exchange.ExchangeError, match="strenger TLP-label"):
        exchange.import_stix(bundle, organisation=world.eijsden, by=world.eva)
    assert Case.objects.count() == before
    # and the owner's import of its own object never lowers its label either
    with pytest.raises(exchange.ExchangeError, match="strenger TLP-label"):
        exchange.import_stix(bundle, organisation=world.maastricht, by=world.anna)


def test_stix_round_trip_keeps_the_author_not_the_importer(client, world, cases):
    bundle = exchange.stix_bundle(world.anna, [cases[TLP.GREEN]])
    (copy,) = exchange.import_stix(bundle, organisation=world.zaanstad, by=world.zoe)
    assert copy.source_name == "Gemeente Maastricht" and copy.created_by is None
    client.force_login(world.zoe)
    page = client.get(f"/nl/casusboek/casus/{copy.uuid}/").content.decode()
    assert "Geschreven door (ingelezen)" in page and "Gemeente Maastricht" in page
    assert copy.source_ref == exchange.identity_id(world.maastricht)
    again = exchange.stix_bundle(world.zoe, [copy])
    _valid(again)
    incident = next(o for o in again["objects"] if o["type"] == "incident")
    assert incident["created_by_ref"] == exchange.identity_id(world.maastricht)
    identities = {o["id"]: o["name"] for o in again["objects"] if o["type"] == "identity"}
    assert identities[exchange.identity_id(world.maastricht)] == "Gemeente Maastricht"


def test_stix_ids_and_identities_are_stable(world, cases):
    first = exchange.stix_bundle(world.anna)
    second = exchange.stix_bundle(world.anna)
    ids = sorted(o["id"] for o in first["objects"])
    assert ids == sorted(o["id"] for o in second["objects"])
    assert {o["id"]: o for o in first["objects"]} == {o["id"]: o for o in second["objects"]}
    # an organisation's identity id is derived from its slug: the same in every installation
    import uuid as uuidlib

    expected = f"identity--{uuidlib.uuid5(exchange.NAMESPACE, 'organisation:gemeente-maastricht')}"
    assert exchange.identity_id(world.maastricht) == expected
    assert expected in ids


def test_misp_rest_shape_round_trip_keeps_legal_basis_purpose_and_author(world, cases):
    doc = exchange.misp_document(world.anna, [cases[TLP.AMBER]])
    (wrapped,) = doc["response"]
    event = wrapped["Event"]
    assert event["Orgc"]["name"] == "Gemeente Maastricht" and event["uuid"] == str(cases[TLP.AMBER].uuid)
    # a single event in the REST shape, as MISP's /events/view returns it
    (copy,) = exchange.import_misp(json.dumps({"Event": event}), organisation=world.zaanstad, by=world.zoe)
    assert copy.legal_basis == "publieke-taak" and copy.purpose == "waarschuwen"
    assert copy.source_name == "Gemeente Maastricht" and copy.created_by is None
    assert copy.owner == world.zaanstad
    # passing it on keeps the author organisation (Orgc) and names the holder (Org)
    (again,) = exchange.misp_document(world.zoe, [copy])["response"]
    assert again["Event"]["Orgc"]["name"] == "Gemeente Maastricht"
    assert again["Event"]["Org"]["name"] == "Gemeente Zaanstad"
    (third,) = exchange.import_misp(json.dumps(again), organisation=world.eijsden, by=world.eva)
    assert (third.legal_basis, third.purpose, third.source_name) == ("publieke-taak", "waarschuwen",
                                                                     "Gemeente Maastricht")


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name, title", [("stix-bundle.json", "Phishing met valse facturen bij het mkb"),
                                         ("misp-event.json", "Ransomware bij een zorginstelling")])
def test_cli_import_cases_of_committed_fixtures(world, taxonomy, no_redact, monkeypatch, name, title):
    from django.db import connections

    from cyberbeeld import cli

    # the command line closes every connection when it ends; the test's transaction must survive that
    monkeypatch.setattr(connections, "close_all", lambda: None)
    assert cli.main(["import-cases", str(FIXTURES / name), "--org", "gemeente-zaanstad"]) == 0
    case = Case.objects.get(owner=world.zaanstad, title=title)
    assert case.tlp in ("green", "amber") and case.created_by is None and case.source_name


@pytest.mark.parametrize("mutate, message", [
    (lambda ext: ext.update(summary=5), "summary"),
    (lambda ext: ext.update(forms="x"), "forms"),
    (lambda ext: ext.update(legal_basis="nonsense"), "legal_basis"),
    (lambda ext: ext.update(occurred_on=5), "occurred_on"),
    (lambda ext: ext.update(impact="Z"), "impact"),
])
def test_bad_extension_values_are_refused_with_the_field(world, cases, mutate, message):
    bundle = exchange.stix_bundle(world.anna, [cases[TLP.GREEN]])
    incident = next(o for o in bundle["objects"] if o["type"] == "incident")
    mutate(incident["extensions"][exchange.CASE_EXTENSION])
    before = Case.objects.count()
    with pytest.raises(exchange.ExchangeError, match=message):
        exchange.import_stix(bundle, organisation=world.zaanstad, by=world.zoe)
    assert Case.objects.count() == before


def test_unknown_tlp_marking_is_refused(world, cases):
    bundle = exchange.stix_bundle(world.anna, [cases[TLP.GREEN]])
    purple = {**exchange.tlp_marking(TLP.GREEN), "id": "marking-definition--0b6a1f3e-1111-4a4e-8f2a-0c3b1e2d4f5a",
              "name": "TLP:PURPLE"}
    purple["extensions"] = {exchange.TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "purple"}}
    bundle["objects"].append(purple)
    next(o for o in bundle["objects"] if o["type"] == "incident")["object_marking_refs"] = [purple["id"]]
    with pytest.raises(exchange.ExchangeError, match="purple"):
        exchange.import_stix(bundle, organisation=world.zaanstad, by=world.zoe)


@pytest.mark.parametrize("text, message", [
    ("[" * 50_000 + "]" * 50_000, "te diep"),
    ('{"type": "bundle", "type": "x"}', "dubbele sleutel"),
], ids=["deep", "duplicate-key"])
def test_load_json_refuses_deep_nesting_and_duplicate_keys(text, message):
    with pytest.raises(exchange.ExchangeError, match=message):
        exchange.load_json(text)
