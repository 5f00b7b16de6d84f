"""Every read of the casebook goes through accounts.policy — lists, search, facets, Q&A, exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

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
    """Ids of the matches (newest first) and facet counts — both over the policy-filtered set only."""

    kind: str
    ids: list[int] = field(default_factory=list)
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def queryset(self) -> QuerySet[Any]:
        return MODELS[self.kind].objects.filter(pk__in=self.ids).select_related("owner", "region") \
            .order_by("-created_at", "-id")

    def objects(self, ids: list[int] | None = None) -> list[Any]:
        """The objects for ``ids`` (a page of :attr:`ids`), in result order."""
        ids = self.ids if ids is None else list(ids)
        found = MODELS[self.kind].objects.filter(pk__in=ids).select_related("owner", "region") \
            .prefetch_related("forms").in_bulk()
        return [found[i] for i in ids if i in found]


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
    """Full-text search with facets; results and counts are computed on the policy-filtered set.

    The candidates (full-text match and filters) are narrowed by the policy's own filter
    (``policy.visible_q``) in ONE query that also returns the facet columns; the facets are then
    counted from exactly those rows, so a count can never include an object the user may not see.
    """
    model = MODELS[kind]
    candidates = model.objects.all()
    if q.strip():
        candidates = textsearch.filter_matching(candidates, q)
    candidates = _apply_filters(candidates, filters or {})
    # policy.visible semantics, with the policy subquery restricted to the candidates
    visible = candidates.filter(pk__in=candidates.filter(policy.visible_q(user)).values("pk"))
    rows = list(visible.order_by("-created_at", "-id").values_list("pk", "tlp", "year", "region_id", "sectors"))
    ids = [r[0] for r in rows]
    seen: dict[int, tuple[Any, ...]] = {r[0]: r[1:] for r in rows}
    forms_of: dict[int, set[int]] = {pk: set() for pk in ids}
    if with_facets and ids:
        # form links of the candidates (no policy needed: only links of visible ids are counted below)
        fk = model._meta.model_name + "_id"
        for pk, form_id in model.forms.through.objects.filter(**{fk + "__in": candidates.values("pk")}) \
                .values_list(fk, "form_id"):
            if pk in forms_of:
                forms_of[pk].add(form_id)
    result = SearchResult(kind=kind, ids=ids)
    if with_facets:
        result.facets = _facets(seen, forms_of)
    return result


def _facets(rows: dict[int, tuple[Any, ...]], forms_of: dict[int, set[int]]) -> dict[str, list[dict[str, Any]]]:
    from collections import Counter

    from django.utils.translation import get_language

    en = (get_language() or "nl").startswith("en")
    form_ids = set().union(*forms_of.values()) if forms_of else set()
    forms = {f.pk: f for f in Form.objects.filter(pk__in=form_ids).select_related("category")}
    by_form: Counter[int] = Counter()
    by_cat: Counter[str] = Counter()
    cat_label: dict[str, str] = {}
    for fids in forms_of.values():
        by_form.update(fids)
        cats = {forms[f].category for f in fids if f in forms}
        for c in cats:
            by_cat[c.code] += 1
            cat_label[c.code] = c.name_en if en else c.name_nl
    tlps: Counter[str] = Counter()
    years: Counter[int] = Counter()
    regions: Counter[tuple[str, str]] = Counter()
    sectors: Counter[str] = Counter()
    region_counts: Counter[int] = Counter()
    for tlp, year, region_id, sector_text in rows.values():
        tlps[tlp] += 1
        if year is not None:
            years[year] += 1
        if region_id:
            region_counts[region_id] += 1
        sectors.update(s for s in (sector_text or "").split(",") if s)
    from cyberbeeld.areas.models import Area

    for area in Area.objects.filter(pk__in=list(region_counts)).only("code", "name"):
        regions[(area.code, area.name)] = region_counts[area.pk]
    labels = dict(Sector.choices)
    return {
        "form": sorted(({"value": forms[f].code, "label": forms[f].name, "count": n}
                        for f, n in by_form.items() if f in forms), key=lambda d: (-d["count"], d["label"])),
        "category": sorted(({"value": c, "label": cat_label[c], "count": n} for c, n in by_cat.items()),
                           key=lambda d: (-d["count"], d["label"])),
        "sector": [{"value": s, "label": str(labels[s]), "count": sectors[s]} for s in Sector.values if sectors[s]],
        "region": [{"value": c, "label": name, "count": n} for (c, name), n in sorted(regions.items(),
                                                                                       key=lambda kv: kv[0][1])],
        "year": [{"value": str(y), "label": str(y), "count": years[y]} for y in sorted(years, reverse=True)],
        "tlp": [{"value": t.value, "label": t.label, "count": tlps[t.value]} for t in TLP if tlps[t.value]],
    }


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
