"""What notes does with case events and with commands; the rules are in ``domain/``.

Each command: verify the token, take the case, ask the access policy, audit the decision,
and only then touch content. Denials say why in codes, never with content. The
``summary_status`` query touches no content and is logged, not audited (see there).

An assignment (``MediatorAssigned``) changes who may read: it is applied only when its proof
names a verified person the access policy lets make it, else dead-lettered.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

import structlog
from mediation_contracts.commands import (
    AuditTrail as AuditTrailQuery,
)
from mediation_contracts.commands import (
    ReadSummaries,
    Reply,
    ShareSummary,
    SummaryStatus,
    SummaryView,
    WriteSummary,
)
from mediation_contracts.envelope import CloudEvent
from mediation_contracts.events import (
    MediatorAssigned,
    SummaryConsentWithdrawn,
    SummaryDestroyed,
    SummaryDestroyedData,
    SummaryRecorded,
    SummaryRecordedData,
    SummaryShared,
    SummarySharedData,
)
from mediation_runtime.delivery import Rejected
from mediation_runtime.documents import Decision

from notes.adapters.assignment_proof import AssignmentProofs, ProofRefused
from notes.adapters.audit import AuditTrail
from notes.adapters.cases import NotesCases, StoredCase, StoredSummary
from notes.adapters.crypto import DecryptionFailed, Keyring
from notes.adapters.identity import InvalidToken, TokenVerifier
from notes.domain.access import (
    Action,
    InvalidSummary,
    decide,
    may_assign,
    may_see_status,
    validate_summary_text,
)
from notes.domain.case_view import NotesCase, ShredReason
from notes.domain.identity import Identity
from notes.domain.status import summary_state
from notes.refusals import refused
from notes.settings import NotesSettings

log = structlog.get_logger("notes")


@dataclass(frozen=True)
class Notes:
    """What the handlers need, wired once by bootstrap."""

    settings: NotesSettings
    cases: NotesCases
    audit: AuditTrail
    keyring: Keyring
    verifier: TokenVerifier
    proofs: AssignmentProofs
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


# --- events ------------------------------------------------------------------------------


async def when_case_event_update_view(event: CloudEvent, notes: Notes) -> None:
    """Keep notes' view of the case; destroy the key as soon as a rule says so."""

    async def decide(stored: StoredCase | None) -> Decision[bool]:
        stored = stored or StoredCase(view=NotesCase.for_event(event))  # type: ignore[arg-type]
        if str(event.id) in stored.applied:
            return Decision(False)
        if isinstance(event, MediatorAssigned):
            await require_proven_assignment(event, stored.view, notes)
        stored.view.apply(event)  # type: ignore[arg-type]
        # Fail safe: a withdrawal of consent destroys the key even when it arrives after a
        # later re-consent (events of one case come on different consumers, in any order).
        forced: ShredReason | None = (
            "consent_withdrawn" if isinstance(event, SummaryConsentWithdrawn) else None
        )
        outgoing = shred_if_due(stored, notes, cause=event, reason=forced)
        return Decision(True, notes.cases.document(stored, cause=event), outgoing)

    if not await notes.cases.change(event.tenant, event.subject, decide):
        log.info("duplicate_ignored")


async def require_proven_assignment(event: MediatorAssigned, view: NotesCase, notes: Notes) -> None:
    """An assignment makes people readers of the case's summaries: only on proof that a
    verified person who may do so made it. Else it is dead-lettered (operators see why, in
    codes and ids) and grants nothing; intake and scheduling apply it as they do."""
    try:
        actor = await _checked(notes.proofs.may_block, notes.proofs.actor, event, notes.clock())
    except ProofRefused as refused:
        reason = f"proof {refused.reason}"
    else:
        decision = may_assign(actor, view, event.data.mediator_id)
        if decision.allowed:
            log.info("assignment_proven", actor=actor.subject, reason=decision.reason)
            return
        reason = f"actor {actor.subject} ({actor.role}) may not: {decision.reason}"
    raise Rejected(f"assignment not proven, grants nothing: {reason}")


def shred_if_due(
    stored: StoredCase, notes: Notes, cause: CloudEvent | None, reason: ShredReason | None = None
) -> list[CloudEvent]:
    """Crypto-shredding: without its data key a case's summaries can never be read again."""
    if stored.destroyed or stored.data_key is None:
        return []
    reason = reason or stored.view.shred_reason(notes.clock(), notes.settings.retention)
    if reason is None:
        return []
    stored.data_key = None
    stored.summaries = []
    stored.destroyed_because = reason
    stored.destroyed_at = notes.clock()
    log.info("summary_key_destroyed", reason=reason)
    view = stored.view
    # Without an event at hand (the retention sweep), the close that started the period is
    # the cause.
    closed_by = None
    if reason == "retention_expired" and view.closed_by is not None:
        closed_by = UUID(view.closed_by[1])
    return [
        SummaryDestroyed.create(
            tenant=view.tenant,
            case_id=view.case_id,
            source=notes.settings.source,
            data=SummaryDestroyedData(reason_code=reason),
            cause=cause,
            correlationid=view.correlation_id,
            causationid=closed_by,
        )
    ]


