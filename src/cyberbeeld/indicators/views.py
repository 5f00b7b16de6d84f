"""Monitor pages (login required) and the public theme page (no login, TLP:CLEAR only)."""

from __future__ import annotations

import hashlib
from typing import Any

import markdown
import nh3
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import http_date, quote_etag
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cyberbeeld.accounts import pagecache, policy
from cyberbeeld.accounts import services as account_services
from cyberbeeld.accounts.models import OrganisationKind, OrganisationTheme, Role
from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.common.charts import render_svg
from cyberbeeld.common.models import ImportJob

from . import catalogue, downloads, figures, monitor, selectors, services
from . import comparisons as cmp
from .forms import ImportForm, SurveyUploadForm
from .models import ImportBatch, Indicator, MeasureType, Observation, PublicTheme, Unit
from .ownership import figure_writer, own_survey_writer
from .survey_import import SurveyImportError, import_survey_estimates

SHARE_15_PLUS = 0.84  # CBS: about 84% of residents are 15 or older (used to turn a VM share into victims)
ALLOWED_TAGS = {"p", "a", "em", "strong", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "br", "abbr"}


def _lang() -> str:
    return monitor.lang_of(get_language())


def _own_gemeente(request: HttpRequest) -> Area | None:
    org = getattr(request, "organisation", None)
    area = getattr(org, "area", None) if org else None
    return area if area is not None and area.kind == AreaKind.GEMEENTE else None


# --- indicator page -------------------------------------------------------------------------------

def indicator_context(area: Area, indicator: Indicator, lang: str) -> dict[str, Any]:
    """Everything the indicator page shows (also used by the benchmark and the public page)."""
    own = selectors.series(indicator, area)
    basisteam, bt_obs = (None, [])
    if not own:
        basisteam, bt_obs = selectors.basisteam_series(indicator, area)
    shown = own or bt_obs
    shown_name = basisteam.name if basisteam and not own else area.name
    # a count is shown without the counts of the region or the Netherlands beside it: areas of another size
    refs = selectors.references(indicator, area) if indicator.measure_type != MeasureType.COUNT else []
    change_list = monitor.changes(indicator, shown, lang, shown_name)
    latest = shown[-1] if shown else None
    ref_sentences = monitor.reference_sentences(indicator, latest, refs, lang, shown_name)
    periods = sorted({o.period for o in shown} | {o.period for r in refs for o in r.get("observations", [])}
                     | {p for r in refs for p in r.get("averages", {})})
    by_period = {o.period: o for o in shown}
    source_tables, imported_on, provenance = _provenance(indicator, shown, refs)
    numbers = {e["id"]: e["n"] for e in provenance}
    table = []
    for p in periods:
        o = by_period.get(p)
        row: dict[str, Any] = {"period": p, "value": monitor.fmt(o.value, indicator, lang) if o else "–",
                               "ci": (f"{monitor.fmt(o.ci_low, indicator, lang)} – {monitor.fmt(o.ci_high, indicator, lang)}"
                                      if o and o.ci_low is not None else ""),
                               "refs": [], "source": source_ref(o, numbers), "ref_sources": []}
        for r in refs:
            if "observations" in r:
                ro = next((x for x in r["observations"] if x.period == p), None)
                row["refs"].append(monitor.fmt(ro.value, indicator, lang) if ro else "–")
                ref = source_ref(ro, numbers)
                if ref is not None and ref not in row["ref_sources"] and ref != row["source"]:
                    row["ref_sources"].append(ref)
            else:
                avg = r["averages"].get(p)
                row["refs"].append(monitor.fmt(round(avg[0], 1), indicator, lang) if avg else "–")
        table.append(row)
    ref_headers = [r["name"] if r["kind"] != "peergroep" else _("gemiddelde %(g)s") % {"g": r["name"]} for r in refs]
    svg = ""
    if shown:
        svg = render_svg(monitor.line_chart(indicator, shown_name, shown, refs, change_list, lang), lang)
    gaps = reporting_gaps(indicator, area, shown, lang)
    return {"source_tables": source_tables, "imported_on": imported_on, "provenance": provenance, "area": area, "indicator": indicator, "observations": shown, "basisteam": basisteam if not own else None,
            "shown_name": shown_name, "refs": refs, "ref_headers": ref_headers, "table": table,
            "changes": change_list, "ref_sentences": ref_sentences, "svg": svg, "gaps": gaps,
            "has_ci": any(o.ci_low is not None for o in shown), "breaks": indicator.method_breaks or [],
            "latest": latest, "no_margin": monitor.margins_unknown(change_list), "other_series": list(Indicator.objects.filter(form=indicator.form, source=indicator.source)
                                                   .exclude(series=indicator.series).order_by("code"))
            if indicator.form else []}


