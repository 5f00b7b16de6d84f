"""Issue 17, the first fifteen minutes: connecting an organisation (`cyberbeeld add-organisation`), choosing its
gemeente, the start page's first picture and checklist, the draft public page and its owner-only preview."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cyberbeeld.accounts.models import AuditEvent, Membership, Organisation, Role

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-pass-2027"


@pytest.fixture
def heerlen(world):
    from cyberbeeld.areas.models import Area, AreaKind

    return Area.objects.create(code="GM0917", kind=AreaKind.GEMEENTE, name="Heerlen", slug="heerlen",
                               veiligheidsregio=world.vr24, population=87460)


def _user(name):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


def _connect(monkeypatch, **extra):
    monkeypatch.setenv("CYBERBEELD_NEW_PASSWORD", PASSWORD)
    call_command("add_organisation", "Gemeente Heerlen", beheerder="heerlen-beheer", **extra)
    return Organisation.objects.get(slug="gemeente-heerlen")


def test_add_organisation_makes_the_organisation_and_its_beheerder_audited(world, heerlen, monkeypatch, client):
    org = _connect(monkeypatch, email="cyber@heerlen.example")
    assert org.kind == "gemeente" and org.area is None
    m = Membership.objects.get(organisation=org)
    assert m.user.username == "heerlen-beheer" and m.role == Role.BEHEERDER
    assert m.user.check_password(PASSWORD)
    actions = set(AuditEvent.objects.values_list("object_type", "action"))
    assert {("accounts.organisation", "create"), ("auth.user", "create"), ("accounts.membership", "create")} <= actions
    with pytest.raises(CommandError, match="bestaat al"):
        _connect(monkeypatch)
    # the first sign-in of a gemeente without its gemeente lands on the start page
    client.force_login(_user("heerlen-beheer"))
    assert client.get("/nl/overzicht/")["Location"] == "/nl/start/"


def test_add_organisation_refuses_a_weak_password_and_an_unknown_gemeente(world, heerlen, monkeypatch):
    monkeypatch.setenv("CYBERBEELD_NEW_PASSWORD", "kort")
    with pytest.raises(CommandError, match="wachtwoord te zwak"):
        call_command("add_organisation", "Gemeente Heerlen", beheerder="h")
    monkeypatch.setenv("CYBERBEELD_NEW_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="geen gemeente"):
        call_command("add_organisation", "Gemeente Nergens", beheerder="h", gemeente="Nergenshuizen")
    assert not Organisation.objects.filter(slug__in=["gemeente-heerlen", "gemeente-nergens"]).exists()
    call_command("add_organisation", "Gemeente Heerlen", beheerder="h", gemeente="GM0917")
    org = Organisation.objects.get(slug="gemeente-heerlen")
    assert org.area == heerlen and list(org.regions.all()) == [world.vr24]


def test_only_a_coordinator_or_beheerder_chooses_the_gemeente_once(world, heerlen, monkeypatch, client):
    from cyberbeeld.accounts import services

    org = _connect(monkeypatch)
    reader = services.user_create(by=None, username="heerlen-lezer", password=PASSWORD)
    services.membership_set(by=None, user=reader, organisation=org, role=Role.LEZER)
    client.force_login(_user("heerlen-lezer"))
    assert client.post("/nl/start/gemeente/", {"gemeente": "GM0917"}).status_code == 403
    org.refresh_from_db()
    assert org.area is None
    client.force_login(_user("heerlen-beheer"))
    page = client.get("/nl/start/").content.decode()
    assert '<option value="GM0917" selected>' in page  # the organisation's name points to its gemeente
    assert "0 van 7 stappen gedaan" in page
    assert client.post("/nl/start/gemeente/", {"gemeente": "GM0917"}).status_code == 302
    org.refresh_from_db()
    assert org.area == heerlen and set(org.regions.all()) == {world.vr24}
    event = AuditEvent.objects.filter(action="update", object_type="accounts.organisation").latest("pk")
    assert event.changes["area"] == "GM0917"
    with pytest.raises(ValueError):
        services.organisation_set_area(by=None, organisation=org, area=world.gm_maastricht)


def test_start_page_shows_the_figures_against_the_netherlands_and_the_partners(world, heerlen, monkeypatch, client):
    from decimal import Decimal

    from cyberbeeld.areas.models import Area, AreaKind
    from cyberbeeld.indicators.models import Indicator, Observation

    _connect(monkeypatch, gemeente="GM0917")
    nl = Area.objects.create(code="NL01", kind=AreaKind.LAND, name="Nederland", slug="nederland")
    ind = Indicator.objects.create(code="vm-test", name_nl="Slachtofferschap cybercrime", name_en="Cybercrime victims",
                                   unit="percent", polarity="higher-worse", source="veiligheidsmonitor",
                                   series="vm-test", measure_type="percentage")
    for area, values in ((heerlen, ("12.0", "16.0")), (nl, ("12.0", "12.1"))):
        for period, v in zip(("2021", "2023"), values, strict=True):
            Observation.objects.create(indicator=ind, area=area, period=period, value=Decimal(v),
                                       ci_low=Decimal(v) - 1, ci_high=Decimal(v) + 1, se=Decimal("0.5"))
    client.force_login(_user("heerlen-beheer"))
    page = client.get("/nl/start/").content.decode()
    assert "Wat Cyberbeeld al weet over Heerlen" in page
    assert "16,0%" in page and "Nederland" in page and "significant" in page
    assert "87.460" in page
    # partners in the own region: Maastricht, Eijsden-Margraten, the police; not Zaanstad (another region)
    assert "Gemeente Maastricht" in page and "Politie Limburg" in page and "Gemeente Zaanstad" not in page
    assert "1 van 7 stappen gedaan" in page
    assert page.count("Scenario overnemen</button>") == 4  # a first library scenario on each of the four roads
    en = client.get("/en/start/").content.decode()
    assert "16.0%" in en


def test_draft_run_is_recorded_and_the_narrative_becomes_an_owner_only_draft_page(world, heerlen, monkeypatch,
                                                                                  client, taxonomy):
    from cyberbeeld.indicators.models import PublicTheme

    org = _connect(monkeypatch, gemeente="GM0917")
    client.force_login(_user("heerlen-beheer"))
    assert client.post("/nl/start/opstellen/").status_code == 302
    assert AuditEvent.objects.filter(organisation=org, action="draft-picture").count() == 1
    resp = client.post("/nl/start/toelichting/", {"narrative_nl": "Onze toelichting.", "narrative_en": "Ours."})
    theme = PublicTheme.objects.get(owner=org)
    assert resp["Location"] == f"/nl/monitor/publieke-pagina/{theme.uuid}/voorbeeld/"
    assert theme.tlp == "amber" and theme.narrative_nl == "Onze toelichting."
    assert AuditEvent.objects.filter(object_type="indicators.publictheme", action="create").exists()
    preview = client.get(resp["Location"])
    assert preview.status_code == 200 and "Concept: deze pagina is nog niet openbaar." in preview.content.decode()
    assert "no-store" in preview["Cache-Control"] and "private" in preview["Cache-Control"]
    assert client.get("/nl/publiek/heerlen/cyberveiligheid/").status_code == 404  # a draft is not public
    # another organisation (even in the same region) gets a 404 for the preview, like a missing page
    client.force_login(world.anna)
    assert client.get(resp["Location"]).status_code == 404
    client.force_login(world.zoe)
    assert client.get(resp["Location"]).status_code == 404
    # publishing: the audited relabel to CLEAR
    client.force_login(_user("heerlen-beheer"))
    assert client.post("/nl/start/publiceren/").status_code == 302
    theme.refresh_from_db()
    assert theme.tlp == "clear"
    assert AuditEvent.objects.filter(object_type="indicators.publictheme", action="share").exists()
    assert client.get("/nl/publiek/heerlen/cyberveiligheid/").status_code == 200


def test_a_reader_cannot_write_from_the_start_page(world, heerlen, monkeypatch, client):
    client.force_login(world.lezer)
    for path in ("/nl/start/opstellen/", "/nl/start/toelichting/", "/nl/start/rapport/"):
        assert client.post(path, {"narrative_nl": "x"}).status_code == 403
    assert client.post("/nl/start/publiceren/").status_code == 404  # Maastricht has no draft page
