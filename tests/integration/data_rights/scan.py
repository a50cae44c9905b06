"""The scanner of the data-rights tests: where a case's records, in every service's database
and every stream message, still hold a name or an address."""

import json

from mediation_contracts.streams import DLQ_STREAM, EVENTS_STREAM
from mediation_runtime.mongo import create_mongo_client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

HOLDERS = ("intake", "scheduling", "notes", "notifications", "insights", "gateway")
"""Every database the system keeps people in (``mediation_<holder>``), the gateway's too."""


async def left_in_databases(mongodb_url: str, case_id: str, needles: tuple[str, ...]) -> list[str]:
    """``service.collection: value`` for each stored document of the case naming a needle."""
    found = []
    client = create_mongo_client(mongodb_url)
    try:
        for service in HOLDERS:
            database = client[f"mediation_{service}"]
            for name in await database.list_collection_names():
                async for document in database[name].find({}):
                    text = json.dumps(document, default=str, ensure_ascii=False)
                    if case_id in text:
                        found += [f"{service}.{name}: {n}" for n in needles if n in text]
    finally:
        await client.close()
    return found


async def left_in_streams(
    js: JetStreamContext, case_id: str, needles: tuple[str, ...]
) -> list[str]:
    """``stream#seq: value`` for each message (events and dead letters) of the case naming a
    needle."""
    found = []
    for stream in (EVENTS_STREAM, DLQ_STREAM):
        seq = 1
        while True:
            try:
                message = await js.get_msg(stream, seq=seq, subject=">", next=True)
            except NotFoundError:
                break
            body = (message.data or b"").decode(errors="replace")
            if case_id in body:
                found += [f"{stream}#{message.seq}: {n}" for n in needles if n in body]
            seq = int(message.seq or seq) + 1
    return found
