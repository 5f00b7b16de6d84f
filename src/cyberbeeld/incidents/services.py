"""Every write to the taxonomy and the register: one transaction, one audit event."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from cyberbeeld.accounts import audit, policy, shared_text
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.accounts.services import save_shareable
from cyberbeeld.common.errors import NotAllowed, RowError
from cyberbeeld.common.models import ImportJob
from cyberbeeld.common.redact import redact_text

from . import questions
from . import taxonomy as pure
from .models import Category, Form, FormFeedback, Incident, Status, TaxonomyVersion
from .taxonomy import load_taxonomy

INCIDENT_FIELDS = [
    "title", "raw_description", "occurred_on", "reported_on", "area", "postcode4", "form", "sector",
    "victim_type", "modus", "impact", "source", "status", "tlp", "details",
]


def redact(text: str) -> str:
    """Personal data out of Dutch free text (pure core ``redact.py``)."""
    if not text:
        return ""

    return redact_text(text)


@transaction.atomic
def taxonomy_sync(*, by: Any = None, maintained_by: Organisation | None = None) -> TaxonomyVersion:
    """Load the taxonomy file shipped with the app into the database (idempotent per version)."""
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


_CLASSIFIER: dict[str, Any] = {}


def trained_feedback_examples() -> list[Any]:
    """The feedback the current model was trained on (rows marked by ``retrain_classifier``)."""
    # deferred: heavy import (scikit-learn via classify, ~1.5 s): only processes that classify load it
    from .classify import Example

    known = set(load_taxonomy().form_codes)
    rows = FormFeedback.objects.filter(trained_at__isnull=False).order_by("pk")
    return [Example(f.title, f.redacted_description, f.chosen_form) for f in rows if f.chosen_form in known]


def classifier() -> Any:
    """The classifier for corpus + trained feedback, kept per process while that set is unchanged."""
    # deferred: heavy import (scikit-learn via classify, ~1.5 s): only processes that classify load it
    from .classify import load_or_train

    trained = FormFeedback.objects.filter(trained_at__isnull=False)
    key = f"{trained.count()}:{max(trained.values_list('pk', flat=True), default=0)}"
    clf = _CLASSIFIER.get(key)
    if clf is None:
        clf = load_or_train(extra_examples=trained_feedback_examples())
        _CLASSIFIER.clear()
        _CLASSIFIER[key] = clf
    return clf


def _suggest(incident: Incident, *, choose: bool) -> Any:
    """Suggest a form (pure core ``classify.py``). Unsure suggestions are kept as a suggestion only;
    the user decides, and the user's choice always wins (``choose=False`` when the user chose).

    The model sees the *redacted* description, as it does in retraining (feedback keeps only redacted
    text), so that prediction and training texts are alike and a remembered correction is found again."""
    suggestion = classifier().suggest(incident.title, incident.redacted_description)
    candidate = suggestion.alternatives[0].form if suggestion.unsure and suggestion.alternatives else suggestion.form
    form = current_forms().filter(code=candidate).first()
    incident.suggested_form = form
    incident.suggestion_probability = suggestion.probability
    if choose and form is not None and not suggestion.unsure:
        incident.form = form
    return suggestion


def current_forms() -> Any:
    """The forms of the newest taxonomy version: one query (the version as a subquery, its JSON not read)."""
    newest = TaxonomyVersion.objects.order_by("-version").values("pk")[:1]
    return Form.objects.filter(taxonomy=Subquery(newest)).select_related("category")


def incident_save(*, by: Any, owner: Organisation, data: dict[str, Any], incident: Incident | None = None,
                  is_example: bool = False) -> Incident:
    """Create or update an incident. The shareable text is always re-derived from the raw text.

    A suggestion is made whenever the text is new or changed; it fills the form only when the user
    chose none and the classifier is sure. When the user's choice differs from the suggestion (or the
    suggestion was unsure), the choice is kept as :class:`FormFeedback` for retraining.

    Redaction, classification (and loading their models) and validation run BEFORE the write
    transaction, which holds only the writes: on SQLite every other writer waits while it is open."""
    suggestion = None

    def prepare(obj: Incident, before: dict[str, Any], action: str) -> None:
        nonlocal suggestion
        obj.redacted_description = redact(obj.raw_description)
        shared_text.redact_fields(obj)  # the title and every other declared text: no personal data
        text_changed = action == "create" or before.get("title") != obj.title \
            or before.get("raw_description") != obj.raw_description
        if obj.title and "suggested_form" not in data and (text_changed or obj.form_id is None):
            suggestion = _suggest(obj, choose=obj.form_id is None)
        obj.details = questions.clean_details(obj.form.code if obj.form else None, obj.details or {}, redact=redact)
        if obj.status == Status.AFGESLOTEN and obj.closed_at is None:
            obj.closed_at = timezone.now()
        elif obj.status != Status.AFGESLOTEN:
            obj.closed_at = None

    return save_shareable(
        incident, model=Incident, by=by, owner=owner, data=data, fields=INCIDENT_FIELDS, noun="incident",
        extra_fields={"external_id", "suggested_form", "suggestion_probability"}, is_example=is_example,
        # compare with what is stored: a ModelForm has already copied its data onto the instance
        stored=lambda obj: Incident.objects.select_related("form").get(pk=obj.pk),
        prepare=prepare, conceal=("raw_description",),
        finish=lambda saved, before: _keep_feedback(saved, before, suggestion))


def _keep_feedback(incident: Incident, before: dict[str, Any], suggestion: Any) -> FormFeedback | None:
    """Store the user's choice when it differs from the suggestion or settles an unsure one."""
    # deferred: heavy import (scikit-learn via classify, ~1.5 s): only processes that classify load it
    from .classify import DEFAULT_THRESHOLD

    if incident.form is None or incident.suggested_form is None:
        return None
    chose_now = before.get("form") != incident.form or suggestion is not None
    auto_filled = suggestion is not None and not suggestion.unsure and incident.form == incident.suggested_form \
        and before.get("form") is None
    unsure = (incident.suggestion_probability or 0.0) < DEFAULT_THRESHOLD
    if not chose_now or auto_filled or (incident.form == incident.suggested_form and not unsure):
        return None
    last = FormFeedback.objects.filter(incident=incident).order_by("-pk").first()
    if last is not None and last.chosen_form == incident.form.code and last.title == incident.title \
            and last.redacted_description == incident.redacted_description:
        return last
    return FormFeedback.objects.create(  # the corpus holds only shareable (redacted) text
        owner=incident.owner, incident=incident, title=shared_text.shareable_text(incident, "title"),
        redacted_description=shared_text.shareable_text(incident, "redacted_description"),
        chosen_form=incident.form.code,
        suggested_form=incident.suggested_form.code, suggestion_probability=incident.suggestion_probability,
        unsure=unsure,
    )


