"""Where the shipped data files (``resources/``: code tables, fonts, photo profiles,
translations, demo data) are.

One rule for every way the program runs: an installed wheel and the frozen build carry them
as ``station/_resources`` beside this module (setup.py maps the folder there; the installer
spec does the same); a source tree or an editable install reads ``resources/`` at the top of
the repository.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    packaged = _HERE / "_resources"
    if packaged.is_dir():
        return packaged
    return _HERE.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
