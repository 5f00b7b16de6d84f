"""TOTP two-factor authentication for local accounts: enrolment, the code after the password, replay and
wrong codes refused, recovery codes once, beheerders forced to enrol, axes lock-out still working."""

from __future__ import annotations

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from cyberbeeld.accounts.models import AuditEvent, RecoveryCode

pytestmark = pytest.mark.django_db

LOGIN = "/nl/account/inloggen/"
VERIFY = "/nl/account/tweestapsverificatie/code/"
ENROL = "/nl/account/tweestapsverificatie/"


@pytest.fixture(autouse=True)
def production_rule(settings):
    settings.MFA_REQUIRED_ROLES = ["beheerder"]  # as in production (test.py leaves it empty)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # throttling has its own test
    settings.OTP_RECOVERY_THROTTLE_FACTOR = 0


def code(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def enrol(client, world, user):
    """Sign in with the password and set up the authenticator; returns (device, recovery codes)."""
    client.post(LOGIN, {"username": user.username, "password": world.password})
    page = client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(ENROL, {"action": "confirm", "device": device.pk, "code": code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>", done.content.decode())
    device.refresh_from_db()
    assert device.confirmed and page.status_code == 200
    return device, codes


def test_beheerder_without_device_enrols_before_anything_else(client, world):
    response = client.post(LOGIN, {"username": "beheerder", "password": world.password})
    assert response.status_code == 302 and response["Location"] == ENROL
    for path in ("/nl/overzicht/", "/nl/incidenten/", "/nl/account/organisatie/gemeente-maastricht/"):
        assert client.get(path)["Location"] == ENROL, path
    assert client.get("/api/v1/incidents").status_code == 401
    page = client.get(ENROL).content.decode()
    assert "<svg" in page and "verplicht" in page
    assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    device = TOTPDevice.objects.get(user=world.beheerder, confirmed=False)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    import base64
    assert base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)) == device.bin_key


def test_force_login_beheerder_is_sent_to_enrolment(client, world):
    client.force_login(world.beheerder)
    assert client.get("/nl/overzicht/")["Location"] == ENROL


def test_enrolment_confirms_the_device_and_shows_hashed_recovery_codes_once(client, world):
    device, codes = enrol(client, world, world.beheerder)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(device__user=world.beheerder).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not any(c.replace("-", "") in h or c in h for c in codes for h in stored)
    assert client.get("/nl/overzicht/").status_code == 200  # this session counts as verified
    assert AuditEvent.objects.filter(action="mfa.enrol", user=world.beheerder).count() == 1


def test_wrong_enrolment_code_is_refused(client, world):
    client.post(LOGIN, {"username": "beheerder", "password": world.password})
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=world.beheerder, confirmed=False)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"action": "confirm", "device": device.pk, "code": wrong})
    assert response.status_code == 200 and "klopt niet" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/nl/overzicht/")["Location"] == ENROL


def test_login_requires_the_code_and_refuses_wrong_and_replayed_codes(client, world):
    device, _codes = enrol(client, world, world.beheerder)
    client.logout()
    response = client.post(LOGIN, {"username": "beheerder", "password": world.password,
                                   "next": "/nl/incidenten/"})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.get("/nl/overzicht/")["Location"].startswith(VERIFY)
    assert client.get(ENROL)["Location"].startswith(VERIFY)  # no re-enrolment on the strength of a password
    assert client.get("/api/v1/incidents").status_code == 401

    used = code(device)  # the enrolment used this time step already: a replay
    replay = client.post(VERIFY, {"code": used, "next": "/nl/incidenten/"})
    assert replay.status_code == 200 and "al gebruikt" in replay.content.decode()
    wrong = client.post(VERIFY, {"code": "000000" if used != "000000" else "111111"})
    assert wrong.status_code == 200 and client.get("/nl/overzicht/").status_code == 302

    fresh = code(device, offset=device.step)  # the next time step (within the tolerance)
    ok = client.post(VERIFY, {"code": fresh, "next": "/nl/incidenten/"})
    assert ok.status_code == 302 and ok["Location"] == "/nl/incidenten/"
    assert client.get("/nl/overzicht/").status_code == 200
    client.logout()
    client.post(LOGIN, {"username": "beheerder", "password": world.password})
    assert client.post(VERIFY, {"code": fresh}).status_code == 200  # the same code again: refused
    assert AuditEvent.objects.filter(action="login.mfa", user=world.beheerder).count() == 1


