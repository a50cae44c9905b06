"""The committed AsyncAPI document is what the intake app really declares."""

from intake.asyncapi import DOCUMENT
from intake.bootstrap import create_app
from intake.settings import IntakeSettings
from mediation_runtime.asyncapi import render


def test_committed_asyncapi_matches_the_app() -> None:
    settings = IntakeSettings(nats_url="nats://localhost:4222", mongodb_url="mongodb://localhost")
    assert DOCUMENT.read_text() == render(create_app(settings)), (
        "services/intake/asyncapi.json is stale: run `make contract` and commit it"
    )


def test_asyncapi_documents_every_consumed_and_published_event() -> None:
    from intake.entrypoints.subscribers import CONSUMES, PUBLISHES

    document = DOCUMENT.read_text()
    for event in (*CONSUMES, *PUBLISHES):
        assert f'"const": "{event.type_name()}"' in document, event.__name__
    assert "mediation.dlq.intake" in document
