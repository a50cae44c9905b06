"""Create or update the JetStream streams of the contract (idempotent), with their limits.

Every service runs :func:`ensure_streams` at start (so does the local stack, and
``python -m mediation_runtime.streams`` by hand): it applies the subjects and the limits below
to new and existing streams alike. Give every process the same ``MEDIATION_*`` stream
settings (and the retention settings they are checked against), or the last one to start wins.

Age limits (``MEDIATION_EVENTS_MAX_AGE``, ``MEDIATION_DLQ_MAX_AGE``; ISO 8601 durations like the
services' retention settings): the events stream keeps a message as long as notifications
keeps contact details after a case closed (``NOTIFICATIONS_CONTACT_RETENTION``, ``P30D``) unless
set; the dead letters as long as the events; the advisories as long as the events. Settings
shorter than :data:`~mediation_contracts.streams.MIN_STREAM_AGE`, or, for the streams that may
hold names and contact details, longer than the longest personal-data retention of the
services (``NOTES_RETENTION``, ``NOTIFICATIONS_CONTACT_RETENTION``), are refused. A closed
case's personal events leave earlier when intake erases the case (``INTAKE_RETENTION`` after
the close, or a data protection erasure: :mod:`mediation_runtime.stream_erasure`), so the
streams never keep a name longer than the services do.
"""

import asyncio
import os
from datetime import timedelta
from typing import Self

from mediation_contracts.streams import (
    DUPLICATE_WINDOW_SECONDS,
    MIN_STREAM_AGE,
    STREAMS,
    StreamSpec,
)
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from pydantic import AliasChoices, Field, TypeAdapter, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mediation_runtime.bus import BusConfigError, BusCredentials, connect, tool_credentials
from mediation_runtime.settings import CONTACT_RETENTION_DEFAULT, SUMMARY_RETENTION_DEFAULT

_DURATION = TypeAdapter(timedelta)


def iso(duration: timedelta) -> str:
    """ISO 8601, as the settings are written, e.g. ``P30D``."""
    return str(_DURATION.dump_python(duration, mode="json"))


class StreamConfigError(ValueError):
    """The stream settings cannot work; the message names the setting to fix."""


class StreamSettings(BaseSettings):
    """``MEDIATION_<STREAM>_MAX_AGE`` / ``_MAX_BYTES``, checked against the services'
    retention settings (``NOTES_RETENTION``, ``NOTIFICATIONS_CONTACT_RETENTION``)."""

    model_config = SettingsConfigDict(env_prefix="MEDIATION_", extra="ignore")

    events_max_age: timedelta | None = Field(
        default=None, description="Default: the contact retention."
    )
    dlq_max_age: timedelta | None = Field(default=None, description="Default: the events'.")
    events_max_bytes: int | None = None
    dlq_max_bytes: int | None = None
    advisories_max_bytes: int | None = None
    contact_retention: timedelta = Field(
        default=CONTACT_RETENTION_DEFAULT,
        validation_alias=AliasChoices("NOTIFICATIONS_CONTACT_RETENTION", "contact_retention"),
    )
    summary_retention: timedelta = Field(
        default=SUMMARY_RETENTION_DEFAULT,
        validation_alias=AliasChoices("NOTES_RETENTION", "summary_retention"),
    )

    @classmethod
    def from_environment(cls) -> "StreamSettings":
        try:
            return cls()
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'stream settings'}: {e['msg']}"
                for e in error.errors()
            )
            raise StreamConfigError(problems) from None

    @property
    def personal_data_retention(self) -> timedelta:
        """The longest the services keep personal data (after a case closed)."""
        return max(self.contact_retention, self.summary_retention)

    def max_age(self, spec: StreamSpec) -> timedelta:
        events = self.events_max_age or self.contact_retention
        if spec.key == "dlq":
            return self.dlq_max_age or events
        return events

    def max_bytes(self, spec: StreamSpec) -> int:
        configured: int | None = getattr(self, f"{spec.key}_max_bytes")
        return spec.max_bytes if configured is None else configured

    @model_validator(mode="after")
    def _within_bounds(self) -> Self:
        for spec in STREAMS:
            age = self.max_age(spec)
            where = f"{spec.name} max age {iso(age)}"
            if spec.own_age:
                where += f" ({spec.age_variable})"
            if age < MIN_STREAM_AGE:
                raise ValueError(
                    f"{where} is shorter than {iso(MIN_STREAM_AGE)}, the least the services "
                    "need: events must wait out a consumer's outage, dead letters an operator"
                )
            if spec.personal and age > self.personal_data_retention:
                raise ValueError(
                    f"{where} is longer than the longest personal-data retention "
                    f"{iso(self.personal_data_retention)} (NOTES_RETENTION "
                    f"{iso(self.summary_retention)}, NOTIFICATIONS_CONTACT_RETENTION "
                    f"{iso(self.contact_retention)}): names and contact details on the stream "
                    "would outlive it"
                )
            if self.max_bytes(spec) == 0 or self.max_bytes(spec) < -1:
                raise ValueError(
                    f"{spec.bytes_variable} must be a number of bytes, or -1 for no limit"
                )
        return self

    def config(self, spec: StreamSpec, replicas: int) -> StreamConfig:
        return StreamConfig(
            name=spec.name,
            description=spec.description,
            subjects=list(spec.subjects),
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            max_age=self.max_age(spec).total_seconds(),
            max_bytes=self.max_bytes(spec),
            discard=DiscardPolicy.NEW if spec.discard == "new" else DiscardPolicy.OLD,
        )


async def ensure_streams(
    credentials: BusCredentials, replicas: int = 1, settings: StreamSettings | None = None
) -> None:
    """Make sure every stream of the contract exists with its subjects and limits (from the
    environment unless ``settings`` are given); raises :class:`StreamConfigError` first if
    the settings cannot work."""
    settings = settings or StreamSettings.from_environment()
    nc = await connect(credentials, "ensure-streams")
    try:
        js = nc.jetstream()
        for spec in STREAMS:
            config = settings.config(spec, replicas)
            try:
                await js.stream_info(spec.name)
            except NotFoundError:
                await js.add_stream(config)
            else:
                await js.update_stream(config)
    finally:
        await nc.close()


if __name__ == "__main__":
    # NATS_URL and the admin's NATS_CA_FILE / NATS_CERT_FILE / NATS_KEY_FILE, or the local
    # stack's admin certificate; MEDIATION_STREAM_REPLICAS (1) for a cluster's 3.
    replicas = os.environ.get("MEDIATION_STREAM_REPLICAS", "1")
    if not replicas.isdigit() or not 1 <= int(replicas) <= 5:
        raise SystemExit(f"error: MEDIATION_STREAM_REPLICAS must be 1 to 5, not {replicas!r}")
    try:
        asyncio.run(ensure_streams(tool_credentials(), int(replicas)))
    except (BusConfigError, StreamConfigError) as error:
        raise SystemExit(f"error: {error}") from None
