"""TAXII 2.1 server, tested with the OASIS taxii2-client against the live server; and the pull client."""

from __future__ import annotations

import pytest
from django.urls import include, path

from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.config.urls import urlpatterns as main_urlpatterns
from cyberbeeld.sharing import services, taxii
from cyberbeeld.sharing.models import Case

# The lead mounts the server in config/urls.py; until then this test module is the URLconf.
urlpatterns = [path("api/taxii2/", include("cyberbeeld.sharing.taxii")), *main_urlpatterns]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]


@pytest.fixture
def shared(world, taxonomy, no_redact):
    out = {}
    for label in TLP:
        case = services.case_save(by=world.anna, owner=world.maastricht, sectors=["mkb"],
                                  data={"title": f"Taxii {label.label}", "summary": "x", "tlp": label.value})
        if label not in (TLP.CLEAR, TLP.RED):
            services.share(by=world.anna, obj=case, tlp=label.value, organisations=[world.politie])
        out[label] = case
    return out


def test_discovery_collections_objects_with_taxii2client(live_server, world, shared):
    from taxii2client.v21 import Collection, Server

    server = Server(f"{live_server.url}/api/taxii2/", user="paul", password=world.password)
    assert server.title == "Cyberbeeld TAXII 2.1"
    root = server.default
    cols = root.collections
    assert [c.id for c in cols] == [str(world.politie.uuid)]
    envelope = cols[0].get_objects()
    names = {o["name"] for o in envelope["objects"] if o["type"] == "incident"}
    # the police may pass on CLEAR, GREEN and AMBER — not AMBER+STRICT, not RED
    assert names == {"Taxii TLP:CLEAR", "Taxii TLP:GREEN", "Taxii TLP:AMBER"}
    # another organisation's collection does not exist for paul
    other = Collection(f"{live_server.url}/api/taxii2/cyberbeeld/collections/{world.maastricht.uuid}/",
                       user="paul", password=world.password)
    with pytest.raises(Exception, match="404"):
        other.get_objects()
    # wrong password: 401
    bad = Collection(f"{live_server.url}/api/taxii2/cyberbeeld/collections/{world.politie.uuid}/",
                     user="paul", password="wrong-password-123")
    with pytest.raises(Exception, match="401"):
        bad.get_objects()


def test_add_objects_and_pull_with_token(live_server, world, shared):
    from taxii2client.v21 import Collection

    from cyberbeeld.sharing import exchange

    bundle = exchange.stix_bundle(world.anna, [shared[TLP.GREEN]])
    col = Collection(f"{live_server.url}/api/taxii2/cyberbeeld/collections/{world.zaanstad.uuid}/",
                     user="zoe", password=world.password)
    status = col.add_objects({"objects": bundle["objects"]})
    assert status.status == "complete" and status.failure_count == 0, status.failures
    imported = Case.objects.get(owner=world.zaanstad)
    assert imported.tlp == "green" and imported.title == "Taxii TLP:GREEN"
    # a malformed envelope changes nothing and reports failure
    before = Case.objects.count()
    status = col.add_objects({"objects": [{"type": "incident", "id": "incident--broken"}]})
    assert status.failure_count == 1 and Case.objects.count() == before

    # pull: Eijsden pulls the police collection with a per-organisation token
    token = taxii.issue_token(organisation=world.politie, user=world.paul, name="eijsden-pull")
    url = f"{live_server.url}/api/taxii2/cyberbeeld/collections/{world.politie.uuid}/"
    cases = taxii.pull(url, organisation=world.eijsden, by=world.eva, token=token)
    assert sorted(c.title for c in cases) == ["Taxii TLP:AMBER", "Taxii TLP:CLEAR", "Taxii TLP:GREEN"]
    assert {c.tlp for c in cases} == {"clear", "green", "amber"}


def test_anonymous_gets_401(client, world, shared):
    r = client.get("/api/taxii2/")
    assert r.status_code == 401 and "Basic" in r["WWW-Authenticate"]
    r = client.get(f"/api/taxii2/cyberbeeld/collections/{world.maastricht.uuid}/objects/",
                   HTTP_AUTHORIZATION="Token nonsense")
    assert r.status_code == 401


# --- issue 12 ----------------------------------------------------------------------------------------
def _basic(username, password):
    import base64

    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _post(client, world, username, org, body, *, content_type=taxii.MEDIA_TYPE):
    return client.post(f"/api/taxii2/cyberbeeld/collections/{org.uuid}/objects/", data=body,
                       content_type=content_type, HTTP_ACCEPT=taxii.MEDIA_TYPE,
                       HTTP_AUTHORIZATION=_basic(username, world.password))


