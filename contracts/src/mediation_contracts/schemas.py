"""Generate the contract's JSON Schemas and event catalog from the models.

    python -m mediation_contracts.schemas           # rewrite contracts/schemas/, docs/events.md
    python -m mediation_contracts.schemas --check   # exit 1 naming the files that drift (CI)

A development tool: it reads and writes files of this repository, the models stay I/O-free.
"""

import argparse
import ast
import inspect
import json
import sys
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

from mediation_contracts import access, envelope, streams
from mediation_contracts.commands import COMMANDS, command_subscription, reply_adapter
from mediation_contracts.envelope import CloudEvent, Payload
from mediation_contracts.events import ALL_EVENTS
from mediation_contracts.rules import IN_SCHEMA_WORDS
from mediation_contracts.subjects import MAJOR, PREFIX

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_DIR = Path("contracts/schemas")
COMMAND_SCHEMA_DIR = SCHEMA_DIR / "commands"
CATALOG = Path("docs/events.md")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "urn:dk-mediation:schema:"


def subject_pattern(cls: type[CloudEvent]) -> str:
    return f"{PREFIX}.{MAJOR}.{{tenant}}.{cls.aggregate}.{cls.event}"


def data_model(cls: type[CloudEvent]) -> type[Payload]:
    """The payload model of an event type."""
    model = cls.model_fields["data"].annotation
    if not (isinstance(model, type) and issubclass(model, Payload)):
        raise TypeError(f"{cls.__name__}.data is not a payload model")
    return model


def description(cls: type[CloudEvent]) -> str:
    return inspect.cleandoc(cls.__doc__ or "")


def json_schema(cls: type[CloudEvent]) -> dict[str, Any]:
    schema = cls.model_json_schema(mode="validation")
    schema.update(
        {
            "$schema": DIALECT,
            "$id": f"{ID_PREFIX}{cls.type_name()}",
            "title": cls.__name__,
            "description": description(cls),
            "x-aggregate": cls.aggregate,
            "x-event": cls.event,
            "x-nats-subject": subject_pattern(cls),
            "x-sensitivity": cls.sensitivity,
            "x-producers": list(cls.producers),
            "x-consumers": list(cls.consumers),
        }
    )
    return schema


def command_schemas(service: str, command: str) -> dict[str, dict[str, Any]]:
    """The JSON Schemas of one command's request and of every reply it can get."""
    spec = COMMANDS[service][command]
    common = {
        "$schema": DIALECT,
        "x-nats-subject": command_subscription(service, command),
        "x-callers": list(access.COMMAND_CALLERS[service][command]),
    }
    request = spec.request.model_json_schema(mode="validation")
    request.update(common)
    request.update(
        {
            "$id": f"{ID_PREFIX}cmd.{service}.{command}.request",
            "title": f"{service}.{command} request",
            "description": spec.description,
        }
    )
    reply = reply_adapter(service, command).json_schema(mode="validation")
    reply.update(common)
    reply.update(
        {
            "$id": f"{ID_PREFIX}cmd.{service}.{command}.reply",
            "title": f"{service}.{command} reply",
            "description": "Accepted: `ok` true and exactly "
            + (", ".join(f"`{name}`" for name in spec.result) or "no other field")
            + ". Refused: `ok` false and `error`. A field that is not set is absent, "
            "never null.",
        }
    )
    return {"request": request, "reply": reply}


def command_schema_path(service: str, command: str, part: str) -> Path:
    return COMMAND_SCHEMA_DIR / f"{service}.{command}.{part}.json"


def attribute_docstring(module: ModuleType, name: str) -> str:
    """The string literal right after ``name = ...`` (attribute docstring, as Sphinx reads it)."""
    body = ast.parse(inspect.getsource(module)).body
    for statement, following in pairwise(body):
        if (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in statement.targets)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
        ):
            return inspect.cleandoc(str(following.value.value))
    raise LookupError(f"{module.__name__}.{name} has no docstring")


def stream_limits(spec: streams.StreamSpec) -> str:
    age = (
        f"`{spec.age_variable}`"
        if spec.own_age
        else f"as long as `{streams.EVENTS_STREAM}` (its messages are what it names)"
    )
    full = {
        "new": "new messages are refused (none is dropped unread)",
        "old": "the oldest go",
    }[spec.discard]
    personal = "; may hold names and contact details" if spec.personal else ""
    return (
        f"age: {age}{personal}; size: `{spec.bytes_variable}` "
        f"(default {spec.max_bytes // streams.MIB} MiB), when full {full}"
    )


