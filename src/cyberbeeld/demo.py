"""The demo municipality: gemeente Maastricht and its partners (idempotent).

Real, published facts: the areas and Maastricht's Veiligheidsmonitor figures from its safety page.
Everything invented (people, accounts, audiences) is flagged ``is_example`` and shown as example
data in the interface.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from cyberbeeld.accounts import services as account_services
from cyberbeeld.accounts.models import Audience, Membership, Organisation, OrganisationKind, Role
from cyberbeeld.areas.importers import REFERENCE_ORDER, import_file, reference_files
from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.common import demo_hooks
from cyberbeeld.indicators.models import Indicator, Observation
from cyberbeeld.indicators.services import demo_batch
from cyberbeeld.refdata import ReferenceDataError

DEMO_PASSWORD = "cyberbeeld-demo"

# Maastricht's "Informatieveiligheid" page: Persoonlijk slachtofferschap cybercrime totaal [%].
MAASTRICHT_VM = {"2014": "14", "2015": "13.2", "2016": "9.7", "2017": "12.4", "2019": "13.8"}

VM_CYBERCRIME = {
    "code": "vm-cybercrime-totaal",
    "name_nl": "Persoonlijk slachtofferschap cybercrime totaal",
    "name_en": "Personal victimisation of cybercrime, total",
    "definition_nl": "Percentage inwoners van 15 jaar en ouder dat in de afgelopen 12 maanden slachtoffer was van "
    "identiteitsfraude, koop- en verkoopfraude, hacken of cyberpesten (Veiligheidsmonitor, oude meetwijze 2012–2019).",
    "definition_en": "Share of residents aged 15 and over who were victims of identity fraud, purchase or sales fraud, "
    "hacking or cyberbullying in the previous 12 months (Veiligheidsmonitor, old questionnaire 2012–2019).",
    "unit": "percent", "polarity": "higher-worse", "source": "veiligheidsmonitor", "category": "cybercrime",
    "series": "vm-2012-2019",
    "method_breaks": [{"year": 2021, "note_nl": "Vanaf 2021 nieuwe vragenlijst 'online criminaliteit': aparte reeks.",
                       "note_en": "From 2021 a new 'online crime' questionnaire: a separate series."}],
    "source_table": "Veiligheidsmonitor",
}

ORGS = [
    # slug, kind, name, area code, region codes
    ("gemeente-maastricht", OrganisationKind.GEMEENTE, "Gemeente Maastricht", "GM0935", ["VR24"]),
    ("gemeente-eijsden-margraten", OrganisationKind.GEMEENTE, "Gemeente Eijsden-Margraten", "GM1903", ["VR24"]),
    ("politie-limburg", OrganisationKind.POLITIE, "Politie-eenheid Limburg", "RE10", ["VR23", "VR24"]),
    ("veiligheidsregio-zuid-limburg", OrganisationKind.VEILIGHEIDSREGIO, "Veiligheidsregio Zuid-Limburg", "VR24", ["VR24"]),
    ("om-limburg", OrganisationKind.OM, "OM arrondissement Limburg", None, ["VR23", "VR24"]),
    ("kenniscentrum", OrganisationKind.KENNISCENTRUM, "Kenniscentrum Cyberveilig (voorbeeld)", None, []),
    ("gemeente-zaanstad", OrganisationKind.GEMEENTE, "Gemeente Zaanstad", "GM0479", ["VR11"]),
]

USERS = [
    # username, first, last, org slug, role
    ("anna", "Anna", "de Vries (voorbeeld)", "gemeente-maastricht", Role.COORDINATOR),
    ("maastricht-lezer", "Lex", "Lezer (voorbeeld)", "gemeente-maastricht", Role.LEZER),
    ("maastricht-bewerker", "Bo", "Bewerker (voorbeeld)", "gemeente-maastricht", Role.BEWERKER),
    ("maastricht-beheerder", "Bea", "Beheerder (voorbeeld)", "gemeente-maastricht", Role.BEHEERDER),
    ("ciso-maastricht", "Chris", "CISO (voorbeeld)", "gemeente-maastricht", Role.BEWERKER),
    ("eijsden-bewerker", "Eva", "Eijsden (voorbeeld)", "gemeente-eijsden-margraten", Role.BEWERKER),
    ("politie-analist", "Paul", "Analist (voorbeeld)", "politie-limburg", Role.BEWERKER),
    ("vr-adviseur", "Vera", "Adviseur (voorbeeld)", "veiligheidsregio-zuid-limburg", Role.BEWERKER),
    ("om-officier", "Otto", "Officier (voorbeeld)", "om-limburg", Role.LEZER),
    ("kenniscentrum-beheerder", "Kees", "Kennis (voorbeeld)", "kenniscentrum", Role.BEHEERDER),
    ("zaanstad-bewerker", "Zoë", "Zaanstad (voorbeeld)", "gemeente-zaanstad", Role.BEWERKER),
]

def _ensure_areas(log: Any) -> None:
    if Area.objects.filter(kind=AreaKind.GEMEENTE).exists():
        return
    files = reference_files()
    if len(files) < len(REFERENCE_ORDER):  # the files are bundled: fewer means a damaged install
        raise ReferenceDataError("referentiebestanden onvolledig / reference files incomplete: "
                                 f"{len(files)} van {len(REFERENCE_ORDER)}")
    for path in files:
        result = import_file(path)
        log(f"gebieden: {path.name} ({result.rows} rijen)")


@transaction.atomic
def load(log: Any = print) -> dict[str, Any]:
    _ensure_areas(log)
    areas = {a.code: a for a in Area.objects.filter(code__in={"GM0935", "GM1903", "GM0479", "RE10", "VR23", "VR24", "VR11", "NL01"})}
    vr24, re10 = areas["VR24"], areas["RE10"]
    # The demo beheerder completes the mappings the public files lack (politie-eenheid).
    for code, vr in (("GM0935", vr24), ("GM1903", vr24), ("GM0479", areas["VR11"])):
        area = areas[code]
        changed = False
        if area.veiligheidsregio_id is None:
            area.veiligheidsregio, changed = vr, True
        if code in ("GM0935", "GM1903") and area.politie_eenheid_id is None:
            area.politie_eenheid, changed = re10, True
        if changed:
            area.save()

    orgs: dict[str, Organisation] = {}
    for slug, kind, name, area_code, regions in ORGS:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            org = account_services.organisation_create(
                by=None, kind=kind, name=name, slug=slug, area=areas.get(area_code) if area_code else None,
                regions=[areas[r] for r in regions], is_example=True,
            )
        orgs[slug] = org

    User = get_user_model()
    for username, first, last, org_slug, role in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.user_create(by=None, username=username, password=DEMO_PASSWORD,
                                                email=f"{username}@example.invalid", first_name=first, last_name=last)
        if not Membership.objects.filter(user=user, organisation=orgs[org_slug], role=role).exists():
            account_services.membership_set(by=None, user=user, organisation=orgs[org_slug], role=role)

    audiences = [
        ("driehoek-maastricht", "Driehoek Maastricht", "gemeente-maastricht", ["gemeente-maastricht", "politie-limburg", "om-limburg"], False),
        ("vr-zuid-limburg-partners", "Veiligheidsregio Zuid-Limburg (partners)", "veiligheidsregio-zuid-limburg",
         ["veiligheidsregio-zuid-limburg", "gemeente-maastricht", "gemeente-eijsden-margraten", "politie-limburg"], False),
        ("riec-limburg", "RIEC Limburg", "politie-limburg", ["politie-limburg", "om-limburg", "gemeente-maastricht"], True),
    ]
    for slug, name, owner, members, confidential in audiences:
        if not Audience.objects.filter(slug=slug).exists():
            account_services.audience_save(by=None, owner=orgs[owner], name=name, slug=slug,
                                           organisations=[orgs[m] for m in members], confidential=confidential,
                                           description="Voorbeelddoelgroep (demo)")

    indicator, _created = Indicator.objects.get_or_create(code=VM_CYBERCRIME["code"], defaults=VM_CYBERCRIME)
    maastricht = areas["GM0935"]

    batch = demo_batch(source="gemeente Maastricht, thema Informatieveiligheid", table_id="Veiligheidsmonitor",
                       note="Cijfers van het publieke thema Informatieveiligheid", periods=list(MAASTRICHT_VM))
    for period, value in MAASTRICHT_VM.items():
        Observation.objects.get_or_create(
            indicator=indicator, area=maastricht, period=period,
            defaults={"value": Decimal(value), "source_table": "gemeente Maastricht, thema Informatieveiligheid",
                      "status": Observation.Status.DEFINITIVE, "import_batch": batch},
        )
    Observation.objects.filter(indicator=indicator, area=maastricht, import_batch__isnull=True).update(
        import_batch=batch)

    for hook in demo_hooks.HOOKS:
        hook(orgs=orgs, areas=areas, log=log)
    return {"organisations": orgs}


def credentials() -> list[tuple[str, str, str]]:
    return [(u, o, r.label) for u, _f, _l, o, r in USERS]
