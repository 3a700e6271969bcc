"""``station photo check|crop`` as a user runs them: real processes and exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station.photo.stored import jpeg_dimensions

from .test_cli import assert_one_line_error, run

FIXTURES = Path(__file__).parent / "fixtures" / "photos"
GOOD = str(FIXTURES / "portrait_light_blue.jpg")
ASTRONAUT = str(FIXTURES / "astronaut.jpg")
COFFEE = str(FIXTURES / "coffee.jpg")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path  # the photo commands need no station


@pytest.fixture
def unreadable(tmp_path: Path) -> str:
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8 this is not really a JPEG")
    return str(path)


def test_check_passes_fails_and_reports_json(home: Path) -> None:
    good = run(home, "photo", "check", GOOD)
    assert good.returncode == 0, good.stderr
    assert "合格" in good.stdout
    as_json = run(home, "photo", "check", GOOD, "--json")
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 0 and data["ok"] is True and data["problems"] == []
    assert data["metrics"]["faces"] == 1
    busy = run(home, "photo", "check", ASTRONAUT, "--json")
    assert busy.returncode == 1, busy.stderr
    assert "background_not_plain" in json.loads(busy.stdout)["problems"]
    nobody = run(home, "photo", "check", COFFEE)
    assert nobody.returncode == 1 and "请正对镜头" in nobody.stdout


def test_check_unusable_input_exits_2(home: Path, unreadable: str) -> None:
    assert_one_line_error(run(home, "photo", "check", unreadable), 2)
    assert_one_line_error(run(home, "photo", "check", str(home / "missing.jpg")), 2)
    wrong_profile = run(home, "photo", "check", GOOD, "--profile", "nope")
    assert_one_line_error(wrong_profile, 2)
    assert "national_480x640" in wrong_profile.stderr


def test_crop_writes_the_profile_photo(home: Path) -> None:
    out = home / "out" / "photo.jpg"
    refused = run(home, "photo", "crop", GOOD, "--out", str(out))  # no folder is made up
    assert refused.returncode == 2 and "不存在" in refused.stderr and not out.parent.exists()
    out.parent.mkdir()
    result = run(home, "photo", "crop", GOOD, "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert jpeg_dimensions(data) == (480, 640) and 20 * 1024 <= len(data) <= 40_000
    id_card = home / "id.jpg"
    result = run(home, "photo", "crop", GOOD, "--out", str(id_card), "--profile", "id_card_358x441")
    assert result.returncode == 0, result.stderr
    assert jpeg_dimensions(id_card.read_bytes()) == (358, 441)
    assert "background_not_plain" in result.stderr  # light blue is not the ID card's white


def test_crop_refusals(home: Path, unreadable: str) -> None:
    out = home / "photo.jpg"
    nobody = run(home, "photo", "crop", COFFEE, "--out", str(out))
    assert_one_line_error(nobody, 1)
    assert "请正对镜头" in nobody.stderr and not out.exists()
    assert_one_line_error(run(home, "photo", "crop", unreadable, "--out", str(out)), 2)
    assert_one_line_error(run(home, "photo", "crop", GOOD, "--out", GOOD), 2)
    assert run(home, "photo", "crop", GOOD).returncode == 2  # --out missing
    assert not out.exists()
