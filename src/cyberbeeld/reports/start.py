"""The first fifteen minutes: a new organisation's first picture, built from what Cyberbeeld already knows.

The start page reads (never writes) through the apps' own selectors and the one figures adapter:

* the gemeente's facts (population, veiligheidsregio, peer group, politie-eenheid);
* its headline figures against region, peer group and the Netherlands, in the sentences of
  ``indicators.figures`` / ``indicators.monitor`` (only tests that are honest for the kind of number);
* the open proposals of the drafted picture (``risks.drafting``) along the four roads of the Lokale
  Cyberwegenkaart, with a library scenario as a starting point on a road without a signal;
* the partners in its veiligheidsregio to share with;
* a checklist of what is still missing for a complete picture, each step with the page that does it.

The writes behind the page's buttons go through audited services (``accounts.services``, ``risks.drafting``,
``indicators.services``, ``reports.services``); see ``start_views.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.models import AuditEvent, Organisation, OrganisationKind
from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.areas.names import normalise, split_kind
from cyberbeeld.indicators import monitor, selectors
from cyberbeeld.indicators.models import MeasureType, PublicTheme
from cyberbeeld.indicators.services import DRAFT_THEME_SLUG
from cyberbeeld.reports.models import Report
from cyberbeeld.risks import selectors as risk_selectors
from cyberbeeld.risks.models import ProposalStatus, Road, ScenarioTemplate

FIGURES_SHOWN = 4
DRAFT_ACTION = "draft-picture"  # the audit action of a run of the drafted picture (also when it found nothing)


@dataclass
class Step:
    key: str
    label: str
    done: bool
    url: str
    action: str
    detail: str = ""


@dataclass
class Figure:
    name: str
    value: str
    period: str
    url: str
    sentences: list[str] = field(default_factory=list)
    code: str = ""


@dataclass
class RoadGroup:
    code: str
    label: str
    proposals: list[Any] = field(default_factory=list)
    scenarios: list[Any] = field(default_factory=list)
    suggestion: Any = None


def _lang(lang: str) -> str:
    return "en" if lang.startswith("en") else "nl"


def guess_gemeente(organisation: Organisation) -> Area | None:
    """The gemeente an organisation's name points to ("Gemeente Heerlen" → Heerlen), as the form's default."""
    name = organisation.name
    for prefix in ("gemeente ", "municipality of "):
        if name.lower().startswith(prefix):
            name = name[len(prefix):]
    key = normalise(split_kind(name)[0])
    qs = Area.objects.filter(kind=AreaKind.GEMEENTE).current()
    return qs.filter(Q(name__iexact=name.strip()) | Q(names__key=key)).order_by("pk").first()


def facts(area: Area, lang: str) -> list[tuple[str, str]]:
    out = []
    if area.population:
        out.append((_("Inwoners"), number_format(area.population, force_grouping=True)
                    + (f" ({area.population_year})" if area.population_year else "")))
    out.append((_("Veiligheidsregio"), area.veiligheidsregio.name if area.veiligheidsregio else _("onbekend")))
    if area.peer_group:
        out.append((_("Vergelijkingsgroep"), area.peer_group.name_en if lang == "en" and area.peer_group.name_en
                    else area.peer_group.name_nl))
    out.append((_("Politie-eenheid"), area.politie_eenheid.name if area.politie_eenheid else _("nog niet ingevuld")))
    return out


def _peer_sentence(indicator: Any, latest: Any, averages: dict[str, Any], group: str, lang: str,
                   unit: str = "") -> str | None:
    """The peer group's average in the same period, stated plainly: an average of other gemeenten has no
    margin of its own, so no difference is claimed."""
    got = averages.get(latest.period)
    if not got:
        return None
    avg, n = got
    return ngettext(
        "Gemiddeld in %(n)s vergelijkbare gemeente (%(group)s): %(v)s in %(p)s; dit verschil is niet getoetst.",
        "Gemiddeld in %(n)s vergelijkbare gemeenten (%(group)s): %(v)s in %(p)s; dit verschil is niet getoetst.",
        n) % {"n": n, "group": group, "v": monitor.fmt(round(float(avg), 1), indicator, lang) + unit, "p": latest.period}


def headline_figures(area: Area, lang: str, limit: int = FIGURES_SHOWN) -> list[Figure]:
    """The gemeente's latest figures with their comparisons, through the one adapter (``indicators.figures``).

    Rates and percentages first (they compare across areas of different size); a count is shown with its
    change over time only."""
    lang = _lang(lang)
    series = [(i, obs) for i, obs in selectors.indicators_for_area(area) if obs]
    series.sort(key=lambda t: (t[0].polarity == "neutral", t[0].measure_type == MeasureType.COUNT,
                               t[0].source != "veiligheidsmonitor",
                               -len(t[1]), t[0].code))
    out = []
    group = ""
    if area.peer_group:
        group = area.peer_group.name_en if lang == "en" and area.peer_group.name_en else area.peer_group.name_nl
    for ind, obs in series[:limit]:
        latest = obs[-1]
        refs = selectors.references(ind, area) if ind.measure_type != MeasureType.COUNT else []
        sentences = []
        if len(obs) > 1:
            ch = monitor.changes(ind, obs[-2:], lang, area.name)
            if ch and ch[-1].get("sentence"):
                sentences.append(ch[-1]["sentence"])
        sentences += monitor.reference_sentences(ind, latest, refs, lang, area.name)
        unit = "%" if ind.unit == "percent" else (f" {ind.unit_label}" if ind.measure_type == MeasureType.RATE else "")
        peers = next((r for r in refs if r["kind"] == "peergroep"), None)
        if peers:
            s = _peer_sentence(ind, latest, peers["averages"], group, lang, unit)
            if s:
                sentences.append(s)
        out.append(Figure(name=ind.name_en if lang == "en" and ind.name_en else ind.name_nl,
                          value=monitor.fmt(latest.value, ind, lang) + unit, period=latest.period,
                          url=reverse("indicators:indicator", args=[area.slug, ind.code]), sentences=sentences,
                          code=ind.code))
    return out


def roads(user: Any, organisation: Organisation, lang: str) -> list[RoadGroup]:
    """Open proposals and adopted scenarios along the four roads; a road without either gets the first
    library scenario as a suggested starting point."""
    groups = {code: RoadGroup(code=code, label=str(label)) for code, label in Road.choices}
    proposals = list(risk_selectors.proposals_visible_to(user, owner=organisation, status=ProposalStatus.OPEN)
                     .order_by("created_at")[:40])
    for p in proposals:
        road = p.template.road if p.template else Road.CRIMINALITEIT
        groups[road].proposals.append(p)
    for s in risk_selectors.scenarios_visible_to(user, owner=organisation)[:100]:
        groups[s.road].scenarios.append(s)
    adopted = set(risk_selectors.scenarios_visible_to(user, owner=organisation, include_archived=True)
                  .exclude(template__isnull=True).values_list("template_id", flat=True))
    for t in ScenarioTemplate.objects.order_by("order", "code"):
        g = groups.get(t.road)
        if g is not None and g.suggestion is None and not g.proposals and not g.scenarios and t.pk not in adopted:
            g.suggestion = t
    return list(groups.values())


def partners(organisation: Organisation) -> list[Organisation]:
    """Other organisations in the gemeente's veiligheidsregio (the 'own region' of sharing)."""
    region_ids = set(organisation.regions.values_list("pk", flat=True))
    area = organisation.area
    if area is not None and area.veiligheidsregio_id:
        region_ids.add(area.veiligheidsregio_id)
    if not region_ids:
        return []
    return list(Organisation.objects.filter(Q(regions__in=region_ids) | Q(area__veiligheidsregio_id__in=region_ids))
                .exclude(pk=organisation.pk).distinct().order_by("kind", "name")[:30])


