"""Bulk import (all-or-nothing, idempotent, row-level errors) and export (raw text only for the owner)."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cyberbeeld.accounts.models import AuditEvent
from cyberbeeld.common.models import ImportJob
from cyberbeeld.incidents import bulk
from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import incident_save

pytestmark = pytest.mark.django_db

HEADER = "sleutel;titel;beschrijving;datum_melding;gemeente;vorm;impact;tlp;vraag_amount"
GOOD = [
    "M-001;Phishingmail namens gemeente;Inwoners kregen een mail over een belastingteruggave.;2026-03-02;GM0935;phishing;B;AMBER;",
    "M-002;Helpdeskfraude bij oudere;Mevrouw De Vries werd gebeld, IBAN NL91ABNA0417164300.;02-04-2026;Maastricht;helpdeskfraude;C;green;1500",
    "M-003;DDoS op website;De gemeentelijke website lag twee uur plat.;2026-05-01;GM0935;ddos;A;TLP:CLEAR;",
]


def csv_bytes(rows, header=HEADER, bom=True):
    text = "\n".join([header, *rows]) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def test_import_creates_then_same_file_changes_nothing(world, taxonomy):
    data = csv_bytes(GOOD)
    first = bulk.import_file(world.maastricht, world.anna, "incidenten.csv", data)
    assert first.ok and (first.created, first.updated, first.unchanged) == (3, 0, 0)
    inc = Incident.objects.get(owner=world.maastricht, external_id="M-002")
    assert inc.form.code == "helpdeskfraude" and inc.area.code == "GM0935" and inc.tlp == "green"
    assert inc.reported_on.isoformat() == "2026-04-02"
    assert inc.details == {"amount": 1500}
    assert "NL91ABNA0417164300" in inc.raw_description and "NL91ABNA0417164300" not in inc.redacted_description
    snapshot = list(Incident.objects.order_by("pk").values())
    events = AuditEvent.objects.filter(action="import").count()
    again = bulk.import_file(world.maastricht, world.anna, "incidenten.csv", data)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(Incident.objects.order_by("pk").values()) == snapshot
    assert AuditEvent.objects.filter(action="import").count() == events


def test_changed_row_is_updated_and_logged(world, taxonomy):
    bulk.import_file(world.maastricht, world.anna, "a.csv", csv_bytes(GOOD))
    changed = [GOOD[0], GOOD[1].replace("C;green", "D;green"), GOOD[2]]
    result = bulk.import_file(world.maastricht, world.anna, "a.csv", csv_bytes(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    inc = Incident.objects.get(external_id="M-002")
    assert inc.impact == "D"
    assert AuditEvent.objects.filter(object_id=str(inc.uuid), action="import", changes__impact=["C", "D"]).exists()


@pytest.mark.parametrize("bad, column, words", [
    ("M-009;Fout;x;2026-03-02;GM0935;geen-vorm;B;AMBER;", "vorm", "onbekende vorm"),
    ("M-009;Fout;x;31-02-2026;GM0935;phishing;B;AMBER;", "datum_melding", "geen datum"),
    ("M-009;Fout;x;2099-01-01;GM0935;phishing;B;AMBER;", "datum_melding", "toekomst"),
    ("M-009;Fout;x;2026-03-02;GM9999;phishing;B;AMBER;", "gemeente", "onbekende gemeente"),
    ("M-009;Fout;x;2026-03-02;GM0935;phishing;B;PURPLE;", "tlp", "onbekend TLP-label"),
    ("M-009;Fout;x;2026-03-02;GM0935;phishing;B;RED;", "tlp", "TLP:RED"),
    ("M-009;Fout;x;2026-03-02;GM0935;phishing;Z;AMBER;", "impact", "onbekende waarde"),
    ("M-001;Dubbel;x;2026-03-02;GM0935;phishing;B;AMBER;", "sleutel", "ook in rij 2"),
    (";Zonder sleutel;x;2026-03-02;GM0935;phishing;B;AMBER;", "sleutel", "sleutel ontbreekt"),
])
def test_one_bad_row_changes_nothing_and_is_named(world, taxonomy, bad, column, words):
    rows = [GOOD[0], GOOD[1], bad, GOOD[2]]  # the bad row is row 4 of the file (header = row 1)
    result = bulk.import_file(world.maastricht, world.anna, "fout.csv", csv_bytes(rows))
    assert not result.ok
    assert Incident.objects.count() == 0
    err = result.errors[0]
    assert err.row == 4 and err.column == column and words in err.nl and err.en
    assert f"rij 4, kolom '{column}'" in str(err)


def test_bad_row_in_a_reimport_leaves_earlier_import_untouched(world, taxonomy):
    bulk.import_file(world.maastricht, world.anna, "a.csv", csv_bytes(GOOD))
    before = list(Incident.objects.order_by("pk").values())
    rows = [GOOD[0].replace("Phishingmail", "Gewijzigd"), GOOD[1].replace("helpdeskfraude", "bestaat-niet")]
    result = bulk.import_file(world.maastricht, world.anna, "a.csv", csv_bytes(rows))
    assert not result.ok and result.errors[0].row == 3
    assert list(Incident.objects.order_by("pk").values()) == before


def test_unknown_column_and_missing_key_column_refuse_the_file(world, taxonomy):
    with pytest.raises(bulk.ImportFileError, match="onbekende kolom"):
        bulk.import_file(world.maastricht, world.anna, "a.csv", csv_bytes(GOOD, header=HEADER + ";kleur"))
    with pytest.raises(bulk.ImportFileError, match="sleutel"):
        bulk.import_file(world.maastricht, world.anna, "a.csv", b"titel,vorm\nIets,phishing\n")


def test_xlsx_with_date_cells_and_english_headers(world, taxonomy):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["key", "title", "description", "reported_on", "area", "form", "status"])
    ws.append(["X-1", "Ransomware bij bakker", "Alles versleuteld.", dt.datetime(2026, 1, 5), "GM0935",
               "malware-ransomware", "afgesloten"])
    ws.append([2, "Sextortion jongere", "Dreiging met beelden.", dt.date(2026, 2, 1), "GM1903", "sextortion-beeldmisbruik", ""])
    buf = io.BytesIO()
    wb.save(buf)
    result = bulk.import_file(world.maastricht, world.anna, "import.xlsx", buf.getvalue())
    assert result.ok and result.created == 2
    inc = Incident.objects.get(external_id="X-1")
    assert inc.status == "afgesloten" and inc.closed_at is not None
    assert Incident.objects.get(external_id="2").area.code == "GM1903"


def test_rows_without_form_get_a_suggestion(world, taxonomy):
    rows = ["S-1;Nepbank belde oudere;Mevrouw werd gebeld door de bank en gaf haar pincode, 3.000 euro weg.;;;;;;"]
    result = bulk.import_file(world.maastricht, world.anna, "s.csv", csv_bytes(rows))
    assert result.ok
    inc = Incident.objects.get(external_id="S-1")
    assert inc.suggested_form is not None


def test_command_line_import_with_progress_and_errors(world, taxonomy, tmp_path):
    good = tmp_path / "goed.csv"
    good.write_bytes(csv_bytes(GOOD))
    out, err = StringIO(), StringIO()
    call_command("import_incidents", str(good), org="gemeente-maastricht", stdout=out, stderr=err)
    assert "3 nieuw" in out.getvalue() and "controleren / checking: 3/3" in err.getvalue()
    bad = tmp_path / "fout.csv"
    bad.write_bytes(csv_bytes([GOOD[0], GOOD[1].replace(";Maastricht;", ";Atlantis;")]))
    err = StringIO()
    with pytest.raises(CommandError, match="niets ingelezen"):
        call_command("import_incidents", str(bad), org="gemeente-maastricht", stdout=StringIO(), stderr=err)
    assert "rij 3, kolom 'gemeente'" in err.getvalue()


def test_upload_page_runs_background_task(client, world, taxonomy, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.anna)
    assert client.get("/nl/incidenten/importeren/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/nl/incidenten/importeren/", {"file": SimpleUploadedFile("i.csv", csv_bytes(GOOD))})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.DONE and job.result["created"] == 3 and job.data in (b"", memoryview(b""))
    page = client.get(response["Location"])
    assert b"3 nieuwe incidenten" in page.content and b'aria-live="polite"' in page.content
    assert b"hx-trigger" not in page.content  # finished: polling stops
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"import-status" in partial.content
    # another organisation does not see the job
    client.force_login(world.zoe)
    assert client.get(response["Location"]).status_code == 404
    # a reader may not import
    client.force_login(world.lezer)
    assert client.get("/nl/incidenten/importeren/").status_code == 404


def test_upload_with_bad_row_names_it_on_the_job_page(client, world, taxonomy, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.anna)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/nl/incidenten/importeren/", {
            "file": SimpleUploadedFile("f.csv", csv_bytes([GOOD[0], GOOD[1].replace("helpdeskfraude", "onzin")]))})
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED and Incident.objects.count() == 0
    assert job.problems[0]["row"] == 3 and job.problems[0]["column"] == "vorm"
    page = client.get(response["Location"]).content.decode()
    assert "onbekende vorm" in page and ">3<" in page
    en = client.get(response["Location"].replace("/nl/", "/en/")).content.decode()
    assert "unknown form" in en


# --------------------------------------------------------------------------- export


@pytest.fixture
def shared_incidents(world, taxonomy):
    amber = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Gedeelde helpdeskfraude", "tlp": "amber",
        "raw_description": "Jan Jansen verloor 900 euro via NL91ABNA0417164300, bel 06-12345678."})
    amber.audience_organisations.add(world.eijsden)
    strict = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Strikt gedeeld incident", "tlp": "amber+strict", "raw_description": "Piet Klaassen meldde iets."})
    strict.audience_organisations.add(world.eijsden)
    own = incident_save(by=world.eva, owner=world.eijsden, data={
        "title": "Eigen incident Eijsden", "tlp": "amber", "raw_description": "Karel de Groot, karel@example.nl"})
    return amber, strict, own


def test_export_csv_is_dutch_and_raw_text_only_for_owner(client, world, shared_incidents):
    amber, strict, own = shared_incidents
    client.force_login(world.eva)
    response = client.get("/nl/incidenten/exporteren/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("sleutel;titel;beschrijving;")
    assert "Gedeelde helpdeskfraude" in text
    assert "NL91ABNA0417164300" not in text and "Jan Jansen" not in text and "06-12345678" not in text
    assert "[IBAN]" in text
    assert "Strikt gedeeld" not in text  # AMBER+STRICT: no export by anyone but the owner
    assert "karel@example.nl" in text  # eva's own incident: her organisation's raw text
    assert AuditEvent.objects.filter(action="export", username="eva").exists()
    client.force_login(world.anna)
    mine = client.get("/nl/incidenten/exporteren/?format=csv").content.decode("utf-8-sig")
    assert "NL91ABNA0417164300" in mine and "Strikt gedeeld" in mine and "Eigen incident Eijsden" not in mine


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_export_spreadsheets_have_no_raw_text_for_non_owners(client, world, shared_incidents, fmt):
    import tablib

    client.force_login(world.eva)
    response = client.get(f"/en/incidenten/exporteren/?format={fmt}")
    assert response.status_code == 200
    ds = tablib.Dataset().load(response.content, format=fmt)
    flat = " ".join(str(c) for row in ds for c in row)
    assert "Gedeelde helpdeskfraude" in flat and "NL91ABNA0417164300" not in flat and "Jan Jansen" not in flat


def test_export_respects_filters_and_visibility(client, world, shared_incidents):
    client.force_login(world.zoe)
    text = client.get("/nl/incidenten/exporteren/?format=csv").content.decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1  # only the header: nothing visible to Zaanstad
    client.force_login(world.anna)
    text = client.get("/nl/incidenten/exporteren/?format=csv&q=Strikt").content.decode("utf-8-sig")
    assert "Strikt gedeeld" in text and "Gedeelde helpdeskfraude" not in text
    assert client.get("/nl/incidenten/exporteren/?format=pdf").status_code == 404


def test_search_does_not_reach_other_organisations_raw_text(client, world, shared_incidents):
    client.force_login(world.eva)
    text = client.get("/nl/incidenten/exporteren/?format=csv&q=Jansen").content.decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1  # 'Jansen' is only in Maastricht's raw text
    api = client.get("/api/v1/incidents?q=Jansen").json()
    assert api["items"] == []
    client.force_login(world.anna)
    assert "Gedeelde helpdeskfraude" in client.get("/nl/incidenten/exporteren/?format=csv&q=Jansen").content.decode()
