"""Every read of the casebook goes through accounts.policy — lists, search, facets, Q&A, exports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.areas.models import Area
from cyberbeeld.incidents.models import Form, Incident, Sector

from . import textsearch
from .models import Approach, Attachment, Case, ItemView, Question, ShareChange

MODELS: dict[str, type[Case] | type[Approach]] = {"case": Case, "approach": Approach}
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


def last_seen(user: Any, obj: Any) -> Any:
    """When ``user`` last opened ``obj`` (None: never)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return ItemView.objects.filter(user=user, object_type=obj._meta.model_name, object_id=obj.pk) \
        .values_list("seen_at", flat=True).first()


def changes_since(user: Any, obj: Any, since: Any) -> list[ShareChange]:
    """Share changes a recipient has not seen yet: those after their previous visit, newest first.

    On a first visit (``since`` None) there is nothing to report: what they see is the share as it is now.
    """
    if since is None:
        return []
    return list(changes_for(user, obj).filter(at__gt=since))


def open_partner_questions(user: Any, organisation: Any) -> list[Question]:
    """Questions other organisations asked about this organisation's cases that it has not answered yet."""
    if organisation is None:
        return []
    mine = policy.visible(user, Case.objects.filter(owner=organisation)).values("pk")
    return list(Question.objects.filter(case__in=mine).exclude(organisation=organisation)
                .exclude(answers__organisation=organisation).select_related("case", "organisation")
                .order_by("-created_at", "-id"))


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

    ONE query applies the full-text match, the filters and the policy's own row condition
    (``policy.visible_q``) and returns the facet columns (forms from the denormalised ``form_index``) of
    exactly the visible matches, newest first. The facets are counted from these rows, so a count can
    never include an object the user may not see.
    """
    model = MODELS[kind]
    visible = policy.visible(user, model.objects.all())
    if q.strip():
        visible = textsearch.filter_matching(visible, q)
    # newest first: ids grow with created_at (auto_now_add), and an integer sort is the cheaper one
    visible = _apply_filters(visible, filters or {}).order_by("-id")
    if not with_facets:
        return SearchResult(kind=kind, ids=list(visible.values_list("pk", flat=True)))
    rows = list(visible.values_list("pk", "tlp", "year", "region_id", "sectors", "form_index"))
    result = SearchResult(kind=kind, ids=[r[0] for r in rows])
    result.facets = _facets([r[1:] for r in rows])
    return result


def _facets(rows: list[tuple[Any, ...]]) -> dict[str, list[dict[str, Any]]]:
    """Facet counts over ``rows`` (tlp, year, region_id, sectors, form_index) of the visible matches.

    Counted with C-level ``Counter``s over columns (a search can return tens of thousands of rows); the
    comma-joined sector and form sets have few distinct values, so they are counted as strings first and
    then split. A case counts once per category, however many of its forms fall under it.
    """
    en = (get_language() or "nl").startswith("en")
    tlp_col, year_col, region_col, sector_col, form_col = zip(*rows, strict=True) if rows else ((), (), (), (), ())
    form_sets = {text: {int(f) for f in text.split(",") if f} for text in set(form_col)}
    all_forms = set().union(*form_sets.values()) if form_sets else set()
    forms = {f.pk: f for f in Form.objects.filter(pk__in=list(all_forms)).select_related("category")}
    cat_label = {f.category.code: (f.category.name_en if en else f.category.name_nl) for f in forms.values()}
    by_form: Counter[int] = Counter()
    by_cat: Counter[str] = Counter()
    for text, n in Counter(form_col).items():
        fids = [f for f in form_sets[text] if f in forms]
        for f in fids:
            by_form[f] += n
        for code in {forms[f].category.code for f in fids}:
            by_cat[code] += n
    tlps: Counter[str] = Counter(tlp_col)
    years: Counter[int] = Counter(y for y in year_col if y is not None)
    region_counts: Counter[int] = Counter(r for r in region_col if r)
    sectors: Counter[str] = Counter()
    for text, n in Counter(sector_col).items():
        for sector in set((text or "").split(",")) - {""}:
            sectors[sector] += n

    regions: Counter[tuple[str, str]] = Counter()
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
        my_forms |= set(Incident.objects.filter(owner=organisation, form__isnull=False)
                        .values_list("form_id", flat=True).distinct())
    except Exception:  # pragma: no cover
        pass
    scored = []
    for a in approaches_visible_to(user).exclude(owner=organisation).select_related("owner__area") \
            .prefetch_related("forms")[:500]:
        reasons, score = [], 0.0
        peer = a.owner.area.peer_group_id if a.owner.area is not None else None  # select_related: no query
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
