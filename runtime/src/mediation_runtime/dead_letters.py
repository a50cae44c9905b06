"""Operator tool: list a service's dead letters, and replay one once its cause is fixed.

    python -m mediation_runtime.dead_letters list intake
    python -m mediation_runtime.dead_letters replay intake 42

It connects as the operators' admin: ``NATS_URL`` with ``NATS_CA_FILE``, ``NATS_CERT_FILE`` and
``NATS_KEY_FILE``, or, beside a running `make run`, the local stack's admin certificate.

Listing shows ids, subjects and reasons, never the message bodies (they may hold personal
data). Replaying republishes the original bytes to the original subject; the event keeps its
id, so a replay of something already applied changes nothing.
"""

import argparse
import asyncio
from typing import Any

from mediation_contracts.streams import (
    DLQ_DELIVERIES_HEADER,
    DLQ_ORIGINAL_SEQUENCE_HEADER,
    DLQ_ORIGINAL_SUBJECT_HEADER,
    DLQ_REASON_HEADER,
    DLQ_STREAM,
    dlq_subject,
)
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from mediation_runtime.bus import BusConfigError, BusCredentials, connect, tool_credentials


async def read_stream(js: JetStreamContext, stream: str, subject: str) -> list[Msg]:
    """Every message now stored in ``stream`` under ``subject`` (wildcards allowed), in order."""
    info = await js.stream_info(stream, subjects_filter=subject)
    stored = sum((info.state.subjects or {}).values())
    if stored == 0:
        return []
    sub = await js.subscribe(
        subject, stream=stream, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    try:
        return [await sub.next_msg(timeout=5) for _ in range(stored)]
    finally:
        await sub.unsubscribe()


async def list_dead_letters(credentials: BusCredentials, service: str) -> list[dict[str, Any]]:
    connection = await connect(credentials, "dead-letters")
    try:
        messages = await read_stream(connection.jetstream(), DLQ_STREAM, dlq_subject(service))
    finally:
        await connection.close()
    return [
        {
            "dlq_seq": msg.metadata.sequence.stream,
            "time": msg.metadata.timestamp,
            "original_subject": (msg.headers or {}).get(DLQ_ORIGINAL_SUBJECT_HEADER),
            "original_seq": (msg.headers or {}).get(DLQ_ORIGINAL_SEQUENCE_HEADER),
            "deliveries": (msg.headers or {}).get(DLQ_DELIVERIES_HEADER),
            "reason": (msg.headers or {}).get(DLQ_REASON_HEADER),
        }
        for msg in messages
    ]


async def replay(credentials: BusCredentials, service: str, dlq_seq: int) -> str:
    connection = await connect(credentials, "dead-letters")
    try:
        js = connection.jetstream()
        letter = await js.get_msg(DLQ_STREAM, seq=dlq_seq)
        if letter.subject != dlq_subject(service):
            raise SystemExit(f"dead letter {dlq_seq} belongs to {letter.subject}, not {service}")
        original_subject: str = (letter.headers or {})[DLQ_ORIGINAL_SUBJECT_HEADER]
        await js.publish(original_subject, letter.data or b"")
        return original_subject
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Inspect and replay dead letters.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="dead letters of a service, oldest first")
    listing.add_argument("service")
    again = commands.add_parser("replay", help="republish one dead letter to its subject")
    again.add_argument("service")
    again.add_argument("dlq_seq", type=int)
    args = parser.parse_args()
    try:
        credentials = tool_credentials()
    except BusConfigError as error:
        raise SystemExit(f"error: {error}") from None
    try:
        run(args, credentials)
    except (OSError, NatsError) as error:
        raise SystemExit(f"error: cannot reach NATS at {credentials.url}: {error!r}") from None


def run(args: argparse.Namespace, credentials: BusCredentials) -> None:
    if args.command == "list":
        letters = asyncio.run(list_dead_letters(credentials, args.service))
        for letter in letters:
            print(
                f"{letter['dlq_seq']:>6}  {letter['time']:%Y-%m-%d %H:%M:%S}  "
                f"{letter['original_subject']}  ({letter['deliveries']} deliveries)  "
                f"{letter['reason']}"
            )
        print(f"{len(letters)} dead letter(s) for {args.service}")
    else:
        subject = asyncio.run(replay(credentials, args.service, args.dlq_seq))
        print(f"replayed dead letter {args.dlq_seq} to {subject}")


if __name__ == "__main__":
    main()
