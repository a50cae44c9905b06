"""The meeting formats in the contract (issue 16, point 2): a booking's location carries each
party's room in shuttle mediation (``seats``) and who calls in a phone meeting (``calls``),
added within v1 so events published before stay valid; ``BookMeeting`` carries a video
meeting's link (https only) and who calls in a phone meeting."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from jsonschema import Draft202012Validator
from mediation_contracts import schemas
from mediation_contracts.commands import BookMeeting
from mediation_contracts.events import (
    Location,
    MeetingScheduled,
    MeetingScheduledData,
    Participant,
    PhoneCall,
    Seat,
)
from pydantic import ValidationError

from tests.data.events import ADMINISTRATION, CITIZEN, MEDIATOR, SOURCE, TENANT

STARTS = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def scheduled(location: Location) -> MeetingScheduled:
    data = MeetingScheduledData(
        meeting_id="meeting-1",
        kind="mediation",
        format="phone" if location.kind == "phone" else "shuttle",
        starts_at=STARTS,
        ends_at=STARTS.replace(hour=10),
        location=location,
        participants=[
            Participant(participant_id=CITIZEN, role="party"),
            Participant(participant_id=ADMINISTRATION, role="party"),
            Participant(participant_id=MEDIATOR, role="mediator"),
        ],
    )
    return MeetingScheduled.create(tenant=TENANT, case_id=uuid4(), source=SOURCE, data=data)


def published_schema() -> Draft202012Validator:
    path = schemas.ROOT / schemas.SCHEMA_DIR / f"{MeetingScheduled.type_name()}.json"
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def test_an_event_published_before_seats_and_calls_is_still_valid() -> None:
    document = json.loads(scheduled(Location(kind="premises", room_ids=["room-1"])).to_json())
    del document["data"]["location"]["seats"]
    del document["data"]["location"]["calls"]
    assert published_schema().is_valid(document)
    parsed = MeetingScheduled.model_validate(document)
    assert (parsed.data.location.seats, parsed.data.location.calls) == ([], [])


def test_seats_and_calls_travel_and_the_schema_accepts_them() -> None:
    shuttle = Location(
        kind="premises",
        room_ids=["room-1", "room-2"],
        seats=[
            Seat(party_id=CITIZEN, room_id="room-1", room_name="Mødelokale Øst"),
            Seat(party_id=ADMINISTRATION, room_id="room-2"),
        ],
    )
    phone = Location(
        kind="phone",
        calls=[
            PhoneCall(party_id=CITIZEN, caller="mediator"),
            PhoneCall(party_id=ADMINISTRATION, caller="party", number="+45 33 66 33 66"),
        ],
    )
    for location in (shuttle, phone):
        event = scheduled(location)
        document = json.loads(event.to_json())
        assert published_schema().is_valid(document)
        assert MeetingScheduled.model_validate(document) == event


@pytest.mark.parametrize(
    "call",
    [
        {"party_id": CITIZEN, "caller": "party"},  # whom would the party call?
        {"party_id": CITIZEN, "caller": "mediator", "number": "+45 12 34 56 78"},
    ],
)
def test_a_number_is_given_exactly_when_the_party_calls(call: dict[str, Any]) -> None:
    """The mediator calls a party on the number the party gave the office; that number is
    never in a meeting event, which the model and the published schema both refuse."""
    document = json.loads(scheduled(Location(kind="phone")).to_json())
    document["data"]["location"]["calls"] = [call]
    assert not published_schema().is_valid(document)
    with pytest.raises(ValidationError, match="number is given exactly when the party calls"):
        MeetingScheduled.model_validate(document)


@pytest.mark.parametrize(
    "location",
    [
        {
            "kind": "premises",
            "room_ids": ["room-1"],
            "seats": [{"party_id": CITIZEN, "room_id": "room-9"}],
        },
        {
            "kind": "phone",
            "calls": [
                {"party_id": CITIZEN, "caller": "mediator"},
                {"party_id": CITIZEN, "caller": "mediator"},
            ],
        },
    ],
)
def test_a_seat_is_in_one_of_the_rooms_and_a_party_has_one_seat_or_call(
    location: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError):
        Location.model_validate(location)


def book(**changes: Any) -> BookMeeting:
    command: dict[str, Any] = {
        "command_id": uuid4(),
        "case_id": uuid4(),
        "kind": "mediation",
        "format": "video",
        "starts_at": STARTS,
        "requested_by": MEDIATOR,
    }
    return BookMeeting.model_validate(command | changes)


@pytest.mark.parametrize(
    "link",
    ["https://meet.example.dk/j/123?pwd=abc", "https://video.kk.dk:8443/rum/42#start"],
)
def test_a_booking_carries_an_https_join_link(link: str) -> None:
    assert book(join_url=link).join_url == link


@pytest.mark.parametrize(
    "link",
    [
        "http://meet.example.dk/j/1",  # not https
        "https://meet.example.dk@evil.example/j/1",  # a user part disguising the host
        "https://meet.example.dk/j/1 klik her",
        'https://meet.example.dk/"onmouseover',
        "javascript:alert(1)",
        "https://meet.example.dk/" + "x" * 480,
    ],
)
def test_a_booking_refuses_any_other_link(link: str) -> None:
    with pytest.raises(ValidationError):
        book(join_url=link)


def test_a_booking_says_per_party_who_calls() -> None:
    command = book(format="phone", phone_callers={ADMINISTRATION: "party"})
    assert command.phone_callers == {ADMINISTRATION: "party"}
    assert book(format="phone").phone_callers == {}
    with pytest.raises(ValidationError):
        book(format="phone", phone_callers={ADMINISTRATION: "citizen"})
