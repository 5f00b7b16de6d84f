"""Every error of the API is RFC 9457 problem+json in Dutch and English, and the OpenAPI document lists, per
operation, the problems it can answer with."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _is_problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:cyberbeeld:problem:")
    for key in ("title", "detail", "title_nl", "title_en", "detail_nl", "detail_en"):
        assert body[key], key
    return body


def test_problem_statuses(world):
    c = Client()
    _is_problem(c.get("/api/v1/incidents"), 401)
    c.force_login(world.anna)
    body = _is_problem(c.get("/api/v1/incidents/not-a-uuid"), 422)
    assert body["errors"][0]["field"] == "uuid" and body["errors"][0]["message_nl"] == "Verwacht een UUID."
    _is_problem(c.get("/api/v1/incidents/00000000-0000-0000-0000-000000000000"), 404)
    # a NUL character is refused before any view, also as problem+json on the API (not the HTML 400 page)
    body = _is_problem(c.get("/api/v1/incidents", {"q": "a\x00b"}), 400)
    assert "NUL" in body["detail_en"]
    # the language of the request picks title and detail; both are always there
    en = c.get("/api/v1/incidents/00000000-0000-0000-0000-000000000000", HTTP_ACCEPT_LANGUAGE="en").json()
    nl = c.get("/api/v1/incidents/00000000-0000-0000-0000-000000000000", HTTP_ACCEPT_LANGUAGE="nl").json()
    assert en["title"] == "Not found" and nl["title"] == "Niet gevonden" and en["title_nl"] == nl["title_nl"]


def _no_duplicate_keys(pairs):
    keys = [k for k, _v in pairs]
    assert len(keys) == len(set(keys)), keys  # Swagger UI's YAML parser refuses duplicate keys
    return dict(pairs)


def test_every_operation_documents_its_problems(client):
    import json

    schema = json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=_no_duplicate_keys)
    assert "Problem" in schema["components"]["schemas"]
    count = 0
    for path, item in schema["paths"].items():
        for method, op in item.items():
            count += 1
            documented = {int(s) for s in op["responses"] if int(s) >= 400}
            assert {400, 401, 403} <= documented, (method, path)
            if "{" in path:
                assert 404 in documented, (method, path)
            if method in ("post", "patch", "put"):
                assert 422 in documented, (method, path)
            for status in documented:
                assert list(op["responses"][str(status)]["content"]) == ["application/problem+json"]
    assert count >= 20


def test_nul_in_a_json_body_is_a_400_not_a_500(world, taxonomy):
    """Found by schemathesis on PostgreSQL: a NUL in a measure's form code reached a lookup (500 there)."""
    import json

    from cyberbeeld.accounts import tokens
    from cyberbeeld.actions.models import Measure
    from cyberbeeld.incidents.models import Incident

    _row, text = tokens.token_create(by=None, acting_as=world.anna, organisation=world.maastricht, name="t",
                                     scopes=tokens.SCOPES)
    c = Client(HTTP_AUTHORIZATION=f"Bearer {text}")
    cases = [("/api/v1/actions/measures", {"title": "x", "forms": ["a\x00b"]}, "forms"),
             ("/api/v1/incidents", {"title": "x", "form": "a\x00"}, "form"),
             ("/api/v1/incidents", {"title": "x", "details": {"vraag": "a\x00"}}, "details.vraag")]
    for path, body, field in cases:
        r = c.post(path, json.dumps(body), content_type="application/json")
        problem = _is_problem(r, 400)
        assert problem["errors"][0]["field"] == field, problem
    assert not Measure.objects.exists() and not Incident.objects.exists()
