"""``station candidate`` commands that move a record through its lifecycle (考生记录状态): the
same transitions the desk offers, for a headless desk or a script.

    station candidate confirm KEY
    station candidate sign KEY --archive-ref 盒3-页17
    station candidate unlock KEY --reason "考生手机号码变更"      (a supervisor)
    station candidate release-card-fields KEY --reason "…"     (a supervisor)

KEY is a 报名号, an ID number or a record number. Each prints the record's new state (or,
with --json, ``{id, registration_no, state, version}``); a refusal is one line in both
languages and exit code 1, and changes nothing. ``candidate show`` (station/cli.py) says
what keeps a record where it is through :func:`print_why`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from station.cli_support import login_from_env as _login
from station.cli_support import print_json

if TYPE_CHECKING:
    from station.blockers import Why


def print_why(standing: Why) -> None:
    """What keeps the record in its state (:class:`station.blockers.Why`), for ``candidate
    show``: each blocker with who must act, or the next step, in both languages."""
    from station.blockers import HEADING_EN, HEADING_ZH

    print(f"{HEADING_ZH} / {HEADING_EN}:")
    for b in standing.blockers:
        print(f"  [{b.actor.label_zh}] {b.message_zh}")
        print(f"  [{b.actor.label_en}] {b.message_en}")
    if not standing.blockers:
        print(f"  {standing.next_zh}")
        print(f"  {standing.next_en}")


def _record_id(ctx: Any, key: str) -> int:
    from station import records

    with ctx.store.read() as s:
        return records.lookup(s, key).id


def _report(args: argparse.Namespace, saved: Any, what: str) -> int:
    from station.lifecycle import State

    if args.json:
        print_json(
            {
                "id": saved.id,
                "registration_no": saved.registration_no,
                "state": saved.state,
                "version": saved.version,
            }
        )
    else:
        state = State(saved.state)
        print(
            f"{what}：报名号 {saved.registration_no} 状态 {state.label_zh} 第 {saved.version} 版"
            f" / {state.value}, version {saved.version}"
        )
    return 0


def _run(args: argparse.Namespace, what: str, act: Callable[[Any, int], Any]) -> int:
    with _login(args) as ctx:
        saved = act(ctx, _record_id(ctx, args.key))
    return _report(args, saved, what)


def cmd_candidate_confirm(args: argparse.Namespace) -> int:
    from station import records
    from station.lifecycle import Action

    return _run(args, "已确认", lambda ctx, cid: records.transition(ctx, cid, Action.CONFIRM))


def cmd_candidate_sign(args: argparse.Namespace) -> int:
    from station import records

    return _run(args, "已签字", lambda ctx, cid: records.sign(ctx, cid, args.archive_ref))


def cmd_candidate_unlock(args: argparse.Namespace) -> int:
    from station import records

    return _run(args, "已解锁", lambda ctx, cid: records.unlock(ctx, cid, args.reason))


def cmd_candidate_release_card_fields(args: argparse.Namespace) -> int:
    from station import records

    return _run(
        args,
        "身份证信息可修改",
        lambda ctx, cid: records.release_card_fields(ctx, cid, args.reason),
    )


def add_commands(add: Callable[..., argparse.ArgumentParser], sub: Any) -> None:
    """The lifecycle commands under ``station candidate``."""
    p = add("confirm", cmd_candidate_confirm, "确认 (考生已核对、已设密码、已打印)", sub)
    p.add_argument("key")
    p.add_argument("--json", action="store_true")
    p = add("sign", cmd_candidate_sign, "签字确认并登记纸质表存档位置", sub)
    p.add_argument("key")
    p.add_argument("--archive-ref", required=True, help="纸质登记表存档位置，如 盒3-页17")
    p.add_argument("--json", action="store_true")
    p = add("unlock", cmd_candidate_unlock, "解锁更正 (审核员；已确认或已签字的记录)", sub)
    p.add_argument("key")
    p.add_argument("--reason", required=True, help="原因")
    p.add_argument("--json", action="store_true")
    p = add(
        "release-card-fields",
        cmd_candidate_release_card_fields,
        "允许修改读自身份证的信息 (审核员)",
        sub,
    )
    p.add_argument("key")
    p.add_argument("--reason", required=True, help="原因")
    p.add_argument("--json", action="store_true")
