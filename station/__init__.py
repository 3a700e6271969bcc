"""Registration-point station (报名点采集站): the domain core.

Nothing in this package imports Qt or ``sync``; the import-linter contracts in
``pyproject.toml`` hold that line and ``tests/test_layering.py`` runs them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("registration-station")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    # Looked up on first use: importlib.metadata costs a quarter of `station --help`'s start.
    if name == "__version__":
        value = _version()
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'station' has no attribute {name!r}")
