"""A gemeente's house style: set by its beheerder (audited), checked for contrast, shown in the app and publicly."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from cyberbeeld.accounts import house_style
from cyberbeeld.accounts.models import AuditEvent, OrganisationTheme


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), (31, 95, 168)).save(buf, format="PNG")
    return buf.getvalue()


def test_contrast_ratio_matches_wcag_examples():
    assert house_style.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert house_style.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert house_style.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert "--cb-brand: #1f5fa8" in house_style.theme_css("#1f5fa8")
    with pytest.raises(ValueError):
        house_style.theme_css("red;}body{display:none")


URL = "/nl/account/organisatie/gemeente-maastricht/huisstijl/"
FIELDS = {"display_name": "Gemeente Maastricht", "primary_color": "#7a1f3d", "logo_alt": "Logo gemeente Maastricht",
          "website_url": "https://www.gemeentemaastricht.nl/", "contact_url": "https://www.gemeentemaastricht.nl/contact",
          "privacy_url": "https://www.gemeentemaastricht.nl/privacy",
          "accessibility_url": "https://www.gemeentemaastricht.nl/toegankelijkheid"}


@pytest.mark.django_db
def test_beheerder_sets_house_style_and_it_is_audited(client, world):
    client.force_login(world.beheerder)
    assert client.get(URL).status_code == 200
    logo = io.BytesIO(_png())
    logo.name = "logo.png"
    r = client.post(URL, {**FIELDS, "logo_file": logo})
    assert r.status_code == 302
    theme = OrganisationTheme.objects.get(organisation=world.maastricht)
    assert theme.primary_color == "#7a1f3d" and theme.logo_type == "image/png" and bytes(theme.logo) == _png()
    event = AuditEvent.objects.filter(object_type="accounts.organisationtheme").latest("pk")
    assert event.user == world.beheerder and event.changes["primary_color"] == "#7a1f3d" and event.changes["logo"] == "new"
    css = client.get("/nl/account/organisatie/gemeente-maastricht/huisstijl.css")
    assert css["Content-Type"].startswith("text/css") and "--cb-brand: #7a1f3d" in css.content.decode()
    # the app's pages load the organisation's stylesheet
    page = client.get("/nl/overzicht/").content.decode()
    assert "/nl/account/organisatie/gemeente-maastricht/huisstijl.css" in page and "cb-theme" in page


@pytest.mark.django_db
@pytest.mark.parametrize("color,message", [("#ffff00", "contrast van 1,1:1"), ("blue", "zes tekens")])
def test_unreadable_or_malformed_colour_is_refused_with_a_reason(client, world, color, message):
    client.force_login(world.beheerder)
    r = client.post(URL, {**FIELDS, "primary_color": color})
    assert r.status_code == 200 and message in r.content.decode()
    assert not OrganisationTheme.objects.exists()


@pytest.mark.django_db
def test_logo_must_be_an_image_and_described(client, world):
    client.force_login(world.beheerder)
    fake = io.BytesIO(b"<svg onload=alert(1)></svg>")
    fake.name = "logo.png"
    r = client.post(URL, {**FIELDS, "logo_file": fake})
    assert "geen PNG-, JPEG- of WebP-afbeelding" in r.content.decode()
    good = io.BytesIO(_png())
    good.name = "logo.png"
    r = client.post(URL, {**FIELDS, "logo_alt": "", "logo_file": good})
    assert "Beschrijf het logo" in r.content.decode()
    assert not OrganisationTheme.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["anna", "lezer", "zoe"])
def test_only_the_own_beheerder_may_set_it(client, world, user):
    client.force_login(getattr(world, user))
    assert client.get(URL).status_code == 404
    assert client.post(URL, FIELDS).status_code == 404
    assert not OrganisationTheme.objects.exists()


@pytest.mark.django_db
def test_public_page_is_a_gemeente_page(client, world):
    from cyberbeeld.accounts import services
    from cyberbeeld.indicators.catalogue import seed
    from cyberbeeld.indicators.models import Indicator, Observation, PublicTheme

    seed()
    vm = Indicator.objects.get(code="vm-cybercrime-totaal")
    Observation.objects.create(indicator=vm, area=world.gm_maastricht, period="2019", value=13)
    theme = PublicTheme.objects.create(owner=world.maastricht, gemeente=world.gm_maastricht, slug="cyber", tlp="clear",
                                       title_nl="Cyberveiligheid", title_en="Cyber security",
                                       last_update=dt.date(2020, 3, 5))
    theme.indicators.set([vm])
    services.theme_save(by=world.beheerder, organisation=world.maastricht, data=FIELDS, logo=(_png(), "image/png"))
    html = client.get("/nl/publiek/maastricht/cyber/").content.decode()
    body = html.split("<body", 1)[1].split(">", 1)[0]
    assert "voorbeeld-theme" in body and "cb-theme" in body
    assert "/nl/account/organisatie/gemeente-maastricht/logo" in html and 'alt="Logo gemeente Maastricht"' in html
    assert 'aria-label="Kruimelpad"' in html and "https://www.gemeentemaastricht.nl/contact" in html
    assert "https://www.gemeentemaastricht.nl/privacy" in html and "https://www.gemeentemaastricht.nl/toegankelijkheid" in html
    assert "source-sans-3.css" in html
    client.logout()
    logo = client.get("/nl/account/organisatie/gemeente-maastricht/logo")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png" and logo["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_app_header_shows_the_organisations_logo_with_its_alt_text(client, world):
    """The house-style logo is in the app header too (not only on the public page), named by its alt text."""
    from cyberbeeld.accounts import services

    client.force_login(world.anna)
    assert 'id="org-logo"' not in client.get("/nl/overzicht/").content.decode()  # no logo set: no empty image
    services.theme_save(by=world.beheerder, organisation=world.maastricht, logo=(_png(), "image/png"), data=FIELDS)
    nl = client.get("/nl/overzicht/").content.decode()
    header = nl.split("<header", 1)[1].split("</header>", 1)[0]
    assert ('<img class="cb-org-logo" id="org-logo" src="/nl/account/organisatie/gemeente-maastricht/logo" '
            'alt="Logo gemeente Maastricht">') in header
    logo = client.get("/nl/account/organisatie/gemeente-maastricht/logo")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    # on an English page the Dutch alt text is marked as Dutch
    en = client.get("/en/overzicht/").content.decode().split("</header>", 1)[0]
    assert 'alt="Logo gemeente Maastricht" lang="nl"' in en
    # without alt text the organisation's name names the logo; another organisation's users see their own header
    services.theme_save(by=world.beheerder, organisation=world.maastricht, data={**FIELDS, "logo_alt": ""})
    assert 'alt="Gemeente Maastricht"' in client.get("/nl/overzicht/").content.decode()
    client.force_login(world.zoe)
    assert 'id="org-logo"' not in client.get("/nl/overzicht/").content.decode()