def _provenance(indicator: Indicator, shown: list[Observation], refs: list[dict[str, Any]]) -> tuple[
        list[dict[str, str]], Any, list[dict[str, Any]]]:
    """Where the figures on the page come from: the source tables (not the catalogue's default), the latest
    import date ("Bron: … (83648NED), ingelezen op …"), and one numbered entry per import batch (table, file,
    period of the source, import date, how it came in) that every figure in the table links to."""
    obs = [*shown, *(o for r in refs for o in r.get("observations", []))]
    names = sorted({o.source_table or indicator.source_table for o in obs if (o.source_table or indicator.source_table)})
    if not names and indicator.source_table:
        names = [indicator.source_table]
    tables = []
    for name in names:
        info = catalogue.table_info(name)
        url = info.get("url", "") or (indicator.source_url if name == indicator.source_table else "")
        tables.append({"label": name, "url": url})
    batch_ids = {o.import_batch_id for o in obs if o.import_batch_id}
    batches = sorted(ImportBatch.objects.filter(pk__in=batch_ids), key=lambda b: (b.at, b.pk))
    entries = []
    for n, b in enumerate(batches, start=1):
        table = b.table_id or next((o.source_table for o in obs if o.import_batch_id == b.pk and o.source_table), "")
        entries.append({"n": n, "id": b.pk, "table": table, "url": catalogue.table_info(table).get("url", "") if table else "",
                        "file": b.file_name, "periods": b.period_label, "at": b.at, "origin": b.get_origin_display(),
                        "title": b.note if b.note != b.file_name else ""})
    latest = batches[-1].at if batches else None
    return tables, latest, entries


def source_ref(o: Observation | None, numbers: dict[int, int]) -> dict[str, Any] | None:
    """The link from one figure to its provenance entry: [n] and the row of the source file."""
    if o is None or not o.import_batch_id or o.import_batch_id not in numbers:
        return None
    return {"n": numbers[o.import_batch_id], "row": o.source_row}


