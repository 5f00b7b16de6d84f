"""Demo content for the register: example incidents of gemeente Maastricht (marked as example)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.utils import timezone

from . import bulk, retention
from .models import Incident, RetentionRule
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


def load_history(*, orgs: dict[str, Any], areas: dict[str, Any], log: Any) -> None:
    """Three years of example helpdesk-fraud reports with a rise this month (early warning), imported
    through the bulk importer (idempotent: stable keys), and example retention rules."""
    import numpy as np  # deferred: heavy import (numpy): web processes do not load it, only the demo

    owner = orgs["gemeente-maastricht"]
    today = timezone.localdate()
    rng = np.random.default_rng(935)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(["sleutel", "titel", "beschrijving", "datum_voorval", "gemeente", "vorm", "bron", "status", "tlp"])
    n = 0
    for back in range(36, -1, -1):
        y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
        count = 14 if back == 0 else int(rng.poisson(3 + (m in (11, 0))))
        for i in range(count):
            day = min(1 + (i * 3) % 28, today.day if back == 0 else 28)
            w.writerow([f"VOORBEELD-HF-{back:02d}-{i:02d}", "Voorbeeld: helpdeskfraude gemeld",
                        "Voorbeeldmelding: een inwoner werd gebeld door een nepbankmedewerker.",
                        f"{y}-{m + 1:02d}-{day:02d}", "GM0935", "helpdeskfraude", "melding", "afgesloten" if back > 2
                        else "nieuw", "AMBER"])
            n += 1
    result = bulk.import_file(owner, None, "demo-vroegsignalering.csv", buf.getvalue().encode("utf-8"),
                              is_example=True)
    if not RetentionRule.objects.filter(owner=owner).exists():
        retention.rule_save(by=None, owner=owner, data={
            "target": "raw-text", "period_days": 730, "action": "anonymise",
            "legal_basis": "Voorbeeld: AVG art. 5 lid 1 sub e (opslagbeperking)"})
        retention.rule_save(by=None, owner=owner, data={
            "target": "closed", "period_days": 7 * 365, "action": "delete",
            "legal_basis": "Voorbeeld: Archiefwet 1995, selectielijst gemeenten (termijn instelbaar)"})
    log(f"incidenten: {n} voorbeeldmeldingen voor vroegsignalering ({result.created} nieuw), bewaarregels")