def draft_theme(organisation: Organisation) -> Any:
    if organisation.area_id is None:
        return None
    return PublicTheme.objects.filter(owner=organisation, gemeente_id=organisation.area_id,
                                      slug=DRAFT_THEME_SLUG).first()


def drafted_narrative(area: Area, figures: list[Figure], lang: str) -> str:
    """A first narrative for the public page from the figures' sentences, for the advisor to rewrite."""
    if _lang(lang) == "en":
        head = f"How often do residents of {area.name} fall victim to cybercrime, and how does that compare?"
        tail = "- In doubt about a message? Do not click the link; call your bank yourself.\n" \
               "- Victim? Report it to the police."
    else:
        head = f"Hoe vaak worden inwoners van {area.name} slachtoffer van cybercrime, en hoe verhoudt zich dat?"
        tail = "- Twijfelt u over een bericht? Klik niet op de link en bel uw bank zelf.\n" \
               "- Slachtoffer? Doe aangifte bij de politie."
    body = "\n".join(f"- {f.name}: {f.sentences[0]}" for f in figures[:3] if f.sentences)
    return "\n\n".join(x for x in (head, body, tail) if x)


def checklist(user: Any, organisation: Organisation) -> list[Step]:
    """What is done and what is still missing for a complete first picture (a handful of bounded queries)."""
    start = reverse("start:index")
    has_area = organisation.area_id is not None
    drafted = has_area and (
        AuditEvent.objects.filter(organisation=organisation, action=DRAFT_ACTION).exists()
        or risk_selectors.proposals_visible_to(user, owner=organisation).exists())
    open_proposals = risk_selectors.open_proposals_count(user, organisation) if has_area else 0
    scenarios = list(risk_selectors.scenarios_visible_to(user, owner=organisation)[:200])
    pic = risk_selectors.picture(scenarios)
    n_scored = len(pic.entries) + len(pic.other_method)
    roads_covered = len({s.road for s in scenarios})
    theme = draft_theme(organisation)
    has_report = Report.objects.filter(owner=organisation).exists()
    steps = [
        Step("gemeente", _("Kies uw gemeente"), has_area, start + "#gemeente", _("Gemeente kiezen")),
        Step("draft", _("Laat Cyberbeeld een eerste beeld opstellen"), bool(drafted), start + "#scenarios",
             _("Eerste beeld opstellen"),
             ngettext("%(n)s voorstel wacht op een besluit.", "%(n)s voorstellen wachten op een besluit.",
                      open_proposals) % {"n": open_proposals} if open_proposals else ""),
        Step("adopt", _("Neem scenario's over"), bool(scenarios), start + "#scenarios", _("Scenario's bekijken"),
             _("%(n)s van de 4 wegen van de Lokale Cyberwegenkaart hebben een scenario.") % {"n": roads_covered}
             if scenarios else ""),
        Step("score", _("Beoordeel de scenario's"), bool(scenarios) and n_scored == len(scenarios),
             reverse("risks:picture"), _("Naar het dreigingsbeeld"),
             _("%(k)s van %(n)s beoordeeld.") % {"k": n_scored, "n": len(scenarios)} if scenarios else ""),
        Step("narrative", _("Schrijf de toelichting voor inwoners"), bool(theme and theme.narrative_nl),
             start + "#toelichting", _("Toelichting schrijven")),
        Step("report", _("Maak een conceptrapport"), has_report, start + "#rapport", _("Conceptrapport maken")),
        Step("public", _("Publiceer de pagina voor inwoners"), bool(theme and policy.may_publish(theme)),
             reverse("indicators:public_preview", args=[theme.uuid]) if theme else start + "#toelichting",
             _("Voorbeeld bekijken"),
             (_("Nog een concept: alleen uw organisatie ziet de pagina.") if not policy.may_publish(theme)
              else _("De pagina is openbaar.")) if theme else ""),
    ]
    return steps


def needs_start(organisation: Organisation | None) -> bool:
    """A gemeente organisation that has not chosen its gemeente yet starts on the start page."""
    return (organisation is not None and organisation.kind == OrganisationKind.GEMEENTE
            and organisation.area_id is None)
