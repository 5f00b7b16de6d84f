"""Demo content for the casebook: invented example cases and approaches (marked as example)."""

from __future__ import annotations

from typing import Any

from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.incidents.services import current_forms

from . import services
from .models import Approach, Case

CASES = [
    ("gemeente-maastricht", "Voorbeeld: golf van helpdeskfraude in een seniorencomplex", "helpdeskfraude",
     ["burgers"], "C", "Meerdere bewoners werden gebeld door een nepbankmedewerker en maakten geld over.",
     "Voorlichtingsbijeenkomst met wijkagent en bank; flyers via de thuiszorg.", "gemeente, politie, bank",
     "Minder nieuwe meldingen in de weken erna.", "helpdeskfraude, ouderen, voorlichting", "region"),
    ("gemeente-eijsden-margraten", "Voorbeeld: ransomware bij een lokaal installatiebedrijf", "malware-ransomware",
     ["mkb"], "C", "Een MKB-bedrijf lag twee dagen stil door ransomware.",
     "Ondernemersloket bracht het bedrijf in contact met het Digital Trust Center.", "ondernemersloket",
     "Back-ups teruggezet; aangifte gedaan.", "ransomware, mkb, back-ups", "region"),
]

APPROACHES = [
    ("kenniscentrum", "Voorbeeld: wijkgerichte voorlichting tegen helpdeskfraude", "helpdeskfraude",
     "Ouderen worden slachtoffer van telefonische bankhelpdeskfraude.",
     "Huisbezoeken en bijeenkomsten samen met wijkagenten, bank en ouderenbond.",
     "politie, banken, ouderenbond", "2 fte gedurende 3 maanden; € 5.000 drukwerk",
     "Meer melding, minder schade in de pilotwijken.", "Sluit aan bij bestaande ontmoetingen.",
     "kenniscentrum@example.invalid"),
    ("kenniscentrum", "Voorbeeld: cyberweerbaarheid van het MKB via het ondernemersloket", "malware-ransomware",
     "MKB-bedrijven zijn slecht voorbereid op ransomware.",
     "Gratis quickscan en back-upcheck via het ondernemersloket, met lokale IT-bedrijven.",
     "ondernemersvereniging, Digital Trust Center", "0,5 fte; € 10.000 per jaar",
     "120 quickscans in het eerste jaar.", "Laat ondernemers elkaar vertellen wat werkte.",
     "kenniscentrum@example.invalid"),
]


def load(*, orgs: dict[str, Any], areas: dict[str, Any], log: Any) -> None:
    if Case.objects.filter(is_example=True).exists() or Approach.objects.filter(is_example=True).exists():
        return
    forms = {f.code: f for f in current_forms()}
    n = 0
    for slug, title, form, sectors, impact, summary, done, actors, outcome, tags, audience in CASES:
        owner = orgs.get(slug)
        if owner is None:
            continue
        case = services.case_save(by=None, owner=owner, is_example=True,
                                  forms=[forms[form]] if form in forms else [], sectors=sectors, data={
                                      "title": title, "summary": summary, "impact": impact, "actions_taken": done,
                                      "actors": actors, "outcome": outcome, "tags": tags, "tlp": TLP.AMBER.value,
                                      "legal_basis": "publieke-taak", "purpose": "leren van elkaars casuïstiek"})
        case.audience_region = audience == "region"
        case.save(update_fields=["audience_region"])
        n += 1
    for slug, title, form, problem, approach, partners, cost, results, lessons, contact in APPROACHES:
        owner = orgs.get(slug)
        if owner is None:
            continue
        services.approach_save(by=None, owner=owner, is_example=True,
                               forms=[forms[form]] if form in forms else [], sectors=["burgers", "mkb"], data={
                                   "title": title, "problem": problem, "approach": approach, "partners": partners,
                                   "cost_capacity": cost, "results": results, "lessons": lessons,
                                   "contact": contact, "tags": "voorbeeldaanpak", "tlp": TLP.CLEAR.value,
                                   "legal_basis": "geen-persoonsgegevens", "purpose": "nationale bibliotheek"})
        n += 1
    log(f"casusboek: {n} voorbeeldcasussen en -aanpakken")
