"""The committed OpenAPI document of the gateway is the one the code builds."""

from gateway.openapi import DOCUMENT, render


def test_committed_openapi_document_is_current() -> None:
    assert DOCUMENT.read_text() == render(), "run: uv run python -m gateway.openapi"
