"""The image as operators get it: one image, the command picks the deployable; it runs as a
numeric non-root user, holds no compiler, package installer or secret, stops on SIGTERM, and
takes its secrets from mounted files at run time."""

import pytest

from tests.containers.docker import inspect_image, run

pytestmark = [pytest.mark.containers, pytest.mark.timeout(900)]

DEPLOYABLES = (
    "intake",
    "scheduling",
    "notes",
    "notifications",
    "insights",
    "mediator_client",
    "gateway",
)


def in_image(image: str, script: str, *env: str) -> str:
    options = [item for pair in (("-e", e) for e in env) for item in pair]
    return run(["docker", "run", "--rm", *options, image, "sh", "-c", script]).stdout


def test_it_runs_as_a_numeric_non_root_user(mediation_image: str) -> None:
    config = inspect_image(mediation_image)["Config"]
    assert config["User"] == "10001:10001"  # numeric: Kubernetes' runAsNonRoot can check it
    assert in_image(mediation_image, "id -u; id -g").split() == ["10001", "10001"]
    assert config["StopSignal"] == "SIGTERM"
    assert "PYTHONDONTWRITEBYTECODE=1" in config["Env"]


def test_it_holds_no_compiler_installer_or_secret(mediation_image: str) -> None:
    found = in_image(
        mediation_image,
        "for tool in gcc cc c++ make go pip pip3 uv; do command -v $tool; done;"
        " python -m pip --version 2>/dev/null; python -m ensurepip --version 2>/dev/null;"
        " ls -d /wheelhouse 2>/dev/null;"
        " grep -rlIE '^-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----$' /opt /var /etc /root /home"
        " 2>/dev/null;"
        " true",
    )
    assert found.split() == []
    config = inspect_image(mediation_image)["Config"]
    names = [item.split("=", 1)[0] for item in config["Env"]]
    assert not [n for n in names if any(w in n for w in ("SECRET", "KEY", "PASSWORD", "TOKEN"))]


def test_the_command_picks_the_deployable(mediation_image: str) -> None:
    """Every deployable is importable with its dependencies; without a command the image says
    how to choose one instead of starting something."""
    imports = "; ".join(f"import {name}.__main__" for name in DEPLOYABLES)
    run(["docker", "run", "--rm", mediation_image, "python", "-c", imports])
    bare = run(["docker", "run", "--rm", mediation_image], check=False)
    assert bare.returncode != 0
    assert "python -m intake" in bare.stderr


def test_secrets_come_from_mounted_files(mediation_image: str) -> None:
    """NOTES_MASTER_KEY_FILE and the like become the setting, read at start, never baked in."""
    out = in_image(
        mediation_image,
        "printf 'not-a-real-key\\n' > /tmp/key;"
        " NOTES_MASTER_KEY_FILE=/tmp/key mediation-entrypoint"
        " python -c 'import os; print(os.environ[\"NOTES_MASTER_KEY\"])'",
    )
    assert out.strip() == "not-a-real-key"
    secret_file = "MEDIATOR_SESSION_SECRET_FILE=/nowhere"
    missing = run(
        [
            "docker",
            "run",
            "--rm",
            "-e",
            secret_file,
            mediation_image,
            "python",
            "-m",
            "mediator_client",
        ],
        check=False,
    )
    assert missing.returncode != 0
    assert "MEDIATOR_SESSION_SECRET_FILE=/nowhere" in missing.stderr
