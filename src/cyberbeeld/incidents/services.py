"""Every write to the taxonomy and the register: one transaction, one audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cyberbeeld.accounts import audit
from cyberbeeld.accounts.models import Organisation

from .models import Category, Form, Incident, TaxonomyVersion

INCIDENT_FIELDS = [
    "title", "raw_description", "occurred_on", "reported_on", "area", "postcode4", "form", "sector",
    "victim_type", "modus", "impact", "source", "status", "tlp",
]


def redact(text: str) -> str:
    """Personal data out of Dutch free text (pure core ``redact.py``)."""
    if not text:
        return ""
    from .redact import redact_text

    return redact_text(text)


@transaction.atomic
def taxonomy_sync(*, by: Any = None, maintained_by: Organisation | None = None) -> TaxonomyVersion:
    """Load the taxonomy file shipped with the app into the database (idempotent per version)."""
    import json

    from . import taxonomy as pure

    tax = pure.load_taxonomy()
    raw = json.loads(pure.DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8"))
    existing = TaxonomyVersion.objects.filter(version=tax.version).first()
    if existing is not None:
        return existing
    version = TaxonomyVersion.objects.create(version=tax.version, namespace=tax.namespace, data=raw,
                                             maintained_by=maintained_by)
    cats = {}
    for c in tax.categories:
        cats[c.code] = Category.objects.create(
            taxonomy=version, code=c.code, name_nl=c.name.get("nl"), name_en=c.name.get("en"),
            definition_nl=c.definition.get("nl"), definition_en=c.definition.get("en"),
        )
    for f in tax.forms:
        Form.objects.create(
            taxonomy=version, category=cats[f.category], code=f.code, name_nl=f.name.get("nl"),
            name_en=f.name.get("en"), definition_nl=f.definition.get("nl"), definition_en=f.definition.get("en"),
            rsit=f.rsit.machinetag if f.rsit else "", indicators=list(f.indicators),
        )
    audit.record(user=by, action="import", obj=version, organisation=maintained_by,
                 changes={"version": tax.version, "forms": len(tax.forms)})
    return version


def _suggest(incident: Incident) -> None:
    """No form chosen: suggest one (pure core ``classify.py``). Unsure suggestions are kept as a
    suggestion only; the user decides, and the user's choice always wins."""
    from .classify import load_or_train

    suggestion = load_or_train().suggest(incident.title, incident.raw_description)
    candidate = suggestion.alternatives[0].form if suggestion.unsure and suggestion.alternatives else suggestion.form
    form = current_forms().filter(code=candidate).first()
    incident.suggested_form = form
    incident.suggestion_probability = suggestion.probability
    if form is not None and not suggestion.unsure:
        incident.form = form


def current_forms() -> Any:
    version = TaxonomyVersion.objects.order_by("-version").first()
    return Form.objects.filter(taxonomy=version).select_related("category")


@transaction.atomic
def incident_save(*, by: Any, owner: Organisation, data: dict[str, Any], incident: Incident | None = None,
                  is_example: bool = False) -> Incident:
    """Create or update an incident. The shareable text is always re-derived from the raw text."""
    unknown = set(data) - set(INCIDENT_FIELDS) - {"external_id", "suggested_form", "suggestion_probability"}
    if unknown:
        raise ValueError(f"unknown incident fields: {sorted(unknown)}")
    if incident is None:
        incident = Incident(owner=owner, created_by=by if getattr(by, "is_authenticated", False) else None,
                            is_example=is_example)
        before: dict[str, Any] = {}
        action = "create"
    else:
        if incident.owner_id != owner.pk:
            raise PermissionError("An incident is changed only by its owner.")
        before = {f: getattr(incident, f) for f in INCIDENT_FIELDS}
        action = "update"
    for key, value in data.items():
        setattr(incident, key, value)
    if incident.form_id is None and incident.title:
        _suggest(incident)
    incident.redacted_description = redact(incident.raw_description)
    incident.full_clean(exclude=["owner", "created_by"])
    incident.save()
    after = {f: getattr(incident, f) for f in INCIDENT_FIELDS}
    changes = audit.diff(before, after)
    if "raw_description" in changes:  # the audit log never holds the raw text itself
        changes["raw_description"] = ["…", "…"]
    audit.record(user=by, action=action, obj=incident, changes=changes)
    return incident