async def destroy_expired(notes: Notes) -> int:
    """The retention sweep: keys of cases closed longer than the retention period go, each
    with its SummaryDestroyed. Commands refuse such a case already (:func:`gone`)."""
    destroyed = 0
    for tenant, case_id in await notes.cases.due_for_retention(
        notes.clock() - notes.settings.retention
    ):

        async def decide(stored: StoredCase | None) -> Decision[bool]:
            if stored is None:
                return Decision(False)
            outgoing = shred_if_due(stored, notes, cause=None)
            return Decision(
                bool(outgoing), notes.cases.document(stored) if outgoing else None, outgoing
            )

        destroyed += await notes.cases.change(tenant, case_id, decide)
    return destroyed


def gone(stored: StoredCase | None, notes: Notes) -> bool:
    """The case's summaries can no longer be had: its key was destroyed, or the retention
    period after its close ran out and the sweep has not yet destroyed the key."""
    if stored is None:
        return False
    return stored.destroyed or stored.view.retention_over(notes.clock(), notes.settings.retention)


# --- commands ----------------------------------------------------------------------------


async def write_summary(command: WriteSummary, tenant: str, notes: Notes) -> Reply:
    identity = await _identity(command.token, tenant, command.case_id, "write", notes)

    async def decide(stored: StoredCase | None) -> Decision[tuple[Reply, bool]]:
        """The reply, and whether this decision records a new summary."""
        if stored is not None and str(command.command_id) in stored.commands:
            done = next(s for s in stored.summaries if s.command_id == str(command.command_id))
            return Decision((Reply(ok=True, summary_id=done.summary_id), False))
        await _require(identity, "write", stored, tenant, command.case_id, notes)
        assert stored is not None
        try:
            text = validate_summary_text(command.text)
        except InvalidSummary as invalid:
            return Decision((refused(invalid.code), False))
        if stored.data_key is None:
            stored.data_key = notes.keyring.new_data_key()
        summary_id = str(uuid4())
        blob = notes.keyring.encrypt(
            stored.data_key, text, aad(tenant, command.case_id, summary_id)
        )
        stored.summaries.append(
            StoredSummary(
                summary_id,
                command.meeting_id,
                blob,
                identity.subject,
                notes.clock(),
                str(command.command_id),
            )
        )
        recorded = SummaryRecorded.create(
            tenant=tenant,
            case_id=command.case_id,
            source=notes.settings.source,
            data=SummaryRecordedData(
                summary_id=summary_id, meeting_id=command.meeting_id, recorded_by=identity.subject
            ),
            correlationid=stored.view.correlation_id,
        )
        document = notes.cases.document(stored, command_id=command.command_id)
        return Decision((Reply(ok=True, summary_id=summary_id), True), document, [recorded])

    # Logged once committed: ``decide`` may run again after another writer's commit.
    reply, recorded = await notes.cases.change(tenant, command.case_id, decide)
    if recorded:
        log.info("summary_recorded", summary_id=reply.summary_id, case_id=str(command.case_id))
    return reply


async def read_summaries(query: ReadSummaries, tenant: str, notes: Notes) -> Reply:
    identity = await _identity(query.token, tenant, query.case_id, "read", notes)
    stored = await notes.cases.load(tenant, query.case_id)
    await _require(identity, "read", stored, tenant, query.case_id, notes)
    assert stored is not None
    assert stored.data_key is not None
    membership = stored.view.membership(identity)
    staff = membership is not None and membership.is_case_staff
    try:
        summaries = _decrypted(stored, query.case_id, tenant, staff, notes)
    except DecryptionFailed:
        # Tampered ciphertext or a wrong master key: an operator must look, with ids only.
        log.error("summary_unreadable", case_id=str(query.case_id))
        return refused("unreadable")
    return Reply(ok=True, summaries=summaries)


def _decrypted(
    stored: StoredCase, case_id: UUID, tenant: str, staff: bool, notes: Notes
) -> list[SummaryView]:
    assert stored.data_key is not None
    return [
        SummaryView(
            summary_id=s.summary_id,
            meeting_id=s.meeting_id,
            text=notes.keyring.decrypt(stored.data_key, s.blob, aad(tenant, case_id, s.summary_id)),
            recorded_by=s.recorded_by,
            recorded_at=s.recorded_at,
            shared=s.shared,
        )
        for s in stored.summaries
        if staff or s.shared
    ]


