"""Docker and docker-compose from the tests: images built here, a compose project started
from deploy/compose with locally built images, and conditions waited on with timeouts.

No image registry is reachable on the test machines, so every image is built here: a Debian
base by debootstrap (cached by tag, so reruns reuse it), the mediation image on it by
`make containers`' own script, and stand-ins for the official nats and mongo images from the
same base plus the nats-server of the venv and the project's FerretDB.
"""

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from mediation_devstack.tools import ferretdb_works, nats_server_path, require_ferretdb

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "deploy" / "images"
COMPOSE_DIR = ROOT / "deploy" / "compose"
TEST_IMAGES = Path(__file__).resolve().parent / "images"
DOCKER_TIMEOUT = 900.0


def run(
    argv: Sequence[str],
    *,
    timeout: float = 120.0,
    check: bool = True,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
        cwd=cwd,
        input=input,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    return result


def require_docker() -> None:
    """Docker and docker-compose answer, or the test fails (never a skip: a skipped container
    test looks green). .ci/run installs them and starts dockerd."""
    for tool in ("docker", "docker-compose"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: .ci/run installs it (docker.io, docker-compose)")
    try:
        answer = run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=30, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("docker info did not answer within 30 s: is dockerd running?")
    if answer.returncode != 0:
        pytest.fail(f"the Docker daemon does not answer: {answer.stderr.strip()}", pytrace=False)


def image_exists(tag: str) -> bool:
    return run(["docker", "image", "inspect", tag], check=False).returncode == 0


def inspect_image(tag: str) -> dict[str, Any]:
    document: list[dict[str, Any]] = json.loads(run(["docker", "image", "inspect", tag]).stdout)
    return document[0]


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]


def base_image() -> str:
    """The debootstrap base (bookworm, python3, python3-venv), built once per version of the
    script that makes it and kept by tag."""
    script = IMAGES / "debootstrap-base.sh"
    tag = f"mediation-test-base:bookworm-{_digest(script.read_bytes())}"
    if not image_exists(tag):
        run([str(script), tag], timeout=DOCKER_TIMEOUT)
    return tag


def mediation_image(base: str) -> str:
    """The image as `make containers` builds it (wheelhouse, then docker build), on ``base``,
    under a tag of this test session alone (other runs may build beside it)."""
    tag = f"mediation-test:{os.getpid()}-{secrets.token_hex(3)}"
    env = os.environ | {
        "BASE_IMAGE": base,
        "MEDIATION_IMAGE": tag,
        # `uv run` tells its children where uv is; else uv on PATH, else pip's module.
        "UV": os.environ.get("UV") or ("uv" if shutil.which("uv") else "python3 -m uv"),
    }
    run([str(IMAGES / "build.sh")], env=env, timeout=DOCKER_TIMEOUT)
    return tag


def server_image(kind: str, base: str) -> str:
    """A stand-in for the official nats or mongo image: ``base`` plus the binary the local
    stack runs (kept by tag: the base, the Dockerfile and the binary name it)."""
    binary = nats_server_path() if kind == "nats" else require_ferretdb()
    if kind != "nats":
        assert ferretdb_works(binary)
    dockerfile = TEST_IMAGES / f"{'nats' if kind == 'nats' else 'ferretdb'}.Dockerfile"
    tag = (
        f"mediation-test-{kind}:"
        f"{_digest(base.encode(), dockerfile.read_bytes(), binary.read_bytes())}"
    )
    if image_exists(tag):
        return tag
    with tempfile.TemporaryDirectory(prefix=f"mediation-{kind}-") as context:
        shutil.copyfile(dockerfile, Path(context) / "Dockerfile")
        shutil.copy2(binary, Path(context) / binary.name)
        run(
            ["docker", "build", "--build-arg", f"BASE_IMAGE={base}", "-t", tag, context],
            timeout=DOCKER_TIMEOUT,
        )
    return tag


def wait_until(
    condition: Callable[[], Any], *, timeout: float, what: str, every: float = 1.0
) -> Any:
    """Poll ``condition`` until it is truthy; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(every)
