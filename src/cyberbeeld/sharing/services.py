"""Every write to the casebook: one transaction, one audit event, the search index kept current.

Sharing itself is ``accounts.services.share_set`` (the one audited way to change a label and its
audience); this module adds the casebook's rules around it: GREEN-only community sharing, the legal
basis and purpose per share, and the :class:`~.models.ShareChange` log recipients see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from cyberbeeld.accounts import audit, policy
from cyberbeeld.accounts.models import Audience, Organisation, Role
from cyberbeeld.accounts.services import save_shareable, share_set
from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.common.errors import NotAllowed, NotYours
from cyberbeeld.common.registry import Registry
from cyberbeeld.incidents.services import redact as incident_redact

from . import textsearch
from .models import Adoption, Answer, Approach, Attachment, Case, ItemView, LegalBasis, Question, ShareChange

CASE_FIELDS = ["title", "summary", "impact", "actions_taken", "actors", "outcome", "occurred_on", "tags",
               "legal_basis", "purpose"]
APPROACH_FIELDS = ["title", "problem", "approach", "partners", "cost_capacity", "results", "lessons", "contact",
                   "tags", "legal_basis", "purpose"]
REDACTED_CASE_FIELDS = ("summary", "actions_taken", "outcome")

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_MAGIC = [  # (prefix, offset, content type, extensions)
    (b"%PDF-", 0, "application/pdf", {".pdf"}),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", {".png"}),
    (b"\xff\xd8\xff", 0, "image/jpeg", {".jpg", ".jpeg"}),
    (b"GIF87a", 0, "image/gif", {".gif"}),
    (b"GIF89a", 0, "image/gif", {".gif"}),
]


def redact(text: str) -> str:
    return incident_redact(text)


def _owner_region(owner: Organisation) -> Any:
    area = owner.area
    if area is not None and area.veiligheidsregio_id:
        return area.veiligheidsregio
    return owner.regions.order_by("code").first()


def _require(condition: bool, error: type[NotAllowed] = NotAllowed, nl: str | None = None, en: str | None = None) -> None:
    """Refuse unless ``condition``: :class:`NotAllowed` (403) by default, :class:`NotYours` (404) for an
    object the user may not see."""
    if not condition:
        raise error(nl, en)


_Item = TypeVar("_Item", Case, Approach)


def _save_item(obj: _Item, *, by: Any, owner: Organisation, data: dict[str, Any], allowed: list[str],
               forms: Iterable[Any] | None, sectors: Iterable[str] | None, is_example: bool,
               redacted: tuple[str, ...] = ()) -> _Item:
    keep_none = ("occurred_on", "source_incident", "year")

    def snapshot(o: Any) -> dict[str, Any]:
        out = {f: getattr(o, f) for f in allowed}
        out["forms"] = sorted(f.code for f in o.forms.all())
        out["sectors"] = o.sectors
        return out

    def prepare(o: Any, before: dict[str, Any], action: str) -> None:
        for key, value in data.items():  # an empty value is "" (the label is held back on an update)
            if value is None and key not in keep_none and not (action == "update" and key in ("tlp", "audience_region")):
                setattr(o, key, "")
        for key in redacted:  # personal data never enters the casebook
            setattr(o, key, redact(getattr(o, key) or ""))
        if sectors is not None:
            o.set_sectors(list(sectors))
        o.region = _owner_region(owner)
        if not data.get("year"):
            occurred = getattr(o, "occurred_on", None)
            o.year = occurred.year if occurred else (o.year or timezone.now().year)

    def set_forms(saved: Any) -> None:
        if forms is not None:
            saved.forms.set(list(forms))
        textsearch.index(saved)

    return save_shareable(obj, by=by, owner=owner, data=data, fields=allowed,
                          extra_fields={"source_incident", "external_id", "year", "tlp"}, is_example=is_example,
                          snapshot=snapshot, prepare=prepare,
                          clean_exclude=("owner", "created_by", "region", "source_incident"), after_save=set_forms,
                          conceal=redacted)


@transaction.atomic
def case_save(*, by: Any, owner: Organisation, data: dict[str, Any], case: Case | None = None,
              forms: Iterable[Any] | None = None, sectors: Iterable[str] | None = None,
              is_example: bool = False) -> Case:
    """Create or update a case. Free text is redacted before it is stored."""
    if by is not None and getattr(by, "is_authenticated", False):
        _require(policy.actor_for(by).has_role(owner.pk, Role.BEWERKER))
    return _save_item(case or Case(tlp=data.get("tlp", TLP.AMBER.value)), by=by, owner=owner, data=data,
                      allowed=CASE_FIELDS, forms=forms, sectors=sectors, is_example=is_example,
                      redacted=REDACTED_CASE_FIELDS)


@transaction.atomic
def approach_save(*, by: Any, owner: Organisation, data: dict[str, Any], approach: Approach | None = None,
                  forms: Iterable[Any] | None = None, sectors: Iterable[str] | None = None,
                  is_example: bool = False) -> Approach:
    if by is not None and getattr(by, "is_authenticated", False):
        _require(policy.actor_for(by).has_role(owner.pk, Role.BEWERKER))
    return _save_item(approach or Approach(tlp=data.get("tlp", TLP.AMBER.value)), by=by, owner=owner, data=data,
                      allowed=APPROACH_FIELDS, forms=forms, sectors=sectors, is_example=is_example)


@transaction.atomic
def promote_incident(*, by: Any, incident: Any) -> Case:
    """Turn an incident into a case using ONLY its redacted text (never ``raw_description``)."""
    _require(policy.can_change(by, incident), NotAllowed, "Alleen de eigenaar maakt van een incident een casus.",
             "Only the owner promotes an incident.")
    # the case gets at least the incident's label and audience (a RED incident makes a RED case)
    sharing = policy.inherit_sharing(by, incident, incident.owner, tlp=TLP.AMBER.value)
    data = {
        "title": incident.title,
        "summary": incident.redacted_description,
        "impact": incident.impact,
        "occurred_on": incident.occurred_on or incident.reported_on,
        "source_incident": incident,
        "tlp": sharing.tlp.value,
    }
    case = case_save(by=by, owner=incident.owner, data=data, forms=[incident.form] if incident.form else [],
                     sectors=[incident.sector] if incident.sector else [])
    sharing.apply(case, by=by, source=incident)
    policy.check_ceiling(case)
    audit.record(user=by, action="promote", obj=case, changes={"incident": str(incident.uuid)})
    return case


def _reach(obj: Any) -> set[str]:
    """Who a share reaches, as comparable tokens (for narrowed/widened)."""
    tlp = TLP(obj.tlp)
    if tlp == TLP.CLEAR:
        return {"public", "community", "region"}
    reach = {f"org:{pk}" for pk in obj.audience_organisations.values_list("pk", flat=True)}
    reach |= {f"aud:{pk}" for pk in obj.audiences.values_list("pk", flat=True)}
    reach |= {f"user:{pk}" for pk in obj.recipients.values_list("pk", flat=True)}
    if obj.audience_region:
        reach.add("region")
    if obj.audience_community and tlp == TLP.GREEN:
        reach.add("community")
    return reach


@transaction.atomic
def share(*, by: Any, obj: Case | Approach, tlp: str, organisations: Iterable[Organisation] = (),
          audiences: Iterable[Audience] = (), region: bool = False, community: bool = False,
          recipients: Iterable[Any] = (), legal_basis: str = "", purpose: str = "",
          withdrawn: bool = False) -> ShareChange:
    """Set label and audience of a case or approach, recording legal basis and purpose."""
    _require(policy.can_share(by, obj), NotAllowed, "Alleen een coördinator van de eigenaar deelt dit.",
             "Only a coordinator of the owner shares this.")
    label = TLP.parse(tlp)
    if community and label != TLP.GREEN:
        raise ValidationError(_("Delen met de hele gemeenschap kan alleen met TLP:GREEN."))
    if label == TLP.RED:
        organisations, audiences, region, community = (), (), False, False
    else:
        recipients = ()
    if legal_basis and legal_basis not in LegalBasis.values:
        raise ValidationError(_("Onbekende grondslag."))
    before_tlp, before = obj.tlp, _reach(obj)
    share_set(by=by, obj=obj, tlp=label.value, organisations=organisations, audiences=audiences, region=region,
              community=community, recipients=recipients)
    after = _reach(obj)
    more_restrictive = TLP(obj.tlp).rank > TLP(before_tlp).rank
    obj.legal_basis, obj.purpose = legal_basis or obj.legal_basis, purpose or obj.purpose
    obj.save(update_fields=["legal_basis", "purpose", "updated_at"])
    change = ShareChange.objects.create(
        object_type=obj._meta.model_name or "", object_id=obj.pk, by=by if getattr(by, "is_authenticated", False) else None,
        tlp_before=before_tlp, tlp_after=obj.tlp, narrowed=bool(before - after) or more_restrictive,
        widened=bool(after - before) or TLP(obj.tlp).rank < TLP(before_tlp).rank, withdrawn=withdrawn,
        legal_basis=obj.legal_basis, purpose=obj.purpose)
    audit.record(user=by, action="share-basis", obj=obj,
                 changes={"legal_basis": obj.legal_basis, "purpose": obj.purpose, "withdrawn": withdrawn})
    return change


def withdraw(*, by: Any, obj: Case | Approach) -> ShareChange:
    """Narrow the share to the owner's own organisation: it disappears for everyone else."""
    tlp = TLP(obj.tlp)
    label = TLP.AMBER if tlp in (TLP.CLEAR, TLP.GREEN) else tlp
    return share(by=by, obj=obj, tlp=label.value, withdrawn=True, legal_basis=obj.legal_basis,
                 purpose=obj.purpose)


