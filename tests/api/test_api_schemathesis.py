"""schemathesis against the live API (issue 13 and 15): every operation of the OpenAPI document, called
over HTTP on a running server with an API token that may read and write everything of one organisation,
with data that fits the schema and data that does not. Zero 5xx; every answer is one the document lists,
with the content type and body it documents.

Bounded: CYBERBEELD_SCHEMATHESIS_EXAMPLES examples per operation and mode (default 8), no shrinking.
"""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("CYBERBEELD_SCHEMATHESIS_EXAMPLES", "8"))


@pytest.fixture
def seeded(world, taxonomy):
    from cyberbeeld.accounts import tokens
    from cyberbeeld.incidents.services import incident_save

    incident_save(by=world.anna, owner=world.maastricht, data={"title": "Phishing bij de balie", "tlp": "amber"})
    _row, text = tokens.token_create(by=None, acting_as=world.anna, organisation=world.maastricht,
                                     name="schemathesis", scopes=tokens.SCOPES)
    return text


def test_schemathesis_zero_server_errors(live_server, seeded, warm_cores):
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    headers = {"Authorization": f"Bearer {seeded}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json", headers=headers)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run = _runner(operation.as_strategy(generation_mode=mode), live_server.url, headers, checks)
            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, then report them together
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"[:3000])
    assert operations >= 20
    assert not failures, "\n\n".join(failures)


def _runner(strategy, base, headers, checks):
    from hypothesis import HealthCheck, Phase, given, settings

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = case.call(base_url=base, headers=headers, timeout=60)
        case.validate_response(response, checks=checks, headers=headers)

    return run
