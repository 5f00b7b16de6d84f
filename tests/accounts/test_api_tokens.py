"""API tokens: a token acts for its organisation within its scopes, through the same policy as the pages.

The visibility matrix of test_policy runs here through the API twice: with the browser session and with a
token of the viewer's organisation (a token acts as its organisation: it never sees TLP:RED objects, which
are for named persons only). Expired, revoked, unknown, orphaned and wrong-scope tokens are refused with
problem+json.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from cyberbeeld.accounts import services, tokens
from cyberbeeld.accounts.models import ApiToken, AuditEvent, Membership
from cyberbeeld.incidents.models import Incident

pytestmark = pytest.mark.django_db

ALL_READ = [f"{f}:read" for f in tokens.FAMILIES]


def token_for(user, org, scopes=None, **kw):
    _row, text = tokens.token_create(by=None, acting_as=user, organisation=org, name="test",
                                     scopes=ALL_READ if scopes is None else scopes, **kw)
    return text


def bearer(text: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {text}")


def session(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def make(world, tlp: str, **share) -> Incident:
    inc = Incident.objects.create(owner=world.maastricht, created_by=world.anna, title=f"{tlp} matrix", tlp=tlp)
    if share:
        services.share_set(by=world.anna, obj=inc, tlp=tlp, **share)
    return inc


VIEWERS = {"author": ("anna", "maastricht"), "same_org": ("lezer", "maastricht"),
           "same_region_gemeente": ("eva", "eijsden"), "police_same_region": ("paul", "politie"),
           "other_region": ("zoe", "zaanstad")}

# the same expectations as tests/accounts/test_policy.py (for the viewers who can hold a token)
EXPECTED = {
    ("clear", "none"): {"author", "same_org", "same_region_gemeente", "police_same_region", "other_region"},
    ("green", "none"): {"author", "same_org"},
    ("green", "region"): {"author", "same_org", "same_region_gemeente", "police_same_region"},
    ("green", "community"): {"author", "same_org", "same_region_gemeente", "police_same_region", "other_region"},
    ("amber", "none"): {"author", "same_org"},
    ("amber", "region"): {"author", "same_org", "same_region_gemeente", "police_same_region"},
    ("amber", "named_police"): {"author", "same_org", "police_same_region"},
    ("amber", "community"): {"author", "same_org"},
    ("amber+strict", "named_police"): {"author", "same_org", "police_same_region"},
    ("red", "none"): {"author"},
    ("red", "recipient_paul"): {"author", "police_same_region"},
}


@pytest.mark.parametrize("mode", ["session", "token"])
@pytest.mark.parametrize("tlp,share", sorted(EXPECTED))
def test_isolation_matrix_over_sessions_and_tokens(world, tlp, share, mode):
    kwargs = {"none": {}, "region": {"region": True}, "community": {"community": True},
              "named_police": {"organisations": [world.politie]}, "recipient_paul": {"recipients": [world.paul]}}[share]
    inc = make(world, tlp, **kwargs)
    expected = set(EXPECTED[(tlp, share)])
    if mode == "token" and tlp == "red":
        expected = set()  # a token acts as its organisation, never as a named person
    for name, (username, org) in VIEWERS.items():
        user = getattr(world, username)
        client = session(user) if mode == "session" else bearer(token_for(user, getattr(world, org)))
        one = client.get(f"/api/v1/incidents/{inc.uuid}")
        listed = client.get("/api/v1/incidents", {"q": "matrix"})
        assert listed.status_code == 200, (name, listed.content)
        in_list = str(inc.uuid) in listed.content.decode()
        if name in expected:
            assert one.status_code == 200 and in_list, (name, mode, one.status_code)
        else:
            assert one.status_code == 404 and not in_list, (name, mode, one.status_code)
            assert one["Content-Type"] == "application/problem+json"
            assert b"matrix" not in one.content


def test_token_of_a_never_reads_b(world, taxonomy):
    from cyberbeeld.incidents.services import incident_save

    b_inc = incident_save(by=world.zoe, owner=world.zaanstad, data={"title": "Zaanse phishing", "tlp": "amber"})
    a_inc = incident_save(by=world.anna, owner=world.maastricht, data={"title": "Maastrichtse phishing",
                                                                     "tlp": "amber"})
    a = bearer(token_for(world.anna, world.maastricht))
    assert a.get(f"/api/v1/incidents/{a_inc.uuid}").status_code == 200
    hidden = a.get(f"/api/v1/incidents/{b_inc.uuid}")
    import uuid as _uuid

    missing = a.get(f"/api/v1/incidents/{_uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    assert "Zaanse" not in a.get("/api/v1/incidents").content.decode()
    # a person in two organisations: the token still acts for one only
    services.membership_set(by=None, user=world.anna, organisation=world.zaanstad, role="coordinator")
    assert session(world.anna).get(f"/api/v1/incidents/{b_inc.uuid}").status_code == 200
    assert a.get(f"/api/v1/incidents/{b_inc.uuid}").status_code == 404
    assert "Zaanse" not in a.get("/api/v1/incidents").content.decode()


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:cyberbeeld:problem:")
    assert body["title_nl"] and body["title_en"] and body["detail_nl"] and body["detail_en"]
    return body


def test_refused_tokens(world):
    good = token_for(world.anna, world.maastricht)
    assert bearer(good).get("/api/v1/incidents").status_code == 200
    row = ApiToken.objects.get(prefix=good.split("_")[1])

    body = _problem(bearer(good + "x").get("/api/v1/incidents"), 401)
    assert body["detail_en"] == "This API token does not exist."
    _problem(bearer("nonsense").get("/api/v1/incidents"), 401)
    _problem(Client().get("/api/v1/incidents"), 401)

    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _problem(bearer(good).get("/api/v1/incidents"), 401)["detail_en"] == "This API token has expired."
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert bearer(good).get("/api/v1/incidents").status_code == 200

    tokens.token_revoke(by=world.beheerder, token=row)
    assert _problem(bearer(good).get("/api/v1/incidents"), 401)["detail_en"] == "This API token has been revoked."


def test_token_of_a_former_member_stops_working(world):
    text = token_for(world.eva, world.eijsden)
    assert bearer(text).get("/api/v1/incidents").status_code == 200
    Membership.objects.filter(user=world.eva).delete()
    assert "no longer a member" in _problem(bearer(text).get("/api/v1/incidents"), 401)["detail_en"]


def test_wrong_scope_is_403_before_any_lookup(world):
    text = token_for(world.anna, world.maastricht, scopes=["risks:read"])
    assert bearer(text).get("/api/v1/risks/scenarios").status_code == 200
    body = _problem(bearer(text).get("/api/v1/incidents"), 403)
    assert "incidents:read" in body["detail_en"] and "incidents:read" in body["detail_nl"]
    # the same answer for a missing object: a scope refusal says nothing about the object
    import uuid as _uuid

    assert bearer(text).get(f"/api/v1/incidents/{_uuid.uuid4()}").json() == body
    # reference data and /me need only a valid token
    me = bearer(text).get("/api/v1/me").json()
    assert me["username"] == "anna" and [o["slug"] for o in me["organisations"]] == ["gemeente-maastricht"]
    assert me["organisations"][0]["role"] == "lezer"  # a read-only token reads as lezer
    assert bearer(text).get("/api/v1/areas/gemeenten").status_code == 200


def test_only_the_hash_is_stored(world):
    text = token_for(world.anna, world.maastricht)
    row = ApiToken.objects.get()
    assert row.secret_hash == hashlib.sha256(text.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert text not in stored and text.split("_", 2)[2] not in stored
    bearer(text).get("/api/v1/incidents")
    assert ApiToken.objects.get().last_used_at is not None


def test_command_makes_a_working_token(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "--org", "gemeente-maastricht", "--user", "anna", "--scope", "incidents:read",
                 "--days", "7", stdout=out, stderr=err)
    text = out.getvalue().strip()
    assert text.startswith("cbt_") and "shown once" in err.getvalue()
    assert bearer(text).get("/api/v1/incidents").status_code == 200
    assert bearer(text).get("/api/v1/risks/scenarios").status_code == 403
    with pytest.raises(CommandError, match="no organisation"):
        call_command("api_token", "--org", "nergens", "--user", "anna", "--scope", "incidents:read")
    with pytest.raises(CommandError, match="member"):
        call_command("api_token", "--org", "gemeente-zaanstad", "--user", "anna", "--scope", "incidents:read")
    prefix = ApiToken.objects.get().prefix
    call_command("api_token", "--revoke", prefix, stdout=io.StringIO())
    assert bearer(text).get("/api/v1/incidents").status_code == 401


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_beheerder_page_makes_and_revokes_audited(world, lang):
    url = f"/{lang}/account/organisatie/gemeente-maastricht/api-sleutels/"
    c = session(world.beheerder)
    page = c.get(url)
    assert page.status_code == 200, page.status_code
    made = c.post(url, {"name": "koppeling zaaksysteem", "scopes": ["incidents:read", "incidents:write"],
                        "days": "30"})
    assert made.status_code == 200
    row = ApiToken.objects.get()
    html = made.content.decode()
    start = html.index("cbt_" + row.prefix + "_")
    text = html[start:html.index("<", start)]
    assert hashlib.sha256(text.encode()).hexdigest() == row.secret_hash
    assert row.created_by == world.beheerder and row.scopes == ["incidents:read", "incidents:write"]
    assert text not in c.get(url).content.decode()  # shown once
    assert AuditEvent.objects.filter(action="api-token-create", organisation=world.maastricht).exists()
    assert bearer(text).get("/api/v1/incidents").status_code == 200
    # someone else's organisation or a non-beheerder: 404
    assert session(world.anna).get(url).status_code == 404
    assert session(world.kees).get(url).status_code == 404
    revoke = f"/{lang}/account/organisatie/gemeente-maastricht/api-sleutels/{row.uuid}/intrekken/"
    assert session(world.kees).post(revoke).status_code == 404
    assert c.post(revoke).status_code == 302
    assert AuditEvent.objects.filter(action="api-token-revoke").exists()
    assert bearer(text).get("/api/v1/incidents").status_code == 401


def test_bad_token_form_names_the_field(world):
    c = session(world.beheerder)
    r = c.post("/nl/account/organisatie/gemeente-maastricht/api-sleutels/", {"name": "", "days": "9999"})
    assert r.status_code == 200 and not ApiToken.objects.exists()
    assert r.context["form"].errors.keys() >= {"name", "scopes", "days"}


# --- the matrix over the API's writes -------------------------------------------------------------------
# Every write operation on an object of Maastricht (made by anna, coördinator), labelled and shared as above,
# by every viewer, with a browser session and with a token that has every scope. Only the owner writes: the
# author (coördinator) succeeds, Maastricht's lezer gets a 403 (own object, role too low), every other
# organisation a 404 — also when the object is shared with it (visible is not writable) — and a token never
# acts as a TLP:RED recipient or author (404 for everyone). A refused write changes nothing (no audit event)
# and its answer does not contain the object.

SCORES = {"2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}
SCEN = {"road": "cybercrime", "lane": "oov", "threat_actor": "cybercrimineel"}

WRITES = [  # (object, method, path, body)
    ("incident", "patch", "/api/v1/incidents/{uuid}", {"status": "in-behandeling"}),
    ("incident", "post", "/api/v1/sharing/cases/from-incident/{uuid}", None),
    ("measure", "patch", "/api/v1/actions/measures/{uuid}", {"status": "in-uitvoering"}),
    ("case", "patch", "/api/v1/sharing/cases/{uuid}", {"outcome": "matrix"}),
    ("case", "post", "/api/v1/sharing/cases/{uuid}/share", {"purpose": "matrix-doel"}),
    ("case", "post", "/api/v1/sharing/cases/{uuid}/withdraw", None),
    ("approach", "patch", "/api/v1/sharing/approaches/{uuid}", {"lessons": "matrix"}),
    ("approach", "post", "/api/v1/sharing/approaches/{uuid}/share", {"purpose": "matrix-doel"}),
    ("approach", "post", "/api/v1/sharing/approaches/{uuid}/withdraw", None),
    ("scenario", "patch", "/api/v1/risks/scenarios/{uuid}", {"risk_owner": "matrix"}),
    ("scenario", "post", "/api/v1/risks/scenarios/{uuid}/assessments", {"likelihood": "B", "impact": SCORES}),
    ("draft", "patch", "/api/v1/risks/assessments/{uuid}", {"likelihood": "C"}),
]


def _write_target(world, kind: str, tlp: str, share: dict):
    from cyberbeeld.actions.services import measure_save
    from cyberbeeld.risks import services as risks
    from cyberbeeld.sharing import services as sharing

    title = f"{tlp} schrijfmatrix {kind}"
    data = {"title": title, "tlp": tlp}
    if kind == "incident":
        return make(world, tlp, **share), f"{tlp} matrix"
    if kind == "measure":
        obj = measure_save(by=world.anna, owner=world.maastricht, data=data)
    elif kind == "case":
        obj = sharing.case_save(by=world.anna, owner=world.maastricht, data={**data, "legal_basis": "publieke-taak",
                                                                            "purpose": "leren"})
    elif kind == "approach":
        obj = sharing.approach_save(by=world.anna, owner=world.maastricht,
                                    data={**data, "legal_basis": "publieke-taak", "purpose": "leren"})
    else:
        obj = risks.scenario_save(by=world.anna, owner=world.maastricht, data={**data, **SCEN})
    if share:
        services.share_set(by=world.anna, obj=obj, tlp=tlp, **share)
    if kind == "draft":
        return risks.assessment_save(by=world.anna, scenario=obj, data={"likelihood": "A", "impact": SCORES}), title
    return obj, title


@pytest.mark.parametrize("mode", ["session", "token"])
@pytest.mark.parametrize("tlp,share", sorted(EXPECTED))
def test_write_matrix_over_sessions_and_tokens(world, taxonomy, tlp, share, mode):
    import json

    kwargs = {"none": {}, "region": {"region": True}, "community": {"community": True},
              "named_police": {"organisations": [world.politie]}, "recipient_paul": {"recipients": [world.paul]}}[share]
    clients = {}
    for name, (username, org) in VIEWERS.items():
        user = getattr(world, username)
        clients[name] = session(user) if mode == "session" else bearer(token_for(user, getattr(world, org),
                                                                                 tokens.SCOPES))
    red_for_token = mode == "token" and tlp == "red"
    for kind, method, path, body in WRITES:
        obj, title = _write_target(world, kind, tlp, kwargs)
        url = path.format(uuid=obj.uuid)
        if path.endswith("/share"):  # the share form allows the whole community only with TLP:GREEN
            body = {**body, "community": tlp == "green" and share == "community"}
        # the author last: a successful withdraw or share changes who may see the object
        for name in ("same_org", "same_region_gemeente", "police_same_region", "other_region", "author"):
            events = AuditEvent.objects.count()
            r = getattr(clients[name], method)(url, json.dumps(body or {}), content_type="application/json")
            if name == "author" and not red_for_token:
                assert r.status_code in (200, 201), (kind, url, name, r.content)
                assert AuditEvent.objects.count() > events
                continue
            # Maastricht's lezer sees its own non-RED objects (a RED one is for its author and recipients)
            expected = 403 if name == "same_org" and tlp != "red" else 404
            assert r.status_code == expected, (kind, url, name, mode, r.status_code, r.content)
            assert r["Content-Type"] == "application/problem+json"
            assert title.encode() not in r.content and b"matrix" not in r.content
            assert AuditEvent.objects.count() == events, (kind, url, name)
