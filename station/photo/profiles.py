"""Photo profiles (照片规格): output size, JPEG size range, backgrounds, geometry, thresholds.

Photo rules differ by province and year, so they are configuration, not code:
``resources/photo_profiles.json`` (sources and reasons in ``resources/SOURCES_photo.md``).
**The first profile in the file is the default** (``get_profile(None)``). The file is
checked strictly on load: a missing key, an unknown key (a typo would otherwise silently
fall back to nothing) or an out-of-range value is a ``ProfileError`` naming the place.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from station import jsonio
from station.photo.errors import ProfileError
from station.resources import resource_path

PROFILES_FILE = ("photo_profiles.json",)


@dataclass(frozen=True, slots=True)
class Span:
    """An allowed range and the value aimed at, as fractions of the output size."""

    min: float
    target: float
    max: float


@dataclass(frozen=True, slots=True)
class Background:
    name: str
    label_zh: str
    rgb: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Geometry:
    """Where the head goes in the output photo.

    ``face_width``: the detected face box width / output width. ``eye_line``: the eyes'
    height / output height, from the top. ``head_top_min``/``_max``: the estimated top of
    the hair / output height. ``center_tolerance``: how far the face centre may sit from
    the middle, / output width.
    """

    face_width: Span
    eye_line: Span
    head_top_min: float
    head_top_max: float
    center_tolerance: float


@dataclass(frozen=True, slots=True)
class Checks:
    """Every threshold of ``check_frame``; SOURCES_photo.md says why each value."""

    face_min_fraction: float  # face box height / frame height, below: face_too_small
    face_min_px: float  # face box width in frame pixels, below: face_too_small
    max_center_offset: float  # |face centre - frame centre| / frame width, above: off_center
    max_tilt_deg: float  # angle of the eye line, above: head_tilted
    face_luma_min: float  # mean grey level of the face (0-255), below: too_dark
    face_luma_max: float  # above: too_bright
    face_clipped_max: float  # share of face pixels at >= 250, above: too_bright
    frame_luma_min: float  # whole frame, used when there is no face
    frame_luma_max: float
    face_side_diff_max: float  # |left - right| / brighter half of the face: uneven_light
    sharpness_min: float  # variance of the Laplacian of the face at 128 px: blurry
    background_std_max: float  # std of L* around the head: background_not_plain
    background_edges_max: float  # share of edge pixels around the head
    background_delta_e_max: float  # CIE76 distance to the nearest allowed colour


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title_zh: str
    title_en: str
    source: str
    width: int
    height: int
    jpeg_min_bytes: int  # min_kb * 1024
    jpeg_max_bytes: int  # max_kb * 1000: inside the range under either reading of "KB"
    jpeg_min_quality: int
    backgrounds: tuple[Background, ...]
    geometry: Geometry
    checks: Checks


_CHECK_KEYS = tuple(Checks.__dataclass_fields__)
_cache: dict[tuple[str, int], dict[str, Profile]] = {}
_cache_lock = threading.Lock()


def default_path() -> Path:
    return resource_path(*PROFILES_FILE)


def load_profiles(path: Path | None = None) -> dict[str, Profile]:
    """Every profile by name, in file order (the first is the default).

    Parsed once per file version (path and modification time), so calling it per frame
    costs one ``stat``.
    """
    path = Path(path) if path is not None else default_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise ProfileError(
            f"找不到照片规格文件 {path}", f"cannot read the photo profiles {path}: {exc}"
        ) from None
    key = (str(path.resolve()), stamp)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return dict(cached)
    profiles = parse_profiles(path)
    with _cache_lock:
        _cache[key] = profiles
    return dict(profiles)


def get_profile(name: str | None = None, path: Path | None = None) -> Profile:
    """The named profile; ``None`` or ``""``: the first in the file. Unknown: ProfileError."""
    profiles = load_profiles(path)
    if not name:
        return next(iter(profiles.values()))
    try:
        return profiles[name]
    except KeyError:
        known = ", ".join(profiles)
        raise ProfileError(
            f"没有名为 {name} 的照片规格（可用：{known}）",
            f"no photo profile {name!r} (known: {known})",
        ) from None


def parse_profiles(path: Path) -> dict[str, Profile]:
    try:
        data = jsonio.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProfileError(
            f"照片规格文件 {path} 无法读取：{exc}", f"cannot read the photo profiles {path}: {exc}"
        ) from None
    r = _Reader(path)
    top = r.obj(data, "")
    if r.num(top, "format", "") != 1:
        r.fail("", "format 应为 1", "format must be 1")
    items = top.get("profiles")
    if not isinstance(items, list) or not items:
        r.fail("profiles", "应为非空列表", "must be a non-empty list")
    profiles: dict[str, Profile] = {}
    for i, item in enumerate(items):
        profile = _profile(r, item, f"profiles[{i}]")
        if profile.name in profiles:
            r.fail(f"profiles[{i}].name", "名称重复", f"duplicate name {profile.name!r}")
        profiles[profile.name] = profile
    return profiles


def _profile(r: _Reader, item: Any, at: str) -> Profile:
    p = r.obj(
        item,
        at,
        {"name", "title_zh", "title_en", "source", "output", "jpeg", "backgrounds"}
        | {"geometry", "checks"},
    )
    name = r.text(p, "name", at)
    output = r.obj(p.get("output"), f"{at}.output", {"width", "height"})
    width = int(r.num(output, "width", f"{at}.output", 64, 4000, integer=True))
    height = int(r.num(output, "height", f"{at}.output", 64, 4000, integer=True))
    jpeg = r.obj(p.get("jpeg"), f"{at}.jpeg", {"min_kb", "max_kb", "min_quality"})
    min_bytes = round(r.num(jpeg, "min_kb", f"{at}.jpeg", 0, 10_000) * 1024)
    max_bytes = round(r.num(jpeg, "max_kb", f"{at}.jpeg", 1, 10_000) * 1000)
    if min_bytes >= max_bytes:
        r.fail(f"{at}.jpeg", "min_kb 须小于 max_kb", "min_kb must be below max_kb")
    quality = int(r.num(jpeg, "min_quality", f"{at}.jpeg", 1, 100, integer=True))
    backgrounds = p.get("backgrounds")
    if not isinstance(backgrounds, list) or not backgrounds:
        r.fail(f"{at}.backgrounds", "应为非空列表", "must be a non-empty list")
    return Profile(
        name=name,
        title_zh=r.text(p, "title_zh", at),
        title_en=r.text(p, "title_en", at),
        source=r.text(p, "source", at),
        width=width,
        height=height,
        jpeg_min_bytes=min_bytes,
        jpeg_max_bytes=max_bytes,
        jpeg_min_quality=quality,
        backgrounds=tuple(
            _background(r, b, f"{at}.backgrounds[{j}]") for j, b in enumerate(backgrounds)
        ),
        geometry=_geometry(r, p.get("geometry"), f"{at}.geometry"),
        checks=_checks(r, p.get("checks"), f"{at}.checks"),
    )


def _background(r: _Reader, item: Any, at: str) -> Background:
    b = r.obj(item, at, {"name", "label_zh", "rgb"})
    rgb = b.get("rgb")
    if (
        not isinstance(rgb, list)
        or len(rgb) != 3
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in rgb)
    ):
        r.fail(f"{at}.rgb", "应为 3 个 0–255 的整数", "must be three integers 0-255")
    return Background(r.text(b, "name", at), r.text(b, "label_zh", at), (rgb[0], rgb[1], rgb[2]))


def _geometry(r: _Reader, item: Any, at: str) -> Geometry:
    g = r.obj(item, at, {"face_width", "eye_line", "head_top", "center_tolerance"})
    head = r.obj(g.get("head_top"), f"{at}.head_top", {"min", "max"})
    head_min = r.num(head, "min", f"{at}.head_top", 0, 0.5)
    head_max = r.num(head, "max", f"{at}.head_top", 0, 0.5)
    if head_min > head_max:
        r.fail(f"{at}.head_top", "min 不能大于 max", "min must not exceed max")
    return Geometry(
        face_width=_span(r, g.get("face_width"), f"{at}.face_width"),
        eye_line=_span(r, g.get("eye_line"), f"{at}.eye_line"),
        head_top_min=head_min,
        head_top_max=head_max,
        center_tolerance=r.num(g, "center_tolerance", at, 0, 0.5),
    )


def _span(r: _Reader, item: Any, at: str) -> Span:
    s = r.obj(item, at, {"min", "target", "max"})
    low, target, high = (r.num(s, k, at, 0.01, 1.0) for k in ("min", "target", "max"))
    if not low <= target <= high:
        r.fail(at, "应满足 min ≤ target ≤ max", "needs min <= target <= max")
    return Span(low, target, high)


def _checks(r: _Reader, item: Any, at: str) -> Checks:
    c = r.obj(item, at, set(_CHECK_KEYS))
    return Checks(**{k: r.num(c, k, at, 0, 1e6) for k in _CHECK_KEYS})


class _Reader:
    """Typed access to the JSON with errors that name the file and the place."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, at: str, zh: str, en: str) -> NoReturn:
        where = at or "(top)"
        raise ProfileError(
            f"照片规格文件 {self.path.name} 无效：{where} {zh}",
            f"invalid photo profiles {self.path.name}: {where} {en}",
        )

    def obj(self, value: Any, at: str, keys: set[str] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(at, "应为对象", "must be an object")
        if keys is not None:
            missing = sorted(keys - value.keys())
            extra = sorted(value.keys() - keys)
            if missing:
                self.fail(at, f"缺少 {', '.join(missing)}", f"lacks {', '.join(missing)}")
            if extra:
                self.fail(at, f"有未知的键 {', '.join(extra)}", f"has unknown {', '.join(extra)}")
        return value

    def text(self, obj: dict[str, Any], key: str, at: str) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{at}.{key}", "应为非空文本", "must be a non-empty string")
        return value

    def num(
        self,
        obj: dict[str, Any],
        key: str,
        at: str,
        low: float = float("-inf"),
        high: float = float("inf"),
        *,
        integer: bool = False,
    ) -> float:
        value = obj.get(key)
        place = f"{at}.{key}" if at else key
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(place, "应为数字", "must be a number")
        if integer and not isinstance(value, int):
            self.fail(place, "应为整数", "must be an integer")
        if not low <= value <= high:
            self.fail(place, f"应在 {low}–{high} 之间", f"must be within {low}..{high}")
        return float(value)
