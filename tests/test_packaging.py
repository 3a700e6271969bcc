"""What a fresh machine needs: pinned dependencies, the spec, the README's two commands."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_dependency_has_a_lower_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["test"]
    assert all(">=" in d for d in deps), [d for d in deps if ">=" not in d]
    pyside = next(d for d in deps if d.startswith("PySide6"))
    assert "<6.12" in pyside  # see tests/test_qt_regression.py
    assert any(d.startswith("opencv-python-headless") for d in deps)
    assert not any(d.startswith("opencv-python>") for d in deps)


def test_installer_spec_is_valid_python_and_reads_the_version() -> None:
    source = (ROOT / "build_installer.spec").read_text()
    ast.parse(source)
    assert "pyproject.toml" in source and '"resources"' in source


def test_readme_and_ci_use_the_same_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text()
    assert ci == "python3 scripts/dev.py test"
    assert ci in readme
    assert "python3 scripts/dev.py demo" in readme
