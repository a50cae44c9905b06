"""The event catalog says what each service really does: its producers and consumers are the
services' own PUBLISHES and CONSUMES lists (``entrypoints/subscribers.py``), no more, no less.

The catalog is also the source of the NATS permissions (``mediation_contracts.access``), so a
consumer listed there that does not subscribe would get a permission it never uses, and an
integrator would expect an effect that never happens.
"""

import importlib
from types import ModuleType

import pytest
from mediation_contracts.access import SERVICES, consumed_by, produced_by
from mediation_contracts.envelope import CloudEvent


def subscribers(service: str) -> ModuleType:
    return importlib.import_module(f"{service}.entrypoints.subscribers")


def names(events: object) -> list[str]:
    assert isinstance(events, list | tuple)
    return sorted(event.__name__ for event in events if issubclass(event, CloudEvent))


@pytest.mark.parametrize("service", SERVICES)
def test_the_catalog_lists_the_service_as_consumer_of_exactly_what_it_subscribes(
    service: str,
) -> None:
    assert names(consumed_by([service])) == names(subscribers(service).CONSUMES)


@pytest.mark.parametrize("service", SERVICES)
def test_the_catalog_lists_the_service_as_producer_of_exactly_what_it_publishes(
    service: str,
) -> None:
    assert names(produced_by([service])) == names(subscribers(service).PUBLISHES)