def reporting_gaps(indicator: Indicator, area: Area, shown: list[Observation], lang: str) -> list[dict[str, Any]]:
    """Survey and register side by side, for like-for-like pairs only (``catalogue.reporting_pairs``): the
    implied reporting rate, with a margin only where the survey has one, victims rounded to what the survey
    supports, and the reporting shares CBS published for that survey series."""
    out = []
    nl = Area.objects.filter(code=selectors.NL_CODE).first()
    candidates = [a for a in (area, nl) if a is not None]
    for pair in catalogue.reporting_pairs(indicator.code):
        survey_codes = [indicator.code] if indicator.code in pair["survey"] else pair["survey"]
        register_codes = [indicator.code] if indicator.code in pair["register"] else pair["register"]
        found = None
        for place in candidates:
            if not place.population:
                continue
            for s_ind in Indicator.objects.filter(code__in=survey_codes):
                survey = {o.period: o for o in Observation.objects.filter(indicator=s_ind, area=place)}
                for r_ind in Indicator.objects.filter(code__in=register_codes):
                    register = {o.period: o for o in Observation.objects.filter(indicator=r_ind, area=place)}
                    common = sorted(set(survey) & set(register))
                    if common:
                        found = (place, s_ind, r_ind, common[-1], survey[common[-1]], register[common[-1]])
                        break
                if found:
                    break
            if found:
                break
        if not found:
            continue
        place, survey_ind, register_ind, p, s, reg = found
        try:
            gap = cmp.reporting_gap(monitor.to_cmp(s, survey_ind, place.name),
                                    population=int(place.population * SHARE_15_PLUS),
                                    registered=int(reg.value), form=survey_ind.name_nl.lower(),
                                    form_en=survey_ind.name_en.lower())
        except (cmp.ObservationError, ValueError):
            continue
        out.append({"place": place, "period": p, "survey": survey_ind, "register": register_ind,
                    "survey_value": monitor.fmt(s.value, survey_ind, lang),
                    "registered": monitor.fmt(reg.value, register_ind, lang),
                    "sentence": gap.sentence_en if lang == "en" else gap.sentence_nl,
                    "caveat": gap.caveat_en if lang == "en" else gap.caveat_nl,
                    "note": pair.get("note_en" if lang == "en" else "note_nl", ""),
                    "shares": catalogue.reporting_shares(survey_ind.series)})
    return out


DOWNLOAD_FORMATS = [("csv", "CSV (Excel NL)"), ("csv-komma", "CSV"), ("xlsx", "XLSX"), ("ods", "ODS")]


@login_required
def indicator_page(request: HttpRequest, gemeente: str, code: str) -> HttpResponse:
    """The figures are public statistics, the same for every reader: the page's content — the area and indicator
    looked up by the address, the figures computed and the body rendered — is cached once per address and
    language, until the next write of what it shows (an import, a new area name; ``accounts.pagecache``, kind
    ``selectors.CACHE_KIND``). A reader's request then costs the page shell and one generation read."""
    lang = _lang()

    def content() -> dict[str, str]:  # rendered without the request: nothing of the reader can enter it
        area = selectors.gemeente_or_404(gemeente)
        indicator = selectors.indicator_or_404(code)
        ctx = {**indicator_context(area, indicator, lang), "download_formats": DOWNLOAD_FORMATS,
               "current_language": lang}
        return {"title": f"{indicator.name} · {area.name}",
                "body": render_to_string("indicators/_indicator_body.html", ctx)}

    address = hashlib.sha256(f"{gemeente}\0{code}".encode()).hexdigest()[:32]  # any text a reader typed, as a key
    page = pagecache.shared(selectors.CACHE_KIND, f"indicator-page:{address}", compute=content)
    return render(request, "indicators/indicator.html", {"title": page["title"],
                                                         "body": mark_safe(page["body"])})  # noqa: S308 (our template)


@login_required
def indicator_download(request: HttpRequest, gemeente: str, code: str, fmt: str) -> HttpResponse:
    if fmt not in downloads.FORMATS:
        raise Http404
    area = selectors.gemeente_or_404(gemeente)
    indicator = selectors.indicator_or_404(code)
    own = list(Observation.objects.filter(indicator=indicator, area=area).select_related("area", "import_batch")
               .order_by("period"))
    rows = downloads.rows_for(indicator, own)
    refs = [a for a in (area.veiligheidsregio_id, Area.objects.filter(code=selectors.NL_CODE).values_list(
        "pk", flat=True).first(), None if own else area.basisteam_id) if a]
    rows += downloads.rows_for(indicator, list(Observation.objects.filter(indicator=indicator, area_id__in=refs)
                                                .select_related("area", "import_batch").order_by("area__code", "period")))
    return downloads.render(fmt, rows, f"{area.slug}-{indicator.code}")


# --- index, comparison, map ----------------------------------------------------------------------

