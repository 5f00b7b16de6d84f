"""OIDC access tokens on the API, against the local provider (tests/accounts/oidc_provider.py): the signature
against the provider's JWKS (fetched once, then cached), issuer, audience, expiry and algorithm checked; the
person found by (issuer, subject) only, never created by a bearer token; organisations and roles from the claims
through the login's mapping; another organisation's object a 404; never a TLP:RED recipient."""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client
from oidc_provider import Provider

from cyberbeeld.accounts import oidc_bearer, oidc_config
from cyberbeeld.accounts.models import AuditEvent, ExternalIdentity
from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import incident_save

pytestmark = pytest.mark.django_db

MAPPING = {
    "maastricht-cyber": {"organisation": "gemeente-maastricht", "role": "bewerker"},
    "maastricht-lezen": {"organisation": "gemeente-maastricht", "role": "lezer"},
    "zaanstad-cyber": {"organisation": "gemeente-zaanstad", "role": "bewerker"},
    "opgeheven-gemeente": {"organisation": "gemeente-bestaat-niet", "role": "lezer"},
}
GROUPS = {"groups": ["maastricht-cyber"]}


def configure(settings, p, **extra):
    config, problems = oidc_config.read(p.env(CYBERBEELD_OIDC_ORGANISATION_MAPPING=json.dumps(MAPPING), **extra))
    assert problems == []
    for key, value in oidc_config.django_settings(config).items():
        setattr(settings, key, value)


@pytest.fixture
def provider(settings):
    oidc_bearer.JWKS.clear()
    with Provider() as p:
        configure(settings, p)
        yield p
    oidc_bearer.JWKS.clear()


@pytest.fixture
def jan(world, provider):
    """A person who signed in through the provider once (the login made the link issuer + subject)."""
    user = get_user_model().objects.create_user(username="j.devries")
    ExternalIdentity.objects.create(user=user, issuer=provider.url, subject="sub-123")
    return user


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail_nl"] and body["detail_en"]
    return body


@pytest.fixture
def incidents(world, taxonomy):
    own = incident_save(by=world.anna, owner=world.maastricht, data={"title": "Maastrichtse phishing", "tlp": "amber"})
    other = incident_save(by=world.zoe, owner=world.zaanstad, data={"title": "Zaanse phishing", "tlp": "amber"})
    return own, other


