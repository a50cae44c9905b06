"""A companion added, changed or removed during a case (scheduling/domain/case_view.py): the
meetings booked from then on invite the party's companion of the moment, in any order."""

from datetime import timedelta
from itertools import permutations
from uuid import UUID, uuid4

from mediation_contracts.events import Companion, CompanionChanged
from pydantic import TypeAdapter
from scheduling.domain.case_view import CaseView

from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    COMPANION,
    assessed,
    at,
    companion_changed,
    consent_given,
    mediator_assigned,
    ready_for_scheduling,
    requested_with_companion,
)
from tests.data.scheduling import view_of

SISTER = Companion(companion_id="companion-9", name="Søs")


def roles(view: CaseView) -> list[tuple[str, str]]:
    people = view.attendees("mediation").participants()
    return [(p.participant_id, p.role) for p in people if p.role in ("party", "companion")]


def ready(case_id: UUID, *changes: CompanionChanged) -> CaseView:
    return view_of(
        requested_with_companion(case_id),
        assessed(case_id),
        mediator_assigned(case_id),
        consent_given(case_id, ADMINISTRATION),
        ready_for_scheduling(case_id),
        *changes,
    )


def test_a_meeting_booked_after_the_change_invites_the_new_companion_and_not_the_old() -> None:
    case_id = uuid4()
    assert (COMPANION, "companion") in roles(ready(case_id))
    changed = ready(
        case_id,
        companion_changed(case_id, CITIZEN, None),
        companion_changed(case_id, ADMINISTRATION, SISTER),
    )
    assert roles(changed) == [
        (CITIZEN, "party"),
        (ADMINISTRATION, "party"),
        ("companion-9", "companion"),
    ]


def test_the_newest_change_wins_and_beats_the_request_in_any_order() -> None:
    case_id = uuid4()
    removed = companion_changed(case_id, CITIZEN, None)
    added = at(companion_changed(case_id, CITIZEN, SISTER), removed.time + timedelta(minutes=1))
    adapter = TypeAdapter(CaseView)
    events = [requested_with_companion(case_id), removed, added]
    views = {adapter.dump_json(view_of(*order)) for order in permutations(events)}
    assert len(views) == 1
    assert adapter.validate_json(views.pop()).companions == {CITIZEN: "companion-9"}
