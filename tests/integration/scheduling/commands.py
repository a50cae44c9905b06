"""Send scheduling's documented request-reply commands, as the thin client does."""

from mediation_contracts.commands import Reply, command_subject
from nats.aio.client import Client
from pydantic import BaseModel

from tests.integration.bus import documented_reply


async def ask(nc: Client, tenant: str, command: str, request: BaseModel | bytes) -> Reply:
    body = request if isinstance(request, bytes) else request.model_dump_json().encode()
    response = await nc.request(command_subject(tenant, "scheduling", command), body, timeout=10)
    return documented_reply("scheduling", command, response.data)
