"""What the delivery middleware decides about input of any shape, and about outages."""

from typing import Annotated

import pytest
from mediation_contracts.events import CaseRequested, ConsentGiven
from mediation_contracts.streams import DLQ_OMITTED_HEADER as OMITTED_HEADER
from mediation_contracts.streams import DLQ_REASON_HEADER as REASON_HEADER
from mediation_runtime.delivery import (
    DeliveryPolicy,
    Lifeline,
    Outage,
    Rejected,
    _require_json_object,
    describe_validation_error,
    is_outage,
)
from nats import errors as nats_errors
from pydantic import Field, TypeAdapter, ValidationError
from pymongo.errors import AutoReconnect, DuplicateKeyError, ServerSelectionTimeoutError


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        (b'{"a": "\x80"}', "not JSON: UnicodeDecodeError"),
        (b'{"a": ', "not JSON: JSONDecodeError at position 6"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not JSON: ValueError"),
        (b"[1, 2]", "JSON but not an object"),
        (b"", "not JSON"),
    ],
)
def test_input_that_does_not_parse_is_a_rejection_never_a_retry(body: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as refused:
        _require_json_object(body)
    assert reason in refused.value.reason
    assert "9999" not in refused.value.reason  # positions and kinds, never the content


def test_a_json_object_passes() -> None:
    _require_json_object(b'{"type": "dk.mediation.case.requested.v1"}')


@pytest.mark.parametrize(
    "error",
    [
        ServerSelectionTimeoutError("no server"),
        AutoReconnect("connection reset"),
        nats_errors.ConnectionClosedError(),
        nats_errors.TimeoutError(),
        Outage("identity provider"),
    ],
)
def test_outages_of_what_we_depend_on_are_told_apart(error: Exception) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error", [DuplicateKeyError("dup"), ValueError("bug"), KeyError("x"), Rejected("no")]
)
def test_everything_else_is_not_an_outage(error: Exception) -> None:
    assert not is_outage(error)


class Recorder:
    def __init__(self) -> None:
        self.published: list[tuple[bytes, dict[str, str]]] = []

    async def publish(self, body: bytes, *, headers: dict[str, str], stream: str) -> None:
        self.published.append((body, headers))


async def test_a_dead_letter_too_large_to_copy_keeps_the_reason_and_a_reference() -> None:
    recorder = Recorder()
    policy = DeliveryPolicy("intake", (1.0,), recorder, max_payload=lambda: 1024 * 1024)  # type: ignore[arg-type]
    huge = b"x" * (1024 * 1024 - 100)
    await policy.dead_letter(
        body=huge,
        subject="mediation.v1.kk.case.requested",
        sequence=42,
        deliveries=1,
        reason="not a CloudEvent",
    )
    await policy.dead_letter(
        body=b"{}",
        subject="mediation.v1.kk.case.requested",
        sequence=43,
        deliveries=1,
        reason="invalid event",
    )
    (big_body, big_headers), (small_body, small_headers) = recorder.published
    assert big_body == b""
    assert "stream_seq 42 of MEDIATION" in big_headers[OMITTED_HEADER]
    assert big_headers[REASON_HEADER] == "not a CloudEvent"
    assert small_body == b"{}"
    assert OMITTED_HEADER not in small_headers


async def test_a_connection_closed_for_good_ends_the_service_but_not_a_requested_stop() -> None:
    """nats-py closes for good after some server errors; a process that stays up then only
    looks alive, so the service exits non-zero and its supervisor restarts it."""
    exits: list[str] = []
    lifeline = Lifeline("intake", exit=lambda: exits.append("exit"))
    await lifeline.closed()
    assert exits == ["exit"]
    assert lifeline.failure is not None

    stopping = Lifeline("intake", exit=lambda: exits.append("again"), stopping=True)
    await stopping.closed()  # closing is what a stop does: not a failure
    assert exits == ["exit"]
    assert stopping.failure is None


def test_an_unknown_event_type_is_described_without_quoting_it() -> None:
    # One consumer takes several types, told apart by `type`: pydantic's own message for a
    # type it does not know would quote it, and whatever a sender puts there (a name) with it.
    adapter = TypeAdapter(Annotated[CaseRequested | ConsentGiven, Field(discriminator="type")])
    with pytest.raises(ValidationError) as invalid:
        adapter.validate_python({"type": "Birte Borger, 12 34 56 78"})
    reason = describe_validation_error(invalid.value)
    assert reason == "invalid event: type: not one of the event types this service consumes"
    with pytest.raises(ValidationError) as incomplete:
        adapter.validate_python({"type": "dk.mediation.case.requested.v1"})
    assert "invalid event: specversion: Field required" in describe_validation_error(
        incomplete.value
    )
