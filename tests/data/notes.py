"""A case as notes sees it, and the people who ask notes (events: :mod:`tests.data.events`)."""

from uuid import UUID

from notes.domain.case_view import NotesCase, NotesEvent
from notes.domain.identity import Identity, Role

from tests.data import folded
from tests.data.events import (
    ADMINISTRATION,
    CITIZEN,
    NOTE_TAKER,
    TENANT,
    mediator_assigned,
    requested_with_companion,
    sharing_agreed,
    summary_consent_given,
)


def view_of(*events: NotesEvent) -> NotesCase:
    return folded(NotesCase, *events)


def consented_case(case_id: UUID, *, tenant: str = TENANT) -> list[NotesEvent]:
    """Requested (with a companion), mediator and note-taker assigned, the citizen wants a
    summary, and both parties agreed that it may be shared with them."""
    return [
        requested_with_companion(case_id, tenant=tenant),
        mediator_assigned(case_id, note_taker_id=NOTE_TAKER, tenant=tenant),
        summary_consent_given(case_id, tenant=tenant),
        sharing_agreed(case_id, CITIZEN, tenant=tenant),
        sharing_agreed(case_id, ADMINISTRATION, tenant=tenant),
    ]


def person(subject: str, role: Role, tenant: str = TENANT) -> Identity:
    return Identity(subject=subject, role=role, tenant=tenant)
