"""What each meeting format needs (seed 000: joint meeting, shuttle mediation, individual
sessions, by phone; and video). Pure.

- ``joint``: every party in one meeting room.
- ``shuttle``: every party in a room of its own at the same time, the mediator going between
  them; one room is a meeting room, the others may be waiting rooms. Each party is seated
  (:class:`Seat`), so each is told its own room only.
- ``individual``: one named party (and its companion) with the mediator, in a meeting room
  (the rule is the case's: :meth:`CaseView.may_book`).
- ``phone``: no room. Per party, who calls (:class:`PhoneCall`): the mediator calls the
  party on the number the party gave the office (that number stays with the people who
  keep contact details, never in a meeting event), or the party calls the office's number
  from the policy.
- ``video``: no room; the join link comes with the booking.
"""

from collections.abc import Mapping, Sequence

from mediation_contracts.events import (
    Caller,
    Location,
    MeetingFormat,
    PhoneCall,
    Seat,
)

from scheduling.domain.errors import BookingRefused
from scheduling.domain.policy import SchedulingPolicy
from scheduling.domain.slots import Slot


def rooms_needed(format: MeetingFormat, parties: int) -> int:
    """Shuttle mediation: a room per party; phone and video: none; else one meeting room."""
    if format == "shuttle":
        return parties
    return 0 if format in ("phone", "video") else 1


def check_options(
    format: MeetingFormat,
    party_ids: Sequence[str],
    policy: SchedulingPolicy,
    join_url: str | None,
    callers: Mapping[str, Caller],
) -> None:
    """A video meeting has its link, a phone meeting callers only among its parties and the
    office's number where a party calls; no other format takes either."""
    if format == "video" and join_url is None:
        raise BookingRefused("join_url_required", "a video meeting needs its join link")
    if format != "video" and join_url is not None:
        raise BookingRefused("join_url_not_expected", f"a {format} meeting has no join link")
    if format != "phone" and callers:
        raise BookingRefused("callers_not_expected", f"a {format} meeting has no phone calls")
    if unknown := sorted(set(callers) - set(party_ids)):
        raise BookingRefused("not_a_party", f"{', '.join(unknown)}: not a party of this meeting")
    if "party" in callers.values() and policy.phone_number is None:
        raise BookingRefused(
            "no_phone_number", "the office has no phone number for parties to call"
        )


def location(
    format: MeetingFormat,
    slot: Slot,
    policy: SchedulingPolicy,
    party_ids: Sequence[str],
    join_url: str | None = None,
    callers: Mapping[str, Caller] | None = None,
) -> Location:
    """Where the meeting is, for :func:`check_options`-checked options."""
    if format == "phone":
        return Location(kind="phone", calls=_calls(party_ids, callers or {}, policy))
    if format == "video":
        return Location(kind="video", join_url=join_url)
    return premises(format, slot, policy, party_ids)


def premises(
    format: MeetingFormat, slot: Slot, policy: SchedulingPolicy, party_ids: Sequence[str]
) -> Location:
    """The slot's rooms at the office's address; in shuttle mediation the parties, in the
    request's order, take the rooms in the slot's order (a meeting room first)."""
    seats = []
    if format == "shuttle":
        seats = [
            Seat(party_id=party, room_id=room, room_name=policy.room_names.get(room))
            for party, room in zip(party_ids, slot.room_ids, strict=True)
        ]
    return Location(
        kind="premises", room_ids=list(slot.room_ids), address=policy.address, seats=seats
    )


def _calls(
    party_ids: Sequence[str], callers: Mapping[str, Caller], policy: SchedulingPolicy
) -> list[PhoneCall]:
    calls = []
    for party in party_ids:
        caller = callers.get(party, "mediator")
        number = policy.phone_number if caller == "party" else None
        calls.append(PhoneCall(party_id=party, caller=caller, number=number))
    return calls
