"""What an operator reads: every log line one JSON object with the same fields, whether it
comes from our code or from a library's standard-library logger; lines below ``LOG_LEVEL``
left out; a ``LOG_LEVEL`` that is no level refused at start. Each case runs in a process of
its own: logging is configured once per process, as in a service."""

import json
import subprocess
import sys

SCRIPT = """
import logging, structlog
from mediation_runtime.logging import configure_logging
configure_logging("json", {level!r})
structlog.contextvars.bind_contextvars(case_id="c-1", tenant="kk")
log = structlog.get_logger("notes")
log.debug("hidden_unless_debug")
log.info("assignment_proven", reason="assigned")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("handler_failed", error_type="ZeroDivisionError")
logging.getLogger("faststream").info("from %s", "a library")
"""


def run(level: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.format(level=level)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_our_lines_and_a_librarys_have_the_same_shape_and_the_level_filters() -> None:
    done = run("INFO")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(line["event"], line["level"], line["logger"]) for line in lines] == [
        ("assignment_proven", "info", "notes"),
        ("handler_failed", "error", "notes"),
        ("from a library", "info", "faststream"),
    ]
    assert all("timestamp" in line for line in lines)
    assert (lines[0]["case_id"], lines[0]["tenant"], lines[0]["reason"]) == (
        "c-1",
        "kk",
        "assigned",
    )
    assert "ZeroDivisionError" in lines[1]["exception"]


def test_debug_lines_appear_at_debug_level() -> None:
    done = run("debug")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line)["event"] for line in done.stdout.splitlines()]
    assert events[0] == "hidden_unless_debug"


def test_a_log_level_that_is_no_level_stops_the_start_with_a_clear_error() -> None:
    done = run("LOUD")
    assert done.returncode != 0
    assert "unknown log level 'LOUD'" in done.stderr
    assert done.stdout == ""