@transaction.atomic
def retrain_classifier(*, by: Any = None, cache_dir: Any = None) -> dict[str, Any]:
    """Retrain the form classifier on corpus + all feedback (``classify.retrain``); audited."""
    # deferred: heavy import (scikit-learn via classify, ~1.5 s): only processes that classify load it
    from . import classify

    known = set(load_taxonomy().form_codes)
    rows = list(FormFeedback.objects.order_by("pk"))
    usable = [f for f in rows if f.chosen_form in known and (f.title or f.redacted_description)]
    examples = [classify.Example(f.title, f.redacted_description, f.chosen_form) for f in usable]
    clf = classify.retrain(examples, cache_dir)
    FormFeedback.objects.filter(pk__in=[f.pk for f in usable], trained_at__isnull=True).update(trained_at=timezone.now())
    _CLASSIFIER.clear()
    report: dict[str, Any] = {"examples": clf.n_examples, "feedback": len(usable), "skipped": len(rows) - len(usable),
              "forms": len(clf.forms), "fingerprint": clf.fingerprint[:12], "model": classify.MODEL_VERSION,
              "threshold": clf.threshold}
    audit.record(user=by, action="retrain", object_type="incidents.classifier", object_id=report["fingerprint"],
                 object_repr="form classifier", changes=report)
    return report


