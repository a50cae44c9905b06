"""Every command's request and reply has a published schema, and a reply carries only the
fields its command sets: no unrelated result key as null."""

import json
from datetime import UTC, datetime

import pytest
from fast_depends.pydantic.serializer import PydanticSerializer
from mediation_contracts import schemas
from mediation_contracts.access import COMMAND_CALLERS
from mediation_contracts.commands import COMMANDS, RESULT_TYPES, Reply, SlotView, reply_adapter
from mediation_runtime.delivery import UNAVAILABLE

GENERATED = schemas.generate()
EVERY_COMMAND = [(service, command) for service, names in COMMANDS.items() for command in names]


def test_the_command_catalogue_is_the_access_policy_s() -> None:
    assert {s: set(c) for s, c in COMMANDS.items()} == {
        s: set(c) for s, c in COMMAND_CALLERS.items()
    }


def test_every_result_field_of_reply_has_its_type() -> None:
    assert set(RESULT_TYPES) == set(Reply.model_fields) - {"ok", "error"}


@pytest.mark.parametrize(("service", "command"), EVERY_COMMAND)
def test_request_and_reply_schemas_are_published(service: str, command: str) -> None:
    for part in ("request", "reply"):
        path = schemas.command_schema_path(service, command, part)
        schema = json.loads(GENERATED[path])
        assert schema["x-nats-subject"] == f"mediation.cmd.v1.{{tenant}}.{service}.{command}"
    reply = json.loads(GENERATED[schemas.command_schema_path(service, command, "reply")])
    accepted = next(d for name, d in reply["$defs"].items() if name.endswith("Accepted"))
    assert set(accepted["required"]) == {"ok", *COMMANDS[service][command].result}


def test_a_reply_leaves_out_the_result_fields_it_does_not_carry() -> None:
    now = datetime.now(UTC)
    reply = Reply(ok=True, slots=[SlotView(starts_at=now, ends_at=now, room_ids=["room-1"])])

    sent = json.loads(PydanticSerializer.encode(reply))  # what FastStream puts on the wire

    assert set(sent) == {"ok", "slots"}
    assert Reply.model_validate(sent) == reply  # clients parsing Reply keep working
    reply_adapter("scheduling", "suggest_slots").validate_python(sent)


def test_a_refusal_carries_ok_and_error_only() -> None:
    sent = json.loads(PydanticSerializer.encode(Reply(ok=False, error=UNAVAILABLE)))
    assert set(sent) == {"ok", "error"}
    reply_adapter("notes", "share_summary").validate_python(sent)


def test_an_accepted_reply_without_its_result_does_not_fit_the_schema() -> None:
    with pytest.raises(ValueError, match="meeting"):
        reply_adapter("scheduling", "book_meeting").validate_python({"ok": True})
