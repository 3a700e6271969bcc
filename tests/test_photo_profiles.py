"""Photo profiles: the shipped file, the default, and clear errors for a bad file."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from station.errors import UsageError
from station.photo import ProfileError, get_profile, load_profiles
from station.photo.profiles import default_path


def shipped() -> dict[str, Any]:
    return json.loads(default_path().read_text("utf-8"))


def test_shipped_profiles() -> None:
    profiles = load_profiles()
    assert list(profiles)[:3] == ["national_480x640", "id_card_358x441", "henan_450x600"]
    national = profiles["national_480x640"]
    assert (national.width, national.height) == (480, 640)
    assert (national.jpeg_min_bytes, national.jpeg_max_bytes) == (20 * 1024, 40 * 1000)
    assert {b.rgb for b in national.backgrounds} == {(100, 197, 255), (255, 255, 255)}
    id_card = profiles["id_card_358x441"]
    assert (id_card.width, id_card.height) == (358, 441)
    henan = profiles["henan_450x600"]
    assert (henan.width, henan.height, henan.jpeg_max_bytes) == (450, 600, 30_000)
    assert [b.name for b in henan.backgrounds] == ["blue"]
    for p in profiles.values():
        assert p.source and p.title_zh and p.title_en
        g = p.geometry
        assert g.face_width.min <= g.face_width.target <= g.face_width.max


def test_default_is_the_first_in_the_file() -> None:
    assert get_profile(None).name == "national_480x640"
    assert get_profile("").name == "national_480x640"
    assert get_profile("henan_450x600").name == "henan_450x600"


def test_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="national_480x640") as err:
        get_profile("shanghai_1x1")
    assert err.value.exit_code == 2


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "photo_profiles.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return path


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (_set("profiles.0.checks.sharpness_min", _DELETE), "sharpness_min"),
        (_set("profiles.0.checks.sharpnes_min", 3), "sharpnes_min"),  # a typo
        (_set("profiles.0.output.width", "480"), "profiles[0].output.width"),
        (_set("profiles.0.output.height", 12.5), "profiles[0].output.height"),
        (_set("profiles.0.jpeg.min_kb", 50), "profiles[0].jpeg"),
        (_set("profiles.0.geometry.face_width.target", 0.9), "profiles[0].geometry.face_width"),
        (_set("profiles.0.backgrounds.0.rgb", [1, 2]), "rgb"),
        (_set("profiles.0.backgrounds", []), "backgrounds"),
        (_set("profiles.1.name", "national_480x640"), "profiles[1].name"),
        (_set("profiles", []), "profiles"),
        (_set("format", 2), "format"),
    ],
)
def test_bad_profile_files_name_the_place(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], place: str
) -> None:
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(ProfileError) as err:
        load_profiles(write(tmp_path, data))
    assert place in err.value.message_en and place in err.value.message_zh
    assert err.value.exit_code == 2


def test_unreadable_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="无法读取"):
        load_profiles(write(tmp_path, "{not json"))
    with pytest.raises(ProfileError, match="找不到"):
        load_profiles(tmp_path / "nothing.json")


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    data = shipped()
    path = write(tmp_path, data)
    assert get_profile(None, path).name == "national_480x640"
    data["profiles"].reverse()
    path.write_text(json.dumps(data), "utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert get_profile(None, path).name == "henan_450x600"
