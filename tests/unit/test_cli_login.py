"""station-admin logs in: --user and the password from STATION_PASSWORD or standard input
(never an argument), acting as that user; refusals in one line with exit status 3;
recover; init's encrypted file and its recovery key (issue 15, item 8, "Command lines")."""

from __future__ import annotations

import io
import stat
import sys
from pathlib import Path

import pytest

from station_app.cli import build_parser, main
from station_app.cliutil import EXIT_LOGIN
from station_app.storage import sqlfile

PASSWORD = "boss-pass-1"


def run(capsys, monkeypatch, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def audit_count(path: Path) -> int:
    con = sqlfile.connect(path)
    try:
        return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    for name in ("STATION_LANG", "STATION_USER", "STATION_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def station(tmp_path, capsys, monkeypatch) -> tuple[Path, str]:
    """A station made by `init` (boss, a station admin) with a clerk who chose their own
    password: (path, the recovery key init printed)."""
    path = tmp_path / "s.sqlite3"
    code, out, err = run(capsys, monkeypatch, "init", "--db", str(path), "--station-code",
                         "ky01", "--station-name", "葵涌社区工联会", "--admin", "boss",
                         "--password-stdin", stdin=f"{PASSWORD}\n")
    assert code == 0, err
    recovery = next(line.split(": ", 1)[1] for line in out.splitlines()
                    if line.startswith("recovery key"))
    code, _, err = run(capsys, monkeypatch, "user", "add", "--db", str(path), "--user", "boss",
                       "wang", "--password-stdin", stdin=f"{PASSWORD}\nclerk-pass-1\n")
    assert code == 0, err
    code, _, err = run(capsys, monkeypatch, "user", "change-password", "--db", str(path),
                       "--user", "wang", "--password-stdin",
                       stdin="clerk-pass-1\nclerk-pass-2\n")
    assert code == 0, err
    return path, recovery


def test_init_makes_an_encrypted_private_file_and_prints_the_recovery_key_once(
        tmp_path, capsys, monkeypatch):
    path = tmp_path / "new.sqlite3"
    code, out, err = run(capsys, monkeypatch, "init", "--db", str(path), "--station-code",
                         "KY02", "--station-name", "南澳", "--admin", "boss",
                         "--password-stdin", stdin=f"{PASSWORD}\n")
    assert code == 0, err
    keys = Path(f"{path}.keys")
    assert f"key file: {keys}" in out
    lines = [line for line in out.splitlines() if line.startswith("recovery key")]
    assert len(lines) == 1 and len(lines[0].split(": ", 1)[1].split("-")) == 14
    assert "paper" in out
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    for f in (path, keys):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    # the next command logs in and prints no recovery key
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    code, out, err = run(capsys, monkeypatch, "user", "list", "--db", str(path),
                         "--user", "boss")
    assert code == 0, err
    assert "boss" in out and "recovery key" not in out


def test_a_wrong_password_is_refused_and_nothing_is_written(station, capsys, monkeypatch):
    path, _ = station
    before = audit_count(path)
    code, out, err = run(capsys, monkeypatch, "user", "add", "--db", str(path), "--user",
                         "boss", "li", "--password-stdin", stdin="wrong-pass\nclerk-pass-3\n")
    assert code == EXIT_LOGIN and out == ""
    assert err.count("\n") == 1 and "Wrong user name or password" in err
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    code, out, _ = run(capsys, monkeypatch, "user", "list", "--db", str(path), "--user", "boss")
    assert "li " not in out
    assert audit_count(path) > before  # (the login and the wrong password: audited only)


def test_no_user_named_is_refused_in_the_users_language(station, capsys, monkeypatch):
    path, _ = station
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    code, _, err = run(capsys, monkeypatch, "check", "--db", str(path))
    assert code == EXIT_LOGIN and "--user" in err and "STATION_USER" in err
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, _, err = run(capsys, monkeypatch, "check", "--db", str(path))
    assert code == EXIT_LOGIN and "请用 --user" in err


def test_locked_after_five_wrong_passwords_even_with_the_right_one(station, capsys,
                                                                   monkeypatch):
    path, _ = station
    monkeypatch.setenv("STATION_PASSWORD", "not-it-at-all")
    for _ in range(5):
        code, _, err = run(capsys, monkeypatch, "check", "--db", str(path), "--user", "wang")
        assert code == EXIT_LOGIN
    assert "locked until" in err
    monkeypatch.setenv("STATION_PASSWORD", "clerk-pass-2")
    code, _, err = run(capsys, monkeypatch, "check", "--db", str(path), "--user", "wang")
    assert code == EXIT_LOGIN and "locked until" in err
    # a station admin unlocks (the key file's failures cleared too), and the clerk is in
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    code, out, err = run(capsys, monkeypatch, "user", "unlock", "--db", str(path), "--user",
                         "boss", "wang")
    assert code == 0, err
    monkeypatch.setenv("STATION_PASSWORD", "clerk-pass-2")
    code, out, err = run(capsys, monkeypatch, "check", "--db", str(path), "--user", "wang")
    assert code == 0, err


def test_a_clerk_cannot_add_users(station, capsys, monkeypatch):
    path, _ = station
    code, _, err = run(capsys, monkeypatch, "user", "add", "--db", str(path), "--user", "wang",
                       "zhao", "--password-stdin", stdin="clerk-pass-2\nclerk-pass-9\n")
    assert code == 1 and "station admin" in err
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    _, out, _ = run(capsys, monkeypatch, "user", "list", "--db", str(path), "--user", "boss")
    assert "zhao" not in out


def test_a_reset_password_must_be_changed_before_anything_else(station, capsys,
                                                               monkeypatch):
    path, _ = station
    code, _, err = run(capsys, monkeypatch, "user", "reset-password", "--db", str(path),
                       "--user", "boss", "wang", "--password-stdin",
                       stdin=f"{PASSWORD}\nreset-pass-1\n")
    assert code == 0, err
    monkeypatch.setenv("STATION_PASSWORD", "reset-pass-1")
    code, _, err = run(capsys, monkeypatch, "check", "--db", str(path), "--user", "wang")
    assert code == EXIT_LOGIN and "change-password" in err


def test_the_password_is_never_an_argument():
    """No command has an option that takes a password (only --password-stdin flags and
    the demo's --admin-password for a file it creates)."""
    parser = build_parser()
    seen = []

    def walk(p):
        for action in p._actions:
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                for sub in action.choices.values():
                    walk(sub)
            for opt in action.option_strings:
                if "password" in opt:
                    seen.append((p.prog, opt, action.nargs))
    walk(parser)
    takes_value = {(prog, opt) for prog, opt, nargs in seen if nargs != 0}
    assert takes_value == {("station-admin demo", "--admin-password")}, takes_value
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "--password", "x"])


