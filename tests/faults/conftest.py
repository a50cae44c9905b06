from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.system import FIGURES, System, write_figures

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "faults.json"


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """The whole system on servers of the fault suite's own (never the shared ones)."""
    started = System(tmp_path_factory.mktemp("faults"))
    try:
        await started.start()
        yield started
    finally:
        await started.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    write_figures(ARTIFACT)
    terminalreporter.section("fault suite")
    terminalreporter.write_line(
        f"{'scenario':<44} {'cases':>5} {'events':>6} {'lost':>4} {'dup':>4} {'dlq':>4} "
        f"{'recover s':>9}"
    )
    for f in FIGURES:
        terminalreporter.write_line(
            f"{f.scenario:<44} {f.cases:>5} {f.events:>6} {f.lost:>4} {f.duplicated:>4} "
            f"{f.dead_lettered:>4} {f.seconds_to_recover:>9}"
        )
    terminalreporter.write_line(f"(also in {ARTIFACT})")
