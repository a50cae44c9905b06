"""The state directory of `make run` (``var/``): its layout, the run lock, and reset.

The lock is an ``flock`` on ``var/devstack.pid``: the kernel drops it when the runner exits in
any way, so a crashed run never leaves a stale lock, and ``reset`` can tell a running stack
from a leftover file.
"""

import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO


class StackRunning(RuntimeError):
    """Another `run` holds the state directory."""


@dataclass(frozen=True)
class StateLayout:
    root: Path

    @property
    def nats_dir(self) -> Path:
        return self.root / "nats"

    @property
    def ferretdb_dir(self) -> Path:
        return self.root / "ferretdb"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def pid_file(self) -> Path:
        return self.root / "devstack.pid"

    @property
    def dev_identity_dir(self) -> Path:
        return self.root / "dev-identity"

    @property
    def bus_dir(self) -> Path:
        """The bus's development CA, certificates and NATS authorization (bus_access)."""
        return self.root / "bus"

    def owned_entries(self) -> set[str]:
        owned = (
            self.nats_dir,
            self.ferretdb_dir,
            self.log_dir,
            self.pid_file,
            self.dev_identity_dir,
            self.bus_dir,
            self.root / "bench",
        )
        return {p.name for p in owned}


class RunLock:
    """Held while a stack runs from this state directory; the file holds the runner's pid."""

    def __init__(self, layout: StateLayout) -> None:
        self._path = layout.pid_file
        self._file: IO[str] | None = None

    def __enter__(self) -> "RunLock":
        self._path.parent.mkdir(parents=True, exist_ok=True)
        file = self._path.open("a+")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "?"
            file.close()
            raise StackRunning(
                f"a local stack is already running from {self._path.parent} (pid {holder})"
            ) from None
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._path.unlink(missing_ok=True)
            self._file.close()
            self._file = None


def reset(layout: StateLayout) -> str:
    """Delete the state directory; refuse while a stack runs or if it holds foreign files."""
    if not layout.root.exists():
        return f"nothing to reset: {layout.root} does not exist"
    foreign = sorted({p.name for p in layout.root.iterdir()} - layout.owned_entries())
    if foreign:
        raise RuntimeError(
            f"refusing to delete {layout.root}: it holds files the local stack did not create: "
            + ", ".join(foreign)
        )
    with RunLock(layout):  # raises StackRunning while a stack runs
        shutil.rmtree(layout.root)
    return f"deleted {layout.root} (NATS and FerretDB data, logs)"