def test_stdin_and_the_environment_both_log_in(station, capsys, monkeypatch):
    path, _ = station
    code, out, err = run(capsys, monkeypatch, "user", "list", "--db", str(path), "--user",
                         "boss", stdin=f"{PASSWORD}\n")
    assert code == 0 and "wang" in out, err
    monkeypatch.setenv("STATION_USER", "boss")
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    code, out, err = run(capsys, monkeypatch, "user", "list", "--db", str(path))
    assert code == 0 and "wang" in out, err
    # with STATION_PASSWORD set, standard input's first line is the second password
    code, _, err = run(capsys, monkeypatch, "user", "add", "--db", str(path), "li",
                       "--password-stdin", stdin="clerk-pass-5\n")
    assert code == 0, err


def test_recover_sets_a_new_password_and_the_old_one_no_longer_opens(station, capsys,
                                                                     monkeypatch):
    path, recovery = station
    Path(f"{path}.keys").unlink()  # the key file lost as well
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    code, _, err = run(capsys, monkeypatch, "check", "--db", str(path), "--user", "boss")
    assert code == 1 and "recovery key" in err
    monkeypatch.delenv("STATION_PASSWORD")
    code, out, err = run(capsys, monkeypatch, "recover", "--db", str(path), "--user", "boss",
                         stdin=f"{recovery}\nbrand-new-pass-7\n")
    assert code == 0, err
    assert "boss" in out
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    code, _, err = run(capsys, monkeypatch, "check", "--db", str(path), "--user", "boss")
    assert code == EXIT_LOGIN
    monkeypatch.setenv("STATION_PASSWORD", "brand-new-pass-7")
    code, out, err = run(capsys, monkeypatch, "check", "--db", str(path), "--user", "boss")
    assert code == 0, err
    # a wrong recovery key opens nothing
    monkeypatch.delenv("STATION_PASSWORD")
    wrong = "-".join(["AAAA"] * 14)
    code, _, err = run(capsys, monkeypatch, "recover", "--db", str(path), "--user", "boss",
                       stdin=f"{wrong}\nbrand-new-pass-8\n")
    assert code != 0 and err.startswith("error:")


def test_a_plain_file_is_converted_once_at_the_first_login(template_db, tmp_path, capsys,
                                                           monkeypatch):
    import shutil

    path = tmp_path / "old.sqlite3"
    shutil.copy(template_db, path)
    monkeypatch.setenv("STATION_USER", "admin")
    monkeypatch.setenv("STATION_PASSWORD", "admin-pass-1")
    code, out, err = run(capsys, monkeypatch, "report", "--db", str(path), "--json")
    assert code == 0, err
    # shown on standard error, once: standard output stays the JSON
    assert err.count("recovery key (shown this once)") == 1 and "paper" in err
    assert out.lstrip().startswith("{") and "recovery key" not in out
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    backups = list((tmp_path / "backups").glob("*.sqlite3"))
    assert backups and all(sqlfile.is_plain(b) is False for b in backups)
    code, out, err = run(capsys, monkeypatch, "report", "--db", str(path), "--json")
    assert code == 0 and "recovery key" not in out + err and out.lstrip().startswith("{")


def test_a_signer_who_must_change_their_password_signs_nothing(station, capsys,
                                                              monkeypatch):
    path, _ = station
    code, _, err = run(capsys, monkeypatch, "user", "add", "--db", str(path), "--user", "boss",
                       "head", "--role", "station_admin", "--password-stdin",
                       stdin=f"{PASSWORD}\nhead-pass-1\n")
    assert code == 0, err
    monkeypatch.setenv("STATION_PASSWORD", PASSWORD)
    code, _, err = run(capsys, monkeypatch, "report", "--db", str(path), "--user", "boss",
                       "--sign", "--as", "head", "--password-stdin", stdin="head-pass-1\n")
    assert code == EXIT_LOGIN and "must choose a new password" in err
    # --as the user logged in: the login is the signature's password check
    code, out, err = run(capsys, monkeypatch, "report", "--db", str(path), "--user", "boss",
                         "--sign", "--as", "boss")
    assert code == 0 and "Signed" in out, err
