"""The local users file: the people who may sign in on the local stack, with argon2id
password hashes. JSON, ``{"users": [{username, password_hash, staff_id, tenant,
display_name, role}]}``. A ``role`` is ``mediator`` (the default: cases) or
``head_of_office`` (kontorchef: the municipality's statistics, no cases).

For operators::

    python -m mediator_client.users add --file var/mediator-users.json \\
        --username mette --staff-id mediator-7 --tenant kk --name "Mette Hansen"
    python -m mediator_client.users add --file var/mediator-users.json \\
        --username karen --staff-id leader-1 --tenant kk --name "Karen Holm" \\
        --role head_of_office
    python -m mediator_client.users demo --file var/mediator-users.json

``add`` asks for the password (or reads one line from standard input when it is not a
terminal). ``demo`` writes the demo logins (:data:`DEMO_USERS`: two mediators and a head of
office) when the file is missing.
"""

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Final, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from mediation_contracts.envelope import OpaqueId, Tenant
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

_hasher: Final = PasswordHasher()  # argon2id, the library's current recommended parameters

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

DEMO_PASSWORD: Final = "mediation-demo"  # noqa: S105 - the documented demo login, local only
DEMO_TENANT: Final = "kk"
Role = Literal["mediator", "head_of_office"]
ROLES: Final[tuple[Role, ...]] = ("mediator", "head_of_office")
# (username, staff id, name, role). mediator-1 is also the mediator of
# docs/examples/walkthrough.py.
DEMO_USERS: Final[tuple[tuple[str, str, str, Role], ...]] = (
    ("mediator1", "mediator-1", "Mette Mægler", "mediator"),
    ("mediator2", "mediator-2", "Mads Mægler", "mediator"),
    ("kontorchef1", "head-of-office-1", "Karen Kontorchef", "head_of_office"),
)


class UserRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    username: Username
    password_hash: Annotated[str, StringConstraints(pattern=r"^\$argon2id\$")]
    staff_id: OpaqueId
    tenant: Tenant
    display_name: DisplayName
    role: Role = "mediator"


class UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[UserRecord]


class UsersFileError(Exception):
    """The users file cannot be used; the message says which file and what is wrong (never a
    password hash)."""


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("the password must not be empty")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the username is unknown, so that an unknown name takes as long as a
# wrong password and a stranger cannot tell which usernames exist.
DUMMY_HASH: Final = hash_password(secrets.token_urlsafe(16))


def load_users(path: Path) -> dict[str, UserRecord]:
    """The users in ``path`` by username. Raises :class:`UsersFileError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsersFileError(
            f"users file {path} does not exist: create it with "
            "`python -m mediator_client.users add --file ...` (or `... demo`)"
        ) from None
    except OSError as error:
        raise UsersFileError(f"users file {path} cannot be read: {error.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsersFileError(
            f"users file {path} is not JSON (line {error.lineno}, column {error.colno})"
        ) from None
    try:
        parsed = UsersFile.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'file'}: {e['msg']}"
            for e in error.errors(include_input=False, include_url=False)
        )
        raise UsersFileError(f"users file {path} is not valid: {problems}") from None
    users: dict[str, UserRecord] = {}
    for user in parsed.users:
        if user.username in users:
            raise UsersFileError(f"users file {path} names {user.username!r} twice")
        users[user.username] = user
    return users


def save_users(path: Path, users: Sequence[UserRecord]) -> None:
    """Write the file atomically, readable by its owner only (it holds password hashes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"users": [user.model_dump() for user in users]}
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(path)


def add_user(
    path: Path,
    *,
    username: str,
    staff_id: str,
    tenant: str,
    display_name: str,
    password: str,
    role: Role = "mediator",
) -> UserRecord:
    """Add a mediator (or, with ``role``, a head of office) to the file (created when
    missing). Raises :class:`UsersFileError` when the username is taken, ValueError
    (pydantic's) when a field is not valid."""
    existing = load_users(path) if path.exists() else {}
    if username in existing:
        raise UsersFileError(f"users file {path} already has {username!r}")
    user = UserRecord(
        username=username,
        password_hash=hash_password(password),
        staff_id=staff_id,
        tenant=tenant,
        display_name=display_name,
        role=role,
    )
    save_users(path, [*existing.values(), user])
    return user


def write_demo_users(path: Path) -> list[tuple[str, str]]:
    """The local stack's demo logins, all in tenant ``kk``: creates ``path`` when it is
    missing. An existing file is left as it is, except that a file of demo logins only (one
    written before a demo login was added) gets the demo logins it lacks. Returns the demo
    logins (username, password)."""
    existing = load_users(path) if path.exists() else {}
    demo_names = {username for username, *_ in DEMO_USERS}
    if not existing or set(existing) < demo_names:
        save_users(
            path,
            [
                *existing.values(),
                *(
                    UserRecord(
                        username=username,
                        password_hash=hash_password(DEMO_PASSWORD),
                        staff_id=staff_id,
                        tenant=DEMO_TENANT,
                        display_name=name,
                        role=role,
                    )
                    for username, staff_id, name, role in DEMO_USERS
                    if username not in existing
                ),
            ],
        )
    return [(username, DEMO_PASSWORD) for username, *_ in DEMO_USERS]


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mediator_client.users", description="The mediator client's users file."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser(
        "add", help="add a mediator or a head of office (asks for the password)"
    )
    add.add_argument("--file", type=Path, required=True)
    add.add_argument("--username", required=True)
    add.add_argument("--staff-id", required=True, help="the person's id in the IdP")
    add.add_argument("--tenant", required=True, help="the municipality, e.g. kk")
    add.add_argument("--name", required=True, help="the person's name, shown to them")
    add.add_argument(
        "--role",
        choices=ROLES,
        default="mediator",
        help="mediator (cases; the default) or head_of_office (kontorchef: statistics only)",
    )
    demo = commands.add_parser("demo", help="write the demo logins if the file is missing")
    demo.add_argument("--file", type=Path, required=True)
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "demo":
            for username, password in write_demo_users(arguments.file):
                print(f"{username} / {password}")
            return 0
        password = _read_password()
        user = add_user(
            arguments.file,
            username=arguments.username,
            staff_id=arguments.staff_id,
            tenant=arguments.tenant,
            display_name=arguments.name,
            password=password,
            role=arguments.role,
        )
    except (UsersFileError, ValidationError, ValueError) as error:
        message = (
            error.errors(include_input=False, include_url=False)
            if isinstance(error, ValidationError)
            else error
        )
        print(f"not added: {message}", file=sys.stderr)
        return 2
    print(
        f"added {user.username} ({user.staff_id}, {user.tenant}, {user.role}) to {arguments.file}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