# --- questions and answers ------------------------------------------------------------------------
def _acting_org(by: Any, organisation: Organisation | None) -> Organisation:
    actor = policy.actor_for(by)
    if organisation is None or organisation.pk not in actor.org_ids:
        raise NotAllowed("U bent geen lid van die organisatie.", "You are not a member of that organisation.")
    return organisation


@transaction.atomic
def question_ask(*, by: Any, case: Case, organisation: Organisation | None, text: str) -> Question:
    _require(policy.can_view(by, case), NotYours)
    org = _acting_org(by, organisation)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Een vraag mag niet leeg zijn."))
    q = Question.objects.create(case=case, organisation=org, author=by, text=redact(text))
    audit.record(user=by, action="ask", obj=q, organisation=org, changes={"case": str(case.uuid)})
    return q


@transaction.atomic
def mark_seen(*, user: Any, obj: Case | Approach) -> dt.datetime | None:
    """Remember that ``user`` opened ``obj`` now; returns their previous visit (None: first visit).

    A read receipt, not a change of content, so no audit event (opening a page is not an act to account for).
    """
    if not getattr(user, "is_authenticated", False):
        return None
    _require(policy.can_view(user, obj))
    key = {"user": user, "object_type": obj._meta.model_name, "object_id": obj.pk}
    now = timezone.now()
    view, created = ItemView.objects.get_or_create(**key, defaults={"seen_at": now})
    if created:
        return None
    previous = view.seen_at
    ItemView.objects.filter(pk=view.pk).update(seen_at=now)
    return previous


