"""Property-based: schemathesis generates requests from the committed OpenAPI document
(services/gateway/openapi.json) and sends them to the real gateway process (real NATS and
FerretDB), authenticated as a client of the path's municipality. Whatever it sends, the
gateway must not fail (no 5xx), must answer as the document says (status, content type,
schema), and must refuse with application/problem+json naming a stable code.

The number of examples per operation is bounded so the run stays well under a minute."""

import uuid
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from gateway.openapi import DOCUMENT
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.gateway.conftest import Gateway

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

EXAMPLES_PER_OPERATION = 12
TENANT = f"prop-{uuid.uuid4().hex[:8]}"

schema = schemathesis.openapi.from_path(str(DOCUMENT))


@pytest.fixture(scope="module")
def session(gateway: Gateway) -> Iterator[requests.Session]:
    """A client of TENANT that may send and hear what outside systems may."""
    token = gateway.token(
        "prop-client", TENANT, ["citizen portal", "case systems", "ombudsman office"]
    )
    with requests.Session() as http:
        http.verify = str(gateway.ca)
        http.headers["authorization"] = f"Bearer {token}"
        yield http


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_gateway_keeps_its_openapi_document(
    case: Case, gateway: Gateway, session: requests.Session
) -> None:
    # The path's municipality is the client's own, so requests reach the handlers (another
    # municipality is refused before: tested as isolation in test_gateway.py).
    if "tenant" in (case.path_parameters or {}):
        case.path_parameters = {**(case.path_parameters or {}), "tenant": TENANT}
    response = case.call(base_url=gateway.url, session=session, verify=str(gateway.ca), timeout=30)
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
    if response.status_code >= 400:
        (content_type,) = response.headers["content-type"]
        assert content_type == "application/problem+json", response.text
        problem = response.json()
        assert problem["status"] == response.status_code
        assert problem["type"] == f"urn:mediation:problem:{problem['code']}"
