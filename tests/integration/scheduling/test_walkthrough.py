"""The README's walkthrough works: request to booked meeting through events and commands."""

import importlib.util
from pathlib import Path

import pytest
from mediation_contracts.access import MEDIATOR_CLIENT

from tests.integration.service_process import ServiceProcess
from tests.secure_bus import LiveBus

pytestmark = pytest.mark.integration

WALKTHROUGH = Path(__file__).resolve().parents[3] / "docs" / "examples" / "walkthrough.py"


async def test_the_documented_walkthrough_books_a_mediation_meeting(
    intake: ServiceProcess, scheduling: ServiceProcess, bus: LiveBus
) -> None:
    spec = importlib.util.spec_from_file_location("walkthrough", WALKTHROUGH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    booked = await module.walkthrough(bus.credentials(MEDIATOR_CLIENT))

    assert booked.ok, booked.error
    assert booked.meeting.kind == "mediation"
    assert booked.meeting.status == "scheduled"
