"""Who may do what with a case's summary (DOMAIN.md, "Confidentiality"). No I/O.

:func:`decide` is the whole access policy, denying by default: only the paths written out
below allow anything. Its reasons are short codes, safe to audit, log and show (via
``notes.refusals``): they never carry content, names or ids.

==========  ==================================================================================
write       the case's mediator or note-taker, while every citizen party wants a summary, the
            case's key has not been destroyed and the case has not closed
read        the case's mediator or note-taker, once a summary exists; a citizen party or an
            administration party's representative only once the summary has been shared
share       the case's mediator, once a summary exists and every party agreed to sharing
audit       the case's mediator, also after the key was destroyed
==========  ==================================================================================

Who may ask what they may do now (the ``summary_status`` query) is :func:`may_see_status`:
the case's staff. The answer itself comes from :func:`decide`, action by action
(``notes.domain.status``), so that it never differs from what the commands then allow.

Who may make someone the case's mediator or note-taker, and so a reader of its summaries, is
:func:`may_assign`, judged for the person a ``MediatorAssigned`` event's proof names
(``notes.adapters.assignment_proof``).

Never: companions, caseworkers, operators, other mediators, administration staff who do not
represent a party in the case, anyone of another tenant.
"""

from dataclasses import dataclass
from typing import Literal

from notes.domain.case_view import Membership, NotesCase
from notes.domain.identity import Identity, Role

Action = Literal["write", "read", "share", "audit"]

# Roles that never touch a summary, whatever the case: checked before the case is looked at,
# so that the answer tells them nothing about the case.
NEVER: frozenset[Role] = frozenset({"caseworker", "operator"})

MAX_SUMMARY_LENGTH = 4000
"""Characters. A summary is short by design (DOMAIN.md: "a short summary, e.g. of agreements
reached"): 4000 characters is about one page, room for a handful of agreements and who to
contact later, but not for minutes or a transcript of what was said, which must not exist."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    """A code: why it was refused, or as what the person was allowed (``as_mediator``)."""


def _deny(reason: str) -> Decision:
    return Decision(allowed=False, reason=reason)


def decide(
    action: Action,
    identity: Identity,
    case: NotesCase | None,
    *,
    summary_exists: bool,
    shared: bool,
    destroyed: bool,
    tenant: str,
) -> Decision:
    """May ``identity`` do ``action`` on the summaries of ``case`` (of ``tenant``)?

    ``summary_exists``: the case has at least one summary; ``shared``: one has been shared with
    the parties; ``destroyed``: the case's data key was destroyed (its content is gone).
    """
    member = _member(identity, case, tenant)
    if isinstance(member, Decision):
        return member
    assert case is not None
    allowed = Decision(allowed=True, reason=f"as_{member.kind}")

    if action == "write":
        if not member.is_case_staff:
            return _deny("role_may_not")
        if not case.summary_consented:
            return _deny("no_summary_consent")
        if destroyed:
            return _deny("destroyed")
        # CaseClosed: nothing further happens to the case; a summary is written before.
        if case.closed_at is not None:
            return _deny("case_closed")
        return allowed

    if action == "read":
        if not (member.is_case_staff or member.is_party_side):
            return _deny("role_may_not")
        if destroyed:
            return _deny("destroyed")
        if member.is_party_side:
            # Parties learn nothing about unshared summaries, not even whether one exists.
            return allowed if summary_exists and shared else _deny("not_shared")
        if not summary_exists:
            return _deny("no_summary")
        return allowed

    if action == "share":
        if member.kind != "mediator":
            return _deny("role_may_not")
        if destroyed:
            return _deny("destroyed")
        if not summary_exists:
            return _deny("no_summary")
        # Sharing widens who can read: the citizen's wish for the summary must still stand.
        if not case.summary_consented:
            return _deny("no_summary_consent")
        if not case.all_parties_agreed_to_share:
            return _deny("not_all_parties_agreed")
        return allowed

    if action == "audit":
        # The trail holds no content, so the mediator may see it after the key is gone.
        if member.kind != "mediator":
            return _deny("role_may_not")
        return allowed

    return _deny("unknown_action")


def may_see_status(identity: Identity, case: NotesCase | None, *, tenant: str) -> Decision:
    """May ``identity`` see the state of the case's summary (what they may do with it now,
    whose wishes are still missing, how many summaries exist; never content)?

    Only the case's mediator and note-taker: they are the ones who write and share. Everyone
    else is refused, with the same codes and in the same order as :func:`decide`; parties in
    particular, who must learn nothing about an unshared summary, not even that it exists.
    """
    member = _member(identity, case, tenant)
    if isinstance(member, Decision):
        return member
    if not member.is_case_staff:
        return _deny("role_may_not")
    return Decision(allowed=True, reason=f"as_{member.kind}")


def may_assign(actor: Identity, case: NotesCase, mediator_id: str) -> Decision:
    """May ``actor`` make ``mediator_id`` the mediator of ``case`` (with whichever note-taker
    the assignment names)?

    As intake lets mediators act: a mediator takes a case no one has taken, as its mediator
    (intake shows a case without a mediator to every mediator, and a taken case only to its
    own); or the case's mediator hands it over or names its note-taker. Nobody else, and not
    once the case has ended. Judged against the assignments notes has applied; those of one
    case reach notes in the order they were published (one consumer per event type).
    """
    if actor.tenant != case.tenant:
        return _deny("other_tenant")
    if actor.role != "mediator":
        return _deny("role_may_not")
    if case.ended:
        return _deny("case_ended")
    if case.mediator_id is None:
        if actor.subject != mediator_id:
            return _deny("takes_for_another")
        return Decision(allowed=True, reason="takes_the_case")
    if actor.subject != case.mediator_id:
        return _deny("not_the_mediator")
    return Decision(allowed=True, reason="as_mediator")


def _member(identity: Identity, case: NotesCase | None, tenant: str) -> Membership | Decision:
    """What ``identity`` is in ``case``, or the refusal for someone who is nothing in it."""
    if identity.tenant != tenant:
        return _deny("other_tenant")
    if identity.role in NEVER:
        return _deny("role_may_not")
    if case is None or case.tenant != tenant:
        return _deny("not_a_member")
    member = case.membership(identity)
    if member is None:
        return _deny("not_a_member")
    return member


class InvalidSummary(ValueError):
    """The text cannot be a summary. ``code`` says why; the message never quotes the text."""

    def __init__(self, code: Literal["summary_empty", "summary_too_long"]) -> None:
        super().__init__(code)
        self.code = code


def validate_summary_text(text: str) -> str:
    """The summary as it will be stored: without surrounding whitespace, not empty, short."""
    stripped = text.strip()
    if not stripped:
        raise InvalidSummary("summary_empty")
    if len(stripped) > MAX_SUMMARY_LENGTH:
        raise InvalidSummary("summary_too_long")
    return stripped
