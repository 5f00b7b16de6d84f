"""Browser walks in Chromium: single sign-on through the local test provider, and a beheerder's TOTP
enrolment and second step; axe-core on every page of the way, in NL and EN."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "accounts"))
from oidc_provider import Provider  # noqa: E402

from cyberbeeld.accounts import oidc_config  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_single_sign_on_in_the_browser(page, live_server, world, settings, axe_check):
    with Provider(redirect_uri=live_server.url + "/oidc/callback/") as provider:
        env = provider.env(CYBERBEELD_OIDC_ORGANISATION_MAPPING=json.dumps(
            {"maastricht-cyber": {"organisation": "gemeente-maastricht", "role": "bewerker"}}))
        for key, value in oidc_config.django_settings(oidc_config.read(env)[0]).items():
            setattr(settings, key, value)
        provider.person = {"sub": "e2e-1", "preferred_username": "j.devries", "groups": ["onbekend"]}
        for lang in ("nl", "en"):
            page.goto(f"{live_server.url}/{lang}/account/inloggen/")
            axe_check(page)
        page.goto(f"{live_server.url}/nl/account/inloggen/")
        page.get_by_role("link", name="Inloggen met Testprovider").click()
        page.wait_for_url("**/oidc/callback/**")
        assert "niet aangesloten" in page.content()
        axe_check(page)

        provider.person = {"sub": "e2e-1", "preferred_username": "j.devries", "groups": ["maastricht-cyber"]}
        page.goto(f"{live_server.url}/nl/account/inloggen/")
        page.get_by_role("link", name="Inloggen met Testprovider").click()
        page.wait_for_url("**/nl/overzicht/")
        assert "Gemeente Maastricht" in page.content()
        assert provider.token_requests[-1]["pkce_ok"] is True


def test_beheerder_enrols_and_then_enters_codes(page, live_server, world, settings, axe_check):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.MFA_REQUIRED_ROLES = ["beheerder"]
    # django-otp throttles a device after a wrong code (1 s, doubling): this walk enters the right code at once
    # after a wrong one, which on a fast machine fell inside that second. Throttling has its own test
    # (tests/accounts/test_totp.py); here it is off.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0

    def login() -> None:
        page.goto(f"{live_server.url}/nl/account/inloggen/")
        page.get_by_label("Gebruikersnaam").fill("beheerder")
        page.get_by_label("Wachtwoord").fill(world.password)
        page.get_by_role("button", name="Inloggen").click()

    def code(device, offset=0) -> str:
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time() + offset
        return f"{totp.token():06d}"

    login()
    page.wait_for_url("**/nl/account/tweestapsverificatie/")
    assert page.locator("svg").count() >= 1 and page.locator("#totp-secret").inner_text()
    axe_check(page)
    page.goto(f"{live_server.url}/en/account/tweestapsverificatie/")
    axe_check(page)
    device = TOTPDevice.objects.get(user=world.beheerder, confirmed=False)
    page.goto(f"{live_server.url}/nl/account/tweestapsverificatie/")
    page.get_by_label("Code uit de app").fill("123")
    page.get_by_role("button", name="Bevestigen").click()
    assert page.locator("#error-summary").count() == 1
    axe_check(page)  # with the error summary
    page.get_by_label("Code uit de app").fill(code(device))
    page.get_by_role("button", name="Bevestigen").click()
    assert page.locator("ul.cb-recovery-codes li").count() == 10
    axe_check(page)

    page.get_by_role("button", name="Uitloggen").first.click()
    login()
    page.wait_for_url("**/nl/account/tweestapsverificatie/code/**")
    axe_check(page)
    device.refresh_from_db()
    page.locator("#id_code").fill(code(device, offset=device.step))
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_url("**/nl/overzicht/")
