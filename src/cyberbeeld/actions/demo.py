"""Demo content for Maastricht (marked as example): portfolios, measures, the exercise
'gehackte sluisbesturing' and three prevention campaigns. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cyberbeeld.incidents.services import current_forms
from cyberbeeld.risks import services as risk_services
from cyberbeeld.risks.models import Scenario, ScenarioTemplate

from . import selectors, services
from .models import Campaign, Exercise, Measure, Portfolio

PORTFOLIOS = [
    ("Openbare orde en veiligheid", "burgemeester", "burgemeester (voorbeeld)",
     "openbare orde\nveiligheid\ncrisisbeheersing", ["gehackte-sluis-brug", "online-oproep-rellen"], []),
    ("Sociaal domein en zorg", "wethouder", "wethouder sociale zaken (voorbeeld)",
     "ouderen\nzorg en welzijn\nschuldhulp", ["helpdeskfraude-ouderen"], ["helpdeskfraude"]),
    ("Economische zaken", "wethouder", "wethouder economische zaken (voorbeeld)",
     "ondernemers\nbedrijventerreinen", ["ransomware-mkb"], []),
    ("Onderwijs en jeugd", "wethouder", "wethouder onderwijs (voorbeeld)",
     "scholen\njongerenwerk", [], ["online-bedreiging-intimidatie", "cyberpesten-doxing"]),
    ("Bedrijfsvoering en informatievoorziening", "wethouder", "wethouder bedrijfsvoering (voorbeeld)",
     "ICT\nCISO\nprivacy", ["ddos-gemeente", "datalek-persoonsgegevens"], []),
]

MEASURES = [
    ("Voorlichting helpdeskfraude in seniorencomplexen (voorbeeld)", "helpdeskfraude-ouderen", 1, 60, "in-uitvoering",
     ["politie", "seniorenorganisatie", "banken"], "kans",
     "Minder slachtoffers: ouderen herkennen de 'bankmedewerker' en bellen terug via het eigen nummer."),
    ("Cyberweerbaarheidsscan voor MKB Beatrixhaven (voorbeeld)", "ransomware-mkb", 2, -20, "gepland",
     ["ondernemersvereniging", "politie"], "impact", "Ondernemers hebben back-ups offline en een herstelplan."),
    ("Afspraken over handmatige noodbediening sluis (voorbeeld)", "gehackte-sluis-brug", 0, 90, "gepland",
     ["waterschap", "veiligheidsregio"], "impact", "De sluis blijft bedienbaar als de besturing uitvalt."),
    ("Phishingoefening medewerkers (voorbeeld)", "ddos-gemeente", 4, 30, "gereed", ["ibd"], "kans",
     "Medewerkers melden verdachte mails sneller."),
]

CAMPAIGNS = [
    ("Bel zelf terug: helpdeskfraude bij ouderen (voorbeeld)", "ouderen",
     "Meer meldingen van helpdeskfraude onder 75-plussers; de Veiligheidsmonitor laat stijgend slachtofferschap zien.",
     ["seniorenorganisatie", "banken", "politie"], "Huis-aan-huisblad\nBijeenkomsten in buurtcentra\nWijkagent",
     "Uw bank vraagt nooit om uw pincode.\nHang op en bel zelf terug.", ["helpdeskfraude"], "helpdeskfraude-ouderen"),
    ("Online intimidatie: praat erover (voorbeeld)", "jongeren",
     "Jongeren melden vaker online bedreiging en intimidatie; scholen zien het terug in de klas.",
     ["scholen", "jongerenwerk", "politie"], "Lessen op school\nInstagram en TikTok van jongerenwerk",
     "Maak een screenshot en praat erover.\nDoorsturen is meedoen.", ["online-bedreiging-intimidatie"], ""),
    ("Back-up buiten de deur: ransomware bij kleine bedrijven (voorbeeld)", "mkb",
     "Ransomware raakt kleine bedrijven op het bedrijventerrein; aangiften laten een toename zien.",
     ["ondernemersvereniging", "politie"], "Nieuwsbrief ondernemersvereniging\nOntbijtsessie op het bedrijventerrein",
     "Maak offline back-ups.\nZet tweestapsverificatie aan.", ["malware-ransomware"], "ransomware-mkb"),
]


def _scenario(owner: Any, code: str) -> Any:
    s = Scenario.objects.filter(owner=owner, template__code=code).order_by("pk").first()
    if s is None:
        risk_services.ensure_templates()
        tpl = ScenarioTemplate.objects.filter(code=code).first()
        if tpl is None:
            return None
        s = risk_services.scenario_adopt(by=None, owner=owner, template=tpl, is_example=True,
                                         overrides={"title": f"{tpl.title_nl} (voorbeeld Maastricht)", "tlp": "amber"})
    return s


def load(*, orgs: dict[str, Any], areas: dict[str, Any], log: Any) -> None:
    services.powers_sync()
    owner = orgs.get("gemeente-maastricht")
    if owner is None or Exercise.objects.filter(owner=owner, is_example=True).exists():
        return

    forms = {f.code: f for f in current_forms()}
    today = timezone.localdate()
    portfolios = []
    for order, (name, role, holder, fields, scen, form_codes) in enumerate(PORTFOLIOS):
        if Portfolio.objects.filter(owner=owner, name=name).exists():
            continue
        portfolios.append(services.portfolio_save(by=None, owner=owner, is_example=True, data={
            "name": name, "holder_role": role, "holder_name": holder, "policy_fields": fields, "order": order,
            "tlp": "amber", "scenarios": [s for c in scen if (s := _scenario(owner, c))],
            "forms": [forms[c] for c in form_codes if c in forms]}))
    for title, code, p_index, days, status, partners, effect_on, effect in MEASURES:
        if Measure.objects.filter(owner=owner, title=title).exists():
            continue
        p = portfolios[p_index] if p_index < len(portfolios) else None
        scenario = _scenario(owner, code)
        services.measure_save(by=None, owner=owner, is_example=True, data={
            "title": title, "scenarios": [scenario] if scenario else [], "portfolio": p,
            "portfolio_holder": p.holder_name if p else "", "partners": partners, "status": status,
            "due_date": today + dt.timedelta(days=days), "effect_on": effect_on, "expected_effect": effect,
            "forms": [forms[c] for c in (scenario.form_codes if scenario else [])[:2] if c in forms],
            "tlp": "amber"})
    for title, group, problem, partners, channels, msgs, form_codes, scen in CAMPAIGNS:
        if Campaign.objects.filter(owner=owner, title=title).exists():
            continue
        indicator = selectors.indicator_for_group(group)
        services.campaign_save(by=None, owner=owner, is_example=True, data={
            "title": title, "target_group": group, "problem": problem, "partners": partners, "channels": channels,
            "messages": msgs, "indicator": indicator, "status": "loopt", "starts_on": today - dt.timedelta(days=30),
            "ends_on": today + dt.timedelta(days=150), "tlp": "amber",
            "forms": [forms[c] for c in form_codes if c in forms],
            "scenarios": [s for s in [_scenario(owner, scen)] if s] if scen else []})
    planned = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0) + dt.timedelta(days=21)
    ex = services.exercise_from_template(by=None, owner=owner, code="gehackte-sluisbesturing", is_example=True,
                                         scenario=_scenario(owner, "gehackte-sluis-brug"), planned_for=planned,
                                         title="Gehackte sluisbesturing (voorbeeldoefening Maastricht)")
    ex.location = "Stadhuis Maastricht, crisiscentrum (voorbeeld)"
    ex.tlp = "amber"
    ex.save(update_fields=["location", "tlp"])
    log(f"maatregelen: {len(portfolios)} portefeuilles, {len(MEASURES)} maatregelen, {len(CAMPAIGNS)} campagnes, "
        "voorbeeldoefening 'gehackte sluisbesturing'")
