"""Write a service's AsyncAPI document from its app, or check the committed one is current."""

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote as _quote

from faststream import FastStream
from mediation_contracts.commands import COMMAND_PREFIX, COMMANDS, reply_adapter

SCHEMAS = "#/components/schemas/"


def quote(name: str) -> str:
    """A name in a reference, as FastStream writes them (``:`` kept, spaces escaped)."""
    return _quote(name, safe=":")


def render(app: FastStream) -> str:
    document = json.loads(app.schema.to_specification().to_json())
    add_replies(document)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
