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
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cyberbeeld.accounts import audit, policy
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.common.errors import Invalid
from cyberbeeld.incidents.models import Impact
from cyberbeeld.incidents.services import current_forms

from . import selectors, services
from .models import Case, LegalBasis

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


class ExchangeError(Invalid):
    """A bundle or event that cannot be imported; the message says why (nothing was changed)."""

    code = "exchange"


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def tlp_marking(label: TLP) -> dict[str, Any]:
    return {
        "type": "marking-definition", "spec_version": "2.1", "id": TLP2_MARKING_IDS[label],
        "created": "2022-10-01T00:00:00.000Z", "name": label.label,
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": label.value}},
    }


def organisation_uuid(org: Organisation) -> uuid.UUID:
    """An organisation's id in STIX and MISP: derived from its slug, so the same in every export and every
    installation (not the random database uuid)."""
    return uuid.uuid5(NAMESPACE, f"organisation:{org.slug}")


def identity_id(org: Organisation) -> str:
    return f"identity--{organisation_uuid(org)}"


def identity_of(org: Organisation) -> dict[str, Any]:
    return _identity(identity_id(org), org.name, sectors=["government"])


def _identity(ref: str, name: str, *, sectors: list[str] | None = None) -> dict[str, Any]:
    ident: dict[str, Any] = {"type": "identity", "spec_version": "2.1", "id": ref, "created": EXTENSION_CREATED,
                             "modified": EXTENSION_CREATED, "name": name, "identity_class": "organization"}
    if sectors:
        ident["sectors"] = sectors
    return ident


def author_of(case: Case) -> tuple[str, str]:
    """(STIX identity id, name) of who wrote the case: the source of an imported case, else its owner."""
    if case.source_ref and case.source_name:
        return case.source_ref, case.source_name
    return identity_id(case.owner), case.owner.name


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
    if cases is None:
        return selectors.exportable(user, "case")
    return [c for c in cases if policy.may_export(user, c)]


def stix_objects(user: Any, cases: Iterable[Case] | None = None) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """Every STIX object for the cases this user may pass on, each with the moment it was added
    (its case's last change; shared objects take the earliest case that needs them), in that order."""
    allowed = sorted(exportable_cases(user, cases), key=lambda c: (c.updated_at, c.pk))
    found: dict[str, tuple[dt.datetime, dict[str, Any]]] = {}

    def add(moment: dt.datetime, obj: dict[str, Any]) -> None:
        if obj["id"] not in found or moment < found[obj["id"]][0]:
            found[obj["id"]] = (moment, obj)

    for case in allowed:
        moment = case.updated_at
        label = TLP(case.tlp)
        marking = tlp_marking(label)
        author_ref, author_name = author_of(case)
        author = identity_of(case.owner) if author_ref == identity_id(case.owner) else _identity(author_ref,
                                                                                                   author_name)
        add(moment, _cyberbeeld_identity())
        add(moment, _extension_definition())
        add(moment, marking)
        add(moment, author)
        created, modified = _ts(case.created_at), _ts(max(case.updated_at, case.created_at))
        incident_id = f"incident--{case.uuid}"
        fields = {k: v for k, v in _case_fields(case).items() if v not in ("", [], None)}  # STIX: no empties
        incident = {
            "type": "incident", "spec_version": "2.1", "id": incident_id, "created": created, "modified": modified,
            "created_by_ref": author_ref, "name": case.title, "description": case.summary or case.title,
            "object_marking_refs": [marking["id"]],
            "extensions": {CASE_EXTENSION: {"extension_type": "property-extension", **fields}},
        }
        if case.tag_list:
            incident["labels"] = case.tag_list
        report = {
            "type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid5(NAMESPACE, str(case.uuid))}",
            "created": created, "modified": modified, "created_by_ref": author_ref, "name": case.title,
            "description": "\n\n".join(x for x in (case.summary, case.actions_taken, case.outcome) if x) or case.title,
            "report_types": ["threat-report"], "published": modified, "object_refs": [incident_id, author_ref],
            "object_marking_refs": [marking["id"]],
        }
        add(moment, incident)
        add(moment, report)
    return sorted(found.values(), key=lambda pair: (pair[0], pair[1]["id"]))


def stix_bundle(user: Any, cases: Iterable[Case] | None = None) -> dict[str, Any]:
    """A STIX 2.1 bundle of the cases this user may pass on."""
    objects = [obj for _, obj in stix_objects(user, cases)]
    if not objects:
        objects = [_cyberbeeld_identity(), _extension_definition()]
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}


