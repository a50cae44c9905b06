"""The committed AsyncAPI documents are what the service apps really declare."""

import importlib
import json
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote

import pytest
from mediation_contracts.commands import COMMANDS
from mediation_runtime.asyncapi import render

SERVICES = ["intake", "scheduling", "notes", "notifications", "insights"]


def service_modules(service: str) -> tuple[ModuleType, ModuleType, ModuleType]:
    return (
        importlib.import_module(f"{service}.asyncapi"),
        importlib.import_module(f"{service}.bootstrap"),
        importlib.import_module(f"{service}.entrypoints.subscribers"),
    )


@pytest.mark.parametrize("service", SERVICES)
def test_committed_asyncapi_matches_the_app(service: str) -> None:
    asyncapi, bootstrap, _ = service_modules(service)
    document: Path = asyncapi.DOCUMENT
    assert document.read_text() == render(bootstrap.create_app(asyncapi.settings())), (
        f"{document} is stale: run `make contract` and commit it"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_asyncapi_documents_every_consumed_and_published_event(service: str) -> None:
    asyncapi, _, subscribers = service_modules(service)
    document = asyncapi.DOCUMENT.read_text()
    for event in (*subscribers.CONSUMES, *subscribers.PUBLISHES):
        assert f'"const": "{event.type_name()}"' in document, event.__name__
    assert f"mediation.dlq.{service}" in document


@pytest.mark.parametrize("service", SERVICES)
def test_asyncapi_gives_every_command_its_reply_schema(service: str) -> None:
    asyncapi, _, _ = service_modules(service)
    document = json.loads(asyncapi.DOCUMENT.read_text())
    for command in COMMANDS[service]:
        operation = document["operations"][f"{service}: {command}"]
        reply_channel = operation["reply"]["channel"]["$ref"].removeprefix("#/channels/")
        message = document["channels"][unquote(reply_channel)]["messages"]["Reply"]["$ref"]
        payload = document["components"]["messages"][unquote(message.split("/")[-1])]["payload"]
        title = payload["$ref"].removeprefix("#/components/schemas/")
        assert document["components"]["schemas"][title]["title"] == title
        assert title == f"{''.join(p.capitalize() for p in command.split('_'))}Reply"


def test_the_gateways_committed_asyncapi_matches_its_app() -> None:
    """The gateway is on the bus too (events for subscribers and callers, dead letters, the
    data-rights commands): its document is generated and kept current like the services'."""
    from gateway import asyncapi
    from gateway.bootstrap import create_gateway
    from mediation_contracts.access import outside_hearable, outside_producible

    document = asyncapi.DOCUMENT.read_text()
    assert document == render(create_gateway(asyncapi.settings()).app), (
        f"{asyncapi.DOCUMENT} is stale: run `make contract` and commit it"
    )
    for event in (*outside_hearable(), *outside_producible()):
        assert f'"const": "{event.type_name()}"' in document, event.__name__
    assert "mediation.dlq.gateway" in document
    operations = json.loads(document)["operations"]
    assert {f"gateway: {command}" for command in COMMANDS["gateway"]} <= set(operations)
    assert "gateway: correct_person" not in operations  # copies of sent events stay as sent
