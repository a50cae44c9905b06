"""The state of a case's summary for its staff: what they may do now, and whose wishes are
still missing (the ``summary_status`` query). No I/O, never content.

What may be done is not decided here: :func:`summary_state` asks
:func:`notes.domain.access.decide` about every action, so that the client offers exactly
what the commands would then allow. Who may see this state at all is
:func:`notes.domain.access.may_see_status`; ask it first.
"""

from typing import get_args

from mediation_contracts.commands import SummaryState

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
    )
