"""The layering is a contract (pyproject.toml [tool.importlinter]), checked on every run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_hold() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_core_modules_import_without_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, station, sync\n"
        "for pkg in (station, sync):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.migrations' not in m.name:\n"
        "            importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _private_uses(path: Path) -> list[str]:
    """``module._name`` and ``from package.module import _name`` where the module is one of
    ours and not the file itself: a private name used from outside its module."""
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    ours = ("station", "sync", "ui")
    aliases: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in ours:
                    aliases.add(a.asname or a.name.split(".")[-1])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ours:
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {a.name}")
                aliases.add(a.asname or a.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_ones_private_names() -> None:
    """The core's session-level API is public (records.create_in, transition_in, …); what is
    underscored stays inside its module (tests may look inside)."""
    found = [
        use
        for package in ("station", "sync", "ui")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for use in _private_uses(path)
    ]
    assert found == []


def test_the_desk_opens_no_session_of_its_own() -> None:
    """Reads go through station/queries.py (and the other core modules): no widget holds a
    session (``store.read()``/``store.session()``) or builds a query."""
    import re

    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "ui").rglob("*.py"))
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"\.store\.(read|session|engine)\b", line)
    ]
    assert found == []
