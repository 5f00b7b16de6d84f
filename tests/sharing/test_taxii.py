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