def _is_taxii_error(response, status):
    import json

    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/taxii+json")
    body = json.loads(response.content)
    assert body["http_status"] == str(status) and body["title"]
    return body


def test_taxii_repost_as_clear_does_not_relabel_a_red_case(client, world, taxonomy, no_redact):
    """Finding 2 through the TAXII server: a RED incident re-posted with the same id as CLEAR."""
    import json

    from cyberbeeld.accounts import policy
    from cyberbeeld.accounts import services as account_services
    from cyberbeeld.accounts.models import Role
    from cyberbeeld.sharing import exchange

    for name in ("bob", "ben"):
        u = world.anna.__class__.objects.create_user(username=name, password=world.password)
        account_services.membership_set(by=None, user=u, organisation=world.maastricht, role=Role.BEWERKER)
    incident_id = "incident--9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

    def envelope(label, name):
        marking = exchange.tlp_marking(label)
        return json.dumps({"objects": [marking, {
            "type": "incident", "spec_version": "2.1", "id": incident_id, "created": "2026-03-01T10:00:00.000Z",
            "modified": "2026-03-01T10:00:00.000Z", "name": name, "object_marking_refs": [marking["id"]]}]})

    r = _post(client, world, "bob", world.maastricht, envelope(TLP.RED, "Rood incident"))
    assert r.status_code == 202 and json.loads(r.content)["success_count"] == 2
    case = Case.objects.get(external_id=incident_id)
    services.attachment_add(by=bob_user(world), parent=case, name="bewijs.pdf", content=b"%PDF-1.4 rood")
    for who in ("ben", "anna", "beheerder"):
        r = _post(client, world, who, world.maastricht, envelope(TLP.CLEAR, "Nu openbaar"))
        status = json.loads(r.content)
        assert r.status_code == 202 and status["success_count"] == 0 and status["failure_count"] == 2
        assert "strenger TLP-label" in status["failures"][0]["message"]
    case.refresh_from_db()
    assert case.tlp == "red" and case.title == "Rood incident"
    for outsider in (world.zoe, world.paul, world.anna, world.lezer):
        assert not policy.can_view(outsider, case)
    # and zaanstad's TAXII collection does not carry it
    r = client.get(f"/api/taxii2/cyberbeeld/collections/{world.zaanstad.uuid}/objects/",
                   HTTP_ACCEPT=taxii.MEDIA_TYPE, HTTP_AUTHORIZATION=_basic("zoe", world.password))
    assert incident_id not in r.content.decode()


def bob_user(world):
    return world.anna.__class__.objects.get(username="bob")


def test_taxii_errors_are_taxii_error_bodies(client, world, shared):
    import json

    col = f"/api/taxii2/cyberbeeld/collections/{world.politie.uuid}"
    auth = {"HTTP_ACCEPT": taxii.MEDIA_TYPE, "HTTP_AUTHORIZATION": _basic("paul", world.password)}
    _is_taxii_error(client.get("/api/taxii2/cyberbeeld/collections/", HTTP_ACCEPT=taxii.MEDIA_TYPE), 401)
    _is_taxii_error(client.get(f"/api/taxii2/cyberbeeld/collections/{world.maastricht.uuid}/objects/", **auth), 404)
    _is_taxii_error(client.get(f"{col}/objects/incident--00000000-0000-4000-8000-000000000000/", **auth), 404)
    _is_taxii_error(client.get(f"{col}/objects/incident--00000000-0000-4000-8000-000000000000/versions/",
                               **auth), 404)
    _is_taxii_error(client.get(f"{col}/objects/?limit=nul", **auth), 400)
    _is_taxii_error(client.get(f"{col}/objects/?next=bogus", **auth), 400)
    _is_taxii_error(client.get(f"{col}/objects/?added_after=gisteren", **auth), 400)
    _is_taxii_error(client.get("/api/taxii2/cyberbeeld/status/onbekend/", **auth), 404)
    _is_taxii_error(client.get("/api/taxii2/cyberbeeld/collections/geen-uuid/objects/", **auth), 404)
    _is_taxii_error(client.get("/api/taxii2/anders/", **auth), 404)
    _is_taxii_error(client.delete(f"{col}/objects/", **auth), 405)
    before = Case.objects.count()
    bad_bodies = [
        json.dumps({"objects": [1, 2]}),
        json.dumps({"objects": "alles"}),
        json.dumps([1]),
        "[" * 50_000 + "]" * 50_000,
        '{"objects": [], "objects": [{"type": "incident"}]}',
        "\xff\xfe",
    ]
    for body in bad_bodies:
        _is_taxii_error(_post(client, world, "paul", world.politie, body), 400)
    _is_taxii_error(_post(client, world, "paul", world.politie, "{}", content_type="text/plain"), 415)
    # a lezer has no write access: 403 as a TAXII error
    _is_taxii_error(_post(client, world, "lezer", world.maastricht, json.dumps({"objects": []})), 403)
    assert Case.objects.count() == before


