"""Why scheduling says no. Every refusal carries a stable code and an ids-only message.

The code is what a client acts on (the mediator client shows Danish text per code); the message
names ids and times only, never a person's name, so it is safe in logs and in replies.
"""

from typing import Literal

BookingCode = Literal[
    # the case
    "case_unknown",
    "case_closed",
    "case_withdrawn",
    "not_accepted",
    "no_mediator",
    "no_note_taker",
    "not_ready",
    "party_required",
    "party_not_expected",
    "not_a_party",
    "party_not_consented",
    # the format
    "format_not_for_kind",
    "join_url_required",
    "join_url_not_expected",
    "callers_not_expected",
    "no_phone_number",
    # the calendar
    "in_the_past",
    "outside_working_hours",
    "not_aligned",
    "unknown_room",
    "wrong_number_of_rooms",
    "not_a_meeting_room",
    "mediator_busy",
    "note_taker_busy",
    "room_busy",
    "no_room_free",
]

TransitionCode = Literal[
    "meeting_cancelled",
    "meeting_held",
    "already_started",
    "not_started_yet",
    "not_the_mediator",
]


class BookingRefused(Exception):
    """A booking or move that the case, the calendar or the tenant's policy forbids."""

    def __init__(self, code: BookingCode, message: str) -> None:
        super().__init__(message)
        self.code: BookingCode = code
        self.message = message


class ImpossibleTransition(Exception):
    """The meeting cannot go from its status to the one asked for (e.g. cancel a held one)."""

    def __init__(self, code: TransitionCode, message: str) -> None:
        super().__init__(message)
        self.code: TransitionCode = code
        self.message = message