@transaction.atomic
def answer_give(*, by: Any, question: Question, organisation: Organisation | None, text: str) -> Answer:
    _require(policy.can_view(by, question.case), NotYours)
    org = _acting_org(by, organisation)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Een antwoord mag niet leeg zijn."))
    a = Answer.objects.create(question=question, organisation=org, author=by, text=redact(text))
    audit.record(user=by, action="answer", obj=a, organisation=org, changes={"question": str(question.uuid)})
    return a


# --- attachments ----------------------------------------------------------------------------------
def sniff(head: bytes, filename: str) -> str:
    """Content type from the magic bytes; refuse anything but PDF and images, or a name that lies."""
    ext = os.path.splitext(filename.lower())[1]
    for magic, offset, ctype, exts in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            if ext not in exts:
                raise ValidationError(_("De bestandsnaam past niet bij de inhoud."))
            return ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        if ext != ".webp":
            raise ValidationError(_("De bestandsnaam past niet bij de inhoud."))
        return "image/webp"
    raise ValidationError(_("Alleen PDF-bestanden en afbeeldingen (PNG, JPEG, GIF, WebP) zijn toegestaan."))


@transaction.atomic
def attachment_add(*, by: Any, parent: Case | Approach, name: str, content: bytes) -> Attachment:
    _require(policy.can_change(by, parent))
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("Het bestand is te groot (maximaal 10 MB)."))
    if not content:
        raise ValidationError(_("Het bestand is leeg."))
    ctype = sniff(content[:16], name)
    if ctype.startswith("image/"):
        try:
            with Image.open(io.BytesIO(content)) as img:
                img.verify()
        except Exception as exc:
            raise ValidationError(_("De afbeelding is beschadigd of geen echte afbeelding.")) from exc

    safe = os.path.basename(name)[:150] or "bijlage"
    att = Attachment(name=safe, content_type=ctype, size=len(content), uploaded_by=by,
                     sha256=hashlib.sha256(content).hexdigest())
    if isinstance(parent, Case):
        att.case = parent
    else:
        att.approach = parent
    ext = os.path.splitext(safe)[1].lower()
    att.file.save(f"{att.uuid}{ext}", ContentFile(content), save=False)
    att.save()
    audit.record(user=by, action="attach", obj=parent, changes={"attachment": safe, "type": ctype, "size": len(content)})
    return att