def _header(*names: str) -> list[str]:
    """A Markdown table's header and separator rows."""
    return [_row(*names), _row(*["---"] * len(names))]


def _row(*cells: str) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


def catalog() -> str:
    """docs/events.md: the contract for people, generated from the code."""
    sections = (
        _intro_section(),
        _rules_section(),
        _events_section(),
        _access_section(),
        _dead_letters_section(),
    )
    return "\n".join(line for section in sections for line in section) + "\n"


def _intro_section() -> list[str]:
    """Envelope, conversations, naming, compatibility."""
    envelope_rows = [
        _row(f"`{name}`", field.description or "")
        for name, field in CloudEvent.model_fields.items()
    ]
    return [
        "# Event catalog (v1)",
        "",
        "<!-- Generated by `python -m mediation_contracts.schemas`; do not edit by hand. -->",
        "",
        inspect.cleandoc(envelope.__doc__ or ""),
        "",
        f"Each event type has a JSON Schema in [`{SCHEMA_DIR}/`](../{SCHEMA_DIR}/), "
        "linked from the table below.",
        "",
        *_header("attribute", "meaning"),
        *envelope_rows,
        "",
        "## Conversations: `correlationid` and `causationid`",
        "",
        envelope.CONVERSATION,
        "",
        "## Trace context: `traceparent` and `tracestate`",
        "",
        envelope.TRACE_CONTEXT,
        "",
        "## Naming",
        "",
        f"- CloudEvents type: `dk.mediation.<aggregate>.<event>.{MAJOR}`.",
        f"- NATS subject: `{PREFIX}.{MAJOR}.<tenant>.<aggregate>.<event>`; the tenant is the "
        "municipality's slug (`[a-z0-9-]+`) and equals the envelope's `tenant`.",
        "- Durable consumers: a service's is `<service>-events` (all it consumes, in stream "
        "order); an integration's `<integration>-<aggregate>-<event>`. `Nats-Msg-Id` is the "
        "event `id`.",
        "",
        "## Compatibility",
        "",
        f"Within {MAJOR}, fields are only added: never removed, renamed or retyped. "
        "Consumers ignore fields they do not know. A breaking change is a new major version, "
        "with a new type and subject.",
        "",
    ]


def _rules_section() -> list[str]:
    """The rules across fields, per event."""
    rule_rows = [
        _row(
            f"[{cls.__name__}](../{SCHEMA_DIR}/{cls.type_name()}.json)",
            f"`{rule.id}`",
            rule.text,
            IN_SCHEMA_WORDS[rule.in_schema],
        )
        for cls in ALL_EVENTS
        for rule in data_model(cls).rules
    ]
    return [
        "## Rules across fields",
        "",
        "Beyond each field's own constraints, these rules hold; the services refuse (dead-letter) "
        "an event that breaks one. Each event's JSON Schema states them in its payload's "
        "`description` and `x-rules` (`in_schema`: `full`, `partial` or `none`), and checks "
        "them in `allOf` where JSON Schema can express them. Validate against the schema, then "
        "check the rules it cannot express yourself.",
        "",
        *_header("event", "rule", "what must hold", "JSON Schema"),
        *rule_rows,
        "",
        "## Sensitivity",
        "",
        attribute_docstring(envelope, "Sensitivity"),
        "",
    ]


def _events_section() -> list[str]:
    """Sensitivity and the table of events."""
    event_rows = [
        _row(
            f"[{cls.__name__}](../{SCHEMA_DIR}/{cls.type_name()}.json)",
            f"`{cls.type_name()}`",
            f"`{subject_pattern(cls)}`",
            ", ".join(cls.producers),
            ", ".join(cls.consumers) or "none yet",
            cls.sensitivity,
            description(cls),
        )
        for cls in ALL_EVENTS
    ]
    return [
        "## Events",
        "",
        *_header(
            "event", "type", "NATS subject", "producers", "consumers", "sensitivity", "description"
        ),
        *event_rows,
        "",
    ]


