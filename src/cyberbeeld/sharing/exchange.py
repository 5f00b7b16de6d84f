"""Exchange cases with CERT tooling: STIX 2.1 bundles and MISP events, export and import.

Export: only what the exporting user may pass on (``policy.may_export``). Every case becomes a STIX
``report`` + ``incident`` (with a Cyberbeeld property extension for the structured fields) created by
an ``identity`` for the owner, marked with the official OASIS TLP 2.0 marking definitions. MISP:
one event per case with taxonomy machine tags (``tlp:…``, ``rsit:…`` from the form's RSIT mapping).

Import: all-or-nothing (one transaction), the sender's TLP is kept, a malformed bundle is refused
with a clear message and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from cyberbeeld.accounts import audit, policy
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.accounts.tlp import TLP

from .models import Case

# OASIS cti-stix-common-objects, extension-definition-specifications/tlp-2.0
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_MARKING_IDS = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# TLP 1.0 markings as STIX 2.x defines them (stix2.TLP_WHITE …), accepted on import.
TLP1_MARKING_IDS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
MARKING_TO_TLP = {v: k for k, v in TLP2_MARKING_IDS.items()} | TLP1_MARKING_IDS

NAMESPACE = uuid.UUID("6f1c3d52-0b8e-4b55-9a53-2f3e4c1a7d10")  # Cyberbeeld's STIX id namespace
CYBERBEELD_IDENTITY = f"identity--{uuid.uuid5(NAMESPACE, 'cyberbeeld')}"
CASE_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'cyberbeeld-case-v1')}"
EXTENSION_CREATED = "2026-01-01T00:00:00.000Z"
EXT_FIELDS = ("summary", "actions_taken", "actors", "outcome", "impact", "tags", "sectors", "forms",
              "occurred_on", "legal_basis", "purpose")


class ExchangeError(ValueError):
    """A bundle or event that cannot be imported; the message says why (nothing was changed)."""


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def tlp_marking(label: TLP) -> dict[str, Any]:
    return {
        "type": "marking-definition", "spec_version": "2.1", "id": TLP2_MARKING_IDS[label],
        "created": "2022-10-01T00:00:00.000Z", "name": label.label,
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": label.value}},
    }


def identity_of(org: Organisation) -> dict[str, Any]:
    return {"type": "identity", "spec_version": "2.1", "id": f"identity--{org.uuid}",
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "name": org.name, "identity_class": "organization", "sectors": ["government"]}


def _extension_definition() -> dict[str, Any]:
    return {"type": "extension-definition", "spec_version": "2.1", "id": CASE_EXTENSION,
            "created_by_ref": CYBERBEELD_IDENTITY, "created": EXTENSION_CREATED, "modified": EXTENSION_CREATED,
            "name": "Cyberbeeld case", "description": "Structured fields of a Cyberbeeld casebook case.",
            "schema": "https://cyberbeeld.example.invalid/stix/case-v1.json", "version": "1.0.0",
            "extension_types": ["property-extension"]}


def _cyberbeeld_identity() -> dict[str, Any]:
    return {"type": "identity", "spec_version": "2.1", "id": CYBERBEELD_IDENTITY,
            "created": EXTENSION_CREATED, "modified": EXTENSION_CREATED, "name": "Cyberbeeld",
            "identity_class": "system"}


def _case_fields(case: Case) -> dict[str, Any]:
    return {"summary": case.summary, "actions_taken": case.actions_taken, "actors": case.actors,
            "outcome": case.outcome, "impact": case.impact, "tags": case.tag_list, "sectors": case.sector_list,
            "forms": sorted(f.code for f in case.forms.all()),
            "occurred_on": case.occurred_on.isoformat() if case.occurred_on else "",
            "legal_basis": case.legal_basis, "purpose": case.purpose}


def exportable_cases(user: Any, cases: Iterable[Case] | None = None) -> list[Case]:
    from . import selectors

    if cases is None:
        return selectors.exportable(user, "case")
    return [c for c in cases if policy.may_export(user, c)]


def stix_bundle(user: Any, cases: Iterable[Case] | None = None) -> dict[str, Any]:
    """A STIX 2.1 bundle of the cases this user may pass on."""
    allowed = exportable_cases(user, cases)
    objects: dict[str, dict[str, Any]] = {}
    objects[CYBERBEELD_IDENTITY] = _cyberbeeld_identity()
    objects[CASE_EXTENSION] = _extension_definition()
    for case in allowed:
        label = TLP(case.tlp)
        marking = tlp_marking(label)
        ident = identity_of(case.owner)
        objects.setdefault(marking["id"], marking)
        objects.setdefault(ident["id"], ident)
        created, modified = _ts(case.created_at), _ts(max(case.updated_at, case.created_at))
        incident_id = f"incident--{case.uuid}"
        fields = {k: v for k, v in _case_fields(case).items() if v not in ("", [], None)}  # STIX: no empties
        incident = {
            "type": "incident", "spec_version": "2.1", "id": incident_id, "created": created, "modified": modified,
            "created_by_ref": ident["id"], "name": case.title, "description": case.summary or case.title,
            "object_marking_refs": [marking["id"]],
            "extensions": {CASE_EXTENSION: {"extension_type": "property-extension", **fields}},
        }
        if case.tag_list:
            incident["labels"] = case.tag_list
        report = {
            "type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid5(NAMESPACE, str(case.uuid))}",
            "created": created, "modified": modified, "created_by_ref": ident["id"], "name": case.title,
            "description": "\n\n".join(x for x in (case.summary, case.actions_taken, case.outcome) if x) or case.title,
            "report_types": ["threat-report"], "published": modified, "object_refs": [incident_id, ident["id"]],
            "object_marking_refs": [marking["id"]],
        }
        objects[incident_id] = incident
        objects[report["id"]] = report
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects.values())}


# --- MISP ------------------------------------------------------------------------------------------
def misp_tag_for(label: TLP) -> str:
    return f"tlp:{label.value}"


def misp_events(user: Any, cases: Iterable[Case] | None = None) -> list[Any]:
    from pymisp import MISPEvent

    events = []
    for case in exportable_cases(user, cases):
        ev = MISPEvent()
        ev.uuid = str(case.uuid)
        ev.info = case.title
        ev.date = case.occurred_on or case.created_at.date()
        ev.distribution = 4 if TLP(case.tlp) == TLP.CLEAR else 0
        ev.analysis = 2
        ev.threat_level_id = {"A": 4, "B": 3, "C": 2, "D": 1, "E": 1}.get(case.impact, 4)
        ev.Orgc = {"name": case.owner.name, "uuid": str(case.owner.uuid)}  # type: ignore[assignment]
        ev.add_tag(misp_tag_for(TLP(case.tlp)))
        for form in case.forms.all():
            if form.rsit:
                ev.add_tag(form.rsit)
            ev.add_tag(f'cyberbeeld:form="{form.code}"')
        for tag in case.tag_list:
            ev.add_tag(f'cyberbeeld:tag="{tag}"')
        for sector in case.sector_list:
            ev.add_tag(f'cyberbeeld:sector="{sector}"')
        for name in ("summary", "actions_taken", "actors", "outcome"):
            value = getattr(case, name)
            if value:
                ev.add_attribute("text", value, category="Other", comment=name, to_ids=False)
        if case.impact:
            ev.add_tag(f'cyberbeeld:impact="{case.impact}"')
        events.append(ev)
    return events


def misp_document(user: Any, cases: Iterable[Case] | None = None) -> dict[str, Any]:
    return {"response": [json.loads(ev.to_json()) for ev in misp_events(user, cases)]}


# --- import ----------------------------------------------------------------------------------------
def _validate_stix(data: dict[str, Any]) -> None:
    from stix2validator import ValidationOptions, validate_instance

    result = validate_instance(data, ValidationOptions(version="2.1"))
    if not result.is_valid:
        errors = [getattr(e, "message", str(e)) for e in getattr(result, "errors", [])]
        raise ExchangeError("Ongeldige STIX-bundel: " + "; ".join(errors[:5]))


def load_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError) as exc:
        raise ExchangeError(f"Geen geldige JSON: {exc}") from exc


def _marking_tlp(obj: dict[str, Any], markings: dict[str, dict[str, Any]]) -> TLP:
    found = []
    for ref in obj.get("object_marking_refs", []):
        if ref in MARKING_TO_TLP:
            found.append(MARKING_TO_TLP[ref])
        elif ref in markings:
            ext = markings[ref].get("extensions", {}).get(TLP2_EXTENSION, {})
            if ext.get("tlp_2_0"):
                found.append(TLP.parse(ext["tlp_2_0"]))
            elif markings[ref].get("definition_type") == "tlp":
                found.append(TLP.parse(markings[ref]["definition"]["tlp"]))
    if not found:
        raise ExchangeError(f"{obj.get('id')}: geen TLP-markering; zonder label wordt niets ingelezen.")
    return max(found, key=lambda t: t.rank)


def import_stix(data: Any, *, organisation: Organisation, by: Any) -> list[Case]:
    """Import every incident of a STIX 2.1 bundle as a case of ``organisation``; all or nothing."""
    if isinstance(data, (str, bytes)):
        data = load_json(data)
    if not isinstance(data, dict) or data.get("type") != "bundle" or not isinstance(data.get("objects"), list):
        raise ExchangeError("Ongeldige STIX-bundel: verwacht een object met type 'bundle' en een lijst 'objects'.")
    _validate_stix(data)
    objects = {o.get("id"): o for o in data["objects"] if isinstance(o, dict)}
    markings = {k: v for k, v in objects.items() if v.get("type") == "marking-definition"}
    incidents = [o for o in objects.values() if o.get("type") == "incident"]
    if not incidents:
        raise ExchangeError("De bundel bevat geen incidenten.")
    rows = []
    for inc in incidents:
        label = _marking_tlp(inc, markings)
        extensions = inc.get("extensions", {})
        ext = extensions.get(CASE_EXTENSION, {})
        fields = {k: ext.get(k) for k in EXT_FIELDS if k in ext}
        if CASE_EXTENSION not in extensions:
            fields = {"summary": inc.get("description", ""), "tags": inc.get("labels", [])}
        rows.append((inc["id"], inc.get("name") or "", label, fields))
    return _store(rows, organisation=organisation, by=by, source="stix")


def import_misp(data: Any, *, organisation: Organisation, by: Any) -> list[Case]:
    """Import MISP events (``{"response": [...]}``, a list, or one event); all or nothing."""
    from pymisp import MISPEvent

    if isinstance(data, (str, bytes)):
        data = load_json(data)
    if isinstance(data, dict) and "response" in data:
        data = data["response"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise ExchangeError("Ongeldig MISP-document: verwacht één of meer events.")
    rows = []
    for raw in data:
        ev = MISPEvent()
        try:
            ev.from_dict(**raw)
        except Exception as exc:
            raise ExchangeError(f"Ongeldig MISP-event: {exc}") from exc
        if not ev.get("info"):
            raise ExchangeError("Ongeldig MISP-event: 'info' ontbreekt.")
        tags = [t.name for t in ev.tags]
        tlps = [TLP.parse(t.split(":", 1)[1]) for t in tags if t.lower().startswith("tlp:")
                and t.split(":", 1)[1].lower() in {"clear", "white", "green", "amber", "amber+strict", "red"}]
        if not tlps:
            raise ExchangeError(f"MISP-event {ev.get('uuid')}: geen tlp:-tag; zonder label wordt niets ingelezen.")

        def values(prefix: str, tags: list[str] = tags) -> list[str]:
            return [t.split("=", 1)[1].strip('"') for t in tags if t.startswith(prefix + "=")]

        fields: dict[str, Any] = {"tags": values("cyberbeeld:tag"), "sectors": values("cyberbeeld:sector"),
                                  "forms": values("cyberbeeld:form")}
        impact = values("cyberbeeld:impact")
        fields["impact"] = impact[0] if impact else ""
        for attr in ev.attributes:
            if attr.type == "text" and attr.comment in ("summary", "actions_taken", "actors", "outcome"):
                fields[attr.comment] = attr.value
        if ev.get("date"):
            fields["occurred_on"] = str(ev.date)
        rows.append((f"misp-event--{ev.get('uuid')}", ev.info, max(tlps, key=lambda t: t.rank), fields))
    return _store(rows, organisation=organisation, by=by, source="misp")


@transaction.atomic
def _store(rows: list[tuple[str, str, TLP, dict[str, Any]]], *, organisation: Organisation, by: Any,
           source: str) -> list[Case]:
    from cyberbeeld.incidents.services import current_forms

    from . import services

    forms = {f.code: f for f in current_forms()}
    stored = []
    for external_id, title, label, fields in rows:
        if not title.strip():
            raise ExchangeError(f"{external_id}: de titel ontbreekt.")
        occurred = fields.get("occurred_on") or None
        try:
            occurred = dt.date.fromisoformat(occurred) if occurred else None
        except ValueError as exc:
            raise ExchangeError(f"{external_id}: ongeldige datum {occurred!r}.") from exc
        tags = fields.get("tags") or []
        data = {"title": title[:300], "summary": fields.get("summary") or "",
                "actions_taken": fields.get("actions_taken") or "", "actors": (fields.get("actors") or "")[:300],
                "outcome": fields.get("outcome") or "", "impact": fields.get("impact") or "",
                "tags": ", ".join(tags) if isinstance(tags, list) else str(tags), "occurred_on": occurred,
                "legal_basis": fields.get("legal_basis") or "", "purpose": (fields.get("purpose") or "")[:300],
                "external_id": external_id}
        existing = Case.objects.filter(owner=organisation, external_id=external_id).first()
        case = services.case_save(
            by=None, owner=organisation, case=existing,
            data={**data, "tlp": label.value} if existing is None else data,
            forms=[forms[c] for c in fields.get("forms") or [] if c in forms], sectors=fields.get("sectors") or [])
        # keep the sender's label; the audience starts with the importing organisation only
        Case.objects.filter(pk=case.pk).update(tlp=label.value, created_by=by if getattr(by, "pk", None) else None)
        case.refresh_from_db()
        if label == TLP.RED and getattr(by, "pk", None):
            case.recipients.add(by)
        stored.append(case)
    audit.record(user=by, action="import", organisation=organisation, object_type="sharing.case",
                 changes={"source": source, "cases": [c.external_id for c in stored],
                          "at": timezone.now().isoformat()})
    return stored