@login_required
def index(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    area = None
    ref = request.GET.get("gemeente", "").strip()
    if ref:
        area = selectors.gemeente_or_404(ref)
    area = area or _own_gemeente(request)
    rows = []
    if area is not None:
        for ind, obs in selectors.indicators_for_area(area):
            ch = monitor.changes(ind, obs[-2:], lang, area.name) if len(obs) > 1 else []
            rows.append({"indicator": ind, "latest": obs[-1], "value": monitor.fmt(obs[-1].value, ind, lang),
                         "change": ch[-1] if ch else None})
    with_data = {r["indicator"].pk for r in rows}
    catalogue = Indicator.objects.filter(in_catalogue=True).exclude(pk__in=with_data).order_by("source", "code")
    gemeenten = Area.objects.gemeenten().current().order_by("name").only("slug", "name")
    return render(request, "indicators/index.html", {
        "area": area, "rows": rows, "catalogue": catalogue, "gemeenten": gemeenten,
        "may_import": _may_import(request)})


def _latest_period(indicator: Indicator) -> str | None:
    return Observation.objects.filter(indicator=indicator, area__kind=AreaKind.GEMEENTE).aggregate(m=Max("period"))["m"]


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    indicators = Indicator.objects.filter(observations__area__kind=AreaKind.GEMEENTE).distinct().order_by("code")
    code = request.GET.get("indicator") or (indicators.first().code if indicators.exists() else "")
    indicator = Indicator.objects.filter(code=code).first() if code else None
    own = _own_gemeente(request)
    chosen = [s for s in request.GET.getlist("g") if s]
    rows: list[dict[str, Any]] = []
    error = ""
    svg = ""
    period = request.GET.get("periode") or (_latest_period(indicator) if indicator else None)
    periods = selectors.periods(indicator) if indicator else []
    if indicator and period:
        qs = Area.objects.gemeenten()
        if chosen:
            qs = qs.filter(slug__in=chosen)
        elif own is not None and own.veiligheidsregio_id:
            qs = qs.filter(veiligheidsregio_id=own.veiligheidsregio_id)
        obs = selectors.cross_section(indicator, period, qs)[:60]
        if len(obs) < 2 and not chosen:  # the own region has too few figures: compare with every gemeente
            obs = selectors.cross_section(indicator, period, Area.objects.gemeenten())[:60]
        if not chosen:
            chosen = [o.area.slug for o in obs]
        bases = figures.bases_for(indicator, obs)
        cobs = [figures.pure(o, indicator, o.area.name, bases.get((o.area_id, o.period))) for o in obs]
        try:
            ranks = {r.area: r for r in cmp.rank_ranges(cobs, indicator=monitor.cmp_indicator(indicator))}
        except cmp.ObservationError:
            ranks = {}
            if indicator.measure_type == MeasureType.COUNT:
                error = _("Aantallen van gemeenten van verschillende grootte zijn niet te vergelijken: vergelijk een "
                          "cijfer per 1.000 inwoners. Hieronder alleen de aantallen, op naam.")
            else:
                error = _("Zonder foutmarges kan geen eerlijke rangorde worden bepaald: alleen de waarden staan "
                          "hieronder.")
        for o in obs:
            r = ranks.get(str(o.area_id))
            rows.append({"obs": o, "name": o.area.name, "slug": o.area.slug,
                         "value": monitor.fmt(o.value, indicator, lang),
                         "ci": (f"{monitor.fmt(o.ci_low, indicator, lang)} – {monitor.fmt(o.ci_high, indicator, lang)}"
                                if o.ci_low is not None else ""),
                         "rank": r.label if r else "", "tied": r and len(r.tied_with) > 0,
                         "sentence": r.sentence(lang) if r else "", "point_rank": r.point_rank if r else 0})  # type: ignore[arg-type]
        count = indicator.measure_type == MeasureType.COUNT
        rows.sort(key=lambda x: (x["point_rank"], x["name"]) if ranks else
                  (x["name"],) if count else (-float(x["obs"].value), x["name"]))
        if rows and not count:
            svg = render_svg(monitor.bar_chart(indicator, rows), lang)
    gemeenten = Area.objects.gemeenten().current().order_by("name").only("slug", "name")
    return render(request, "indicators/compare.html", {
        "indicators": indicators, "indicator": indicator, "rows": rows, "period": period, "periods": periods,
        "chosen": chosen, "gemeenten": gemeenten, "error": error, "svg": svg})


@login_required
def map_page(request: HttpRequest, code: str) -> HttpResponse:
    lang = _lang()
    indicator = selectors.indicator_or_404(code)
    periods = selectors.periods(indicator)
    period = request.GET.get("periode") or (periods[-1] if periods else None)
    values = {o.area_id: o for o in selectors.cross_section(indicator, period)} if period else {}
    # a count is not coloured across gemeenten of different size: the map of its rate is
    is_count = indicator.measure_type == MeasureType.COUNT
    rate = indicator.derived.filter(measure_type=MeasureType.RATE).first() if is_count else None
    svg, n_shapes = _map_svg(indicator, period, values, lang) if values and not is_count else ("", 0)
    table = [{"name": o.area.name, "slug": o.area.slug, "value": monitor.fmt(o.value, indicator, lang),
              "ci": (f"{monitor.fmt(o.ci_low, indicator, lang)} – {monitor.fmt(o.ci_high, indicator, lang)}"
                     if o.ci_low is not None else "")}
             for o in sorted(values.values(), key=lambda o: o.area.name) if o.area.kind == AreaKind.GEMEENTE]
    return render(request, "indicators/map.html", {"indicator": indicator, "period": period, "periods": periods,
                                                   "svg": svg, "table": table, "n_shapes": n_shapes,
                                                   "is_count": is_count, "rate": rate})


def _map_svg(indicator: Indicator, period: str, values: dict[int, Observation], lang: str) -> tuple[str, int]:
    """The choropleth of the current gemeenten, cached until the figures or the boundaries change."""
    stamp = max(o.pk for o in values.values())
    geo = Area.objects.gemeenten().current().filter(geometry__isnull=False)
    key = f"cb-map:{indicator.pk}:{period}:{lang}:{stamp}:{len(values)}:{geo.count()}"
    hit = cache.get(key)
    if hit is not None:
        return hit
    features = [{"type": "Feature", "geometry": monitor.simplify(a.geometry),
                 "properties": {"name": a.name, "value": float(values[a.pk].value) if a.pk in values else None}}
                for a in geo.order_by("name").only("pk", "name", "geometry") if a.geometry]
    result = (render_svg(monitor.choropleth(indicator, features, lang), lang) if features else "", len(features))
    cache.set(key, result, 24 * 3600)
    return result


# --- import ---------------------------------------------------------------------------------------

def _may_import(request: HttpRequest) -> bool:
    """A gemeente's bewerkers import its own figures; platform beheerders import reference figures."""
    return figure_writer(request.user, getattr(request, "organisation", None)) is not None


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    if not _may_import(request):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.import_job_create(by=request.user, owner=request.organisation,  # type: ignore[attr-defined]
                                         filename=upload.name, data=upload.read(),
                                         area=form.cleaned_data.get("area", "").strip().upper())
        return redirect("indicators:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(kind=ImportJob.Kind.INDICATORS,
                                    owner=request.organisation).defer("data")[:10]  # type: ignore[attr-defined]
    return render(request, "indicators/import.html", {"form": form, "jobs": jobs})


def _job_or_404(request: HttpRequest, pk: int) -> ImportJob:
    org = getattr(request, "organisation", None)
    job = ImportJob.objects.filter(kind=ImportJob.Kind.INDICATORS, pk=pk,
                                   owner_id=getattr(org, "pk", None)).defer("data").first()
    if job is None or not policy.actor_for(request.user).has_role(job.owner_id, Role.LEZER):
        raise Http404
    return job


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    template = "indicators/_job_status.html" if getattr(request, "htmx", False) else "indicators/import_job.html"
    return render(request, template, {"job": job, "may_manage": _may_import(request)})


@login_required
@require_POST
def import_job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    if not _may_import(request):
        raise Http404
    if account_services.job_cancel(job, by=request.user):
        messages.success(request, _("Inlezen geannuleerd: er is niets ingelezen."))
    return redirect("indicators:import_job", pk=job.pk)


@login_required
@require_POST
def import_job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    if not _may_import(request):
        raise Http404
    if account_services.job_retry(job, by=request.user):
        return redirect("indicators:import_job", pk=job.pk)
    messages.info(request, _("Het bestand van deze import is na afloop verwijderd: kies het bestand opnieuw."))
    return redirect("indicators:import")


# --- public theme page ----------------------------------------------------------------------------

def sanitise(text: str) -> str:
    html = markdown.markdown(text or "", extensions=["sane_lists"])
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title", "hreflang"}, "abbr": {"title"}},
                     url_schemes={"https", "http", "mailto"}, link_rel="noopener noreferrer")


