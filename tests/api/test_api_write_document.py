"""The OpenAPI document of the write operations: each names the token scope it needs and every status it
can answer with (problem+json for the errors)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

WRITES = {
    ("post", "/api/v1/sharing/cases"): {201, 400, 401, 403, 422},
    ("patch", "/api/v1/sharing/cases/{uuid}"): {200, 400, 401, 403, 404, 422},
    ("post", "/api/v1/sharing/cases/{uuid}/share"): {200, 400, 401, 403, 404, 422},
    ("post", "/api/v1/sharing/cases/{uuid}/withdraw"): {200, 400, 401, 403, 404},
    ("post", "/api/v1/sharing/approaches"): {201, 400, 401, 403, 422},
    ("patch", "/api/v1/sharing/approaches/{uuid}"): {200, 400, 401, 403, 404, 422},
    ("post", "/api/v1/sharing/approaches/{uuid}/share"): {200, 400, 401, 403, 404, 422},
    ("post", "/api/v1/sharing/approaches/{uuid}/withdraw"): {200, 400, 401, 403, 404},
    ("post", "/api/v1/risks/scenarios"): {201, 400, 401, 403, 422},
    ("patch", "/api/v1/risks/scenarios/{uuid}"): {200, 400, 401, 403, 404, 422},
    ("post", "/api/v1/risks/scenarios/{uuid}/assessments"): {201, 400, 401, 403, 404, 409, 422},
    ("patch", "/api/v1/risks/assessments/{uuid}"): {200, 400, 401, 403, 404, 409, 422},
}


def test_write_operations_document_scope_and_statuses(client, world):
    doc = client.get("/api/v1/openapi.json").json()
    for (method, path), statuses in WRITES.items():
        op = doc["paths"][path][method]
        family = path.split("/")[3]
        assert op["x-cyberbeeld-scope"] == f"{family}:write", path
        assert f"`{family}:write`" in op["description"]
        documented = {int(s) for s in op["responses"]}
        assert statuses | {503} <= documented, (method, path, documented)
        for status in documented - {200, 201}:
            assert list(op["responses"][str(status)]["content"]) == ["application/problem+json"], (path, status)
    # reads need the read scope; reference data any valid token
    assert doc["paths"]["/api/v1/risks/assessments/{uuid}"]["get"]["x-cyberbeeld-scope"] == "risks:read"
    assert doc["paths"]["/api/v1/me"]["get"]["x-cyberbeeld-scope"] is None