def test_taxii_bad_content_is_a_failed_status_never_a_500(client, world, shared):
    import json

    from cyberbeeld.sharing import exchange

    bundle = exchange.stix_bundle(world.anna, [shared[TLP.GREEN]])
    incident = next(o for o in bundle["objects"] if o["type"] == "incident")
    purple = {**exchange.tlp_marking(TLP.GREEN), "id": "marking-definition--0b6a1f3e-1111-4a4e-8f2a-0c3b1e2d4f5a"}
    purple["extensions"] = {exchange.TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "purple"}}
    variants = []
    for change in ({"summary": {"nested": True}}, {"sectors": 7}, {"legal_basis": "omdat-het-kan"},
                   {"occurred_on": "2026-02-30"}):
        inc = json.loads(json.dumps(incident))
        inc["extensions"][exchange.CASE_EXTENSION].update(change)
        variants.append([o if o["type"] != "incident" else inc for o in bundle["objects"]])
    inc = {**incident, "object_marking_refs": [purple["id"]]}
    variants.append([purple, *[o if o["type"] != "incident" else inc for o in bundle["objects"]]])
    before = Case.objects.count()
    for objs in variants:
        r = _post(client, world, "zoe", world.zaanstad, json.dumps({"objects": objs}))
        assert r.status_code == 202, r.content[:300]
        status = json.loads(r.content)
        assert status["success_count"] == 0 and status["failure_count"] == len(objs)
        assert incident["id"] in status["failures"][0]["message"]
    assert Case.objects.count() == before


def test_taxii_lockout_is_a_taxii_error(client, world, shared, settings):
    settings.AXES_FAILURE_LIMIT = 3
    url = f"/api/taxii2/cyberbeeld/collections/{world.politie.uuid}/objects/"
    wrong = {"HTTP_ACCEPT": taxii.MEDIA_TYPE, "HTTP_AUTHORIZATION": _basic("paul", "wrong-password-123")}
    for _ in range(2):
        _is_taxii_error(client.get(url, **wrong), 401)
    # the failure that reaches the limit locks the account
    _is_taxii_error(client.get(url, **wrong), 429)
    # locked out: even the right password now gets a TAXII 429, not the HTML lock-out page
    body = _is_taxii_error(client.get(url, HTTP_ACCEPT=taxii.MEDIA_TYPE,
                                      HTTP_AUTHORIZATION=_basic("paul", world.password)), 429)
    assert "geblokkeerd" in body["description"]


@pytest.fixture
def many(world, taxonomy, no_redact):
    """Seven AMBER cases of Maastricht shared with the police."""
    out = []
    for i in range(7):
        case = services.case_save(by=world.anna, owner=world.maastricht,
                                  data={"title": f"Reeks {i}", "summary": "x", "tlp": "amber"})
        services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie])
        out.append(case)
    return out