# --- national library -----------------------------------------------------------------------------
@transaction.atomic
def publish_approach(*, by: Any, approach: Approach, purpose: str = "") -> ShareChange:
    """Publish an approach in the national library: TLP:CLEAR, for everyone."""
    return share(by=by, obj=approach, tlp=TLP.CLEAR.value, legal_basis=LegalBasis.NO_PERSONAL_DATA,
                 purpose=purpose or _("Nationale bibliotheek van voorbeeldaanpakken"))


@transaction.atomic
def adopt(*, by: Any, approach: Approach, organisation: Organisation) -> Adoption:
    """Adopt an approach as a measure. Creates an actions.Measure when that app has one."""
    _require(policy.can_view(by, approach), NotYours)
    _require(policy.actor_for(by).has_role(organisation.pk, Role.BEWERKER))
    adoption, created = Adoption.objects.get_or_create(approach=approach, organisation=organisation,
                                                       defaults={"by": by})
    if created:
        measure_ref, note = _create_measure(by=by, approach=approach, organisation=organisation)
        adoption.measure_ref, adoption.note = measure_ref, note
        adoption.save(update_fields=["measure_ref", "note"])
        audit.record(user=by, action="adopt", obj=approach, organisation=organisation,
                     changes={"measure": measure_ref, "note": note})
    return adoption


# The app that turns an adopted approach into a measure registers its service here in its
# AppConfig.ready() (actions: ``measure_from_approach``), so sharing never imports the app above it.
MEASURE_MAKERS: Registry[Callable[..., Any]] = Registry("measure maker")


def _create_measure(*, by: Any, approach: Approach, organisation: Organisation) -> tuple[str, str]:
    """Ask the registered app to make the measure (its own service, its own rules)."""
    makers = MEASURE_MAKERS.values()
    if not makers:
        return "", "actions.measure_from_approach bestaat nog niet: overname vastgelegd, maatregel later aanmaken."
    measure = makers[0](by=by, owner=organisation, approach=approach)
    return str(getattr(measure, "uuid", measure.pk)), ""


def year_of(value: dt.date | None) -> int | None:
    return value.year if value else None