def _access_section() -> list[str]:
    """Who may say and hear what on the bus."""
    access_rows = [
        _row(
            role,
            ", ".join(f"`{cls.aggregate}.{cls.event}`" for cls in access.produced_by([role]))
            or "nothing",
            ", ".join(f"`{cls.aggregate}.{cls.event}`" for cls in access.consumed_by([role]))
            or "nothing by default",
            ", ".join(f"`{service}.{command}`" for service, command in access.commands_for([role]))
            or "nothing",
        )
        for role in access.OUTSIDE_ROLES
    ]
    return [
        "## Access on the bus",
        "",
        "Every connection is TLS with a client certificate signed by the bus CA; the "
        "certificate names one principal, and NATS enforces what it may publish and "
        "subscribe, derived from this catalog (`mediation_contracts.access`). A municipal "
        "system gets a principal of its own, bound to one municipality (tenant): it may "
        "publish only the events its roles produce, send only the commands they may send, "
        "and hear only its own municipality's events, on the event subject or through a "
        "durable consumer named `<principal>-<aggregate>-<event>` filtered to its tenant. "
        "More non-personal event types can be granted per system. Replies go to the "
        "requester's private inbox `_INBOX.<principal>.>`; no one else may subscribe there, "
        "nor to `>`. A refused publish gets a permissions violation from the server.",
        "",
        *_header("role of an outside system", "may publish", "may hear", "may ask"),
        *access_rows,
        "",
    ]


def _dead_letters_section() -> list[str]:
    """Dead letters, the streams and their retention."""
    stream_rows = [
        _row(
            f"`{spec.name}`",
            ", ".join(f"`{s}`" for s in spec.subjects),
            spec.description,
            stream_limits(spec),
        )
        for spec in streams.STREAMS
    ]
    return [
        "## Dead letters",
        "",
        "Input a service cannot process (malformed, invalid, or out of deliveries) goes to "
        f"`{streams.dlq_subject('<service>')}` with its original bytes, original subject and "
        "the reason. Not refused: an event that the stream has before the event that closed "
        "its case but that was applied after it (two replicas of a service, a retry): intake "
        "acknowledges it as moot and shows it on the case as not carried out.",
        "",
        *_header("stream", "subjects", "purpose", "limits"),
        *stream_rows,
        "",
        "Each dead letter's body is the original message, byte for byte; these headers say "
        "what it was and why it was rejected:",
        "",
        *_header("header", "meaning"),
        *(_row(f"`{name}`", meaning) for name, meaning in streams.DLQ_HEADERS),
        "",
        "## Retention on the streams",
        "",
        "Messages leave the streams once they were stored longer ago than their stream's age "
        "limit, set in "
        "ISO 8601 like the services' retention settings. By default every stream keeps them as "
        "long as notifications keeps contact details after a case closed "
        "(`NOTIFICATIONS_CONTACT_RETENTION`); dead letters as long as the events unless "
        "`MEDIATION_DLQ_MAX_AGE` is set. A stream that may hold names or contact details may "
        "not keep them longer than the longest personal-data retention of the services "
        "(`NOTES_RETENTION`, `NOTIFICATIONS_CONTACT_RETENTION`), and no age limit may be "
        f"shorter than {streams.MIN_STREAM_AGE.days} day: the services refuse to start with "
        "such settings, naming the one to fix. A system that consumes events must therefore "
        "read them within the events stream's age limit. A closed case's `personal` events "
        "and dead letters may leave earlier: intake deletes them when it erases the case, "
        "`INTAKE_RETENTION` after the close or on a data protection erasure request.",
    ]


def render_json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[Path, str]:
    """Every generated file, by path relative to the repository root."""
    files = {
        SCHEMA_DIR / f"{cls.type_name()}.json": render_json(json_schema(cls)) for cls in ALL_EVENTS
    }
    for service, commands in COMMANDS.items():
        for command in commands:
            for part, schema in command_schemas(service, command).items():
                files[command_schema_path(service, command, part)] = render_json(schema)
    files[CATALOG] = catalog()
    return files


def stale(root: Path, expected: dict[Path, str]) -> list[Path]:
    """Schema files of event types or commands that no longer exist."""
    found = (path.relative_to(root) for path in (root / SCHEMA_DIR).rglob("*.json"))
    return sorted(path for path in found if path not in expected)


def drift(root: Path = ROOT) -> list[Path]:
    """Generated files that are missing, differ, or are stale under ``root``."""
    expected = generate()
    differing = [
        path
        for path, text in expected.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]
    return sorted(differing + stale(root, expected))


def write(root: Path = ROOT) -> None:
    expected = generate()
    for path in stale(root, expected):
        (root / path).unlink()
    for path, text in expected.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python -m mediation_contracts.schemas")
    parser.add_argument("--check", action="store_true", help="fail if files differ; write none")
    if not parser.parse_args(argv).check:
        write(root)
        return 0
    differing = drift(root)
    for path in differing:
        print(f"out of date: {path}", file=sys.stderr)
    if differing:
        print(f"run: {parser.prog}", file=sys.stderr)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
