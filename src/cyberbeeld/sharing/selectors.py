"""Every read of the casebook goes through accounts.policy — lists, search, facets, Q&A, exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.incidents.models import Form, Sector

from . import textsearch
from .models import Approach, Attachment, Case, Question, ShareChange

MODELS = {"case": Case, "approach": Approach}
FILTERS = ("form", "category", "sector", "region", "year", "tlp")


def cases_visible_to(user: Any) -> QuerySet[Case]:
    return policy.visible(user, Case.objects.all()).select_related("owner", "region")


def approaches_visible_to(user: Any) -> QuerySet[Approach]:
    return policy.visible(user, Approach.objects.all()).select_related("owner", "region")


def visible_to(user: Any, kind: str) -> QuerySet[Any]:
    return policy.visible(user, MODELS[kind].objects.all()).select_related("owner", "region")


def case_get(user: Any, uuid: Any) -> Case:
    return policy.get_visible_or_404(user, Case.objects.select_related("owner", "region"), uuid=uuid)


def approach_get(user: Any, uuid: Any) -> Approach:
    return policy.get_visible_or_404(user, Approach.objects.select_related("owner", "region"), uuid=uuid)


def attachment_get(user: Any, uuid: Any) -> Attachment:
    """An attachment exists for a user exactly when its parent is visible to them."""
    from django.http import Http404

    att = Attachment.objects.filter(uuid=uuid).select_related("case", "approach").first()
    if att is None or not policy.can_view(user, att.parent):
        raise Http404
    return att


def questions_for(user: Any, case: Case) -> QuerySet[Question]:
    if not policy.can_view(user, case):
        return Question.objects.none()
    return case.questions.select_related("organisation").prefetch_related("answers__organisation")


def changes_for(user: Any, obj: Any) -> QuerySet[ShareChange]:
    """The share log of an object the user can see (recipients learn that it changed, not with whom)."""
    if not policy.can_view(user, obj):
        return ShareChange.objects.none()
    return ShareChange.objects.filter(object_type=obj._meta.model_name, object_id=obj.pk)


# --- search ---------------------------------------------------------------------------------------
@dataclass
class SearchResult:
    kind: str
    queryset: QuerySet[Any]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    total: int = 0


def _apply_filters(qs: QuerySet[Any], filters: dict[str, str]) -> QuerySet[Any]:
    if filters.get("form"):
        qs = qs.filter(pk__in=qs.model.forms.through.objects.filter(form__code=filters["form"])
                       .values(qs.model._meta.model_name + "_id"))
    if filters.get("category"):
        qs = qs.filter(pk__in=qs.model.forms.through.objects.filter(form__category__code=filters["category"])
                       .values(qs.model._meta.model_name + "_id"))
    if filters.get("sector") in Sector.values:
        qs = qs.filter(sectors__contains="," + filters["sector"] + ",")
    if filters.get("region"):
        qs = qs.filter(region__code=filters["region"].upper())
    if (filters.get("year") or "").isdigit():
        qs = qs.filter(year=int(filters["year"]))
    if filters.get("tlp"):
        try:
            qs = qs.filter(tlp=TLP.parse(filters["tlp"]).value)
        except ValueError:
            qs = qs.none()
    return qs


def search(user: Any, *, kind: str = "case", q: str = "", filters: dict[str, str] | None = None,
           with_facets: bool = True) -> SearchResult:
    """Full-text search with facets; both results and counts are computed on the policy-filtered set."""
    model = MODELS[kind]
    qs = policy.visible(user, model.objects.all())  # first the policy, then everything else
    if q.strip():
        qs = textsearch.filter_matching(qs, q)
    qs = _apply_filters(qs, filters or {})
    result = SearchResult(kind=kind, queryset=qs.select_related("owner", "region").order_by("-created_at", "-id"))
    if with_facets:
        result.facets = facets(qs)
        result.total = sum(f["count"] for f in result.facets["tlp"])
    else:
        result.total = qs.count()
    return result


def facets(qs: QuerySet[Any]) -> dict[str, list[dict[str, Any]]]:
    """Counts over exactly the rows of ``qs`` (which the caller has policy-filtered)."""
    model = qs.model
    base = qs.order_by()
    fk = model._meta.model_name + "_id"
    through = model.forms.through.objects.filter(**{fk + "__in": base.values("pk")}).order_by()
    out: dict[str, list[dict[str, Any]]] = {}
    forms = {f.pk: f for f in Form.objects.filter(pk__in=through.values("form_id")).select_related("category")}
    by_form = through.values("form_id").annotate(n=Count(fk, distinct=True))
    out["form"] = sorted(({"value": forms[r["form_id"]].code, "label": forms[r["form_id"]].name, "count": r["n"]}
                          for r in by_form if r["form_id"] in forms), key=lambda d: (-d["count"], d["label"]))
    by_cat = through.values("form__category__code", "form__category__name_nl", "form__category__name_en") \
        .annotate(n=Count(fk, distinct=True))
    from django.utils.translation import get_language

    en = (get_language() or "nl").startswith("en")
    out["category"] = sorted(({"value": r["form__category__code"],
                               "label": r["form__category__name_en"] if en else r["form__category__name_nl"],
                               "count": r["n"]} for r in by_cat), key=lambda d: (-d["count"], d["label"]))
    sector_counts = base.aggregate(**{s: Count("pk", filter=Q(sectors__contains=f",{s},")) for s in Sector.values})
    labels = dict(Sector.choices)
    out["sector"] = [{"value": s, "label": str(labels[s]), "count": n} for s, n in sector_counts.items() if n]
    out["region"] = [{"value": r["region__code"], "label": r["region__name"], "count": r["n"]}
                     for r in base.filter(region__isnull=False).values("region__code", "region__name")
                     .annotate(n=Count("pk")).order_by("region__name")]
    out["year"] = [{"value": str(r["year"]), "label": str(r["year"]), "count": r["n"]}
                   for r in base.filter(year__isnull=False).values("year").annotate(n=Count("pk")).order_by("-year")]
    tlp_counts = {r["tlp"]: r["n"] for r in base.values("tlp").annotate(n=Count("pk"))}
    out["tlp"] = [{"value": t.value, "label": t.label, "count": tlp_counts[t.value]} for t in TLP
                  if tlp_counts.get(t.value)]
    return out


# --- dashboard and library ------------------------------------------------------------------------
def recent_region_cases(user: Any, organisation: Any, limit: int = 5) -> list[Case]:
    """Recent cases from other organisations in my region that I may see."""
    if organisation is None:
        return []
    region_ids = list(organisation.regions.values_list("pk", flat=True))
    if organisation.area_id and organisation.area.veiligheidsregio_id:
        region_ids.append(organisation.area.veiligheidsregio_id)
    qs = cases_visible_to(user).exclude(owner=organisation).filter(region_id__in=region_ids)
    return list(qs.order_by("-updated_at")[:limit])


def library(user: Any) -> QuerySet[Approach]:
    """The national library: approaches published as TLP:CLEAR (visible to everyone)."""
    return policy.publishable(approaches_visible_to(user)).order_by("-updated_at")


def approaches_like_mine(user: Any, organisation: Any, limit: int = 10) -> list[tuple[Approach, float, list[str]]]:
    """Approaches from gemeenten like mine: same peer group, shared forms, text similarity.

    Score = 2·(same peer group) + 1·(share of my forms covered) + 2·(Jaccard similarity of stemmed words
    between my cases and the approach). Returns (approach, score, reasons).
    """
    from django.utils.translation import gettext as _

    if organisation is None:
        return []
    my_peer = organisation.area.peer_group_id if organisation.area_id else None
    my_cases = Case.objects.filter(owner=organisation).prefetch_related("forms")
    my_forms: set[int] = set()
    my_words: set[str] = set()
    for c in my_cases[:200]:
        my_forms |= {f.pk for f in c.forms.all()}
        title, body, tags = textsearch.document(c)
        my_words |= set(textsearch.tokens(f"{title} {body} {tags}"))
    try:
        from cyberbeeld.incidents.models import Incident

        my_forms |= set(Incident.objects.filter(owner=organisation, form__isnull=False)
                        .values_list("form_id", flat=True).distinct())
    except Exception:  # pragma: no cover
        pass
    scored = []
    for a in approaches_visible_to(user).exclude(owner=organisation).select_related("owner__area") \
            .prefetch_related("forms")[:500]:
        reasons, score = [], 0.0
        peer = a.owner.area.peer_group_id if a.owner.area_id else None
        if my_peer and peer == my_peer:
            score += 2
            reasons.append(_("zelfde vergelijkingsgroep"))
        forms = {f.pk for f in a.forms.all()}
        if my_forms and forms & my_forms:
            score += len(forms & my_forms) / len(my_forms)
            reasons.append(_("gedeelde vormen"))
        title, body, tags = textsearch.document(a)
        words = set(textsearch.tokens(f"{title} {body} {tags}"))
        if my_words and words:
            sim = len(words & my_words) / len(words | my_words)
            if sim > 0.05:
                score += 2 * sim
                reasons.append(_("vergelijkbare tekst"))
        if score > 0:
            scored.append((a, round(score, 3), reasons))
    scored.sort(key=lambda t: -t[1])
    return scored[:limit]


def exportable(user: Any, kind: str = "case") -> list[Any]:
    """What this user may pass on (export, exchange): policy.may_export per object."""
    return [o for o in visible_to(user, kind).prefetch_related("forms__category") if policy.may_export(user, o)]