def test_good_token_reads_own_organisation_and_never_another(world, provider, jan, incidents):
    own, other = incidents
    c = bearer(provider.access_token("sub-123", GROUPS))
    r = c.get(f"/api/v1/incidents/{own.uuid}")
    assert r.status_code == 200, r.content
    assert r.json()["title"] == "Maastrichtse phishing"
    listed = c.get("/api/v1/incidents").content.decode()
    assert "Maastrichtse" in listed and "Zaanse" not in listed
    hidden, missing = c.get(f"/api/v1/incidents/{other.uuid}"), c.get(f"/api/v1/incidents/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    me = c.get("/api/v1/me").json()
    assert me["username"] == "j.devries"
    assert [(o["slug"], o["role"]) for o in me["organisations"]] == [("gemeente-maastricht", "bewerker")]
    # the claims decide the organisation: the same person with Zaanstad's group reads Zaanstad's, not Maastricht's
    z = bearer(provider.access_token("sub-123", {"groups": ["zaanstad-cyber"]}))
    assert z.get(f"/api/v1/incidents/{other.uuid}").status_code == 200
    assert z.get(f"/api/v1/incidents/{own.uuid}").status_code == 404


def test_the_jwks_is_fetched_once_and_cached(world, provider, jan, incidents):
    own, _other = incidents
    for _ in range(3):
        assert bearer(provider.access_token("sub-123", GROUPS)).get(f"/api/v1/incidents/{own.uuid}").status_code == 200
    assert provider.jwks_requests == 1


@pytest.mark.parametrize("case,detail", [
    ("signature", "The access token's signature does not verify."),
    ("expired", "The access token has expired."),
    ("audience", "The access token is not meant for this API (audience)."),
    ("issuer", "The access token was not issued by the configured identity provider."),
    ("hs256", "The access token is not signed with the configured algorithm."),
    ("unknown_kid", "The access token's signature does not verify."),
])
def test_bad_tokens_are_401_problems(world, provider, jan, incidents, case, detail):
    own, _other = incidents
    kwargs = {
        "signature": {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
        "expired": {"exp_offset": -3600},
        "audience": {"aud": "een-andere-client"},
        "issuer": {"iss": "http://127.0.0.1:1/niet-de-provider"},
        "hs256": {"alg": "HS256"},
        "unknown_kid": {"kid": "onbekend"},
    }[case]
    r = bearer(provider.access_token("sub-123", GROUPS, **kwargs)).get(f"/api/v1/incidents/{own.uuid}")
    body = problem(r, 401)
    assert body["detail_en"] == detail
    assert "Maastrichtse" not in r.content.decode()
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_unknown_person_or_organisation_is_refused_and_nothing_is_created(world, provider, incidents):
    own, _other = incidents
    users = get_user_model().objects.count()
    body = problem(bearer(provider.access_token("sub-nieuw", GROUPS)).get(f"/api/v1/incidents/{own.uuid}"), 401)
    assert "sign in through the browser once" in body["detail_en"]
    assert get_user_model().objects.count() == users and not ExternalIdentity.objects.exists()
    get_user_model().objects.create_user(username="j.devries")
    ExternalIdentity.objects.create(user=get_user_model().objects.get(username="j.devries"), issuer=provider.url,
                                    subject="sub-123")
    for groups in (["onbekende-groep"], [], ["opgeheven-gemeente"]):
        r = bearer(provider.access_token("sub-123", {"groups": groups})).get(f"/api/v1/incidents/{own.uuid}")
        assert "not connected" in problem(r, 401)["detail_en"]
    # a subject of another issuer is another person
    ExternalIdentity.objects.update(issuer="http://elders.example")
    assert problem(bearer(provider.access_token("sub-123", GROUPS)).get("/api/v1/incidents"), 401)
    # a disabled account
    ExternalIdentity.objects.update(issuer=provider.url)
    get_user_model().objects.filter(username="j.devries").update(is_active=False)
    assert "disabled" in problem(bearer(provider.access_token("sub-123", GROUPS)).get("/api/v1/incidents"),
                                 401)["detail_en"]


def test_writes_follow_the_mapped_role_and_red_stays_with_persons(world, provider, jan, taxonomy):
    r = bearer(provider.access_token("sub-123", GROUPS)).post(
        "/api/v1/incidents", json.dumps({"title": "Via SSO gemeld", "tlp": "amber"}), content_type="application/json")
    assert r.status_code == 201, r.content
    inc = Incident.objects.get(uuid=r.json()["uuid"])
    assert inc.owner == world.maastricht and inc.created_by == jan
    assert AuditEvent.objects.filter(action="create", object_id=str(inc.uuid), user=jan).exists()
    # a lezer by the claims may read but not write
    lezer = bearer(provider.access_token("sub-123", {"groups": ["maastricht-lezen"]}))
    assert lezer.get(f"/api/v1/incidents/{inc.uuid}").status_code == 200
    assert problem(lezer.patch(f"/api/v1/incidents/{inc.uuid}", json.dumps({"title": "x"}),
                               content_type="application/json"), 403)
    # TLP:RED is for a person in a browser session: a bearer token does not see the person's own RED incident
    red = incident_save(by=jan, owner=world.maastricht, data={"title": "Geheim", "tlp": "red"})
    assert bearer(provider.access_token("sub-123", GROUPS)).get(f"/api/v1/incidents/{red.uuid}").status_code == 404


def test_api_audience_is_configurable(world, provider, jan, incidents, settings):
    own, _other = incidents
    configure(settings, provider, CYBERBEELD_OIDC_API_AUDIENCE="cyberbeeld-api")
    assert bearer(provider.access_token("sub-123", GROUPS, aud="cyberbeeld-api")).get(
        f"/api/v1/incidents/{own.uuid}").status_code == 200
    problem(bearer(provider.access_token("sub-123", GROUPS)).get(f"/api/v1/incidents/{own.uuid}"), 401)


def test_unreachable_keys_are_a_503_and_without_sso_a_jwt_is_a_malformed_token(world, provider, jan, settings):
    token = provider.access_token("sub-123", GROUPS)
    configure(settings, provider, CYBERBEELD_OIDC_JWKS_ENDPOINT="http://127.0.0.1:9/jwks", CYBERBEELD_OIDC_TIMEOUT="2")
    r = bearer(token).get("/api/v1/incidents")
    assert problem(r, 503) and r["Retry-After"]
    settings.CYBERBEELD_OIDC = None
    assert problem(bearer(token).get("/api/v1/incidents"), 401)["detail_en"] == "The API token is malformed."
