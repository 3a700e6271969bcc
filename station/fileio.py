"""Durable file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from station.errors import UsageError


def check_output(path: Path) -> Path:
    """A file the user named for us to write: a regular file (replaced) or a new file in a
    folder that exists. A link, a device or a folder is refused, never replaced (run as root,
    `roster export /dev/full` once replaced the device), and no folder is made up."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UsageError(
            f"{path} 不是普通文件（链接、设备或目录），不能写入，请换一个文件名",
            f"{path} is not a regular file (a link, a device or a folder): choose a file name",
        )
    if not path.parent.is_dir():
        raise UsageError(f"目录 {path.parent} 不存在", f"no folder {path.parent}")
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` whole under ``path`` (a temporary name, then a rename), making the
    folder if needed; never in place of a link or a device."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        check_output(path)  # raises, in words
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry is on disk; Windows has no
    # directory handles to fsync and makes renames durable on its own.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_bounded(path: Path, limit: int) -> bytes:
    """A regular file's bytes, refused in words when it is not one (``/dev/zero``, a folder)
    or is longer than ``limit``: never read until memory runs out."""
    if not path.is_file():
        if not path.exists():
            raise FileNotFoundError(2, "No such file", str(path))
        raise UsageError(f"{path} 不是普通文件", f"{path} is not a regular file")
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise UsageError(
            f"文件 {path} 过大（超过 {limit // 2**20} MB）",
            f"{path} is larger than {limit // 2**20} MB",
        )
    return data
