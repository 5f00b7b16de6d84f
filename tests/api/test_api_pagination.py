"""Cursor pagination and filters on the API's lists."""

from __future__ import annotations

import pytest
from django.test import Client

from cyberbeeld.incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_cursor_walks_every_row_once(world):
    for i in range(7):
        Incident.objects.create(owner=world.maastricht, created_by=world.anna, title=f"pagina {i}", tlp="amber",
                                area=world.gm_maastricht if i % 2 else None)
    Incident.objects.create(owner=world.zaanstad, title="pagina van Zaanstad", tlp="amber")
    c = Client()
    c.force_login(world.anna)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = c.get("/api/v1/incidents", params).json()
        assert len(body["items"]) <= 3
        seen += [i["title"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and sorted(seen) == [f"pagina {i}" for i in range(7)]
    # the filter narrows the list
    odd = c.get("/api/v1/incidents", {"area": "gm0935"}).json()["items"]
    assert sorted(i["title"] for i in odd) == ["pagina 1", "pagina 3", "pagina 5"]


def test_bad_cursor_and_limit_are_problems(world):
    c = Client()
    c.force_login(world.anna)
    r = c.get("/api/v1/incidents", {"cursor": "eyJvIjo1fQ:forged"})
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert "cursor" in r.json()["detail_en"]
    for limit in (0, 201, "veel"):
        r = c.get("/api/v1/incidents", {"limit": limit})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit", limit
    for path in ("/api/v1/actions/measures", "/api/v1/risks/scenarios", "/api/v1/sharing/cases",
                 "/api/v1/sharing/approaches"):
        body = c.get(path, {"limit": 1}).json()
        assert body["items"] == [] and body["next_cursor"] is None, path
