"""The local users file: argon2id hashes, clear errors for a file that cannot be used."""

import io
import json
import stat
from pathlib import Path

import pytest
from mediator_client import users
from mediator_client.users import (
    UsersFileError,
    add_user,
    hash_password,
    load_users,
    verify_password,
    write_demo_users,
)


def test_a_password_verifies_against_its_argon2id_hash_only() -> None:
    hashed = hash_password("rigtigt kodeord")
    assert hashed.startswith("$argon2id$")
    assert "rigtigt" not in hashed
    assert verify_password(hashed, "rigtigt kodeord")
    assert not verify_password(hashed, "forkert kodeord")
    assert not verify_password("not a hash", "rigtigt kodeord")


def test_an_empty_password_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        hash_password("")


def test_added_users_load_back(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(
        path,
        username="mette",
        staff_id="mediator-7",
        tenant="kk",
        display_name="Mette Hansen",
        password="hemmeligt",
    )
    [mette] = load_users(path).values()
    assert (mette.username, mette.staff_id, mette.tenant, mette.role) == (
        "mette",
        "mediator-7",
        "kk",
        "mediator",
    )
    assert verify_password(mette.password_hash, "hemmeligt")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_username_cannot_be_added_twice(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    fields = {"staff_id": "m-1", "tenant": "kk", "display_name": "M", "password": "x"}
    add_user(path, username="mette", **fields)
    with pytest.raises(UsersFileError, match="already has 'mette'"):
        add_user(path, username="mette", **fields)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "does not exist"),
        ("{not json", "is not JSON"),
        ('{"users": [{"username": "mette"}]}', "users.0.password_hash: Field required"),
        (
            '{"users": [{"username": "mette", "password_hash": "plaintext", "staff_id": "m-1",'
            ' "tenant": "kk", "display_name": "M"}]}',
            "users.0.password_hash",
        ),
        ('{"people": []}', "users: Field required"),
    ],
)
def test_a_file_that_cannot_be_used_says_what_is_wrong(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "users.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsersFileError, match=problem) as refused:
        load_users(path)
    assert "plaintext" not in str(refused.value)


def test_the_same_username_twice_in_the_file_is_an_error(tmp_path: Path) -> None:
    user = {
        "username": "mette",
        "password_hash": hash_password("x"),
        "staff_id": "m-1",
        "tenant": "kk",
        "display_name": "M",
    }
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": [user, user]}))
    with pytest.raises(UsersFileError, match="twice"):
        load_users(path)


def test_the_demo_users_are_written_once_and_can_sign_in(tmp_path: Path) -> None:
    path = tmp_path / "var" / "mediator-users.json"
    logins = write_demo_users(path)
    assert [username for username, _ in logins] == ["mediator1", "mediator2", "kontorchef1"]
    loaded = load_users(path)
    for username, password in logins:
        assert verify_password(loaded[username].password_hash, password)
        assert loaded[username].tenant == "kk"
    assert [loaded[name].role for name in loaded] == ["mediator", "mediator", "head_of_office"]
    before = path.read_text()
    write_demo_users(path)
    assert path.read_text() == before  # an existing file is left alone


def test_the_users_add_command_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("kodeord fra stdin\n"))
    code = users.main(
        [
            "add",
            "--file",
            str(path),
            "--username",
            "anne",
            "--staff-id",
            "m-9",
            "--tenant",
            "kk",
            "--name",
            "Anne",
        ]
    )
    assert code == 0
    assert verify_password(load_users(path)["anne"].password_hash, "kodeord fra stdin")
    assert "kodeord" not in capsys.readouterr().out


def test_the_users_add_command_refuses_a_bad_tenant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("kodeord\n"))
    code = users.main(
        [
            "add",
            "--file",
            str(tmp_path / "u.json"),
            "--username",
            "anne",
            "--staff-id",
            "m-9",
            "--tenant",
            "Not A Slug",
            "--name",
            "Anne",
        ]
    )
    assert code == 2
    assert "not added" in capsys.readouterr().err


def test_a_file_of_the_earlier_demo_pair_gets_the_demo_head_of_office(tmp_path: Path) -> None:
    path = tmp_path / "mediator-users.json"
    for username, staff_id in (("mediator1", "mediator-1"), ("mediator2", "mediator-2")):
        add_user(
            path,
            username=username,
            staff_id=staff_id,
            tenant="kk",
            display_name=username,
            password="kept",
        )
    write_demo_users(path)
    loaded = load_users(path)
    assert loaded["kontorchef1"].role == "head_of_office"
    assert verify_password(loaded["mediator1"].password_hash, "kept")  # the others untouched


def test_a_file_of_real_users_is_left_alone_by_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "mediator-users.json"
    add_user(
        path, username="mette", staff_id="m-7", tenant="kk", display_name="Mette", password="x"
    )
    write_demo_users(path)
    assert set(load_users(path)) == {"mette"}


def test_the_users_add_command_adds_a_head_of_office(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("kodeord\n"))
    arguments = ["add", "--file", str(path), "--username", "karen", "--staff-id", "leder-1"]
    code = users.main([*arguments, "--tenant", "kk", "--name", "Karen", "--role", "head_of_office"])
    assert code == 0
    assert load_users(path)["karen"].role == "head_of_office"
    assert "head_of_office" in capsys.readouterr().out


def test_the_users_add_command_refuses_an_unknown_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("kodeord\n"))
    arguments = ["add", "--file", str(tmp_path / "u.json"), "--username", "karen"]
    with pytest.raises(SystemExit) as refused:
        users.main(
            [*arguments, "--staff-id", "l-1", "--tenant", "kk", "--name", "K", "--role", "admin"]
        )
    assert refused.value.code == 2
    assert not (tmp_path / "u.json").exists()


def test_the_users_demo_command_prints_every_demo_login(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert users.main(["demo", "--file", str(tmp_path / "u.json")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "mediator1 / mediation-demo",
        "mediator2 / mediation-demo",
        "kontorchef1 / mediation-demo",
    ]