# --------------------------------------------------------------------------- bulk import as a background job


@transaction.atomic
def import_job_create(*, by: Any, owner: Organisation, filename: str, data: bytes) -> Any:
    """Store the uploaded file as an :class:`ImportJob` and enqueue it once the transaction commits."""
    from .tasks import run_import_job  # deferred: cycle services<->tasks (the task runs import_job_run)

    job = ImportJob.objects.create(kind=ImportJob.Kind.INCIDENTS, owner=owner,
                                   created_by=by if getattr(by, "is_authenticated", False) else None,
                                   filename=filename[:255], data=data)
    audit.record(user=by, action="upload", obj=job, organisation=owner, object_repr=filename[:300],
                 changes={"bytes": len(data)})
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def import_job_run(run: Any, job: Any) -> dict[str, Any]:
    """Run an import job (claimed by ``common.jobs.run_job``): progress is committed while checking; saving
    writes short chunks that become visible together (``bulk.save_rows``)."""
    from . import bulk  # deferred: cycle services<->bulk (bulk saves through services)

    job = ImportJob.objects.select_related("owner", "created_by").get(pk=job.pk)

    def progress(done: int, total: int, phase: str) -> None:
        run.check()
        if phase == "check":
            run.mine().update(done=done, total=total)

    def finish(fields: dict[str, Any]) -> bool:
        run.assert_owned()
        return bool(run.finish(ImportJob.State.DONE, **fields))

    try:
        run.mine().update(phase=ImportJob.Phase.CHECKING)
        rows, result = bulk.check_file(job.owner, job.filename, bytes(job.data), progress=progress)
        if result.ok:
            run.check()
            run.mine().update(phase=ImportJob.Phase.SAVING, done=result.total, total=result.total)
            result = bulk.save_rows(job.owner, job.created_by, rows, result, filename=job.filename, job=job,
                                    check=run.check, finish=finish)
            return {"state": ImportJob.State.DONE, "created": result.created, "updated": result.updated,
                    "unchanged": result.unchanged, "errors": 0}
        errors = [e.as_dict() for e in result.errors]
        extra = result.error_count - len(errors)
    except bulk.ImportFileError as exc:
        result, errors, extra = bulk.ImportResult(), [RowError(exc.nl, exc.en, row=1, field="").as_dict()], 0
        result.error_count = 1
    if extra > 0:
        errors.append(RowError(f"en nog {extra} fouten", f"and {extra} more errors", row=0, field="").as_dict())
    if run.finish(ImportJob.State.FAILED, total=result.total, phase="", problems=errors):
        audit.record(user=job.created_by, action="import-refused", obj=job, organisation=job.owner,
                     changes={"errors": result.error_count})
    return {"state": ImportJob.State.FAILED, "errors": result.error_count}


# --------------------------------------------------------------------------- taxonomy maintenance


def taxonomy_to_dict(tax: Any) -> dict[str, Any]:
    """Our taxonomy JSON (the shape of ``data/taxonomy_v1.json``) from a pure Taxonomy."""
    forms = []
    for f in tax.forms:
        d: dict[str, Any] = {"code": f.code, "category": f.category, "name": f.name.to_dict(),
                             "definition": f.definition.to_dict()}
        d["rsit"] = None if f.rsit is None else {"class": f.rsit.klass, "type": f.rsit.type, "exact": f.rsit.exact}
        if f.rsit_note:
            d["rsit_note"] = f.rsit_note
        d["indicators"] = list(f.indicators)
        forms.append(d)
    out: dict[str, Any] = {
        "version": tax.version, "namespace": tax.namespace, "name": tax.name.to_dict(),
        "description": tax.description.to_dict(),
        "categories": [{"code": c.code, "name": c.name.to_dict(), "definition": c.definition.to_dict()}
                       for c in tax.categories],
        "forms": forms,
        "indicators": [{"code": i.code, "source": i.source, "name": i.name.to_dict(),
                        **({"note": i.note} if i.note else {})} for i in tax.indicators],
    }
    if tax.rsit_version is not None:
        out["rsit"] = {"version": tax.rsit_version}
    return out


