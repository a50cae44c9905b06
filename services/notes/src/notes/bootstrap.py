"""The composition root: builds the whole notes app from settings. Tests use the same."""

import asyncio

import structlog
from faststream import FastStream
from mediation_runtime.delivery import create_broker
from mediation_runtime.locks import KeyedLock
from mediation_runtime.logging import configure_logging
from mediation_runtime.mongo import create_mongo_client
from mediation_runtime.outbox import OutboxRelay
from mediation_runtime.service import declare_publishers, service_app

from notes import handlers
from notes.adapters.audit import AuditTrail
from notes.adapters.cases import NotesCases
from notes.crypto import Keyring
from notes.entrypoints.subscribers import PUBLISHES, register_commands, register_subscribers
from notes.handlers import Notes
from notes.identity import verifier_from_settings
from notes.settings import SERVICE, NotesSettings

log = structlog.get_logger("notes")


def create_app(settings: NotesSettings) -> FastStream:
    configure_logging(settings.log_format, settings.log_level)
    broker = create_broker(settings.nats_url, SERVICE, settings.retry_delays)
    mongo = create_mongo_client(settings.mongodb_url)
    database = mongo[settings.database]
    locks = KeyedLock()
    relay = OutboxRelay(
        database["cases"],
        declare_publishers(broker, SERVICE, PUBLISHES),
        locks,
        settings.outbox_poll_seconds,
    )
    notes = Notes(
        settings=settings,
        cases=NotesCases(database["cases"], locks, on_outbox_written=relay.wake),
        audit=AuditTrail(database["audit"]),
        keyring=Keyring.from_base64(settings.master_key),
        verifier=verifier_from_settings(
            settings.jwks_file, settings.jwks_url, settings.token_audience, settings.token_issuer
        ),
    )
    register_subscribers(broker, notes)
    register_commands(broker, notes)

    async def prepare() -> None:
        await notes.cases.create_indexes()
        await notes.audit.create_indexes()

    async def enforce_retention() -> None:
        while True:
            try:
                await handlers.destroy_expired(notes)
            except Exception as error:  # the database may be away; try again next round
                log.warning("retention_check_failed", error_type=type(error).__name__)
            await asyncio.sleep(settings.retention_check_seconds)

    return service_app(
        service=SERVICE,
        description="Meeting summaries: written only with the citizen's consent, read only by "
        "the right people, encrypted at rest, destroyed by crypto-shredding, every access "
        "audited. Content never leaves this service except in a reply to an allowed reader.",
        settings=settings,
        broker=broker,
        mongo=mongo,
        relays=[relay],
        prepare=prepare,
        background=[enforce_retention],
    )
