"""Write a service's AsyncAPI document from its app, or check the committed one is current."""

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote as _quote
from urllib.parse import unquote

from faststream import FastStream
from mediation_contracts.commands import COMMAND_PREFIX, COMMANDS, reply_adapter
from mediation_contracts.events import ALL_EVENTS

SCHEMAS = "#/components/schemas/"


def quote(name: str) -> str:
    """A name in a reference, as FastStream writes them (``:`` kept, spaces escaped)."""
    return _quote(name, safe=":")


def render(app: FastStream) -> str:
    document = json.loads(app.schema.to_specification().to_json())
    name_event_channels(document)
    add_replies(document)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


EVENTS_CHANNEL = ": events:"
"""What FastStream names a channel of a consumer with several filter subjects:
``<title>:<subject>`` (the service's consumer is titled ``<service>: events``)."""


def name_event_channels(document: dict[str, Any]) -> None:
    """FastStream describes each filter subject of the service's one consumer as a channel
    carrying any of its events; the contract says exactly one event type per subject. So
    each such channel gets its event's name, description and schema, as a publisher's has."""
    by_subject = {(e.aggregate, e.event): e for e in ALL_EVENTS}
    channels: dict[str, Any] = document.get("channels", {})
    messages: dict[str, Any] = document.get("components", {}).get("messages", {})
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    operations: dict[str, Any] = document.get("operations", {})
    for old in [name for name in channels if EVENTS_CHANNEL in name]:
        service = old.split(EVENTS_CHANNEL)[0]
        channel = channels.pop(old)
        *_, aggregate, event = channel["address"].split(".")
        cls = by_subject[(aggregate, event)]
        new = f"{service}: {cls.__name__}"
        message = f"{new}:SubscribeMessage"
        for stale in channel["messages"].values():
            messages.pop(unquote(stale["$ref"].rsplit("/", 1)[1]), None)
        messages[message] = {
            "title": message,
            "correlationId": {"location": "$message.header#/correlation_id"},
            "payload": {"$ref": SCHEMAS + cls.__name__},
        }
        channel["description"] = (cls.__doc__ or "").strip()
        channel["messages"] = {
            "SubscribeMessage": {"$ref": f"#/components/messages/{quote(message)}"}
        }
        channels[new] = channel
        operation = operations.pop(f"{old}Subscribe")
        operation["channel"] = {"$ref": f"#/channels/{quote(new)}"}
        operation["messages"] = [{"$ref": f"#/channels/{quote(new)}/messages/SubscribeMessage"}]
        operations[new] = operation
    for name in [n for n in schemas if n.endswith(": events:Message:Payload")]:
        del schemas[name]


def add_replies(document: dict[str, Any]) -> None:
    """Give every command's operation its reply (AsyncAPI 3 ``reply``), which FastStream does
    not describe: the reply's schema from the contract, sent to the requester's inbox."""
    channels: dict[str, Any] = document.setdefault("channels", {})
    components: dict[str, Any] = document.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    messages: dict[str, Any] = components.setdefault("messages", {})
    for name, channel in list(channels.items()):
        parts = str(channel.get("address", "")).removeprefix(COMMAND_PREFIX + ".").split(".")
        if len(parts) != 3 or parts[1] not in COMMANDS or parts[2] not in COMMANDS[parts[1]]:
            continue
        service, command = parts[1], parts[2]
        schema = reply_adapter(service, command).json_schema(ref_template=SCHEMAS + "{model}")
        schemas.update(schema.pop("$defs", {}))
        title = schema["title"]
        schemas[title] = schema
        reply_channel = f"{name} reply"
        message = f"{reply_channel}:Message"
        messages[message] = {"title": message, "payload": {"$ref": SCHEMAS + title}}
        channels[reply_channel] = {
            "address": None,
            "description": f"The reply to {service}.{command}, in the requester's inbox.",
            "messages": {"Reply": {"$ref": f"#/components/messages/{quote(message)}"}},
        }
        for operation in document.get("operations", {}).values():
            if operation.get("channel", {}).get("$ref") == f"#/channels/{quote(name)}":
                operation["reply"] = {
                    "address": {
                        "location": "$message.header#/reply_to",
                        "description": "The requester's private inbox (_INBOX.<principal>.…).",
                    },
                    "channel": {"$ref": f"#/channels/{quote(reply_channel)}"},
                    "messages": [{"$ref": f"#/channels/{quote(reply_channel)}/messages/Reply"}],
                }


def write_or_check(app: FastStream, path: Path, argv: list[str]) -> None:
    """``--check``: exit 1 when ``path`` differs from what the app declares."""
    current = render(app)
    if "--check" in argv:
        if not path.exists() or path.read_text() != current:
            sys.exit(f"{path} is out of date: run `make contract`")
        return
    path.write_text(current)
