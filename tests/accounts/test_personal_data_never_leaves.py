"""Must show (issue 12, finding 6): personal data planted in every declared free-text field of every
shareable model reaches no artefact that leaves the owner.

A name, a valid BSN (11-proof), a valid IBAN, a phone number and an e-mail address go into every field in
``shared_text_fields`` of every ``Shareable`` model (found from the app registry, so a new model is
covered or fails here), through the services where there are any and straight through the ORM otherwise.
Then every route out is scanned: the pages and API as another organisation with access, the casebook search
and its index, STIX, MISP, TAXII, the spreadsheet exports, the report, the public page, the audit log and the
classifier's feedback corpus. Zero hits. The owner's own export carries the raw description by design
(owner only); the test proves that this is the only column in which the planted data appears.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from cyberbeeld.accounts import audit
from cyberbeeld.accounts.models import AuditEvent, Shareable

pytestmark = pytest.mark.django_db

BSN = "111222333"  # 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3-1*3 = 66 = 6 x 11
IBAN = "NL91ABNA0417164300"
PII = f"Melder Jan Jansen (BSN {BSN}, IBAN {IBAN}, tel. 06-12345678, jan.jansen@example.nl)"
TOKENS = ["Jansen", BSN, "111 222 333", IBAN, "NL91 ABNA", "0417164300", "12345678", "jan.jansen", "example.nl"]


def hits(text: str) -> list[str]:
    low = text.lower()
    return [t for t in TOKENS if t.lower() in low]


def test_the_redactor_removes_every_planted_kind():
    from cyberbeeld.accounts.shared_text import redact

    assert hits(redact(PII)) == [] and hits(PII) == TOKENS[:1] + [BSN, IBAN, "0417164300", "12345678",
                                                                 "jan.jansen", "example.nl"]


def shareable_models() -> list[type]:
    return sorted((m for m in apps.get_models() if issubclass(m, Shareable)), key=lambda m: m._meta.label)


def test_every_shareable_model_declares_its_free_text():
    """Every free-text field of a shareable model is declared, or named here with the reason it is not."""
    from django.db import models

    not_shared = {  # kept by the owner, a professional contact by design, or generated/structured text
        "incidents.incident": {"raw_description", "postcode4", "external_id"},
        "sharing.case": {"sectors", "form_index", "purpose", "external_id", "source_name", "source_ref"},
        "sharing.approach": {"sectors", "form_index", "purpose", "partners", "cost_capacity", "contact"},
        "risks.asset": {"operator", "location", "name"},  # name: of an object or service, not of a person
        "risks.scenario": {"risk_owner", "method_id"},
        "risks.proposal": {"key", "title_nl", "title_en", "reason_nl", "reason_en"},
        "reports.report": {"lang", "progress_message", "error", "snapshot_sha256", "content_sha256", "failure_nl",
                           "failure_en"},
        "actions.portfolio": {"holder_name", "policy_fields"},
        "actions.measure": {"portfolio_holder", "responsible", "partners_other"},
        "actions.exercise": {"template_code", "location"},
        "actions.campaign": {"partners_other"},
        "indicators.publictheme": {"slug"},
    }
    for model in shareable_models():
        text = {f.name for f in model._meta.concrete_fields
                if isinstance(f, (models.CharField, models.TextField)) and not f.choices and f.name != "tlp"}
        declared = set(model.shared_text_fields)
        assert declared <= text, model
        assert text - declared == not_shared[model._meta.label_lower], model


# --- planting -----------------------------------------------------------------------------------------

def _build(model: type, world) -> Shareable:
    """A saved object of ``model`` owned by Maastricht, PII in every declared field (ORM, no service)."""
    from django.db import models

    values: dict = {"owner": world.maastricht, "created_by": world.anna, "tlp": "amber"}
    for f in model._meta.concrete_fields:
        if f.name in values or f.primary_key or f.null or f.blank or f.has_default() or getattr(f, "auto_now", False) \
                or getattr(f, "auto_now_add", False):
            continue
        if f.choices:
            values[f.name] = f.choices[0][0]
        elif isinstance(f, models.ForeignKey):
            values[f.name] = world.gm_maastricht  # the only other required relation: an area
        elif isinstance(f, models.DateField):
            values[f.name] = dt.date(2026, 1, 1)
        elif isinstance(f, (models.CharField, models.TextField)):
            values[f.name] = f"{model._meta.model_name}-x"[:f.max_length or None]
    for name in model.shared_text_fields:
        values[name] = PII
    obj = model.objects.create(**values)
    obj.audience_organisations.add(world.eijsden)
    # what a service records, with the raw values in its diff: the audit layer must redact them
    audit.record(user=world.anna, action="create", obj=obj,
                 changes={name: ["", PII] for name in model.shared_text_fields})
    return obj


@pytest.fixture
def planted(world, taxonomy, warm_cores):
    from cyberbeeld.incidents.models import FormFeedback
    from cyberbeeld.incidents.services import current_forms, incident_save
    from cyberbeeld.sharing import services as sharing

    objects: dict[str, list[Shareable]] = {}
    for model in shareable_models():
        objects.setdefault(model._meta.label_lower, []).append(_build(model, world))
    # the real routes: incident form (twice, so the user's choice of form enters the feedback corpus),
    # promotion to a case, case and approach services, sharing
    inc = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": PII, "raw_description": f"Phishing: {PII}", "modus": PII, "victim_type": PII[:100], "tlp": "amber"})
    other = current_forms().exclude(pk=inc.suggested_form_id).exclude(pk=inc.form_id).first()
    inc = incident_save(by=world.anna, owner=world.maastricht, incident=inc, data={"form": other})
    inc.audience_organisations.add(world.eijsden)
    assert FormFeedback.objects.filter(incident=inc).exists()
    objects["incidents.incident"].append(inc)
    case = sharing.promote_incident(by=world.anna, incident=inc)
    sharing.share(by=world.anna, obj=case, tlp="amber", organisations=[world.eijsden])
    text = {"title": PII, "summary": PII, "actions_taken": PII, "actors": PII, "outcome": PII, "tags": PII}
    made = sharing.case_save(by=world.anna, owner=world.maastricht, data=text)
    sharing.share(by=world.anna, obj=made, tlp="green", organisations=[world.eijsden])
    approach = sharing.approach_save(by=world.anna, owner=world.maastricht, data={
        "title": PII, "problem": PII, "approach": PII, "results": PII, "lessons": PII, "tags": PII})
    sharing.share(by=world.anna, obj=approach, tlp="amber", organisations=[world.eijsden])
    objects["sharing.case"] += [case, made]
    objects["sharing.approach"].append(approach)
    theme = objects["indicators.publictheme"][0]
    theme.tlp = "clear"
    theme.slug = "thema"
    theme.save()
    return objects


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _page(c: Client, url: str) -> str:
    r = c.get(url)
    assert r.status_code in (200, 404), (url, r.status_code)
    return r.content.decode("utf-8", "replace") if r.status_code == 200 else ""


# --- the scan -----------------------------------------------------------------------------------------

def test_planted_personal_data_reaches_no_artefact(planted, world, settings):
    from cyberbeeld.incidents.models import FormFeedback
    from cyberbeeld.reports.services import build_document
    from cyberbeeld.sharing import exchange

    found: dict[str, list[str]] = {}

    def scan(where: str, text: str) -> None:
        h = hits(text)
        if h:
            found[where] = h

    eva = _client(world.eva)
    shown = []
    detail = {"incidents.incident": "/nl/incidenten/{}/", "sharing.case": "/nl/casusboek/casus/{}/",
              "sharing.approach": "/nl/casusboek/aanpak/{}/", "risks.scenario": "/nl/dreigingsbeeld/scenario/{}/",
              "risks.asset": "/nl/dreigingsbeeld/objecten/{}/", "actions.measure": "/nl/maatregelen/{}/",
              "actions.exercise": "/nl/maatregelen/oefeningen/{}/", "actions.campaign": "/nl/maatregelen/preventie/{}/"}
    for label, objs in planted.items():
        for obj in objs:
            if label in detail:
                html = _page(eva, detail[label].format(obj.uuid))
                scan(f"page {label} {obj.uuid}", html)
                shown.append(html)
    lists = ["/nl/", "/nl/incidenten/", "/nl/casusboek/", "/nl/casusboek/?soort=aanpak", "/nl/dreigingsbeeld/",
             "/nl/dreigingsbeeld/objecten/", "/nl/dreigingsbeeld/voorstellen/", "/nl/dreigingsbeeld/regio/",
             "/nl/maatregelen/", "/nl/maatregelen/oefeningen/", "/nl/maatregelen/preventie/",
             "/nl/maatregelen/portefeuilles/", "/nl/rapport/"]
    for url in lists:
        html = _page(eva, url)
        scan(f"page {url}", html)
        shown.append(html)
    scan("public theme", Client().get("/nl/publiek/maastricht/thema/").content.decode())

    # API
    api = ["/api/v1/incidents", "/api/v1/actions/measures", "/api/v1/risks/scenarios", "/api/v1/sharing/cases",
           "/api/v1/sharing/approaches", "/api/v1/sharing/search?q=Jansen", "/api/v1/sharing/search?q=111222333"]
    api += [f"/api/v1/incidents/{o.uuid}" for o in planted["incidents.incident"]]
    api += [f"/api/v1/sharing/cases/{o.uuid}" for o in planted["sharing.case"]]
    api_text = []
    for url in api:
        r = eva.get(url)
        assert r.status_code == 200, (url, r.status_code)
        api_text.append(r.content.decode())
        scan(f"api {url}", r.content.decode())
    assert any("[BSN]" in t for t in api_text)
    for o in planted["actions.exercise"]:  # an exercise is for its participants: the owner's view
        scan("api exercise", _client(world.anna).get(f"/api/v1/actions/exercises/{o.uuid}").content.decode())

    # search: the planted words find nothing, and the index itself holds none of them
    for q in ("Jansen", BSN, "jan.jansen@example.nl"):
        for kind in ("casus", "aanpak"):
            html = _page(eva, f"/nl/casusboek/?soort={kind}&q={q}")
            scan(f"search {kind} {q}", re.sub(re.escape(q), "", html, flags=re.I))  # the page repeats the query
        for kind in ("case", "approach"):
            found_by_search = eva.get("/api/v1/sharing/search", {"q": q, "kind": kind}).json()
            assert found_by_search["total"] == 0, (q, kind)
    # ... while a word that is in the texts does find them (the search works on these objects)
    assert eva.get("/api/v1/sharing/search", {"q": "IBAN", "kind": "case"}).json()["total"] >= 1
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            for table in ("sharing_case_fts", "sharing_approach_fts"):
                cur.execute(f"SELECT title, body, tags FROM {table}")
                scan(f"index {table}", json.dumps(cur.fetchall()))
        else:
            for table in ("sharing_case", "sharing_approach"):
                cur.execute(f"SELECT search_doc::text FROM {table}")
                scan(f"index {table}", json.dumps(cur.fetchall()))

    # exchange: STIX and MISP as made by the owner (what leaves the owner) and by the recipient
    for user in (world.anna, world.eva):
        scan(f"stix {user}", json.dumps(exchange.stix_bundle(user)))
        scan(f"misp {user}", json.dumps(exchange.misp_document(user)))
    assert "[BSN]" in json.dumps(exchange.stix_bundle(world.anna))
    # TAXII, as both organisations
    for user, org in ((world.anna, world.maastricht), (world.eva, world.eijsden)):
        auth = "Basic " + base64.b64encode(f"{user.username}:{world.password}".encode()).decode()
        r = Client().get(f"/api/taxii2/cyberbeeld/collections/{org.uuid}/objects/", HTTP_AUTHORIZATION=auth,
                         HTTP_ACCEPT="application/taxii+json;version=2.1")
        assert r.status_code == 200, r.content[:200]
        scan(f"taxii {org.slug}", r.content.decode())

    # spreadsheet exports, as the recipient
    import tablib

    for fmt in ("csv", "xlsx", "ods"):
        body = eva.get(f"/nl/incidenten/exporteren/?format={fmt}").content
        text = body.decode("utf-8-sig") if fmt == "csv" else json.dumps(
            [list(r) for r in tablib.Dataset().load(body, format=fmt)], default=str)
        scan(f"incident export {fmt}", text)
        scan(f"measure export {fmt}", _export_text(eva.get(f"/nl/maatregelen/export.{fmt}").content, fmt))
    # the owner's own incident export: the raw description is the ONLY column with the planted data
    own = tablib.Dataset().load(_client(world.anna).get("/nl/incidenten/exporteren/?format=xlsx").content,
                                format="xlsx")
    for row in own.dict:
        for column, value in row.items():
            if column != "beschrijving":
                scan(f"owner export column {column}", str(value))
    scan("owner measure export", _export_text(_client(world.anna).get("/nl/maatregelen/export.csv").content, "csv"))

    # the report (snapshot and rendered document), as made for the owner
    snap, content = build_document(world.gm_maastricht, fmt="html", user=world.anna, organisation=world.maastricht)
    scan("report snapshot", json.dumps(snap, default=str))
    scan("report html", content.decode("utf-8", "replace"))

    # the audit log and the feedback corpus
    for ev in AuditEvent.objects.all():
        scan(f"audit {ev.action} {ev.object_type}", ev.object_repr + json.dumps(ev.changes))
    assert AuditEvent.objects.filter(changes__has_key="title").exists() or AuditEvent.objects.count() > 10
    for fb in FormFeedback.objects.all():
        scan("feedback corpus", fb.title + fb.redacted_description)
    assert FormFeedback.objects.exists()

    assert found == {}, found
    # the pages of the other organisation do show the objects, in their redacted form
    assert sum("[BSN]" in h for h in shown) >= 8, "the other organisation should see the redacted texts"


def _export_text(body: bytes, fmt: str) -> str:
    if fmt == "csv":
        return body.decode("utf-8-sig")
    import tablib

    return json.dumps([list(r) for r in tablib.Dataset().load(io.BytesIO(body).read(), format=fmt)], default=str)


def test_finding_6_an_incident_title_leaves_without_personal_data(world, taxonomy, warm_cores):
    """The routes the finding names: case, STIX, MISP, feedback corpus, audit log (also of a RED incident)."""
    from cyberbeeld.incidents.models import FormFeedback
    from cyberbeeld.incidents.services import current_forms, incident_save
    from cyberbeeld.sharing import exchange
    from cyberbeeld.sharing import services as sharing

    title = "Jan Jansen (06-12345678) opgelicht"
    inc = incident_save(by=world.anna, owner=world.maastricht, data={"title": title, "tlp": "red",
                                                                      "raw_description": "Helpdeskfraude."})
    assert inc.title != title and hits(inc.title) == []
    other = current_forms().exclude(pk=inc.suggested_form_id).exclude(pk=inc.form_id).first()
    incident_save(by=world.anna, owner=world.maastricht, incident=inc, data={"form": other, "tlp": "amber"})
    case = sharing.promote_incident(by=world.anna, incident=inc)
    assert hits(case.title) == []
    assert hits(json.dumps(exchange.stix_bundle(world.anna, [case]))) == []
    assert hits(json.dumps(exchange.misp_document(world.anna, [case]))) == []
    assert FormFeedback.objects.exists()
    assert all(hits(f.title + f.redacted_description) == [] for f in FormFeedback.objects.all())
    events = AuditEvent.objects.filter(object_id__in=[str(inc.uuid), str(case.uuid)])
    assert events.count() >= 3
    assert all(hits(e.object_repr + json.dumps(e.changes)) == [] for e in events)
    # what the beheerder reads on the audit log page
    r = _client(world.beheerder).get(f"/nl/account/organisatie/{world.maastricht.slug}/auditlog/")
    assert r.status_code == 200 and "opgelicht" in r.content.decode()
    assert hits(r.content.decode()) == []


def test_rows_stored_before_the_upgrade_are_redacted_by_the_command(world, warm_cores):
    from django.core.management import call_command

    from cyberbeeld.actions.models import Measure

    m = Measure.objects.create(owner=world.maastricht, title="x")
    Measure.objects.filter(pk=m.pk).update(title=PII, description=PII)  # as written before (no save hook)
    out = io.StringIO()
    call_command("redact_shared_text", "--dry-run", stdout=out)
    assert "actions.Measure: 1 te wijzigen" in out.getvalue()
    m.refresh_from_db()
    assert m.title == PII
    call_command("redact_shared_text", stdout=io.StringIO())
    m.refresh_from_db()
    assert hits(m.title) == [] and hits(m.description) == [] and "[BSN]" in m.description
    out = io.StringIO()
    call_command("redact_shared_text", stdout=out)  # idempotent
    assert "actions.Measure: 0 gewijzigd" in out.getvalue()
