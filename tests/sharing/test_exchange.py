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
    tags = {t["name"] for t in doc["response"][0]["Tag"]}
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
    assert sorted(e["info"] for e in events) == ["Casus TLP:AMBER", "Casus TLP:AMBER+STRICT", "Casus TLP:CLEAR",
                                                 "Casus TLP:CLEAR", "Casus TLP:GREEN"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "bundle", "id": "bundle--x", "objects": [{"type": "incident"}]}')
    with pytest.raises(CommandError, match="Niets ingelezen"):
        call_command("import_cases", str(bad), "--org", "gemeente-zaanstad")