def test_taxii2client_discovery_manifest_objects_versions_pages(live_server, world, shared, many):
    """The OASIS taxii2-client against the live server: every read endpoint, paginated."""
    from taxii2client.v21 import ApiRoot, Collection, Server, Status, as_pages

    from cyberbeeld.sharing import exchange

    server = Server(f"{live_server.url}/api/taxii2/", user="paul", password=world.password)
    assert server.title == "Cyberbeeld TAXII 2.1"
    root = server.default
    assert isinstance(root, ApiRoot) and root.max_content_length > 0 and taxii.MEDIA_TYPE in root.versions
    (col,) = root.collections
    assert col.id == str(world.politie.uuid) and col.can_read and col.can_write

    manifest = col.get_manifest()
    entries = manifest["objects"]
    incident_ids = {e["id"] for e in entries if e["id"].startswith("incident--")}
    expected = {f"incident--{c.uuid}" for c in many} | {f"incident--{shared[t].uuid}"
                                                      for t in (TLP.CLEAR, TLP.GREEN, TLP.AMBER)}
    assert incident_ids == expected
    assert all(e["media_type"] == taxii.STIX_MEDIA_TYPE and e["version"] and e["date_added"] for e in entries)

    # paginated reads: pages of 3 together give exactly the whole collection, in order, without repeats
    pages = list(as_pages(col.get_objects, per_request=3))
    assert len(pages) > 2 and all(len(p["objects"]) <= 3 for p in pages)
    assert all(p["more"] for p in pages[:-1]) and not pages[-1]["more"]
    paged = [o["id"] for p in pages for o in p["objects"]]
    assert len(paged) == len(set(paged)) == len(entries)
    assert paged == [e["id"] for e in entries]
    manifest_pages = list(as_pages(col.get_manifest, per_request=4))
    assert [e["id"] for p in manifest_pages for e in p["objects"]] == paged
    # filters with pagination
    typed = [o for p in as_pages(col.get_objects, per_request=2, type="incident") for o in p["objects"]]
    assert {o["id"] for o in typed} == expected

    # one object by id, and its versions
    target = many[3]
    envelope = col.get_object(f"incident--{target.uuid}")
    (obj,) = envelope["objects"]
    assert obj["name"] == "Reeks 3" and obj["object_marking_refs"] == [exchange.TLP2_MARKING_IDS[TLP.AMBER]]
    versions = col.object_versions(f"incident--{target.uuid}")
    assert versions["versions"] == [obj["modified"]]
    # an object of the collection the police may not pass on (AMBER+STRICT) does not exist for them
    with pytest.raises(Exception, match="404"):
        col.get_object(f"incident--{shared[TLP.AMBER_STRICT].uuid}")
    with pytest.raises(Exception, match="404"):
        col.object_versions(f"incident--{shared[TLP.RED].uuid}")

    # writing: a status resource, readable again at status/<id>/
    zaanstad = Collection(f"{live_server.url}/api/taxii2/cyberbeeld/collections/{world.zaanstad.uuid}/",
                          user="zoe", password=world.password)
    bundle = exchange.stix_bundle(world.anna, [shared[TLP.GREEN]])
    status = zaanstad.add_objects({"objects": bundle["objects"]})
    assert status.status == "complete" and status.failure_count == 0 and status.success_count == len(bundle["objects"])
    again = Status(f"{live_server.url}/api/taxii2/cyberbeeld/status/{status.id}/", user="zoe",
                   password=world.password)
    assert again.id == status.id and again.success_count == status.success_count
    with pytest.raises(Exception, match="404"):
        Status(f"{live_server.url}/api/taxii2/cyberbeeld/status/{status.id}/", user="paul",
               password=world.password)


def test_pagination_headers_next_and_added_after(client, world, many):
    import json

    url = f"/api/taxii2/cyberbeeld/collections/{world.politie.uuid}/objects/"
    auth = {"HTTP_ACCEPT": taxii.MEDIA_TYPE, "HTTP_AUTHORIZATION": _basic("paul", world.password)}
    everything = json.loads(client.get(url, **auth).content)
    assert everything["more"] is False and "next" not in everything
    seen, cursor, firsts = [], None, []
    while True:
        r = client.get(url, {"limit": 3, **({"next": cursor} if cursor else {})}, **auth)
        body = json.loads(r.content)
        assert len(body["objects"]) <= 3
        firsts.append((r["X-TAXII-Date-Added-First"], r["X-TAXII-Date-Added-Last"]))
        seen += [o["id"] for o in body["objects"]]
        if not body["more"]:
            break
        cursor = body["next"]
    assert seen == [o["id"] for o in everything["objects"]]
    assert all(a <= b for a, b in firsts) and [b for _, b in firsts] == sorted(b for _, b in firsts)
    # added_after: only what was added after the last object of the first page
    first_last = firsts[0][1]
    later = json.loads(client.get(url, {"added_after": first_last, "match[type]": "incident"}, **auth).content)
    titles = {o["name"] for o in later["objects"]}
    assert titles and titles < {c.title for c in many}
    # match[id] and match[version]
    target = f"incident--{many[0].uuid}"
    one = json.loads(client.get(url, {"match[id]": target, "match[version]": "all"}, **auth).content)
    assert [o["id"] for o in one["objects"]] == [target]
    version = one["objects"][0]["modified"]
    assert json.loads(client.get(url, {"match[id]": target, "match[version]": version}, **auth).content)["objects"]
    assert not json.loads(client.get(url, {"match[id]": target, "match[version]": "2001-01-01T00:00:00.000Z"},
                                     **auth).content)["objects"]
