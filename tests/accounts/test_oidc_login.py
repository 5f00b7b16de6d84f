"""Single sign-on against a local OpenID Connect provider (tests/accounts/oidc_provider.py): the code flow
with PKCE, memberships from claims, refusals (bad tokens, unknown organisation) and isolation."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from oidc_provider import Provider

from cyberbeeld.accounts import oidc_config
from cyberbeeld.accounts.models import AuditEvent, ExternalIdentity, Membership, Role

pytestmark = pytest.mark.django_db

MAPPING = {
    "maastricht-cyber": {"organisation": "gemeente-maastricht", "role": "bewerker"},
    "maastricht-beheer": {"organisation": "gemeente-maastricht", "role": "beheerder"},
    "zaanstad-cyber": {"organisation": "gemeente-zaanstad", "role": "bewerker"},
    "opgeheven-gemeente": {"organisation": "gemeente-bestaat-niet", "role": "lezer"},
}


@pytest.fixture
def provider(settings):
    with Provider() as p:
        configure(settings, p)
        yield p


def configure(settings, p, **extra):
    env = p.env(CYBERBEELD_OIDC_ORGANISATION_MAPPING=json.dumps(MAPPING), **extra)
    config, problems = oidc_config.read(env)
    assert problems == []
    for key, value in oidc_config.django_settings(config).items():
        setattr(settings, key, value)


def person(sub="sub-123", groups=("maastricht-cyber",), **claims):
    return {"sub": sub, "preferred_username": "j.devries", "email": "j.devries@maastricht.example",
            "given_name": "Jan", "family_name": "de Vries", "groups": list(groups), **claims}


def sso_login(client, provider, who, next_url="/nl/overzicht/"):
    """Walk the flow as a browser would: Cyberbeeld → provider → Cyberbeeld's callback."""
    provider.person = who
    start = client.get("/oidc/authenticate/", {"next": next_url})
    assert start.status_code == 302 and start["Location"].startswith(provider.url + "/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/oidc/callback/"
    return client.get(back.path + "?" + back.query)


def test_login_page_shows_the_button_only_when_configured(client, world, settings):
    assert "Inloggen met" not in client.get("/nl/account/inloggen/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    with Provider() as p:
        configure(settings, p)
        html = client.get("/nl/account/inloggen/?next=/nl/incidenten/").content.decode()
    assert "Inloggen met Testprovider" in html
    assert 'href="/oidc/authenticate/?next=%2Fnl%2Fincidenten%2F"' in html
    # without a next page: the dashboard in the language of the login page
    html = client.get("/en/account/inloggen/").content.decode()
    assert 'href="/oidc/authenticate/?next=%2Fen%2Foverzicht%2F"' in html


def test_code_flow_with_pkce_logs_in_with_the_mapped_organisation_and_role(client, world, provider):
    response = sso_login(client, provider, person(groups=["andere-groep", "maastricht-cyber"]))
    assert response.status_code == 302 and response["Location"] == "/nl/overzicht/"

    # what Cyberbeeld asked the provider for: code flow, S256 PKCE, state, nonce, openid scope, acr
    asked = provider.authorize_requests[-1]
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) == 43 and asked["state"] and asked["nonce"]
    assert "openid" in asked["scope"].split() and asked["acr_values"] == "http://eidas.europa.eu/LoA/substantial"
    # the provider received the verifier that matches the challenge
    assert provider.token_requests[-1]["pkce_ok"] is True
    assert len(provider.token_requests[-1]["form"]["code_verifier"]) == 64

    user = get_user_model().objects.get(external_identities__subject="sub-123")
    assert (user.username, user.email, user.first_name) == ("j.devries", "j.devries@maastricht.example", "Jan")
    assert not user.has_usable_password()
    assert [(m.organisation.slug, m.role) for m in Membership.objects.filter(user=user)] == [
        ("gemeente-maastricht", Role.BEWERKER)]
    page = client.get("/nl/overzicht/")
    assert page.status_code == 200 and "Gemeente Maastricht" in page.content.decode()
    assert page.wsgi_request.user == user
    event = AuditEvent.objects.filter(action="login.oidc", user=user).get()
    assert event.organisation == world.maastricht
    assert event.changes == {"acr": "http://eidas.europa.eu/LoA/substantial", "role": "bewerker", "created": True}
    assert ExternalIdentity.objects.get(user=user).last_acr == "http://eidas.europa.eu/LoA/substantial"


def test_next_login_updates_the_account_and_its_memberships(client, world, provider):
    sso_login(client, provider, person())
    client.logout()
    sso_login(client, provider, person(groups=["zaanstad-cyber", "maastricht-beheer", "maastricht-cyber"],
                                       email="jan@zaanstad.example"))
    users = get_user_model().objects.filter(external_identities__subject="sub-123")
    assert users.count() == 1
    user = users.get()
    assert user.email == "jan@zaanstad.example"
    assert sorted((m.organisation.slug, m.role) for m in Membership.objects.filter(user=user)) == [
        ("gemeente-maastricht", "beheerder"), ("gemeente-zaanstad", "bewerker")]  # the highest role wins
    client.logout()
    sso_login(client, provider, person(groups=["zaanstad-cyber"]))
    assert [m.organisation.slug for m in Membership.objects.filter(user=user)] == ["gemeente-zaanstad"]
    assert AuditEvent.objects.filter(action="delete", object_type="accounts.membership").count() == 1


@pytest.mark.parametrize("groups", [["onbekende-groep"], [], ["opgeheven-gemeente"]])
def test_unknown_organisation_is_refused_without_creating_anything(client, world, provider, groups):
    users_before = get_user_model().objects.count()
    memberships_before = Membership.objects.count()
    response = sso_login(client, provider, person(groups=groups))
    assert response.status_code == 403
    html = response.content.decode()
    assert "niet aangesloten op deze Cyberbeeld-omgeving" in html and "Er is geen account aangemaakt" in html
    assert get_user_model().objects.count() == users_before
    assert Membership.objects.count() == memberships_before
    assert not ExternalIdentity.objects.exists()
    assert client.get("/nl/overzicht/").status_code == 302  # not signed in
    refusal = AuditEvent.objects.get(action="login.oidc.refused")
    assert refusal.changes["reason"] == "unknown_organisation" and refusal.changes["values"] == groups


def test_refusal_page_is_in_the_language_of_the_login_page(client, world, provider):
    response = sso_login(client, provider, person(groups=["onbekende-groep"]), next_url="/en/overzicht/")
    assert response.status_code == 403 and '<html lang="en"' in response.content.decode()
    response = sso_login(client, provider, person(groups=["onbekende-groep"]), next_url="/nl/overzicht/")
    assert response.status_code == 403 and '<html lang="nl"' in response.content.decode()


@pytest.mark.parametrize("tamper", [
    {"signature": True},
    {"nonce": "another-nonce"},
    {"aud": "another-client"},
    {"exp_offset": -3600},  # expired an hour ago (beyond the 60 s leeway)
    {"iss": "https://evil.example"},
    {"alg": "HS256"},  # signed with the client secret instead of the provider's key
], ids=["signature", "nonce", "audience", "expired", "issuer", "symmetric"])
def test_bad_id_tokens_are_refused(client, world, provider, tamper):
    provider.tamper = tamper
    response = sso_login(client, provider, person())
    assert response.status_code == 403
    assert "kon niet worden gecontroleerd" in response.content.decode()
    assert not get_user_model().objects.filter(username="j.devries").exists()
    assert client.get("/nl/overzicht/").status_code == 302
    assert AuditEvent.objects.filter(action="login.oidc.refused").exists()


def test_a_good_token_after_a_refused_one_still_works(client, world, provider):
    provider.tamper = {"nonce": "x"}
    assert sso_login(client, provider, person()).status_code == 403
    provider.tamper = {}
    assert sso_login(client, provider, person()).status_code == 302


def test_wrong_pkce_verifier_is_refused_by_the_provider(client, world, provider):
    provider.person = person()
    start = client.get("/oidc/authenticate/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["code_verifier"] = "x" * 64  # not the verifier of the challenge sent
    session.save()
    back = urlsplit(requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"])
    response = client.get(back.path + "?" + back.query)
    assert response.status_code == 403
    assert provider.token_requests[-1]["pkce_ok"] is False
    assert not get_user_model().objects.filter(username="j.devries").exists()


def test_a_code_and_state_cannot_be_replayed(client, world, provider):
    provider.person = person()
    start = client.get("/oidc/authenticate/")
    back = urlsplit(requests.get(start["Location"], allow_redirects=False, timeout=10).headers["Location"])
    assert client.get(back.path + "?" + back.query).status_code == 302
    client.logout()
    assert client.get(back.path + "?" + back.query).status_code == 403  # state used up, code too


def test_required_acr_refuses_a_lower_level(client, world, settings):
    with Provider() as p:
        configure(settings, p, CYBERBEELD_OIDC_REQUIRED_ACR="http://eidas.europa.eu/LoA/high")
        response = sso_login(client, p, person(acr="http://eidas.europa.eu/LoA/low"))
        assert response.status_code == 403 and "betrouwbaarheidsniveau" in response.content.decode()
        assert not ExternalIdentity.objects.exists()
        assert sso_login(client, p, person(acr="http://eidas.europa.eu/LoA/high")).status_code == 302


def test_userinfo_claims_complete_the_id_token(client, world, provider):
    who = person()
    del who["groups"]  # not in the ID token: only at the userinfo endpoint
    who["userinfo_only"] = {"groups": ["zaanstad-cyber"]}
    assert sso_login(client, provider, who).status_code == 302
    assert Membership.objects.get(user__username="j.devries").organisation == world.zaanstad


def test_a_local_account_with_the_same_name_is_never_taken_over(client, world, provider):
    sso_login(client, provider, person(preferred_username="anna", email="anna@example.invalid"))
    anna = get_user_model().objects.get(username="anna")
    assert not ExternalIdentity.objects.filter(user=anna).exists()
    assert anna.check_password(world.password)
    sso_user = get_user_model().objects.get(external_identities__subject="sub-123")
    assert sso_user.username.startswith("anna-") and sso_user != anna


def test_disabled_account_is_refused(client, world, provider):
    sso_login(client, provider, person())
    client.logout()
    get_user_model().objects.filter(username="j.devries").update(is_active=False)
    response = sso_login(client, provider, person())
    assert response.status_code == 403 and "uitgeschakeld" in response.content.decode()


def test_sso_beheerder_is_not_asked_for_a_local_second_factor(client, world, provider, settings):
    settings.MFA_REQUIRED_ROLES = ["beheerder"]
    sso_login(client, provider, person(groups=["maastricht-beheer"]))
    assert client.get("/nl/overzicht/").status_code == 200


def test_sso_user_of_one_gemeente_gets_404_on_another_gemeentes_objects(client, world, taxonomy, provider):
    from cyberbeeld.incidents.services import incident_save

    amber = incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Interne ransomwaremelding", "raw_description": "Melding via de servicedesk.", "tlp": "amber"})
    sso_login(client, provider, person(groups=["zaanstad-cyber"]))
    for path in (f"/nl/incidenten/{amber.uuid}/", f"/nl/incidenten/{amber.uuid}/bewerken/",
                 f"/api/v1/incidents/{amber.uuid}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Interne ransomwaremelding" not in response.content
    client.logout()
    sso_login(client, provider, person(sub="sub-456", preferred_username="m.jansen", groups=["maastricht-cyber"]))
    assert client.get(f"/nl/incidenten/{amber.uuid}/").status_code == 200

