"""Loopback ports: pick a free one for tests, and explain who holds a fixed one for `make run`.

A taken default port is the most common reason a local stack does not start; saying which
process holds it saves the developer a round of `ss`/`lsof`.
"""

import asyncio
import contextlib
import re
import shutil
import socket
import subprocess

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A port that was free a moment ago (the OS picks it; tiny race until the server binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a server could listen on ``host:port`` now (same SO_REUSEADDR as Go servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def describe_port_holder(port: int) -> str | None:
    """E.g. ``nats-server (pid 1234)`` for the process listening on ``port``, if `ss` can tell."""
    ss = shutil.which("ss")
    if ss is None:
        return None
    try:
        out = subprocess.run(
            [ss, "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    holders = sorted(set(re.findall(r'\("([^"]+)",pid=(\d+)', out)))
    if holders:
        return ", ".join(f"{name} (pid {pid})" for name, pid in holders)
    return "another process (run `ss -ltnp` as root to see which)" if out.strip() else None


async def port_answers(port: int, host: str = LOOPBACK) -> bool:
    """Whether a server accepts connections on ``host:port`` now."""
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