async def share_summary(command: ShareSummary, tenant: str, notes: Notes) -> Reply:
    identity = await _identity(command.token, tenant, command.case_id, "share", notes)

    async def decide(stored: StoredCase | None) -> Decision[int]:
        if stored is not None and str(command.command_id) in stored.commands:
            return Decision(0)
        await _require(identity, "share", stored, tenant, command.case_id, notes)
        assert stored is not None
        outgoing: list[CloudEvent] = []
        for summary in stored.summaries:
            if not summary.shared:
                summary.shared = True
                outgoing.append(
                    SummaryShared.create(
                        tenant=tenant,
                        case_id=command.case_id,
                        source=notes.settings.source,
                        data=SummarySharedData(
                            summary_id=summary.summary_id, shared_by=identity.subject
                        ),
                        correlationid=stored.view.correlation_id,
                    )
                )
        document = notes.cases.document(stored, command_id=command.command_id)
        return Decision(len(outgoing), document, outgoing)

    shared = await notes.cases.change(tenant, command.case_id, decide)
    log.info("summary_shared", case_id=str(command.case_id), summaries=shared)
    return Reply(ok=True)


async def audit_trail(query: AuditTrailQuery, tenant: str, notes: Notes) -> Reply:
    identity = await _identity(query.token, tenant, query.case_id, "audit", notes)
    stored = await notes.cases.load(tenant, query.case_id)
    await _require(identity, "audit", stored, tenant, query.case_id, notes)
    return Reply(ok=True, audit=await notes.audit.of_case(tenant, query.case_id))


async def summary_status(query: SummaryStatus, tenant: str, notes: Notes) -> Reply:
    """What the caller may do with the case's summaries now, and whose wishes are missing;
    for the case's staff, so that their client offers only what the commands would allow.

    Not in the audit trail, unlike the commands above: it opens no summary (no key is used,
    nothing is decrypted) and the trail records accesses to content (``write``, ``read``,
    ``share``) and to the trail itself. Every answer is logged, with codes and ids only.
    """
    try:
        identity = await _verify(query.token, tenant, notes)
    except InvalidToken as invalid:
        log.info("access_denied", action="status", reason=f"invalid_token:{invalid.reason}")
        raise Denied("invalid_token") from None
    stored = await notes.cases.load(tenant, query.case_id)
    view = stored.view if stored is not None else None
    decision = may_see_status(identity, view, tenant=tenant)
    log.info(
        "access_allowed" if decision.allowed else "access_denied",
        action="status",
        subject=identity.subject,
        role=identity.role,
        reason=decision.reason,
    )
    if not decision.allowed:
        raise Denied(decision.reason)
    assert stored is not None
    destroyed = gone(stored, notes)
    summaries = [] if destroyed else stored.summaries
    state = summary_state(
        identity,
        stored.view,
        summary_count=len(summaries),
        shared=any(s.shared for s in summaries),
        destroyed=destroyed,
        tenant=tenant,
        recorded_at=[summary.recorded_at for summary in summaries],
        destroyed_at=stored.destroyed_at,
    )
    return Reply(ok=True, summary_state=state)


# --- helpers -----------------------------------------------------------------------------


class Denied(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def aad(tenant: str, case_id: UUID, summary_id: str) -> bytes:
    """Binds a ciphertext to its place: it cannot be moved to another case or summary."""
    return f"mediation-notes|{tenant}|{case_id}|{summary_id}".encode()


async def _identity(
    token: str, tenant: str, case_id: UUID, action: Action, notes: Notes
) -> Identity:
    try:
        return await _verify(token, tenant, notes)
    except InvalidToken as invalid:
        await notes.audit.record(
            tenant=tenant,
            case_id=case_id,
            subject="unverified",
            role="unverified",
            action=action,
            allowed=False,
            reason=f"invalid_token:{invalid.reason}",
            at=notes.clock(),
        )
        log.info("access_denied", action=action, reason=f"invalid_token:{invalid.reason}")
        raise Denied("invalid_token") from None


async def _verify(token: str, tenant: str, notes: Notes) -> Identity:
    """Who signed ``token`` for ``tenant``, or :class:`InvalidToken`."""
    return await _checked(notes.verifier.keys.may_block, notes.verifier.verify, token, tenant)


R = TypeVar("R")


async def _checked(may_block: bool, check: Callable[..., R], *args: Any) -> R:
    """A token or proof check: off the event loop when it may fetch keys (a JWKS URL with a
    cold cache); keys from a file need no fetch, and a thread hop costs more than the check."""
    if may_block:
        return await asyncio.to_thread(check, *args)
    return check(*args)


async def _require(
    identity: Identity,
    action: Action,
    stored: StoredCase | None,
    tenant: str,
    case_id: UUID,
    notes: Notes,
) -> None:
    decision = decide(
        action,
        identity,
        stored.view if stored is not None else None,
        summary_exists=bool(stored and stored.summaries),
        shared=bool(stored and any(s.shared for s in stored.summaries)),
        destroyed=gone(stored, notes),
        tenant=tenant,
    )
    await notes.audit.record(
        tenant=tenant,
        case_id=case_id,
        subject=identity.subject,
        role=identity.role,
        action=action,
        allowed=decision.allowed,
        reason=decision.reason,
        at=notes.clock(),
    )
    log.info(
        "access_allowed" if decision.allowed else "access_denied",
        action=action,
        subject=identity.subject,
        role=identity.role,
        reason=decision.reason,
    )
    if not decision.allowed:
        raise Denied(decision.reason)
