"""The streams' limits: defaults from the services' retention, bounds, errors (issue 11 point 5).

Against a real server: tests/integration/runtime/test_stream_limits.py.
"""

from datetime import timedelta

import pytest
from mediation_contracts.streams import ADVISORIES_STREAM, DLQ_STREAM, EVENTS_STREAM, STREAMS
from mediation_runtime.settings import CONTACT_RETENTION_DEFAULT, SUMMARY_RETENTION_DEFAULT
from mediation_runtime.streams import StreamConfigError, StreamSettings, iso
from nats.js.api import DiscardPolicy
from notes.settings import NotesSettings
from notifications.settings import NotificationsSettings

SPEC = {spec.name: spec for spec in STREAMS}
VARIABLES = (
    "MEDIATION_EVENTS_MAX_AGE",
    "MEDIATION_DLQ_MAX_AGE",
    "MEDIATION_EVENTS_MAX_BYTES",
    "MEDIATION_DLQ_MAX_BYTES",
    "MEDIATION_ADVISORIES_MAX_BYTES",
    "NOTES_RETENTION",
    "NOTIFICATIONS_CONTACT_RETENTION",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def ages(settings: StreamSettings) -> dict[str, str]:
    return {name: iso(settings.max_age(spec)) for name, spec in SPEC.items()}


def test_the_services_share_the_retention_defaults_the_streams_are_checked_against() -> None:
    notes = NotesSettings.model_fields["retention"].default
    notifications = NotificationsSettings.model_fields["contact_retention"].default
    assert (notes, notifications) == (SUMMARY_RETENTION_DEFAULT, CONTACT_RETENTION_DEFAULT)


def test_by_default_every_stream_keeps_messages_as_long_as_contact_details_are_kept() -> None:
    settings = StreamSettings.from_environment()
    assert ages(settings) == {EVENTS_STREAM: "P30D", DLQ_STREAM: "P30D", ADVISORIES_STREAM: "P30D"}
    assert settings.personal_data_retention == timedelta(days=90)


def test_the_defaults_follow_the_contact_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFICATIONS_CONTACT_RETENTION", "P45D")
    settings = StreamSettings.from_environment()
    assert set(ages(settings).values()) == {"P45D"}


def test_the_operator_sets_the_ages_in_iso_8601(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIATION_EVENTS_MAX_AGE", "P14D")
    monkeypatch.setenv("MEDIATION_DLQ_MAX_AGE", "P7D")
    settings = StreamSettings.from_environment()
    # The advisories name messages of the events stream: kept as long as those.
    assert ages(settings) == {EVENTS_STREAM: "P14D", DLQ_STREAM: "P7D", ADVISORIES_STREAM: "P14D"}


def test_the_stream_configs_carry_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIATION_EVENTS_MAX_AGE", "P14D")
    monkeypatch.setenv("MEDIATION_DLQ_MAX_BYTES", "5000000")
    settings = StreamSettings.from_environment()
    events = settings.config(SPEC[EVENTS_STREAM], replicas=3)
    dlq = settings.config(SPEC[DLQ_STREAM], replicas=3)
    assert events.max_age == timedelta(days=14).total_seconds()
    assert (events.max_bytes, events.discard) == (10 * 1024**3, DiscardPolicy.NEW)
    assert (dlq.max_bytes, dlq.discard) == (5_000_000, DiscardPolicy.OLD)
    assert events.num_replicas == dlq.num_replicas == 3


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param(
            {"MEDIATION_DLQ_MAX_AGE": "PT1H"},
            r"MEDIATION_DLQ max age PT1H \(MEDIATION_DLQ_MAX_AGE\) is shorter than P1D",
            id="dead letters kept an hour",
        ),
        pytest.param(
            {"MEDIATION_EVENTS_MAX_AGE": "PT12H"},
            r"MEDIATION max age PT12H \(MEDIATION_EVENTS_MAX_AGE\) is shorter than P1D",
            id="events kept half a day",
        ),
        pytest.param(
            {"NOTIFICATIONS_CONTACT_RETENTION": "PT12H"},
            r"MEDIATION max age PT12H \(MEDIATION_EVENTS_MAX_AGE\) is shorter than P1D",
            id="contact retention below what the stream needs, no stream age set",
        ),
        pytest.param(
            {"MEDIATION_EVENTS_MAX_AGE": "P120D"},
            r"MEDIATION max age P120D \(MEDIATION_EVENTS_MAX_AGE\) is longer than the longest "
            r"personal-data retention P90D \(NOTES_RETENTION P90D, "
            r"NOTIFICATIONS_CONTACT_RETENTION P30D\)",
            id="events outlive every retention",
        ),
        pytest.param(
            {"MEDIATION_DLQ_MAX_AGE": "P60D", "NOTES_RETENTION": "P40D"},
            "MEDIATION_DLQ_MAX_AGE.* is longer than the longest personal-data retention P40D",
            id="dead letters outlive every retention",
        ),
        pytest.param(
            {"MEDIATION_EVENTS_MAX_BYTES": "0"},
            "MEDIATION_EVENTS_MAX_BYTES must be a number of bytes, or -1",
            id="no room",
        ),
        pytest.param(
            {"MEDIATION_EVENTS_MAX_AGE": "thirty days"},
            "events_max_age",
            id="not a duration",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused_naming_what_to_fix(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StreamConfigError, match=message):
        StreamSettings.from_environment()


def test_a_longer_summary_retention_allows_longer_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIATION_EVENTS_MAX_AGE", "P120D")
    monkeypatch.setenv("NOTES_RETENTION", "P180D")
    assert ages(StreamSettings.from_environment())[EVENTS_STREAM] == "P120D"


def test_no_limit_on_size_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIATION_EVENTS_MAX_BYTES", "-1")
    assert StreamSettings.from_environment().max_bytes(SPEC[EVENTS_STREAM]) == -1
