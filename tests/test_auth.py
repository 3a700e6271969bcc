"""Operators, roles, lockout and the recovery code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from station import auth
from station.errors import AuthError, PermissionDenied, UsageError
from station.keyslots import RECOVERY_LOGIN
from station.models import AuditEvent, Operator
from station.roles import Role
from station.settings import save
from station.setup import init_station

from .factories import ADMIN, OPERATOR, SUPERVISOR, fast_settings

T0 = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


def test_login_names_the_role(station_dir: Path) -> None:
    with auth.login(station_dir, *SUPERVISOR) as ctx:
        assert ctx.operator.role is Role.SUPERVISOR
        assert ctx.operator.display_name == "审核员甲"
    with auth.login(station_dir, " CaiJi ", OPERATOR[1]) as ctx:  # case and space forgiven
        assert ctx.operator.login == "caiji"


def test_wrong_password_says_how_many_tries_are_left(station_dir: Path) -> None:
    with pytest.raises(AuthError) as info:
        auth.login(station_dir, OPERATOR[0], "wrong-password", now=T0)
    assert "再错 4 次" in info.value.message_zh


def test_lockout_after_five_failures_for_five_minutes(station_dir: Path) -> None:
    for i in range(5):
        with pytest.raises(AuthError):
            auth.login(station_dir, OPERATOR[0], "wrong", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(AuthError) as info:  # even the right password is refused now
        auth.login(station_dir, *OPERATOR, now=T0 + dt.timedelta(minutes=4))
    assert "锁定" in info.value.message_zh
    # Other operators are not affected.
    auth.login(station_dir, *SUPERVISOR, now=T0 + dt.timedelta(minutes=1)).close()
    with auth.login(station_dir, *OPERATOR, now=T0 + dt.timedelta(minutes=6)) as ctx:
        assert ctx.operator.login == OPERATOR[0]


def test_lockout_settings_are_configurable(tmp_path: Path) -> None:
    save(tmp_path, fast_settings(lockout_attempts=2, lockout_minutes=1))
    init_station(
        tmp_path,
        name="站",
        county_code="410105",
        number=1,
        admin_login="boss",
        admin_password="boss-password",
    )
    for _ in range(2):
        with pytest.raises(AuthError):
            auth.login(tmp_path, "boss", "nope", now=T0)
    with pytest.raises(AuthError, match="locked"):
        auth.login(tmp_path, "boss", "boss-password", now=T0 + dt.timedelta(seconds=30))
    auth.login(tmp_path, "boss", "boss-password", now=T0 + dt.timedelta(seconds=61)).close()


def test_failed_logins_reach_the_audit_chain(station_dir: Path) -> None:
    for _ in range(2):
        with pytest.raises(AuthError):
            auth.login(station_dir, "caiji", "wrong", now=T0)
    with pytest.raises(AuthError):
        auth.login(station_dir, "stranger", "wrong", now=T0)
    with (
        auth.login(station_dir, *ADMIN, now=T0 + dt.timedelta(minutes=1)) as ctx,
        ctx.store.session() as s,
    ):
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        failed = [(e.actor, e.action) for e in events if e.action == "login_failed"]
        assert failed == [
            ("caiji", "login_failed"),
            ("caiji", "login_failed"),
            ("(unknown)", "login_failed"),  # what was typed is not kept
        ]
        assert events[-1].action == "login" and events[-1].actor == "admin"


def test_only_admin_manages_operators(station_dir: Path) -> None:
    with auth.login(station_dir, *SUPERVISOR) as ctx, pytest.raises(PermissionDenied):
        auth.add_operator(ctx, "newbie", "新人", Role.OPERATOR, "newbie-password")
    with auth.login(station_dir, *OPERATOR) as ctx, pytest.raises(PermissionDenied):
        auth.disable_operator(ctx, SUPERVISOR[0])


def test_disabled_operator_cannot_log_in(station_dir: Path, admin_ctx: auth.Context) -> None:
    auth.disable_operator(admin_ctx, OPERATOR[0])
    with pytest.raises(AuthError):
        auth.login(station_dir, *OPERATOR)
    rows = {r["login"]: r for r in auth.list_operators(admin_ctx)}
    assert rows["caiji"]["disabled"] is True


def test_last_admin_and_self_cannot_be_disabled(admin_ctx: auth.Context) -> None:
    with pytest.raises(UsageError):
        auth.disable_operator(admin_ctx, ADMIN[0])


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("a", "long-enough-1"),
        ("Bad Name", "long-enough-1"),
        ("newbie", "short"),
        ("newbie", "NEWBIE"),
    ],
)
def test_bad_operator_input(admin_ctx: auth.Context, login: str, password: str) -> None:
    with pytest.raises(UsageError):
        auth.add_operator(admin_ctx, login, "新人", Role.OPERATOR, password)


def test_duplicate_login_refused_and_nothing_changes(
    station_dir: Path, admin_ctx: auth.Context
) -> None:
    with pytest.raises(UsageError):
        auth.add_operator(admin_ctx, OPERATOR[0], "重复", Role.OPERATOR, "another-password")
    auth.login(station_dir, *OPERATOR).close()  # the original password still works


def test_password_change(station_dir: Path) -> None:
    with auth.login(station_dir, *OPERATOR) as ctx:
        auth.set_password(ctx, OPERATOR[0], "a-brand-new-pass")
        with pytest.raises(PermissionDenied):
            auth.set_password(ctx, SUPERVISOR[0], "not-allowed-pass")
    with pytest.raises(AuthError):
        auth.login(station_dir, *OPERATOR)
    auth.login(station_dir, OPERATOR[0], "a-brand-new-pass").close()


def test_recovery_code_opens_as_admin_and_resets_a_password(tmp_path: Path) -> None:
    save(tmp_path, fast_settings())
    result = init_station(
        tmp_path,
        name="站",
        county_code="410105",
        number=1,
        admin_login="boss",
        admin_password="forgotten-pw",
    )
    with auth.login(tmp_path, RECOVERY_LOGIN, result.recovery_code) as ctx:
        assert ctx.operator.role is Role.ADMIN
        auth.set_password(ctx, "boss", "remembered-pw")
    auth.login(tmp_path, "boss", "remembered-pw").close()


def test_supervisor_approval_while_open(operator_ctx: auth.Context) -> None:
    info = auth.verify_password(operator_ctx, *SUPERVISOR)
    assert info.role is Role.SUPERVISOR
    with pytest.raises(AuthError):
        auth.verify_password(operator_ctx, SUPERVISOR[0], "wrong")


def test_init_refuses_an_existing_station_and_bad_input(station_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        init_station(
            station_dir,
            name="x",
            county_code="410105",
            number=1,
            admin_login="boss",
            admin_password="boss-password",
        )
    bad = tmp_path / "bad"
    for kwargs in (
        {"county_code": "410100"},  # a prefecture, not a county
        {"county_code": "999999"},
        {"number": 0},
        {"name": "  "},
    ):
        args = {"name": "站", "county_code": "410105", "number": 1, **kwargs}
        with pytest.raises(UsageError):
            init_station(bad, admin_login="boss", admin_password="boss-password", **args)
        assert not (bad / "keyslots.json").exists() and not (bad / "station.db").exists()


def test_changes_by_another_process_during_a_login_are_kept(
    station_dir: Path, admin_ctx: auth.Context
) -> None:
    from station.keyslots import KeySlots

    # A login that read the slot file, then spent its Argon2 time while the admin added
    # someone; its failure count must not write the old copy back.
    stale = KeySlots(station_dir).load()
    auth.add_operator(admin_ctx, "newbie", "新人", Role.OPERATOR, "newbie-password")
    with stale.update() as slots:
        slots.record_failure(OPERATOR[0], T0, 5, 5)
    auth.login(station_dir, "newbie", "newbie-password").close()


def test_password_change_whose_slot_write_fails_keeps_the_old_password(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station import keyslots

    with auth.login(station_dir, *OPERATOR) as ctx:

        def broken(self):  # the disk is full, the USB stick was pulled, ...
            raise OSError("no space left on device")

        monkeypatch.setattr(keyslots.KeySlots, "update", broken)
        with pytest.raises(OSError):
            auth.set_password(ctx, OPERATOR[0], "never-stored-pass")
        monkeypatch.undo()
    with pytest.raises(AuthError):
        auth.login(station_dir, OPERATOR[0], "never-stored-pass")
    with auth.login(station_dir, *OPERATOR) as ctx, ctx.store.session() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert "operator_password_resync" in actions


def test_failed_logins_keep_no_typed_text_and_stay_bounded(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station import keyslots

    monkeypatch.setattr(keyslots, "MAX_PENDING", 20)
    for i in range(40):
        with pytest.raises(AuthError):
            auth.login(station_dir, f"my-secret-password-{i}", "x", now=T0)
    text = (station_dir / "keyslots.json").read_text()
    assert "my-secret-password" not in text
    doc = __import__("json").loads(text)
    assert len(doc["pending"]) == 20 and doc["failures"] == {}


def test_failures_far_apart_do_not_lock(station_dir: Path) -> None:
    for day in range(6):
        with pytest.raises(AuthError) as info:
            auth.login(station_dir, OPERATOR[0], "wrong", now=T0 + dt.timedelta(days=day))
        assert "attempts left" in info.value.message_en  # a wrong password, never a lockout
    auth.login(station_dir, *OPERATOR, now=T0 + dt.timedelta(days=6)).close()


def test_supervisor_approval_is_checked_and_audited(operator_ctx: auth.Context) -> None:
    from station.roles import Permission

    info = auth.approve(
        operator_ctx, *SUPERVISOR, Permission.UNLOCK, "card_fields_unlocked", reason="证件换发"
    )
    assert info.login == SUPERVISOR[0]
    with pytest.raises(PermissionDenied):
        auth.approve(operator_ctx, *OPERATOR, Permission.UNLOCK, "card_fields_unlocked")
    with pytest.raises(AuthError):
        auth.approve(
            operator_ctx, SUPERVISOR[0], "wrong", Permission.UNLOCK, "card_fields_unlocked"
        )
    with operator_ctx.store.session() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "card_fields_unlocked")
        ).all()
    assert [(e.actor, e.reason) for e in events] == [("shenhe", "证件换发")]


def test_guessing_a_supervisor_password_at_the_desk_locks_it(
    station_dir: Path, operator_ctx
) -> None:
    from station.roles import Permission

    for _ in range(5):
        with pytest.raises(AuthError):
            auth.approve(operator_ctx, SUPERVISOR[0], "guess", Permission.UNLOCK, "unlock_approved")
    with pytest.raises(AuthError, match="locked"):  # even the right password, for a while
        auth.approve(operator_ctx, *SUPERVISOR, Permission.UNLOCK, "unlock_approved")
    # The failures reach the audit chain with the next login.
    with auth.login(station_dir, *ADMIN) as ctx, ctx.store.read() as s:
        failed = s.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert [e.actor for e in failed] == [SUPERVISOR[0]] * 5


def test_guesses_started_together_get_no_more_checks_than_the_lockout_allows(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from station.keyslots import KeySlots
    from station.settings import load

    attempts = load(station_dir).lockout_attempts
    checks: list[str] = []
    real_unwrap = KeySlots.unwrap_keys
    gate = threading.Barrier(12)

    def counted(self: KeySlots, login: str, password: str) -> list[bytes]:
        checks.append(password)
        return real_unwrap(self, login, password)

    monkeypatch.setattr(KeySlots, "unwrap_keys", counted)
    refused: list[str] = []

    def guess(password: str) -> None:
        gate.wait()
        try:
            auth.login(station_dir, OPERATOR[0], password).close()
        except AuthError as exc:
            refused.append(exc.message_en)

    threads = [threading.Thread(target=guess, args=(f"wrong-{i}",)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(refused) == 12
    assert len(checks) <= attempts  # not twelve Argon2 checks: what the lockout allows
    with pytest.raises(AuthError, match=r"locked"):  # and the account is locked now
        auth.login(station_dir, *OPERATOR)


def test_a_full_disk_lets_a_reading_login_in_but_keeps_the_lockout(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from station.keyslots import KeySlots

    for _ in range(5):
        with pytest.raises(AuthError):
            auth.login(station_dir, OPERATOR[0], "wrong-password", now=T0)

    def full(self: KeySlots) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(KeySlots, "save", full)
    with pytest.raises(OSError):  # a login that may write is refused as before
        auth.login(station_dir, *SUPERVISOR)
    with auth.login(station_dir, *SUPERVISOR, read_only=True) as ctx:
        assert ctx.login_unrecorded and ctx.operator.role is Role.SUPERVISOR
    with pytest.raises(AuthError, match="locked"):  # the lockout written before still holds
        auth.login(station_dir, *OPERATOR, now=T0 + dt.timedelta(minutes=1), read_only=True)
    with pytest.raises(AuthError, match="wrong"):  # and a wrong password is still wrong
        auth.login(station_dir, SUPERVISOR[0], "wrong-password", read_only=True)
    monkeypatch.undo()
    with auth.login(station_dir, *SUPERVISOR) as ctx:
        assert not ctx.login_unrecorded


def test_a_settings_file_cannot_lower_the_password_cost(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from station import settings as settings_mod

    from .factories import KDF_FLOOR

    monkeypatch.setattr(settings_mod, "KDF_FLOOR", KDF_FLOOR)  # the product's, not the suite's
    path = station_dir / settings_mod.SETTINGS_FILE
    data = json.loads(path.read_text())
    data["kdf"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    path.write_text(json.dumps(data))
    with pytest.raises(UsageError, match=r"kdf\.time_cost"):
        auth.login(station_dir, *ADMIN)
    data["kdf"] = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
    path.write_text(json.dumps(data))
    with auth.login(station_dir, *ADMIN) as ctx, ctx.store.read() as s:
        hashed = s.scalar(select(Operator.password_hash).where(Operator.login == ADMIN[0]))
    assert "m=19456,t=2" in hashed  # rehashed up to what the settings ask