# --- MISP ------------------------------------------------------------------------------------------
MISP_TEXT_FIELDS = ("summary", "actions_taken", "actors", "outcome", "purpose")


def misp_tag_for(label: TLP) -> str:
    return f"tlp:{label.value}"


def _misp_org(name: str, ref: str) -> Any:
    # deferred: heavy import (pymisp ~0.6 s), only for a MISP export or import
    from pymisp import MISPOrganisation

    org = MISPOrganisation()
    org.from_dict(name=name, uuid=ref.removeprefix("identity--"))
    return org


def misp_events(user: Any, cases: Iterable[Case] | None = None) -> list[Any]:
    """One MISP event per case: ``Orgc`` is the author organisation (the source of an imported case),
    ``Org`` the organisation that holds and passes it on; legal basis as a machine tag, purpose as text."""
    # deferred: heavy import (pymisp ~0.6 s), only for a MISP export or import
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
        author_ref, author_name = author_of(case)
        ev.Orgc = _misp_org(author_name, author_ref)
        ev.Org = _misp_org(case.owner.name, identity_id(case.owner))
        ev.add_tag(misp_tag_for(TLP(case.tlp)))
        for form in case.forms.all():
            if form.rsit:
                ev.add_tag(form.rsit)
            ev.add_tag(f'cyberbeeld:form="{form.code}"')
        for tag in case.tag_list:
            ev.add_tag(f'cyberbeeld:tag="{tag}"')
        for sector in case.sector_list:
            ev.add_tag(f'cyberbeeld:sector="{sector}"')
        if case.legal_basis:
            ev.add_tag(f'cyberbeeld:legal-basis="{case.legal_basis}"')
        for name in MISP_TEXT_FIELDS:
            value = getattr(case, name)
            if value:
                ev.add_attribute("text", value, category="Other", comment=name, to_ids=False)
        if case.impact:
            ev.add_tag(f'cyberbeeld:impact="{case.impact}"')
        events.append(ev)
    return events


def misp_document(user: Any, cases: Iterable[Case] | None = None) -> dict[str, Any]:
    """MISP's REST shape (``/events/restSearch``): ``{"response": [{"Event": {...}}, ...]}``."""
    return {"response": [{"Event": json.loads(ev.to_json())} for ev in misp_events(user, cases)]}


# --- import ----------------------------------------------------------------------------------------
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]")


def _validate_stix(data: dict[str, Any]) -> None:
    # deferred: heavy import (stix2-validator ~5 s, its schemas), only for a STIX import
    from stix2validator import ValidationOptions, validate_instance

    try:
        result = validate_instance(data, ValidationOptions(version="2.1"))
    except Exception as exc:  # the validator raises on some malformed input instead of reporting it
        raise ExchangeError(f"Ongeldige STIX-bundel: {exc}") from exc
    if not result.is_valid:
        errors = [getattr(e, "message", str(e)) for e in getattr(result, "errors", [])]
        raise ExchangeError("Ongeldige STIX-bundel: " + "; ".join(errors[:5]))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ExchangeError(f"Geen geldige JSON: dubbele sleutel {key!r}.")
        out[key] = value
    return out


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest, counted without parsing (strings skipped)."""
    depth = deepest = 0
    for char in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def load_json(text: str | bytes) -> Any:
    """Parse untrusted JSON: refuses nesting deeper than MAX_JSON_DEPTH (before parsing) and duplicate keys."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExchangeError(f"Geen geldige JSON: geen UTF-8 ({exc.reason} op positie {exc.start}).") from exc
    if not isinstance(text, str):
        raise ExchangeError("Geen geldige JSON: verwacht tekst.")
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ExchangeError(f"Geen geldige JSON: te diep genest (meer dan {MAX_JSON_DEPTH} niveaus).")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except ExchangeError:
        raise
    except (ValueError, TypeError, RecursionError) as exc:
        raise ExchangeError(f"Geen geldige JSON: {exc}") from exc


def _marking_tlp(obj: dict[str, Any], markings: dict[str, dict[str, Any]]) -> TLP:
    found = []
    refs = obj.get("object_marking_refs", [])
    for ref in refs if isinstance(refs, list) else []:
        try:
            if ref in MARKING_TO_TLP:
                found.append(MARKING_TO_TLP[ref])
            elif ref in markings:
                ext = markings[ref].get("extensions", {}).get(TLP2_EXTENSION, {})
                if ext.get("tlp_2_0"):
                    found.append(TLP.parse(str(ext["tlp_2_0"])))
                elif markings[ref].get("definition_type") == "tlp":
                    found.append(TLP.parse(str(markings[ref]["definition"]["tlp"])))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ExchangeError(f"{obj.get('id')}: onbekende TLP-markering {ref}: {exc}") from exc
    if not found:
        raise ExchangeError(f"{obj.get('id')}: geen TLP-markering; zonder label wordt niets ingelezen.")
    return max(found, key=lambda t: t.rank)


