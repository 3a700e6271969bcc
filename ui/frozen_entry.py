"""The frozen build's one entry point: three programs share one bundle.

``build_installer.spec`` makes three executables from this script (one analysis, one copy of
the libraries): ``station`` (console: the CLI, ``station gui`` opens the desk), ``county``
(console: the county's commands) and ``station-desk`` (windowed: the desk, what the
operator's shortcut starts). Each knows which one it is by its own file name, as the wheel's
console scripts ``station``, ``county`` and ``station-desk`` do by their entry points.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    name = Path(sys.executable).stem.lower()
    if name == "county":
        from sync.county_cli import main as county

        return county()
    from ui import launcher

    if name == "station-desk":
        return launcher.desk()
    return launcher.main()


if __name__ == "__main__":
    sys.exit(main())