def current_taxonomy_version() -> TaxonomyVersion | None:
    return TaxonomyVersion.objects.order_by("-version").first()


def taxonomy_export(version: TaxonomyVersion | None = None, lang: str = "en") -> str:
    """The taxonomy as a MISP machinetag (JSON text). An imported machinetag is given back as read."""
    version = version or current_taxonomy_version()
    if version is None:
        raise ValueError("no taxonomy loaded")
    source = version.data.get("machinetag") if isinstance(version.data, dict) else None
    if source and version.data.get("machinetag_lang") == lang:
        return pure.dumps_machinetag(pure.import_machinetag(source))
    data = {k: v for k, v in version.data.items() if k not in ("machinetag", "machinetag_lang")}
    return pure.dumps_machinetag(pure.export_machinetag(pure.taxonomy_from_dict(data), lang))  # type: ignore[arg-type]


@transaction.atomic
def taxonomy_import(*, by: Any, organisation: Organisation | None, text: str | bytes, lang: str = "en",
                    check_permission: bool = True) -> tuple[TaxonomyVersion, bool]:
    """Import a MISP machinetag as a new taxonomy version. Returns (version, created).

    RSIT mapping, indicators and the other language come from the current version for codes it knows
    (the machinetag format does not carry them). The same version number again: nothing changes if the
    content is the same, refused otherwise; a lower number is refused."""
    if check_permission and not policy.may_maintain_reference_data(by, organisation):
        raise NotAllowed("Alleen beheerders van het kenniscentrum onderhouden de taxonomie.",
                         "Only beheerders of the kenniscentrum maintain the taxonomy.")
    mt = pure.import_machinetag(text)
    current = current_taxonomy_version()
    base = pure.taxonomy_from_dict({k: v for k, v in current.data.items() if k not in ("machinetag", "machinetag_lang")}) \
        if current else pure.load_taxonomy()
    tax = pure.machinetag_to_taxonomy(mt, lang=lang, base=base)  # type: ignore[arg-type]
    tax.validate()
    if tax.namespace != base.namespace:
        raise pure.TaxonomyError(f"namespace {tax.namespace!r} is not {base.namespace!r}")
    existing = TaxonomyVersion.objects.filter(version=tax.version).first()
    if existing is not None:
        if taxonomy_export(existing, lang) == pure.dumps_machinetag(mt):
            return existing, False
        raise pure.TaxonomyError(f"version {tax.version} exists with other content: raise the version number")
    if current is not None and tax.version < current.version:
        raise pure.TaxonomyError(f"version {tax.version} is older than the current version {current.version}")
    data = taxonomy_to_dict(tax)
    # kept as JSON text: PostgreSQL jsonb does not keep key order, and the round trip must be exact
    data["machinetag"] = pure.dumps_machinetag(mt)
    data["machinetag_lang"] = lang
    version = _store_taxonomy(tax, data, organisation)
    audit.record(user=by, action="import", obj=version, organisation=organisation,
                 changes={"version": tax.version, "forms": len(tax.forms), "format": "misp-machinetag"})
    return version, True


def _store_taxonomy(tax: Any, data: dict[str, Any], maintained_by: Organisation | None) -> TaxonomyVersion:
    version = TaxonomyVersion.objects.create(version=tax.version, namespace=tax.namespace, data=data,
                                             maintained_by=maintained_by)
    cats = {}
    for c in tax.categories:
        cats[c.code] = Category.objects.create(
            taxonomy=version, code=c.code, name_nl=c.name.get("nl"), name_en=c.name.get("en"),
            definition_nl=c.definition.get("nl"), definition_en=c.definition.get("en"))
    for f in tax.forms:
        Form.objects.create(
            taxonomy=version, category=cats[f.category], code=f.code, name_nl=f.name.get("nl"),
            name_en=f.name.get("en"), definition_nl=f.definition.get("nl"), definition_en=f.definition.get("en"),
            rsit=f.rsit.machinetag if f.rsit else "", indicators=list(f.indicators))
    return version
