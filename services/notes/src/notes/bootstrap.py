"""The composition root: builds the whole notes app from settings. Tests use the same."""

from mediation_runtime.personal_data import serve_data_rights
from mediation_runtime.service import ServiceApp, periodically, service_app, service_parts
from mediation_runtime.streams import iso

from notes import handlers
from notes.adapters.assignment_proof import AssignmentProofs
from notes.adapters.audit import AuditTrail
from notes.adapters.cases import NotesCases
from notes.adapters.crypto import Keyring
from notes.adapters.identity import verifier_from_settings
from notes.adapters.proof_keys import proof_keys_from_settings
from notes.entrypoints.subscribers import PUBLISHES, register_commands, register_subscribers
from notes.handlers import Notes
from notes.settings import SERVICE, NotesSettings


def create_app(settings: NotesSettings) -> ServiceApp:
    parts = service_parts(settings, SERVICE, outbox_collection="cases", publishes=PUBLISHES)
    database = parts.database
    verifier = verifier_from_settings(
        settings.jwks_file,
        settings.jwks_url,
        settings.token_audience,
        settings.token_issuer,
        settings.token_claims(),
        leeway_seconds=settings.token_leeway_seconds,
    )
    notes = Notes(
        settings=settings,
        cases=NotesCases(parts.outbox),
        audit=AuditTrail(database["audit"]),
        keyring=Keyring.from_base64(settings.master_key),
        verifier=verifier,
        proofs=AssignmentProofs(proof_keys_from_settings(settings.proof_key_file), verifier),
    )
    register_subscribers(parts.events, notes)
    serve_data_rights(
        parts.commands,
        database,
        retention=f"Referater krypto-makuleres {iso(settings.retention)} efter sagens lukning "
        "(NOTES_RETENTION), eller straks ved tilbagetrækning; revisionsloggen gemmer id'er, "
        "roller og koder, aldrig indhold.",
    )
    register_commands(parts.commands, notes)

    async def prepare() -> None:
        await notes.cases.create_indexes()
        await notes.audit.create_indexes()

    async def enforce_retention() -> None:
        await handlers.destroy_expired(notes)

    return service_app(
        service=SERVICE,
        description="Meeting summaries: written only with the citizen's consent, read only by "
        "the right people, encrypted at rest, destroyed by crypto-shredding, every access "
        "audited. Content never leaves this service except in a reply to an allowed reader.",
        settings=settings,
        parts=parts,
        prepare=prepare,
        background=[periodically(settings.retention_sweep_seconds, enforce_retention)],
    )
