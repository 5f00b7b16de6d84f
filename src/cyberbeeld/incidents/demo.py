"""Demo content for the register: example incidents of gemeente Maastricht (marked as example)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Incident
from .services import current_forms, incident_save, taxonomy_sync

EXAMPLES = [
    ("Golf van helpdeskfraude onder ouderen", "helpdeskfraude",
     "Meerdere bewoners van een seniorencomplex in Maastricht-West zijn gebeld door 'de bank'. Mevrouw Jansen (81) "
     "gaf haar pincode en er werd 2.400 euro afgeschreven naar NL91ABNA0417164300. Terugbelnummer 06-12345678.",
     "burgers", "D", "melding", "2026-10-02"),
    ("Ransomware bij installatiebedrijf", "malware-ransomware",
     "Een MKB-installatiebedrijf op bedrijventerrein Beatrixhaven is getroffen door ransomware. Contactpersoon "
     "Piet de Boer, p.deboer@example.nl, meldt dat de planning twee dagen stil lag.", "mkb", "C", "partner", "2026-09-18"),
    ("Oproep tot rellen na voetbalwedstrijd", "online-oproep-ordeverstoring",
     "Op een openbaar kanaal werd opgeroepen om zaterdag naar het Vrijthof te komen 'om het af te maken'. "
     "Account @voorbeeldaccount123 deelde de oproep; politie en gemeente zijn ingelicht.", "openbare-orde", "B",
     "media", "2026-10-10"),
]


def load(*, orgs: dict[str, Any], areas: dict[str, Any], log: Any) -> None:
    taxonomy_sync(maintained_by=orgs.get("kenniscentrum"))
    owner = orgs["gemeente-maastricht"]
    if Incident.objects.filter(owner=owner, is_example=True).exists():
        return
    forms = {f.code: f for f in current_forms()}
    for title, form, text, sector, impact, source, date in EXAMPLES:
        incident_save(by=None, owner=owner, is_example=True, data={
            "title": title, "raw_description": text, "form": forms.get(form), "sector": sector, "impact": impact,
            "source": source, "reported_on": dt.date.fromisoformat(date), "area": areas["GM0935"], "tlp": "amber",
        })
    log(f"incidenten: {len(EXAMPLES)} voorbeeldincidenten")
