"""Each tenant's scheduling rules: when the office works, how long meetings last, which rooms.

Meeting times are stored in UTC; the policy's timezone is where working hours and slot starts
are read, so a 09:00 start stays 09:00 on the office's wall clock across daylight saving.
Every default can be overridden per tenant (e.g. from configuration, as JSON).
"""

from datetime import date, datetime, time, timedelta
from typing import Any, Self
from zoneinfo import ZoneInfo

from mediation_contracts.envelope import OpaqueId
from mediation_contracts.events import MeetingKind, PhoneNumber, ShortText
from pydantic import BaseModel, ConfigDict, Field, model_validator

ISO_WEEKDAYS = frozenset(range(1, 8))
ROOM_KEYS = frozenset({"id", "name", "waiting_room"})


class SchedulingPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: ZoneInfo = ZoneInfo("Europe/Copenhagen")
    working_days: frozenset[int] = Field(
        default=frozenset({1, 2, 3, 4, 5}), description="ISO weekdays: 1 = Monday … 7 = Sunday."
    )
    closed_dates: frozenset[date] = Field(
        default=frozenset(), description="Public holidays and other days the office is closed."
    )
    # An ordinary municipal office day; meetings start and end inside it (local wall clock).
    day_starts: time = time(8, 30)
    day_ends: time = time(15, 30)
    # Normally 1½ hours (DOMAIN.md, step 6).
    mediation_length: timedelta = timedelta(minutes=90)
    # A pre-meeting is one party and the mediator agreeing the topics, not the dialogue itself:
    # half a mediation meeting is room enough, and both parties' pre-meetings (plus buffers)
    # fit in one morning.
    pre_meeting_length: timedelta = timedelta(minutes=45)
    # A follow-up looks back at the agreements with every party: shorter than the mediation,
    # longer than a pre-meeting because all parties speak.
    follow_up_length: timedelta = timedelta(minutes=60)
    # Between two meetings of the same mediator or room: the room is reset, and parties of
    # different cases do not meet each other in the doorway (meetings are confidential).
    buffer: timedelta = timedelta(minutes=15)
    # Slots start at the day's start and every `granularity` after it: quarter hours by default.
    granularity: timedelta = timedelta(minutes=15)
    # Two rooms, so every format (shuttle mediation needs two) can be booked out of the box; a
    # tenant lists its own: each a room id, or {"id": ..., "name": ...} to show people a name.
    rooms: tuple[OpaqueId, ...] = ("room-1", "room-2")
    room_names: dict[OpaqueId, ShortText] = Field(
        default_factory=dict, description="Room id -> the name people know the room by."
    )
    # Shuttle mediation (seed 000) seats each party in a room of its own: one of them a
    # meeting room, the others may be waiting rooms, which no other meeting uses.
    waiting_rooms: frozenset[OpaqueId] = Field(
        default=frozenset(), description="Rooms of `rooms` that are waiting rooms."
    )
    address: ShortText | None = Field(
        default=None, description="The office's address, shown for meetings at the premises."
    )
    phone_number: PhoneNumber | None = Field(
        default=None,
        description="The number a party calls for a meeting by phone (the office's or the "
        "mediators' line); without it, only the mediator can call.",
    )

    @model_validator(mode="before")
    @classmethod
    def _named_rooms(cls, data: Any) -> Any:
        """``rooms`` entries may be ``{"id": ..., "name": ..., "waiting_room": true}``: ids to
        ``rooms``, names to ``room_names``, waiting rooms to ``waiting_rooms`` (plain ids keep
        working)."""
        if not isinstance(data, dict) or not isinstance(data.get("rooms"), list | tuple):
            return data
        ids, names = [], dict(data.get("room_names") or {})
        waiting = set(data.get("waiting_rooms") or ())
        for entry in data["rooms"]:
            if isinstance(entry, dict) and set(entry) <= ROOM_KEYS and "id" in entry:
                ids.append(entry["id"])
                if entry.get("name") is not None:
                    names[entry["id"]] = entry["name"]
                if entry.get("waiting_room") is True:
                    waiting.add(entry["id"])
            else:
                ids.append(entry)
        return {**data, "rooms": ids, "room_names": names, "waiting_rooms": waiting}

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.working_days or not self.working_days <= ISO_WEEKDAYS:
            raise ValueError("working_days must be ISO weekdays between 1 (Monday) and 7")
        if self.day_starts.tzinfo is not None or self.day_ends.tzinfo is not None:
            raise ValueError("day_starts and day_ends are local wall-clock times, without zone")
        if self.day_starts >= self.day_ends:
            raise ValueError("day_starts must be before day_ends")
        if self.granularity < timedelta(minutes=1) or self.granularity % timedelta(minutes=1):
            raise ValueError("granularity must be a positive whole number of minutes")
        if self.buffer < timedelta(0):
            raise ValueError("buffer must not be negative")
        day = datetime.combine(date.min, self.day_ends) - datetime.combine(
            date.min, self.day_starts
        )
        for length in (self.pre_meeting_length, self.mediation_length, self.follow_up_length):
            if not timedelta(0) < length <= day:
                raise ValueError("meeting lengths must be positive and fit in a working day")
        if len(set(self.rooms)) != len(self.rooms):
            raise ValueError("room ids must be unique")
        if unknown := sorted(set(self.room_names) - set(self.rooms)):
            raise ValueError(f"room_names names rooms that are not in rooms: {unknown}")
        if unknown := sorted(self.waiting_rooms - set(self.rooms)):
            raise ValueError(f"waiting_rooms names rooms that are not in rooms: {unknown}")
        if self.rooms and not self.meeting_rooms:
            raise ValueError("at least one room must be a meeting room, not a waiting room")
        return self

    @property
    def meeting_rooms(self) -> tuple[str, ...]:
        """The rooms a meeting can be held in, in the policy's order (not the waiting rooms)."""
        return tuple(room for room in self.rooms if room not in self.waiting_rooms)

    def length_of(self, kind: MeetingKind) -> timedelta:
        lengths: dict[MeetingKind, timedelta] = {
            "pre_meeting": self.pre_meeting_length,
            "mediation": self.mediation_length,
            "follow_up": self.follow_up_length,
        }
        return lengths[kind]

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.working_days and day not in self.closed_dates

    def local(self, moment: datetime) -> datetime:
        """A stored (UTC) time as people at the office read it."""
        return moment.astimezone(self.timezone)