def public_context(theme: PublicTheme, lang: str, *, css: list[str], other_url: str, static_site: bool = False,
                   tables_js: str = "") -> dict[str, Any]:
    """The public theme page: narrative, the VM table with years as columns, a chart, sources, date."""
    gemeente = theme.gemeente
    tables = []
    for ind in theme.indicators.all().order_by("source", "code"):
        obs = selectors.series(ind, gemeente)
        label_area = gemeente.name
        if not obs:
            bt, obs = selectors.basisteam_series(ind, gemeente)
            label_area = bt.name if bt else label_area
        if not obs:
            continue
        unit = "%" if ind.unit == Unit.PERCENT else ind.unit_label
        ch = monitor.changes(ind, obs, lang, label_area)
        chart = monitor.line_chart(ind, label_area, obs, [], ch, lang)
        tables.append({"indicator": ind, "name": ind.name_en if lang == "en" else ind.name_nl, "unit": unit,
                       "area_name": label_area, "basisteam": label_area != gemeente.name,
                       "periods": [o.period for o in obs], "values": [monitor.fmt(o.value, ind, lang) for o in obs],
                       "cells": [(o.period, monitor.fmt(o.value, ind, lang)) for o in obs],
                       "svg": render_svg(chart, lang), "changes": ch, "no_margin": monitor.margins_unknown(ch),
                       "definition": ind.definition_en if lang == "en" else ind.definition_nl})

    house = (OrganisationTheme.objects.filter(organisation__area=gemeente, organisation__kind=OrganisationKind.GEMEENTE)
             .select_related("organisation").first())
    return {"house": house, "theme": theme, "gemeente": gemeente, "title": theme.title(lang),
            "narrative": sanitise(theme.narrative(lang)), "tables": tables, "sources": theme.sources or [],
            "css": css, "other_url": other_url, "lang": lang, "other_lang": "en" if lang == "nl" else "nl",
            "static_site": static_site, "theme_class": settings.CYBERBEELD_THEME_CLASS,
            "tables_js": tables_js}


