"""Child processes the stack owns: output to a log file, readiness by polling, polite stop.

Children run in their own session, so Ctrl-C in the terminal reaches only the runner, which then
stops services before servers. On Linux they also get SIGTERM if the runner dies abruptly, so a
killed `make run` or test session does not leave servers holding ports.
"""

import asyncio
import contextlib
import ctypes
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TextIO

DEFAULT_STOP_TIMEOUT = 10.0
_PR_SET_PDEATHSIG = 1


class StartupError(RuntimeError):
    """A server or service did not come up; the message says why and shows its last log lines."""


def _die_with_parent() -> Callable[[], None] | None:
    if sys.platform != "linux":
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before fork: the child only makes a syscall

    def set_parent_death_signal() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return set_parent_death_signal


class ManagedProcess:
    """One child process, its log file, and (optionally) its output echoed with a prefix."""

    def __init__(
        self,
        name: str,
        process: asyncio.subprocess.Process,
        log_path: Path,
        log_file: IO[bytes],
        echo_task: asyncio.Task[None] | None,
    ) -> None:
        self.name = name
        self.log_path = log_path
        self._process = process
        self._log_file = log_file
        self._echo_task = echo_task

    @classmethod
    async def start(
        cls,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        echo_to: TextIO | None = None,
        echo_prefix: str = "",
    ) -> "ManagedProcess":
        """Start ``argv``; output is appended to ``log_path`` and, if ``echo_to``, echoed there.

        Servers write straight to the file (nothing can block them); services go through a pipe
        so their lines can be shown prefixed in the terminal, which needs a running event loop.
        """
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = log_path.open("ab")
        log_file.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n".encode())
        log_file.flush()
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if echo_to else log_file,
                stderr=asyncio.subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                start_new_session=True,
                preexec_fn=_die_with_parent(),
            )
        except BaseException:
            log_file.close()
            raise
        echo_task = None
        if echo_to is not None and process.stdout is not None:
            echo_task = asyncio.create_task(
                _echo_lines(process.stdout, log_file, echo_to, echo_prefix), name=f"echo-{name}"
            )
        return cls(name, process, log_path, log_file, echo_task)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    async def wait(self) -> int:
        return await self._process.wait()

    async def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> int:
        """SIGTERM, then SIGKILL if it has not exited after ``timeout`` seconds; the exit code."""
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self._process.kill()
                await self._process.wait()
        if self._echo_task is not None:
            await self._echo_task
        self._log_file.close()
        return self._process.returncode if self._process.returncode is not None else -1

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


async def _echo_lines(
    stream: asyncio.StreamReader, log_file: IO[bytes], echo_to: TextIO, prefix: str
) -> None:
    while line := await stream.readline():
        log_file.write(line)
        log_file.flush()
        echo_to.write(prefix + line.decode(errors="replace"))
        echo_to.flush()


async def wait_until_ready(
    process: ManagedProcess,
    is_ready: Callable[[], Awaitable[bool]],
    *,
    what: str,
    timeout: float,
    interval: float = 0.1,
) -> None:
    """Poll ``is_ready`` until it is true; fail early if the process exits, or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        if process.returncode is not None:
            raise StartupError(
                f"{what} exited with code {process.returncode} before it was ready "
                f"(log: {process.log_path}):\n{process.log_tail()}"
            )
        if await is_ready():
            return
        if time.monotonic() > deadline:
            raise StartupError(
                f"{what} was not ready after {timeout:.0f} s (log: {process.log_path}):\n"
                f"{process.log_tail()}"
            )
        await asyncio.sleep(interval)
