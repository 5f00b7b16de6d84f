"""Another organisation's TLP:AMBER object does not exist for you: 404 through pages and API."""

from __future__ import annotations

import pytest

from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import incident_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def amber(world, taxonomy):
    return incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Interne ransomwaremelding", "raw_description": "Jan Jansen belde vanaf 06-12345678.",
        "tlp": "amber"})


def paths(inc):
    return [f"/nl/incidenten/{inc.uuid}/", f"/en/incidenten/{inc.uuid}/", f"/nl/incidenten/{inc.uuid}/bewerken/",
            f"/api/v1/incidents/{inc.uuid}"]


def test_other_gemeente_gets_404_everywhere(client, world, amber):
    client.force_login(world.zoe)
    for path in paths(amber):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Interne ransomwaremelding" not in response.content
    # lists, search and the API list do not show it either
    for path in ("/nl/incidenten/", "/nl/incidenten/?q=ransomware", "/api/v1/incidents", "/api/v1/incidents?q=ransomware"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"Interne ransomwaremelding" not in response.content, path


def test_404_is_the_same_as_for_a_missing_object(client, world, amber):
    import uuid

    client.force_login(world.zoe)
    hidden = client.get(f"/api/v1/incidents/{amber.uuid}")
    missing = client.get(f"/api/v1/incidents/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_owner_sees_it_and_raw_text_stays_inside(client, world, amber):
    client.force_login(world.lezer)
    page = client.get(f"/nl/incidenten/{amber.uuid}/")
    assert page.status_code == 200 and b"Jan Jansen" in page.content
    # a lezer may read but not edit: the edit page is a 404, not a 403
    assert client.get(f"/nl/incidenten/{amber.uuid}/bewerken/").status_code == 404
    # shared with the police: they see the redacted text only
    from cyberbeeld.accounts.services import share_set

    share_set(by=world.anna, obj=amber, tlp="amber", organisations=[world.politie])
    client.force_login(world.paul)
    page = client.get(f"/nl/incidenten/{amber.uuid}/")
    assert page.status_code == 200
    assert b"Jan Jansen" not in page.content and b"06-12345678" not in page.content
    api = client.get(f"/api/v1/incidents/{amber.uuid}").json()
    assert api["description_is_redacted"] is True
    assert "Jan Jansen" not in api["description"] and "06-12345678" not in api["description"]
    assert "Jan Jansen" not in str(client.get("/api/v1/incidents?q=Jansen").json())


def test_anonymous_api_needs_login(client, world, amber):
    assert client.get(f"/api/v1/incidents/{amber.uuid}").status_code == 401
    assert client.get(f"/nl/incidenten/{amber.uuid}/").status_code == 302


def test_incident_count_is_unchanged_by_failed_edit(client, world, amber):
    client.force_login(world.zoe)
    before = Incident.objects.get(pk=amber.pk).title
    response = client.post(f"/nl/incidenten/{amber.uuid}/bewerken/", {"title": "gekaapt", "tlp": "clear"})
    assert response.status_code == 404
    assert Incident.objects.get(pk=amber.pk).title == before
