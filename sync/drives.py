"""Removable drives (U 盘) for carrying batch files to the county, and their free space.

Linux: what is mounted under /media, /run/media or /mnt from a block device whose
``/sys/block/<disk>/removable`` is 1 (or, when /sys cannot tell, a FAT/exFAT/NTFS file
system there). Windows: drives whose type is DRIVE_REMOVABLE. macOS: volumes in /Volumes but
the start-up disk.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

_USB_FS = {"vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "msdos"}
_MOUNT_ROOTS = ("/media/", "/run/media/", "/mnt/")


@dataclass(frozen=True, slots=True)
class Drive:
    path: Path
    label: str
    free_bytes: int


def removable_drives(
    mounts_text: str | None = None,
    sys_block: Path = Path("/sys/block"),
    roots: tuple[str, ...] = _MOUNT_ROOTS,
) -> list[Drive]:
    if sys.platform == "win32":
        return _windows()
    if sys.platform == "darwin":
        return _mac()
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text()
        except OSError:
            return []
    drives = []
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        device, mount, fs = parts[0], parts[1].replace("\\040", " "), parts[2]
        if not mount.startswith(roots):
            continue
        removable = _removable(device, sys_block)
        if removable is False or (removable is None and fs not in _USB_FS):
            continue
        drive = drive_at(Path(mount))
        if drive is not None:
            drives.append(drive)
    return drives


def _removable(device: str, sys_block: Path) -> bool | None:
    name = Path(device).name  # /dev/sdb1 -> sdb1 -> disk sdb
    disk = name.rstrip("0123456789")
    if disk.endswith("p") and disk[:-1].startswith(("mmcblk", "nvme")):
        disk = disk[:-1]
    flag = sys_block / disk / "removable"
    try:
        return flag.read_text().strip() == "1"
    except OSError:
        return None


def drive_at(path: Path) -> Drive | None:
    try:
        free = shutil.disk_usage(path).free
    except OSError:
        return None
    return Drive(path, path.name, free)


def _windows() -> list[Drive]:
    import ctypes

    kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
    mask = kernel.GetLogicalDrives()
    out = []
    for i in range(26):
        if mask & (1 << i):
            root = f"{chr(65 + i)}:\\"
            if kernel.GetDriveTypeW(root) == 2:  # DRIVE_REMOVABLE
                drive = drive_at(Path(root))
                if drive is not None:
                    out.append(drive)
    return out


def _mac() -> list[Drive]:
    volumes = Path("/Volumes")
    out = []
    for entry in sorted(volumes.iterdir()) if volumes.exists() else []:
        if os.path.realpath(entry) != "/":
            drive = drive_at(entry)
            if drive is not None:
                out.append(drive)
    return out
