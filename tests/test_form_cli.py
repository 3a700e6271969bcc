"""``station form print`` and ``station form verify`` as a user runs them (real processes)."""

from __future__ import annotations

import json
from pathlib import Path

from .factories import record_for
from .test_cli import ADMIN_ENV, assert_one_line_error, demo_home, home, run

__all__ = ["demo_home", "home"]  # fixtures shared with test_cli


def first(home: Path, state: str) -> dict[str, str]:
    listed = run(home, "candidate", "list", "--state", state, "--json", env=ADMIN_ENV)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)[0]


def test_print_and_verify_a_form(demo_home: Path, tmp_path: Path) -> None:
    ready = first(demo_home, "ready")
    out = tmp_path / "form.pdf"
    printed = run(
        demo_home, "form", "print", ready["registration_no"], "--out", str(out), env=ADMIN_ENV
    )
    assert printed.returncode == 0, printed.stderr
    assert out.read_bytes().startswith(b"%PDF")
    qr_text = printed.stdout.strip().splitlines()[-1]
    assert qr_text.startswith(f"ZK1|{ready['registration_no']}|1|")
    verified = run(demo_home, "form", "verify", qr_text, "--json", env=ADMIN_ENV)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["match"] == "current"
    # A signed record reprints by its id; the print number is said.
    signed = first(demo_home, "signed")
    again = run(demo_home, "form", "print", str(signed["id"]), "--out", str(out), env=ADMIN_ENV)
    assert again.returncode == 0, again.stderr
    unknown = run(demo_home, "form", "verify", qr_text.replace("|1|", "|7|"), env=ADMIN_ENV)
    assert unknown.returncode == 1 and "不符" in unknown.stdout


def test_refusals_and_bad_input(demo_home: Path, tmp_path: Path) -> None:
    rec = tmp_path / "rec.json"
    rec.write_text(json.dumps(record_for(9), ensure_ascii=False), "utf-8")
    added = run(demo_home, "candidate", "add", "--json-file", str(rec), "--json", env=ADMIN_ENV)
    assert added.returncode == 0, added.stderr
    draft = json.loads(added.stdout)["registration_no"]
    out = tmp_path / "form.pdf"
    refused = run(demo_home, "form", "print", draft, "--out", str(out), env=ADMIN_ENV)
    assert_one_line_error(refused, 1)
    assert "不能打印" in refused.stderr and not out.exists()
    missing = run(demo_home, "form", "print", "nobody", "--out", str(out), env=ADMIN_ENV)
    assert_one_line_error(missing, 1)
    no_dir = run(demo_home, "form", "print", draft, "--out", str(tmp_path / "x" / "f.pdf"))
    assert_one_line_error(no_dir, 2)
    malformed = run(demo_home, "form", "verify", "hello")
    assert_one_line_error(malformed, 2)
