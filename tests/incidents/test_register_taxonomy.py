"""Taxonomy maintenance: versioned, kenniscentrum beheerders import, everyone reads, MISP round trip."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cyberbeeld.incidents import services
from cyberbeeld.incidents.models import Form, TaxonomyVersion

pytestmark = pytest.mark.django_db


def test_export_import_export_is_unchanged(world, taxonomy, tmp_path):
    out = tmp_path / "machinetag.json"
    call_command("export_taxonomy", out=str(out), stderr=StringIO())
    first = out.read_text(encoding="utf-8")
    mt = json.loads(first)
    assert mt["namespace"] == taxonomy.namespace and len(mt["predicates"]) == 3
    call_command("import_taxonomy", str(out), stdout=StringIO())
    assert TaxonomyVersion.objects.count() == 1  # same version, same content: nothing changes
    again = tmp_path / "again.json"
    call_command("export_taxonomy", out=str(again), stderr=StringIO())
    assert again.read_text(encoding="utf-8") == first


def test_new_version_round_trips_unchanged_and_keeps_rsit(world, taxonomy, tmp_path):
    mt = json.loads(services.taxonomy_export(lang="en"))
    mt["version"] = 2
    mt["values"][0]["entry"][0]["description"] = "Changed definition for version 2."
    text = json.dumps(mt, indent=2, ensure_ascii=False) + "\n"
    version, created = services.taxonomy_import(by=world.kees, organisation=world.kenniscentrum, text=text)
    assert created and version.version == 2 and version.maintained_by == world.kenniscentrum
    assert services.taxonomy_export(version, "en") == text  # round trip unchanged
    v1_form = Form.objects.get(taxonomy=taxonomy, code=mt["values"][0]["entry"][0]["value"])
    v2_form = Form.objects.get(taxonomy=version, code=v1_form.code)
    assert v2_form.definition_en == "Changed definition for version 2."
    assert v2_form.rsit == v1_form.rsit and v2_form.name_nl == v1_form.name_nl  # from the base version
    assert services.current_forms().first().taxonomy == version
    # the same file again changes nothing; other content under the same number is refused
    assert services.taxonomy_import(by=world.kees, organisation=world.kenniscentrum, text=text)[1] is False
    mt["values"][0]["entry"][0]["description"] = "Sneaky edit"
    with pytest.raises(ValueError, match="raise the version"):
        services.taxonomy_import(by=world.kees, organisation=world.kenniscentrum, text=json.dumps(mt))


def test_only_kenniscentrum_beheerders_import(client, world, taxonomy):
    text = services.taxonomy_export(lang="en").replace('"version": 1', '"version": 3')
    with pytest.raises(PermissionError):
        services.taxonomy_import(by=world.beheerder, organisation=world.maastricht, text=text)
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.beheerder)
    page = client.get("/nl/incidenten/taxonomie/").content.decode()
    assert "Nieuwe versie inlezen" not in page
    assert client.post("/nl/incidenten/taxonomie/", {"file": SimpleUploadedFile("m.json", text.encode()),
                                                     "lang": "en"}).status_code == 404
    client.force_login(world.kees)
    assert "Nieuwe versie inlezen" in client.get("/nl/incidenten/taxonomie/").content.decode()
    response = client.post("/nl/incidenten/taxonomie/", {"file": SimpleUploadedFile("m.json", text.encode()),
                                                         "lang": "en"})
    assert response.status_code == 302 and TaxonomyVersion.objects.filter(version=3).exists()
    bad = client.post("/nl/incidenten/taxonomie/", {"file": SimpleUploadedFile("m.json", b"{not json"), "lang": "en"})
    assert bad.status_code == 200 and "not JSON" in bad.content.decode()


def test_pages_show_categories_forms_nl_en_and_rsit(client, world, taxonomy):
    client.force_login(world.zoe)
    page = client.get("/nl/incidenten/taxonomie/").content.decode()
    assert "Cybercrime" in page and "Gedigitaliseerde criminaliteit" in page
    assert "Hacken / computervredebreuk" in page and "Hacking / computer intrusion" in page
    assert 'rsit:intrusions=&quot;unprivileged-account-compromise&quot;' in page
    download = client.get("/en/incidenten/taxonomie/machinetag.json?lang=nl")
    assert download.status_code == 200 and json.loads(download.content)["predicates"][0]["expanded"]


def test_import_command_refuses_bad_files(world, taxonomy, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"namespace": "x"}', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_taxonomy", str(bad), stdout=StringIO())
