"""Run a service as a real process (`python -m <service>`), as `make run` does."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.secure_bus import LiveBus, principal_of


class ServiceProcess:
    # The log line that says the process is ready (FastStream's, for the services).
    ready_marker = b"app started successfully"

    def __init__(
        self, service: str, bus: LiveBus, mongodb_url: str, log_path: Path, **env: str
    ) -> None:
        self.service = service
        self.log_path = log_path
        prefix = service.upper()
        self.env = {
            **os.environ,
            **bus.env(principal_of(service)),  # its own certificate, so its own permissions
            "MONGODB_URL": mongodb_url,
            "LOG_FORMAT": "json",
            # Short delays so a test sees retries and dead letters in seconds.
            f"{prefix}_RETRY_DELAYS": "[0.3, 0.5, 1.0]",
            f"{prefix}_ACK_WAIT_SECONDS": "3",
            f"{prefix}_OUTBOX_POLL_SECONDS": "0.5",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.service], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.service} exited with {self.process.returncode}: {self.tail()}"
                )
            if self.ready_marker in self.log_path.read_bytes()[offset:]:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{self.service} did not start within {timeout}s: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, in-flight messages unacknowledged."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.logs().splitlines()[-lines:])
