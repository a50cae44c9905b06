"""The state of a case's summary for its staff: what they may do now, and whose wishes are
still missing (the ``summary_status`` query). No I/O, never content.

What may be done is not decided here: :func:`summary_state` asks
:func:`notes.domain.access.decide` about every action, so that the client offers exactly
what the commands would then allow. Who may see this state at all is
:func:`notes.domain.access.may_see_status`; ask it first.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import get_args

from mediation_contracts.commands import SummaryHistoryEntry, SummaryState
from mediation_contracts.events import (
    SummaryConsentGiven,
    SummaryConsentWithdrawn,
    SummaryDestroyed,
    SummaryRecorded,
)

from notes.domain.access import Action, decide
from notes.domain.case_view import NotesCase
from notes.domain.identity import Identity

ACTIONS: tuple[Action, ...] = get_args(Action)


def summary_state(
    identity: Identity,
    case: NotesCase,
    *,
    summary_count: int,
    shared: bool,
    destroyed: bool,
    tenant: str,
    recorded_at: Sequence[datetime] = (),
    destroyed_at: datetime | None = None,
) -> SummaryState:
    """``case`` as ``identity`` sees it now. ``summary_count``: summaries held (none once the
    key was destroyed); ``shared``: one of them was shared; ``destroyed``: the key is gone.

    Party ids are sorted. A citizen party whose wish for a summary was withdrawn counts as
    missing again (a withdrawal destroys the key, so writing stays refused anyway). Only
    parties of the case are listed: an agreement recorded for anyone else counts for nothing.
    """
    allowed = [
        action
        for action in ACTIONS
        if decide(
            action,
            identity,
            case,
            summary_exists=summary_count > 0,
            shared=shared,
            destroyed=destroyed,
            tenant=tenant,
        ).allowed
    ]
    citizens = case.citizen_parties
    consented = case.citizens_wanting_summary
    parties = set(case.parties)
    return SummaryState(
        allowed=allowed,
        summary_consented=sorted(consented),
        summary_consent_missing=sorted(citizens - consented),
        sharing_agreed=sorted(parties & case.sharing_agreed),
        sharing_missing=sorted(parties - case.sharing_agreed),
        summary_count=summary_count,
        shared=shared,
        destroyed=destroyed,
        history=history(case, recorded_at, destroyed_at),
    )


def history(
    case: NotesCase, recorded_at: Sequence[datetime], destroyed_at: datetime | None
) -> list[SummaryHistoryEntry]:
    """Each citizen party's latest word on a summary, each summary written and the key's
    destruction, oldest first: types, times and party ids only."""
    wishes = [
        SummaryHistoryEntry(
            at=at,
            type=(
                SummaryConsentGiven if decision == "given" else SummaryConsentWithdrawn
            ).type_name(),
            party_id=party_id,
        )
        for party_id, (at, _, decision) in case.summary_consent.items()
        if party_id in case.citizen_parties
    ]
    written = [SummaryHistoryEntry(at=at, type=SummaryRecorded.type_name()) for at in recorded_at]
    gone = (
        [SummaryHistoryEntry(at=destroyed_at, type=SummaryDestroyed.type_name())]
        if destroyed_at
        else []
    )
    return sorted([*wishes, *written, *gone], key=lambda entry: entry.at)
