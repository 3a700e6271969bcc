"""The intake service against its own OpenAPI description (schemathesis, property-based).

Requests generated from the description, half of them signed by a registered station, go to
a real ``county serve`` process: no answer may be a 500, and every answer must be one the
description declares, with the declared content type and schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from sync import request_auth, station_side

from .sync_fixtures import login
from .upload_fixtures import make_county_home, running, station_with_batches

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("schema")
    county = make_county_home(root)
    directory = station_with_batches(root, county, 3, 2)
    with login(Path(directory)) as ctx:
        code, key = station_side.request_signer(ctx)
        batch = station_side.batch_bytes(ctx, station_side.waiting_sequences(ctx)[0])
    with running(county, "--rate", "100000") as service:
        yield {"url": service.url, "station": code, "key": key, "batch": batch, "service": service}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _signed(case: Any, intake: dict[str, Any]) -> None:
    """Most uploads are signed by the registered station, for its own path, some carrying a
    real batch, so that the checks behind the signature are reached too; the rest go as
    generated."""
    if case.method != "PUT":
        return
    choice = int(case.path_parameters.get("sequence", 0)) % 3
    if choice == 0:
        return
    case.path_parameters["station"] = intake["station"]
    body = case.body if isinstance(case.body, bytes) else str(case.body or "").encode()
    if choice == 2:
        body = intake["batch"]
        case.path_parameters["sequence"] = 1
    case.body = body
    signed = request_auth.sign(intake["key"], intake["station"], "PUT", case.formatted_path, body)
    case.headers = {**(case.headers or {}), **signed}


@pytest.mark.parametrize(
    ("path", "method"),
    [("/stations/{station}/batches/{sequence}", "PUT"), ("/health", "GET")],
)
def test_no_500_and_no_schema_violation(path: str, method: str, intake: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(intake["url"] + "/openapi.json")
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=80,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case: Any) -> None:
        _signed(case, intake)
        case.call_and_validate(checks=CHECKS)

    run()


def test_the_service_logged_no_internal_error(intake: dict[str, Any]) -> None:
    log = intake["service"].output()
    assert "Traceback" not in log
    answers = {
        (line["method"], line["status"])
        for line in map(json.loads, filter(lambda s: s.startswith("{"), log.splitlines()))
    }
    # The generated requests reached past the signature: refused unsigned, refused as
    # malformed by the batch checks, and stored.
    assert {("PUT", 401), ("PUT", 400), ("PUT", 200)} <= answers
