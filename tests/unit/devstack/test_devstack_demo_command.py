"""``python -m mediation_devstack demo`` without a running stack: a sentence saying what to
do, exit 1, no traceback (README, "What `make run` starts")."""

from pathlib import Path

import pytest
from mediation_devstack.__main__ import main
from mediation_devstack.ports import free_port
from mediation_runtime.bus_access import BusAccess


def test_before_the_first_make_run_it_says_to_start_the_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEDIATION_STATE_DIR", str(tmp_path))
    assert main(["demo"]) == 1
    error = capsys.readouterr().err
    assert "no bus certificates" in error
    assert "make run" in error
    assert "Traceback" not in error


def test_with_no_nats_on_the_port_it_names_the_address_and_the_port_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    BusAccess(tmp_path / "bus").init()  # a stack ran here once, and is stopped
    port = free_port()
    monkeypatch.setenv("MEDIATION_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIATION_NATS_PORT", str(port))
    monkeypatch.delenv("NATS_URL", raising=False)
    monkeypatch.delenv("MEDIATION_BUS_DIR", raising=False)
    assert main(["demo"]) == 1
    error = capsys.readouterr().err
    assert f"tls://127.0.0.1:{port}" in error
    assert "MEDIATION_NATS_PORT" in error
    assert "Traceback" not in error