def test_throttling_after_a_wrong_code(client, world, settings):
    device, _codes = enrol(client, world, world.beheerder)
    client.logout()
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    client.post(LOGIN, {"username": "beheerder", "password": world.password})
    client.post(VERIFY, {"code": "000000" if code(device, offset=device.step) != "000000" else "111111"})
    response = client.post(VERIFY, {"code": code(device, offset=device.step)})
    assert "Te veel verkeerde codes" in response.content.decode()
    assert client.get("/nl/overzicht/").status_code == 302


def test_recovery_code_works_once(client, world):
    _device, codes = enrol(client, world, world.beheerder)
    client.logout()
    client.post(LOGIN, {"username": "beheerder", "password": world.password})
    assert client.post(VERIFY, {"code": codes[0].lower()}).status_code == 302
    assert client.get("/nl/overzicht/").status_code == 200
    assert RecoveryCode.objects.filter(device__user=world.beheerder).count() == 9
    client.logout()
    client.post(LOGIN, {"username": "beheerder", "password": world.password})
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200 and client.get("/nl/overzicht/").status_code == 302
    assert client.post(VERIFY, {"code": codes[1].replace("-", "")}).status_code == 302
    assert AuditEvent.objects.filter(action="mfa.recovery_code_used").count() == 2


def test_wrong_codes_count_for_the_axes_lockout(client, world, settings):
    enrol(client, world, world.beheerder)
    client.logout()
    client.post(LOGIN, {"username": "beheerder", "password": world.password})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = client.post(VERIFY, {"code": "000001"})
    assert last.status_code in (403, 429) and "geblokkeerd" in last.content.decode()
    assert client.get("/nl/overzicht/").status_code == 302  # signed out
    assert client.post(LOGIN, {"username": "beheerder", "password": world.password}).status_code == 429


def test_password_lockout_still_works_with_two_step_login(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "beheerder", "password": "wrong"})
    assert client.post(LOGIN, {"username": "beheerder", "password": world.password}).status_code == 429


def test_optional_for_others_and_only_others_may_switch_it_off(client, world):
    assert client.post(LOGIN, {"username": "anna", "password": world.password})["Location"] == "/nl/overzicht/"
    assert client.get("/nl/overzicht/").status_code == 200
    client.logout()
    enrol(client, world, world.anna)
    assert client.post(ENROL, {"action": "disable"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.anna).exists()
    client.logout()
    enrol(client, world, world.beheerder)
    assert client.post(ENROL, {"action": "disable"}).status_code == 400
    assert TOTPDevice.objects.filter(user=world.beheerder, confirmed=True).exists()


def test_new_recovery_codes_replace_the_old_ones(client, world):
    _device, old = enrol(client, world, world.anna)
    page = client.post(ENROL, {"action": "recovery_codes"}).content.decode()
    new = re.findall(r"<code>([A-Z2-9-]{19})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    client.post(LOGIN, {"username": "anna", "password": world.password})
    assert client.post(VERIFY, {"code": old[0]}).status_code == 200
    assert client.post(VERIFY, {"code": new[0]}).status_code == 302


@pytest.mark.parametrize("target", ["abc", "https://evil.example/", "//evil.example/x", "0"])
def test_next_is_only_ever_a_local_path(client, world, target):
    client.force_login(world.anna)
    response = client.get(VERIFY, {"next": target})
    assert response.status_code == 302 and response["Location"] == "/nl/overzicht/"
    assert client.get(VERIFY, {"next": "/nl/incidenten/"})["Location"] == "/nl/incidenten/"


def test_a_user_without_any_organisation_is_still_asked_for_the_code(client, world):
    """The second-factor facts come with the user's organisations; a person with none (a fresh account) is asked
    in a query of its own and still cannot pass without the code."""
    from django.contrib.auth import get_user_model

    loner = get_user_model().objects.create_user(username="zonder-organisatie", password=world.password)
    TOTPDevice.objects.create(user=loner, name="app", confirmed=True)
    client.post(LOGIN, {"username": loner.username, "password": world.password})
    r = client.get("/nl/overzicht/")
    assert r.status_code == 302 and r["Location"].startswith(VERIFY)


def test_the_role_that_requires_a_device_counts_in_any_organisation(client, world):
    """A beheerder in one organisation and lezer in another enrols first, whichever organisation is current."""
    from cyberbeeld.accounts import services as account_services
    from cyberbeeld.accounts.models import Role

    account_services.membership_set(by=None, user=world.anna, organisation=world.zaanstad, role=Role.BEHEERDER)
    client.force_login(world.anna)
    r = client.get("/nl/overzicht/")
    assert r.status_code == 302 and r["Location"].startswith(ENROL)