def _source_of(ref: Any, identities: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """(identity id, name) of the author an incoming object names, if it names one."""
    if not isinstance(ref, str) or not ref.startswith("identity--"):
        return "", ""
    ours = {identity_id(o): o.name for o in Organisation.objects.only("slug", "name")}
    if ref in ours:
        return ref, ours[ref]
    name = identities.get(ref, {}).get("name")
    return (ref, name[:200]) if isinstance(name, str) and name.strip() else ("", "")


def import_stix(data: Any, *, organisation: Organisation, by: Any) -> list[Case]:
    """Import every incident of a STIX 2.1 bundle as a case of ``organisation``; all or nothing."""
    if isinstance(data, (str, bytes)):
        data = load_json(data)
    if not isinstance(data, dict) or data.get("type") != "bundle" or not isinstance(data.get("objects"), list):
        raise ExchangeError("Ongeldige STIX-bundel: verwacht een object met type 'bundle' en een lijst 'objects'.")
    if not all(isinstance(o, dict) for o in data["objects"]):
        raise ExchangeError("Ongeldige STIX-bundel: elk element van 'objects' moet een STIX-object zijn.")
    _validate_stix(data)
    objects = {o.get("id"): o for o in data["objects"]}
    markings = {k: v for k, v in objects.items() if v.get("type") == "marking-definition"}
    identities = {k: v for k, v in objects.items() if v.get("type") == "identity"}
    incidents = [o for o in objects.values() if o.get("type") == "incident"]
    if not incidents:
        raise ExchangeError("De bundel bevat geen incidenten.")
    rows = []
    for inc in incidents:
        label = _marking_tlp(inc, markings)
        extensions = inc.get("extensions", {})
        ext = extensions.get(CASE_EXTENSION, {}) if isinstance(extensions, dict) else {}
        if not isinstance(ext, dict):
            raise ExchangeError(f"{inc['id']}: de extensie {CASE_EXTENSION} is geen object.")
        fields = {k: ext.get(k) for k in EXT_FIELDS if k in ext}
        if CASE_EXTENSION not in extensions:
            fields = {"summary": inc.get("description", ""), "tags": inc.get("labels", [])}
        source_ref, source_name = _source_of(inc.get("created_by_ref"), identities)
        rows.append(_Row(inc["id"], inc.get("name") or "", label, fields, source_ref, source_name))
    return _store(rows, organisation=organisation, by=by, source="stix")


def _misp_events_of(data: Any) -> list[dict[str, Any]]:
    """The events of a MISP document: ``{"response": [...]}``, a list, ``{"Event": {...}}`` or a bare event."""
    if isinstance(data, dict) and "response" in data:
        data = data["response"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise ExchangeError("Ongeldig MISP-document: verwacht één of meer events.")
    events = []
    for i, item in enumerate(data, start=1):
        if isinstance(item, dict) and "Event" in item:
            item = item["Event"]
        if not isinstance(item, dict):
            raise ExchangeError(f"Ongeldig MISP-document: element {i} is geen event.")
        events.append(item)
    return events


def import_misp(data: Any, *, organisation: Organisation, by: Any) -> list[Case]:
    """Import MISP events (REST shape ``{"Event": …}``, ``{"response": [...]}``, a list or one event);
    all or nothing. The author organisation (``Orgc``) is kept as the source, never the importer."""
    # deferred: heavy import (pymisp ~0.6 s), only for a MISP export or import
    from pymisp import MISPEvent

    if isinstance(data, (str, bytes)):
        data = load_json(data)
    rows = []
    for raw in _misp_events_of(data):
        ev = MISPEvent()
        try:
            ev.from_dict(**raw)
        except Exception as exc:
            raise ExchangeError(f"Ongeldig MISP-event: {exc}") from exc
        if not isinstance(ev.get("info"), str) or not ev.get("info"):
            raise ExchangeError(f"Ongeldig MISP-event {ev.get('uuid')}: 'info' ontbreekt.")
        tags = [str(t.name) for t in ev.tags]
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
        legal_basis = values("cyberbeeld:legal-basis")
        fields["legal_basis"] = legal_basis[0] if legal_basis else ""
        for attr in ev.attributes:
            if attr.type == "text" and attr.comment in MISP_TEXT_FIELDS:
                fields[attr.comment] = attr.value
        if ev.get("date"):
            fields["occurred_on"] = str(ev.date)
        source_ref, source_name = _misp_source(raw.get("Orgc"))
        rows.append(_Row(f"misp-event--{ev.get('uuid')}", ev.info, max(tlps, key=lambda t: t.rank), fields,
                         source_ref, source_name))
    return _store(rows, organisation=organisation, by=by, source="misp")


def _misp_source(orgc: Any) -> tuple[str, str]:
    """(identity id, name) of a MISP event's author organisation (``Orgc``)."""
    if not isinstance(orgc, dict) or not isinstance(orgc.get("name"), str) or not orgc["name"].strip():
        return "", ""
    name = orgc["name"].strip()[:200]
    try:
        ref = f"identity--{uuid.UUID(str(orgc.get('uuid')))}"
    except ValueError:
        return "", name
    return _source_of(ref, {ref: {"name": name}})


class _Row:
    """One incoming case: its id in the source, title, label, fields and the author organisation."""

    def __init__(self, external_id: str, title: Any, label: TLP, fields: dict[str, Any], source_ref: str,
                 source_name: str) -> None:
        self.external_id, self.title, self.label, self.fields = str(external_id), title, label, fields
        self.source_ref, self.source_name = source_ref, source_name


def _text(row: _Row, name: str, value: Any, limit: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ExchangeError(f"{row.external_id}: veld {name}: verwacht tekst, niet {type(value).__name__}.")
    if limit is not None and len(value) > limit:
        raise ExchangeError(f"{row.external_id}: veld {name}: langer dan {limit} tekens.")
    return value


def _text_list(row: _Row, name: str, value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str) and name == "tags":
        return [t.strip() for t in value.split(",") if t.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ExchangeError(f"{row.external_id}: veld {name}: verwacht een lijst met teksten.")
    return value


def _case_data(row: _Row) -> tuple[dict[str, Any], list[str], list[str]]:
    """The case fields of an incoming row, each checked; a clear message names the object and the field."""
    title = _text(row, "title", row.title).strip()
    if not title:
        raise ExchangeError(f"{row.external_id}: de titel ontbreekt.")
    f = row.fields
    occurred_text = _text(row, "occurred_on", f.get("occurred_on"))
    try:
        occurred = dt.date.fromisoformat(occurred_text) if occurred_text else None
    except ValueError as exc:
        raise ExchangeError(f"{row.external_id}: veld occurred_on: ongeldige datum {occurred_text!r}.") from exc
    impact = _text(row, "impact", f.get("impact"))
    if impact and impact not in Impact.values:
        raise ExchangeError(f"{row.external_id}: veld impact: onbekende waarde {impact!r} "
                            f"(verwacht {', '.join(Impact.values)}).")
    legal_basis = _text(row, "legal_basis", f.get("legal_basis"))
    if legal_basis and legal_basis not in LegalBasis.values:
        raise ExchangeError(f"{row.external_id}: veld legal_basis: onbekende grondslag {legal_basis!r}.")
    tags = _text_list(row, "tags", f.get("tags"))
    data = {"title": title[:300], "summary": _text(row, "summary", f.get("summary")),
            "actions_taken": _text(row, "actions_taken", f.get("actions_taken")),
            "actors": _text(row, "actors", f.get("actors"))[:300], "outcome": _text(row, "outcome", f.get("outcome")),
            "impact": impact, "tags": ", ".join(tags)[:500], "occurred_on": occurred, "legal_basis": legal_basis,
            "purpose": _text(row, "purpose", f.get("purpose"))[:300], "external_id": row.external_id[:200]}
    return data, _text_list(row, "forms", f.get("forms")), _text_list(row, "sectors", f.get("sectors"))


def _uuid_of(external_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(external_id.rsplit("--", 1)[-1])
    except ValueError:
        return None


def _known_as(external_id: str) -> tuple[list[Case], Case | None]:
    """Every case that is this object or a copy of it, in any organisation, and the original if we hold it.

    Deliberately not filtered by the policy: the label floor must also see objects the importer cannot.
    """
    key = _uuid_of(external_id)
    match = Q(external_id=external_id)
    if key is not None:
        match |= Q(uuid=key) | Q(external_id__in=[f"incident--{key}", f"misp-event--{key}"])
    found = list(Case.objects.filter(match).order_by("-updated_at", "-pk"))
    original = next((c for c in found if key is not None and c.uuid == key), None)
    return found, original


def _relabel(*, by: Any, case: Case, label: TLP) -> None:
    """A stricter label on an existing case is sharing: the share service, with the owner's coordinator rule
    (``policy.can_share``). The audience is kept as far as the new label allows."""
    if not policy.can_share(by, case):
        raise ExchangeError(
            f"{case.external_id or case.uuid}: het label wijzigen (van {TLP(case.tlp).label} naar {label.label}) "
            f"is delen; dat doet een coördinator van {case.owner.name}.")
    recipients = list(case.recipients.all())
    if label == TLP.RED and not recipients and getattr(by, "pk", None):
        recipients = [by]
    services.share(by=by, obj=case, tlp=label.value, organisations=list(case.audience_organisations.all()),
                   audiences=list(case.audiences.all()), region=case.audience_region,
                   community=case.audience_community and label == TLP.GREEN, recipients=recipients,
                   legal_basis=case.legal_basis, purpose=case.purpose)


def _store_row(row: _Row, *, organisation: Organisation, by: Any, forms: dict[str, Any]) -> Case:
    """Store one incoming case under the rule that imports never change another owner's object:

    * the label may never be lower than that of the object the id names (the original if it is in
      Cyberbeeld, else every copy of it), nor than the label of the importing organisation's own copy;
    * an id of another organisation's object becomes a new case of the importing organisation;
    * the importing organisation's own case is updated only by a member who may see and change it,
      and its label only raised through the share service by a coordinator;
    * the importer is never made the author: the author organisation of the source is kept apart.
    """
    data, form_codes, sectors = _case_data(row)
    label = row.label
    copies, original = _known_as(row.external_id)
    floor = [original] if original is not None else copies
    if any(TLP(c.tlp).rank > label.rank for c in floor):
        raise ExchangeError(f"{row.external_id}: dit object bestaat al met een strenger TLP-label; een import "
                            "mag een label niet verlagen (alleen de eigenaar deelt het breder, via Delen).")
    target = next((c for c in ([original] if original else []) + copies if c.owner_id == organisation.pk), None)
    chosen = [forms[c] for c in form_codes if c in forms]
    if target is not None:
        if not (policy.can_view(by, target) and policy.can_change(by, target)):
            raise ExchangeError(f"{row.external_id}: dit object bestaat al in {organisation.name} en u mag het "
                                "niet wijzigen.")
        if TLP(target.tlp).rank > label.rank:
            raise ExchangeError(f"{row.external_id}: dit object bestaat al met een strenger TLP-label; een import "
                                "mag een label niet verlagen (alleen de eigenaar deelt het breder, via Delen).")
        if TLP(target.tlp).rank < label.rank:
            _relabel(by=by, case=target, label=label)
        if target.external_id:
            data["external_id"] = target.external_id
        else:
            data.pop("external_id")
        return services.case_save(by=by, owner=organisation, case=target, data=data, forms=chosen, sectors=sectors)
    case = services.case_save(by=by, owner=organisation, data={**data, "tlp": label.value}, forms=chosen,
                              sectors=sectors)
    own = row.source_ref == identity_id(organisation)
    Case.objects.filter(pk=case.pk).update(created_by=None, source_ref="" if own else row.source_ref,
                                           source_name="" if own else row.source_name)
    if label == TLP.RED and getattr(by, "pk", None):
        case.recipients.add(by)  # a RED copy needs a named person; the importer receives it, not as author
    case.refresh_from_db()
    return case


@transaction.atomic
def _store(rows: list[_Row], *, organisation: Organisation, by: Any, source: str) -> list[Case]:
    forms = {f.code: f for f in current_forms()}
    stored = []
    for row in rows:
        try:
            stored.append(_store_row(row, organisation=organisation, by=by, forms=forms))
        except ValidationError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) \
                if hasattr(exc, "error_dict") else " ".join(exc.messages)
            raise ExchangeError(f"{row.external_id}: {detail}") from exc
        except PermissionError as exc:
            raise ExchangeError(f"{row.external_id}: u mag niet inlezen voor {organisation.name}.") from exc
    audit.record(user=by, action="import", organisation=organisation, object_type="sharing.case",
                 changes={"source": source, "cases": [c.external_id for c in stored],
                          "at": timezone.now().isoformat()})
    return stored
