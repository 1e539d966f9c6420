"""The district service under schemathesis: requests generated from its own OpenAPI
document (``/v1/openapi.json``, with the changeset's JSON Schema) — valid ones and
invalid ones — sent to a real uvicorn on SQLite and on PostgreSQL. No input gets a 5xx.
Bounded in examples (``EXAMPLES`` per operation, mode and back-end) and in time: well
within three minutes for both back-ends together.

(Driven with hypothesis directly: schemathesis's pytest plugin does not run on this
pytest.)"""

from __future__ import annotations

import os

import httpx
import pytest
import schemathesis
from forge import KY01
from hypothesis import HealthCheck, given, settings
from loopback import serve
from schemathesis import GenerationMode

from station_app.domain.actor import CLI_ADMIN
from sync import district as district_service
from sync.server.app import create_app

# per operation, generation mode and back-end; FUZZ_EXAMPLES=2000 for a long run by hand
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))


@pytest.fixture
def api(district):
    """The service over ``district`` (SQLite or PostgreSQL: the fixture's parameter), and
    the headers of an enrolled station."""
    with serve(create_app(district)) as url:
        code = district_service.enroll(district, "KY01", CLI_ADMIN).code
        token = httpx.post(url + "/v1/enroll", json={"station_code": "KY01", "code": code}
                           ).json()["token"]
        yield url, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_gets_a_5xx(api, mode):
    url, headers = api
    schema = schemathesis.openapi.from_url(url + "/v1/openapi.json")
    # enroll last: its failed attempts (a random code is wrong) soon block the address
    # for every endpoint (429), by design
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: op.label == "POST /v1/enroll")
    assert {op.label for op in operations} == {
        "GET /v1/health", "POST /v1/enroll", "POST /v1/push", "GET /v1/pull"}
    seen: dict[int, int] = {}
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and operation.label == "GET /v1/health":
            continue  # (nothing in it to get wrong)

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            if case.path == "/v1/push" and isinstance(case.body, dict) and \
                    mode == GenerationMode.POSITIVE:
                case.body["station_id"] = KY01  # (past the first check, into the merge)
            response = case.call(base_url=url, headers=headers)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            assert response.status_code < 500, (case.method, case.path, case.body,
                                                response.status_code, response.text[:2000])

        call()
    print(mode, sorted(seen.items()))  # (the statuses met: every one a 2xx or 4xx)
    assert seen