def _public_etag(theme: PublicTheme, lang: str) -> str:
    places = [a for a in (theme.gemeente_id, theme.gemeente.basisteam_id) if a]
    stamp = Observation.objects.filter(area_id__in=places, indicator__in=theme.indicators.all()).aggregate(
        n=Max("pk"), b=Max("import_batch_id"), c=Count("pk"))

    house = OrganisationTheme.objects.filter(organisation__area=theme.gemeente_id).aggregate(u=Max("updated_at"))
    raw = f"{theme.pk}:{theme.updated_at.isoformat()}:{stamp}:{lang}:{theme.tlp}:{house['u']}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def public_theme(request: HttpRequest, gemeente: str, theme: str) -> HttpResponse:
    lang = _lang()
    obj = selectors.public_theme_or_404(gemeente, theme)
    etag = quote_etag(_public_etag(obj, lang))
    last_modified = http_date(obj.updated_at.timestamp())
    if request.headers.get("If-None-Match") == etag:
        resp = HttpResponse(status=304)
    else:
        other = "en" if lang == "nl" else "nl"
        other_url = request.path.replace(f"/{lang}/", f"/{other}/", 1)
        key = f"cb-public:{etag}:{request.path}"
        html = cache.get(key)
        if html is None:  # the rendered page is cached under its ETag: any change gives a new key
            css = [static("vendor/source-sans-3/source-sans-3.css"), static("vendor/utrecht/index.css"),
                   static("vendor/voorbeeld/theme.css"), static("indicators/public.css")]
            html = render_to_string("indicators/public_theme.html",
                                    public_context(obj, lang, css=css, other_url=other_url,
                                                   tables_js=static("web/tables.js")), request=request)
            cache.set(key, html, 3600)
        resp = HttpResponse(html)
    resp["ETag"] = etag
    resp["Last-Modified"] = last_modified
    resp["Cache-Control"] = "public, max-age=300"
    return resp


