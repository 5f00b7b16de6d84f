"""Demo content of the monitor: the catalogue, national reference figures, the real police and CBS
files from ``../shared/data`` where present, and Maastricht's public 'informatieveiligheid' theme."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from cyberbeeld import refdata
from cyberbeeld.accounts import pagecache

from .catalogue import seed
from .models import ImportBatch, Indicator, Observation, PublicTheme
from .ownership import PLATFORM
from .selectors import CACHE_KIND
from .services import ImportFailed, cleanup_legacy_indicators, demo_batch, import_observations

# CBS, Veiligheidsmonitor (DOMAIN §2.5): % of people aged 15+ who were victims of cybercrime (old series).
NL_VM = {"2017": "11", "2019": "13"}

NARRATIVE_NL = """*Voorbeeldtekst (demo): deze toelichting is verzonnen; de cijfers in de tabel zijn echt.*

Steeds meer van ons leven speelt zich online af. Daarmee groeit ook de kans om slachtoffer te worden van
**cybercrime**: online oplichting, hacken van een account of online pesten.

In 2019 was **13,8%** van de inwoners van Maastricht van 15 jaar en ouder slachtoffer van cybercrime.
Veel slachtoffers doen geen aangifte. De gemeente werkt daarom samen met politie en partners aan
voorlichting over veilig online gedrag.

- Twijfelt u over een bericht? Klik niet op de link en bel uw bank zelf.
- Slachtoffer? Doe aangifte bij de politie.
"""

NARRATIVE_EN = """*Example text (demo): this explanation is invented; the figures in the table are real.*

More and more of our lives take place online, and so does the risk of becoming a victim of
**cybercrime**: online fraud, a hacked account or online bullying.

In 2019, **13.8%** of Maastricht residents aged 15 and over were victims of cybercrime. Many victims do
not report it. The municipality therefore works with the police and partners on advice about staying
safe online.

- In doubt about a message? Do not click the link; call your bank yourself.
- Victim? Report it to the police.
"""

SOURCES = [
    {"title": "CBS, Veiligheidsmonitor 2019", "url": "https://longreads.cbs.nl/veiligheidsmonitor-2019/"},
    {"title": "Kamerstukken, dossier 26643 Informatie- en communicatietechnologie (ICT)",
     "url": "https://zoek.officielebekendmakingen.nl/dossier/26643"},
    {"title": "Veiligheidsmonitor", "url": "https://www.veiligheidsmonitor.nl/"},
]


def load(*, orgs: dict[str, Any], areas: dict[str, Any], log: Any) -> None:
    result = seed()
    log(f"indicatorcatalogus: {result['created']} nieuw, {result['updated']} bijgewerkt")
    legacy = cleanup_legacy_indicators()  # indicators of earlier demo versions (total_incident_count, raw keys)
    if legacy["deleted"] or legacy["renamed"]:
        log(f"monitor: {legacy['deleted']} oude indicatoren verwijderd, {legacy['renamed']} hernoemd")
    nl = areas.get("NL01")
    vm = Indicator.objects.get(code="vm-cybercrime-totaal")
    if nl is not None:
        batch = demo_batch(source="CBS Veiligheidsmonitor (landelijk), DOMAIN §2.5", table_id="Veiligheidsmonitor",
                           note="Landelijke cijfers uit de Veiligheidsmonitor 2017 en 2019", periods=list(NL_VM))
        for period, value in NL_VM.items():
            Observation.objects.get_or_create(indicator=vm, area=nl, period=period, defaults={
                "value": Decimal(value), "source_table": "CBS Veiligheidsmonitor (landelijk)", "import_batch": batch})
        if Observation.objects.filter(indicator=vm, area=nl, import_batch__isnull=True).update(import_batch=batch):
            pagecache.bump(CACHE_KIND)  # a bulk update sends no signal: the cached monitor pages must see it
        for rel in ("cbs-police-crime/NL_Crime_annual_2012_2023.csv",
                    "cbs-83648NED/83648NED_gemeenten_totaal_2010_2020.csv"):
            path = refdata.path(rel)
            if path is None:  # bundled with Cyberbeeld: missing means a damaged install
                raise refdata.ReferenceDataError(f"referentiebestand ontbreekt: {rel}")
            try:  # areas are matched by every name the register knows: no alias list here
                summary = import_observations(path, writer=PLATFORM, origin=ImportBatch.Origin.REFDATA)
                log(f"monitor: {path.name}: {summary.created} nieuwe waarnemingen")
            except ImportFailed as exc:  # e.g. only the minimal demo areas exist
                log(f"monitor: {path.name} overgeslagen ({str(exc)[:120]})")
    maastricht = areas.get("GM0935")
    owner = orgs.get("gemeente-maastricht")
    if maastricht is None or owner is None:
        return
    theme = PublicTheme.objects.filter(gemeente=maastricht, slug="informatieveiligheid").first()
    if theme is None:
        theme = PublicTheme.objects.create(
            owner=owner, gemeente=maastricht, slug="informatieveiligheid", tlp="clear", is_example=True,
            title_nl="Informatieveiligheid", title_en="Information security",
            narrative_nl=NARRATIVE_NL, narrative_en=NARRATIVE_EN, sources=SOURCES,
            last_update=dt.date(2020, 3, 5))
        theme.indicators.set([vm])
        log("monitor: publiek thema Maastricht/informatieveiligheid")
