"""Who may send and hear what through the gateway follows the contract, as on the bus."""

import pytest
from gateway.domain.callers import Caller, NotAllowed
from gateway.domain.ingest import Invalid, read_events
from mediation_contracts.access import (
    GATEWAY,
    Principal,
    outside_hearable,
    outside_producible,
    permissions_for,
)


def test_gateway_publishes_only_what_outside_systems_may_send() -> None:
    permissions = permissions_for(Principal(GATEWAY, "gateway"))
    events = [s for s in permissions.publish if s.startswith("mediation.v1.")]
    assert sorted(events) == sorted(
        f"mediation.v1.*.{e.aggregate}.{e.event}" for e in outside_producible()
    )
    assert ">" not in permissions.subscribe


def test_personal_events_are_heard_only_where_the_catalog_allows() -> None:
    for event in outside_hearable():
        if event.sensitivity == "personal":
            assert {
                "citizen portal",
                "case systems",
                "ombudsman office",
                "requesting systems",
            } & set(event.consumers)
    with pytest.raises(NotAllowed):
        Caller("esdh", "kk", ("case systems",), consume=("case.requested",))


def test_invalid_event_names_the_field_never_the_value() -> None:
    body = (
        b'{"specversion": "1.0", "type": "dk.mediation.consent.given.v1", "id": "Jens Hansen",'
        b' "source": "/x", "time": "2026-01-01T00:00:00Z", "subject": "not-a-uuid",'
        b' "tenant": "kk", "data": {}}'
    )
    with pytest.raises(Invalid) as refused:
        read_events({"content-type": "application/cloudevents+json"}, body, 10)
    fields = {error.field for error in refused.value.errors}
    assert {"id", "subject"} <= fields
    assert "Jens" not in str([e.message for e in refused.value.errors])
