"""The stack's state directory: one runner at a time; reset deletes only what is its own."""

from pathlib import Path

import pytest
from mediation_devstack.stack import redact
from mediation_devstack.state import RunLock, StackRunning, StateLayout, reset


def test_a_second_runner_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    layout = StateLayout(tmp_path / "var")
    with RunLock(layout), pytest.raises(StackRunning), RunLock(layout):
        pass
    with RunLock(layout):  # released when the first runner ended
        pass


def test_reset_refuses_while_a_stack_runs(tmp_path: Path) -> None:
    layout = StateLayout(tmp_path / "var")
    with RunLock(layout), pytest.raises(StackRunning):
        reset(layout)


def test_reset_deletes_data_and_logs(tmp_path: Path) -> None:
    layout = StateLayout(tmp_path / "var")
    for directory in (layout.nats_dir, layout.ferretdb_dir, layout.log_dir):
        directory.mkdir(parents=True)
    (layout.ferretdb_dir / "mediation_intake.sqlite").write_bytes(b"")

    reset(layout)

    assert not layout.root.exists()


def test_reset_keeps_a_directory_holding_files_it_did_not_create(tmp_path: Path) -> None:
    layout = StateLayout(tmp_path)
    (tmp_path / "thesis.tex").write_text("precious")

    with pytest.raises(RuntimeError, match=r"thesis\.tex"):
        reset(layout)

    assert (tmp_path / "thesis.tex").exists()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mongodb://app:s3cret@db.example:27017/", "mongodb://app:***@db.example:27017/"),
        ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
    ],
)
def test_printed_urls_hide_passwords(url: str, shown: str) -> None:
    assert redact(url) == shown
