"""Where the project lives on disk: repository root, project-local tools, state directory.

Everything the stack installs or writes stays inside the repository (``.tools/``, ``var/``), so a
fresh clone needs nothing outside it and ``make reset`` / deleting the clone leaves no trace.
"""

import os
from pathlib import Path

HOME_ENV = "MEDIATION_HOME"
STATE_DIR_ENV = "MEDIATION_STATE_DIR"


def _is_workspace_root(directory: Path) -> bool:
    pyproject = directory / "pyproject.toml"
    return pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text(encoding="utf-8")


def repo_root() -> Path:
    """The workspace root: ``$MEDIATION_HOME``, else the nearest ancestor declaring the workspace.

    Searched from this file first (the package is installed editable from the repository), then
    from the working directory.
    """
    if home := os.environ.get(HOME_ENV):
        return Path(home).resolve()
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for directory in (start, *start.parents):
            if _is_workspace_root(directory):
                return directory
    raise RuntimeError(
        f"cannot find the repository root (a pyproject.toml with [tool.uv.workspace]); "
        f"run from inside the repository or set {HOME_ENV}"
    )


def tools_bin_dir() -> Path:
    """Project-local binaries that are built rather than installed from PyPI (FerretDB)."""
    return repo_root() / ".tools" / "bin"


def state_dir() -> Path:
    """Data and logs of ``make run``: ``$MEDIATION_STATE_DIR``, else ``<repo>/var``."""
    if configured := os.environ.get(STATE_DIR_ENV):
        return Path(configured).resolve()
    return repo_root() / "var"
