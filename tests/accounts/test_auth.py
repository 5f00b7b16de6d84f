"""Login, lock-out after repeated failures, password reset, Argon2."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def test_login_and_dashboard(client, world):
    response = client.post("/nl/account/inloggen/", {"username": "anna", "password": world.password})
    assert response.status_code == 302 and response["Location"].endswith("/nl/overzicht/")
    page = client.get("/nl/overzicht/")
    assert page.status_code == 200 and "Gemeente Maastricht" in page.content.decode()


def test_wrong_password_shows_an_error(client, world):
    response = client.post("/nl/account/inloggen/", {"username": "anna", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_lockout_after_repeated_failures(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/nl/account/inloggen/", {"username": "anna", "password": "wrong"})
    response = client.post("/nl/account/inloggen/", {"username": "anna", "password": world.password})
    assert response.status_code == 429
    assert "geblokkeerd" in response.content.decode()
    # another account is not affected
    assert client.post("/nl/account/inloggen/", {"username": "eva", "password": world.password}).status_code == 302


def test_password_reset_by_mail(client, world):
    response = client.post("/nl/account/wachtwoord-vergeten/", {"email": "anna@example.invalid"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://[^\s]+", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    new = "een-heel-nieuw-wachtwoord-42"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    response = client.post("/nl/account/inloggen/", {"username": "anna", "password": new})
    assert response.status_code == 302


def test_base_settings_hash_with_argon2():
    from cyberbeeld.config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