def public_theme_list(request: HttpRequest, gemeente: str) -> HttpResponse:
    area = selectors.gemeente_or_404(gemeente)
    themes = list(selectors.public_themes_of(area))
    if not themes:
        raise Http404
    return redirect(reverse("public:theme", args=[area.slug, themes[0].slug]))


@login_required
def survey_upload(request: HttpRequest) -> HttpResponse:
    """Own survey microdata → estimates per gemeente with 95% intervals (the microdata is not kept)."""
    if own_survey_writer(request.user, getattr(request, "organisation", None)) is None:
        raise Http404
    form = SurveyUploadForm(request.POST or None, request.FILES or None)
    result, error = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = import_survey_estimates(
                by=request.user, organisation=request.organisation,  # type: ignore[attr-defined]
                content=data["file"].read(), file_name=data["file"].name, weights=data["weights"].strip(),
                area_column=data["area_column"].strip(),
                variables=[v.strip() for v in data["variables"].split(",") if v.strip()],
                period=data["period"], strata=data["strata"].strip(), cluster=data["cluster"].strip(),
                fpc=data["fpc"].strip(), margins=data["margins"], calibration=data["calibration"],
                bounds=data["bounds"],
            )
        except SurveyImportError as exc:
            error = str(exc)
    return render(request, "indicators/survey_upload.html", {"form": form, "result": result, "error": error})


@login_required
def public_theme_preview(request: HttpRequest, uuid: str) -> HttpResponse:
    """The public page as the public will see it, for its owner, before it is published (a draft is
    TLP:AMBER): another organisation gets a 404, like a missing page. Never cached, never indexed."""
    lang = _lang()
    obj = policy.get_visible_or_404(request.user, PublicTheme.objects.select_related("gemeente"), uuid=uuid)
    if obj.owner_id not in policy.actor_for(request.user).org_ids:
        raise Http404
    other = "en" if lang == "nl" else "nl"
    css = [static("vendor/source-sans-3/source-sans-3.css"), static("vendor/utrecht/index.css"),
           static("vendor/voorbeeld/theme.css"), static("indicators/public.css")]
    context = public_context(obj, lang, css=css, other_url=request.path.replace(f"/{lang}/", f"/{other}/", 1),
                             tables_js=static("web/tables.js"))
    context["preview"] = {"public": policy.may_publish(obj), "back": reverse("start:index")}
    resp = render(request, "indicators/public_theme.html", context)
    resp["Cache-Control"] = "private, no-store"
    resp["X-Robots-Tag"] = "noindex"
    return resp
