"""Demo content: a complete example threat picture for gemeente Maastricht (every object marked as example).

Assets, scenarios adopted from the library and adapted, assessments with a rationale per criterion
(two assessors on one scenario, to show the spread), example incidents that make the early warning
fire, and the drafted proposals. Invented content: ``is_example=True`` and labelled in every view.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import current_forms, incident_save

from . import drafting, services
from .models import Scenario, ScenarioTemplate

ASSETS = [
    # key, name, kind, operator, criticality, location, description, depends on
    ("brug", "Beweegbare brug over de Maas (voorbeeld)", "beweegbare-brug", "Rijkswaterstaat (voorbeeld)", "hoog",
     "Maas, Maastricht", "Bediening op afstand vanuit een centrale bedienpost.", []),
    ("sluis", "Sluiscomplex aan het Julianakanaal (voorbeeld)", "sluis", "Rijkswaterstaat (voorbeeld)", "vitaal",
     "Julianakanaal", "Procesautomatisering (PLC/SCADA) met onderhoudstoegang voor een leverancier.", []),
    ("digi", "Digitale dienstverlening gemeente Maastricht (e-loket, DigiD)", "digitale-dienstverlening",
     "Gemeente Maastricht, ICT-leverancier (voorbeeld)", "vitaal", "", "Website, e-loket, DigiD-koppeling, betalen.", []),
    ("pg", "Persoonsgegevens sociaal domein", "persoonsgegevens", "Gemeente Maastricht (voorbeeld)", "hoog", "",
     "Dossiers Wmo, Jeugdwet en Participatiewet.", ["digi"]),
    ("mkb", "MKB-cluster Beatrixhaven", "mkb-cluster", "Ondernemersvereniging (voorbeeld)", "midden",
     "Beatrixhaven", "Circa 200 bedrijven, veel installatie- en logistieke bedrijven.", []),
    ("vrijthof", "Evenementen op het Vrijthof", "evenement", "Gemeente Maastricht, organisatoren (voorbeeld)", "hoog",
     "Vrijthof", "Carnaval, concerten en kerstmarkt; tot tienduizenden bezoekers.", ["digi"]),
    ("water", "Drinkwatervoorziening (voorbeeld)", "drinkwater", "Drinkwaterbedrijf (voorbeeld)", "vitaal", "",
     "Productie en distributie van drinkwater in de gemeente.", []),
]

# template, lane/owner user, assets, risk owner, likelihood, likelihood rationale, impact scores with rationale
SCENARIOS = [
    ("helpdeskfraude-ouderen", "anna", [], "wethouder sociale zaken (voorbeeld)", "E",
     "Meerdere meldingen per maand; landelijk stijgende trend; concrete werkwijze bekend.",
     {"2.1": ("0", ""), "2.2": ("0", ""), "2.3": ("0", ""), "3.1": ("B", "Tienduizenden euro's schade per maand bij elkaar."),
      "5.1": ("A", "Slachtoffers moeten bankzaken opnieuw regelen."), "5.2": ("0", ""),
      "5.3": ("B", "Angst en schaamte bij ouderen; onrust in seniorencomplexen."), "L.1": ("0", ""),
      "L.2": ("A", "Gegevens van slachtoffers worden doorverkocht.")}),
    ("ransomware-mkb", "anna", ["mkb"], "wethouder economische zaken (voorbeeld)", "D",
     "Recente ransomware bij een installatiebedrijf in Beatrixhaven; landelijk veel MKB-slachtoffers.",
     {"2.1": ("0", ""), "2.2": ("0", ""), "2.3": ("0", ""), "3.1": ("C", "Stilstand van meerdere dagen bij een cluster van bedrijven."),
      "5.1": ("B", "Leveringen en onderhoud in de regio vertraagd."), "5.2": ("0", ""), "5.3": ("A", "Beperkte maatschappelijke onrust."),
      "L.1": ("0", ""), "L.2": ("B", "Klantgegevens kunnen worden gepubliceerd.")}),
    ("gehackte-sluis-brug", "anna", ["brug", "sluis"], "burgemeester (openbare orde) (voorbeeld)", "B",
     "Geen concrete aanwijzingen in de regio; wel voorbeelden elders en kwetsbare onderhoudstoegang.",
     {"2.1": ("A", "Bij verkeerde bediening kunnen slachtoffers vallen."), "2.2": ("A", "Gewonden bij een ongeval op de brug."),
      "2.3": ("0", ""), "3.1": ("B", "Stremming scheepvaart en herstelkosten."),
      "5.1": ("C", "Verkeer in de binnenstad en scheepvaart dagen verstoord."), "5.2": ("0", ""),
      "5.3": ("B", "Onrust over de veiligheid van infrastructuur."), "L.1": ("0", ""), "L.2": ("0", "")}),
    ("online-oproep-rellen", "anna", ["vrijthof"], "burgemeester (openbare orde) (voorbeeld)", "C",
     "Eerdere online oproepen rond voetbalwedstrijden; algemene aanwijzingen.",
     {"2.1": ("0", ""), "2.2": ("A", "Gewonden bij ongeregeldheden."), "2.3": ("0", ""), "3.1": ("B", "Vernielingen in de binnenstad."),
      "5.1": ("C", "Binnenstad een avond afgesloten."), "5.2": ("A", "Gezag van de burgemeester onder druk."),
      "5.3": ("C", "Angst bij bewoners en ondernemers."), "L.1": ("0", ""), "L.2": ("0", "")}),
    ("ddos-gemeente", "ciso-maastricht", ["digi"], "gemeentesecretaris (voorbeeld)", "D",
     "Hacktivistische DDoS-golven tegen Nederlandse gemeenten in de afgelopen jaren.",
     {"2.1": ("0", ""), "2.2": ("0", ""), "2.3": ("0", ""), "3.1": ("A", "Extra inzet leverancier."),
      "5.1": ("A", "Afspraken en aanvragen een dag uitgesteld."), "5.2": ("A", "Vertrouwen in de gemeente licht aangetast."),
      "5.3": ("A", "Beperkt."), "L.1": ("C", "E-loket en DigiD-koppeling een dag onbereikbaar."), "L.2": ("0", "")}),
    ("datalek-persoonsgegevens", "ciso-maastricht", ["pg", "digi"], "gemeentesecretaris (voorbeeld)", "C",
     "Phishing op medewerkers komt voor; leveranciersketen is een bekende zwakke plek.",
     {"2.1": ("0", ""), "2.2": ("0", ""), "2.3": ("0", ""), "3.1": ("B", "Onderzoek, melding en herstel."),
      "5.1": ("A", ""), "5.2": ("B", "Aantasting van het vertrouwen in de overheid."),
      "5.3": ("C", "Ernstige onrust bij betrokkenen in het sociaal domein."), "L.1": ("A", ""),
      "L.2": ("D", "Gevoelige dossiers van duizenden inwoners op straat.")}),
]

SURGE_FORM = "beleggings-cryptofraude"


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()


def _surge_incidents(owner: Any, area: Any, today: dt.date, log: Any) -> None:
    """Example incidents: a few crypto-investment frauds over the year and a burst this month."""
    form = current_forms().filter(code=SURGE_FORM).first()
    if form is None or Incident.objects.filter(owner=owner, is_example=True, form=form).exists():
        return
    first = today.replace(day=1)
    dates = [first - dt.timedelta(days=d) for d in (300, 240, 180, 120)]
    dates += [first + dt.timedelta(days=min(i * 3, max(0, (today - first).days))) for i in range(6)]
    for i, d in enumerate(dates, start=1):
        incident_save(by=None, owner=owner, is_example=True, data={
            "title": f"Beleggingsfraude via nepplatform ({i})", "form": form, "sector": "burgers", "impact": "B",
            "raw_description": "Inwoner belegde via een advertentie op sociale media in crypto en verloor het geld.",
            "source": "aangifte", "reported_on": d, "occurred_on": d, "area": area, "tlp": "amber"})
    log(f"dreigingsbeeld: {len(dates)} voorbeeldincidenten beleggingsfraude")


def load(*, orgs: dict[str, Any], areas: dict[str, Any], log: Any) -> None:
    services.templates_sync()
    owner = orgs.get("gemeente-maastricht")
    if owner is None or Scenario.objects.filter(owner=owner, is_example=True).exists():
        return
    area = areas.get("GM0935") or owner.area
    assets: dict[str, Any] = {}
    for key, name, kind, operator, crit, location, description, deps in ASSETS:
        assets[key] = services.asset_save(by=None, owner=owner, is_example=True, data={
            "name": name, "kind": kind, "operator": operator, "criticality": crit, "location": location,
            "description": description, "area": area, "tlp": "amber",
            "dependencies": [assets[d] for d in deps]})

    for code, username, asset_keys, risk_owner, lik, lik_why, impact in SCENARIOS:
        by = _user(username)
        tpl = ScenarioTemplate.objects.get(code=code)
        scenario = services.scenario_adopt(by=by, owner=owner, template=tpl, is_example=True, overrides={
            "assets": [assets[k] for k in asset_keys], "risk_owner": risk_owner, "area": area, "tlp": "amber",
            "title": f"{tpl.title_nl} (voorbeeld Maastricht)"})
        evidence = list(Incident.objects.filter(owner=owner, form__code__in=tpl.form_codes))
        if evidence:
            services.scenario_save(by=by, owner=owner, scenario=scenario, data={"evidence_incidents": evidence})
        a = services.assessment_save(by=by, scenario=scenario, data={
            "likelihood": lik, "likelihood_rationale": lik_why,
            "impact": {c: v[0] for c, v in impact.items()},
            "impact_rationale": {c: v[1] for c, v in impact.items()},
            "note": "Voorbeeldbeoordeling (demo)."})
        services.assessment_finalise(by=by, assessment=a)
        if code == "helpdeskfraude-ouderen":  # a second assessor: the spread
            second = _user("ciso-maastricht")
            b = services.assessment_save(by=second, scenario=scenario, data={
                "likelihood": "D", "likelihood_rationale": "Veel meldingen, maar niet elke week.",
                "impact": {c: v[0] for c, v in impact.items()} | {"3.1": "C"},
                "impact_rationale": {c: v[1] for c, v in impact.items()}, "note": "Tweede beoordelaar (demo)."})
            services.assessment_finalise(by=second, assessment=b)
    log(f"dreigingsbeeld: {len(ASSETS)} objecten, {len(SCENARIOS)} voorbeeldscenario's met beoordeling")

    _surge_incidents(owner, area, timezone.localdate(), log)
    new = drafting.generate(by=None, owner=owner)
    for p in new:
        p.is_example = True
        p.save(update_fields=["is_example"])
    log(f"dreigingsbeeld: {len(new)} voorstellen uit de gegevens")
