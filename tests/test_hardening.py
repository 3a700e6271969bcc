"""Hardening: every bad input a reason, never a stall (issue "Hardening II")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station import records, seeding
from station.errors import StationError
from station.lifecycle import Action, State
from station.models import Batch, Candidate
from station.settings import save
from station.setup import init_station
from sync import batch_format as bf
from sync import station_side
from sync.county import db, ingest, registry
from sync.keys import read_private_key

from .factories import ADMIN, SUPERVISOR, fast_settings
from .sync_fixtures import COUNTY, PASSPHRASE, install, login, make_county

#: Every character str.splitlines() splits on, and the other C0 controls and DEL.
SEPARATORS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f"]


def test_json_lines_survive_every_separator_and_control_character() -> None:
    rows = [{"text": f"a{ch}b", "n": i} for i, ch in enumerate(SEPARATORS + CONTROLS)]
    assert bf.json_lines(bf.to_json_lines(rows)) == rows


def test_a_separator_in_a_station_name_or_an_unlock_reason_reaches_the_county(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "station"
    directory.mkdir()
    save(directory, fast_settings())
    init_station(
        directory,
        name="金水区\u2028第一\u2029报名点\x85",
        county_code=COUNTY,
        number=2,
        admin_login=ADMIN[0],
        admin_password=ADMIN[1],
    )
    from station import auth
    from station.roles import Role

    with auth.login(directory, *ADMIN) as ctx:
        auth.add_operator(ctx, SUPERVISOR[0], "审核员甲", Role.SUPERVISOR, SUPERVISOR[1])
    _keys, public = make_county(tmp_path / "county")
    keys = read_private_key(tmp_path / "county" / "county-key.json", PASSPHRASE)
    engine = db.connect(db.default_url(tmp_path / "county"))
    install(directory, public)
    with login(directory) as ctx:
        registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
        seeding.seed(ctx, 1, "signed", rng_seed=1)
        with ctx.store.read() as s:
            candidate = s.scalar(select(Candidate.id))
    with login(directory, SUPERVISOR) as sup:
        records.transition(sup, candidate, Action.UNLOCK, "电话\u2028有误\u2029\x85\v")
        with sup.store.read() as s:
            values = records.record_values(records.get(s, candidate))
        records.update(sup, candidate, {**values, "phone": "13700137000"})
        with sup.store.session() as s:
            c = records.get(s, candidate)
            records.record_review_in(s, sup, c)
            records.record_password_in(s, sup, c, c.password_hash or "$argon2id$demo")
            records.record_printed_in(s, sup, c)
            records.transition_in(s, sup, c, Action.CONFIRM)
        records.sign(sup, candidate, "盒002-页01")
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(directory) as ctx:
        files = station_side.export_batches(ctx, usb)
    outcomes = ingest.ingest_files(
        engine, keys, files, pending_dir=tmp_path / "p", receipts_dir=tmp_path / "r"
    )
    assert [o.status for o in outcomes] == ["ok"], [o.detail for o in outcomes]
    engine.dispose()


def test_the_station_never_signs_what_the_county_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .sync_fixtures import make_station

    directory = make_station(tmp_path, 3)
    _keys, public = make_county(tmp_path / "county")
    install(directory, public)
    with login(directory) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=2)

    def old_reader(data: bytes) -> list[dict]:  # the reader that split at U+2028 and friends
        return [json.loads(x) for x in data.decode().splitlines() if x] + [{}]

    monkeypatch.setattr(bf, "json_lines", old_reader)
    (tmp_path / "usb").mkdir()
    with login(directory) as ctx:
        with pytest.raises(StationError, match="county's reader would refuse"):
            station_side.export_batches(ctx, tmp_path / "usb")
        with ctx.store.read() as s:  # nothing spent, nothing marked
            assert s.scalar(select(func.count()).select_from(Batch)) == 0
            assert records.count_by_state(s) == {State.SIGNED.value: 2}
    assert list((tmp_path / "usb").iterdir()) == []


# --- formula injection: nothing we write into a workbook is a formula ---------------------

INJECTED = '=HYPERLINK("http://example.invalid","点我")'


def _formulas(path: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return [
            name
            for name in z.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in z.read(name)
        ]


def _texts(path: Path) -> set[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return {
        c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.data_type == "s"
    }


def test_the_station_roster_export_writes_text_as_text(admin_ctx, tmp_path: Path) -> None:
    from station import roster

    from .factories import record_for

    records.create(admin_ctx, record_for(1, home_address=INJECTED))
    out = tmp_path / "export.xlsx"
    roster.export_roster(admin_ctx, out)
    assert _formulas(out) == []
    assert INJECTED in _texts(out)  # unchanged, so it imports back exactly
    result = roster.import_roster(admin_ctx, out, dry_run=True)
    assert result.already_present == 1 and not result.conflicts


def test_the_errors_workbook_writes_text_as_text(admin_ctx, tmp_path: Path) -> None:
    from station import roster

    from .factories import record_for
    from .test_roster import write_roster

    bad = record_for(2, name="=1+1", home_address=INJECTED, phone="-12345")

    def typed_as_text(ws) -> None:  # as a clerk types it, not as a formula
        from station import xlsx

        for cells in ws.iter_rows():
            for cell in cells:
                xlsx.as_text(cell)

    source = write_roster(tmp_path / "in.xlsx", [bad], edit=typed_as_text)
    result = roster.import_roster(admin_ctx, source)
    assert result.rejected
    errors = tmp_path / "errors.xlsx"
    roster.write_errors(result, errors)
    assert _formulas(errors) == []
    assert INJECTED in _texts(errors)


def test_the_county_roster_writes_text_as_text(tmp_path: Path) -> None:
    from station.photo.stored import PhotoInput, placeholder_jpeg
    from sync.county.roster import export_roster

    from .factories import record_for
    from .sync_fixtures import make_station

    directory = make_station(tmp_path, 4)
    _keys, public = make_county(tmp_path / "county")
    keys = read_private_key(tmp_path / "county" / "county-key.json", PASSPHRASE)
    engine = db.connect(db.default_url(tmp_path / "county"))
    install(directory, public)
    with login(directory) as ctx:
        registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
        raw = record_for(3, school_name="=cmd|' /C calc'!A0")
        with ctx.store.session() as s:
            c = records.create_in(
                s, ctx, raw, PhotoInput(placeholder_jpeg(), "demo", quality_ok=True)
            )
            seeding._advance(s, ctx, c, State.SIGNED, 0)
        (tmp_path / "usb").mkdir()
        files = station_side.export_batches(ctx, tmp_path / "usb")
    ingest.ingest_files(
        engine, keys, files, pending_dir=tmp_path / "p", receipts_dir=tmp_path / "r"
    )
    out = tmp_path / "county.xlsx"
    export_roster(engine, out)
    assert _formulas(out) == []
    assert "=cmd|' /C calc'!A0" in _texts(out)
    engine.dispose()


# --- who may take personal data away ---------------------------------------------------------


def test_an_operator_cannot_take_personal_data_away(
    station_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from station import auth, roster
    from station.errors import PermissionDenied
    from station.models import AuditEvent
    from ui.launcher import main

    from .factories import OPERATOR, record_for

    with auth.login(station_dir, *OPERATOR) as ctx:
        records.create(ctx, record_for(1))
        with pytest.raises(PermissionDenied):
            roster.export_roster(ctx, tmp_path / "all.xlsx")
    assert not (tmp_path / "all.xlsx").exists()
    monkeypatch.setenv("STATION_OPERATOR", OPERATOR[0])
    monkeypatch.setenv("STATION_PASSWORD", OPERATOR[1])
    assert main(["--data-dir", str(station_dir), "candidate", "list", "--unmasked"]) == 1
    assert record_for(1)["id_number"] not in capsys.readouterr().out
    monkeypatch.setenv("STATION_OPERATOR", SUPERVISOR[0])
    monkeypatch.setenv("STATION_PASSWORD", SUPERVISOR[1])
    assert main(["--data-dir", str(station_dir), "candidate", "list", "--unmasked"]) == 0
    assert record_for(1)["id_number"] in capsys.readouterr().out
    with auth.login(station_dir, *SUPERVISOR) as ctx:
        roster.export_roster(ctx, tmp_path / "all.xlsx")
        with ctx.store.read() as s:
            events = s.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail))
            taken = [(a, b, d) for a, b, d in events if b in ("unmasked_list", "roster_export")]
    assert [(a, b) for a, b, _d in taken] == [
        (SUPERVISOR[0], "unmasked_list"),
        (SUPERVISOR[0], "roster_export"),
    ]
    assert "all.xlsx" in taken[1][2]  # audited with where it went


def test_the_desk_offers_the_roster_export_only_to_a_supervisor(qtbot, station_dir: Path) -> None:
    from station import auth
    from ui.main_window import MainWindow

    from .factories import OPERATOR

    names = {}
    for who in (OPERATOR, SUPERVISOR):
        ctx = auth.login(station_dir, *who)
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        names[who[0]] = {a.objectName() for a in window.findChildren(type(window.new_action))}
        ctx.close()
    assert "exportRoster" not in names[OPERATOR[0]]
    assert "exportRoster" in names[SUPERVISOR[0]]


# --- one source of truth for every text field's length ----------------------------------------


@pytest.mark.parametrize(
    "field", ["school_name", "allocation_basis", "home_address", "school_code"]
)
def test_validation_refuses_what_is_longer_than_the_limit(field: str) -> None:
    from station.validation import MAX_LENGTH, validate_candidate

    from .factories import record_for

    limit = MAX_LENGTH[field]
    extra = {"allocation_applied": True} if field == "allocation_basis" else {}
    ch = "4" if field == "school_code" else "校"
    at_limit = validate_candidate(record_for(1, **extra, **{field: ch * limit}))
    assert not [i for i in at_limit.for_field(field) if i.code == "too_long"]
    over = validate_candidate(record_for(1, **extra, **{field: ch * (limit + 1)}))
    assert "too_long" in [i.code for i in over.for_field(field)]
    assert str(limit) in over.for_field(field)[0].message_zh


def test_the_store_and_the_form_follow_the_limits(qtbot, admin_ctx) -> None:
    from station.fields import BY_NAME, Kind
    from station.models import Candidate
    from station.validation import MAX_LENGTH
    from ui.candidate_form import CandidateForm

    columns = Candidate.__table__.columns
    for field, limit in MAX_LENGTH.items():
        if BY_NAME[field].kind is Kind.TEXT:  # kept as typed (an ID number or a date is parsed)
            assert columns[field].type.length >= limit, field  # the store holds what is let in
    form = CandidateForm(admin_ctx)
    qtbot.addWidget(form)
    for field, limit in MAX_LENGTH.items():
        widget = form.inputs[field]
        if hasattr(widget, "maxLength"):
            assert widget.maxLength() == limit, field


# --- outputs never replace a link, a device or a folder, and make up no folder ---------------


def test_outputs_refuse_links_devices_and_missing_folders(admin_ctx, tmp_path: Path) -> None:
    import os

    from station import backup, roster
    from station.errors import UsageError

    from .factories import record_for

    records.create(admin_ctx, record_for(1))
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "link.xlsx"
    link.symlink_to(precious)
    targets = [link, tmp_path / "no-such-folder" / "x.xlsx", tmp_path]
    if os.path.exists("/dev/null") and os.access("/dev/null", os.W_OK):
        targets.append(Path("/dev/null"))
    for target in targets:
        with pytest.raises(UsageError):
            roster.export_roster(admin_ctx, target)
        with pytest.raises(UsageError):
            roster.write_template(target)
        with pytest.raises(UsageError):
            backup.make_backup(admin_ctx, target)
    assert link.is_symlink() and precious.read_text() == "keep me"
    assert not (tmp_path / "no-such-folder").exists()
    assert Path("/dev/null").is_char_device()
    roster.export_roster(admin_ctx, tmp_path / "fine.xlsx")  # a new file in a folder is fine
    assert (tmp_path / "fine.xlsx").is_file()


# --- JSON nested thousands deep: a refusal, never a traceback ---------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_is_refused_with_a_reason(tmp_path: Path) -> None:
    import struct

    from station import backup
    from station.errors import StationError
    from station.keyslots import KeySlots
    from station.settings import load
    from sync.errors import BatchRefused
    from sync.keys import read_county_public, verify_document

    with pytest.raises(BatchRefused):
        bf.json_lines(DEEP.encode())
    with pytest.raises(BatchRefused):
        verify_document(b"\0" * 32, DEEP.encode(), "zk-receipt")
    deep_file = tmp_path / "deep.json"
    deep_file.write_text(DEEP)
    with pytest.raises(StationError):
        read_county_public(deep_file)
    (tmp_path / "settings.json").write_text(DEEP)
    with pytest.raises(StationError):
        load(tmp_path)
    (tmp_path / "keyslots.json").write_text(DEEP)
    with pytest.raises(StationError):
        KeySlots(tmp_path).load()
    header = DEEP.encode()
    (tmp_path / "b.zkbackup").write_bytes(backup.MAGIC + struct.pack(">I", len(header)) + header)
    with pytest.raises(backup.BackupRefused) as refused:
        backup.read_header(tmp_path / "b.zkbackup")
    assert refused.value.code == "damaged"


def test_the_cli_refuses_a_deeply_nested_record_file(
    station_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from ui.launcher import main

    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    deep = tmp_path / "rec.json"
    deep.write_text(DEEP)
    code = main(["--data-dir", str(station_dir), "candidate", "add", "--json-file", str(deep)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "内部错误" not in err


# --- bounds on images and sheets: checked before decoding or loading ----------------------------


def test_a_huge_image_is_refused_from_its_header(tmp_path: Path) -> None:
    import struct
    import zlib

    from station.errors import UsageError
    from station.photo.images import decode_image, load_image

    def png(width: int, height: int) -> bytes:
        def chunk(kind: bytes, body: bytes) -> bytes:
            return (
                struct.pack(">I", len(body))
                + kind
                + body
                + struct.pack(">I", zlib.crc32(kind + body))
            )

        ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b"")
        )

    for width, height in ((30_000, 30_000), (2**16, 2**16)):  # 2^32 pixels: cv2 crashed
        with pytest.raises(UsageError, match="too large"):
            decode_image(png(width, height))
    with pytest.raises(UsageError, match="not a readable image"):
        decode_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    if Path("/dev/zero").exists():
        with pytest.raises(UsageError, match="not a regular file"):
            load_image("/dev/zero")


def test_rosters_that_unpack_huge_or_hold_too_many_rows_are_refused_before_loading(
    tmp_path: Path,
) -> None:
    import zipfile

    from station import roster_read
    from station.roster_read import RosterUnusable, read_roster

    from .test_roster import write_roster

    good = write_roster(tmp_path / "good.xlsx", [])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        out.writestr("xl/media/padding.bin", b"\0" * (roster_read.MAX_UNPACKED_BYTES + 1))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(RosterUnusable, match="unpacks"):
        read_roster(bomb)

    many = tmp_path / "many.xlsx"
    sheet = "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>' for i in range(1, 100_100))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, _sep, _rest = data.partition(b"<sheetData>")
                data = head + b"<sheetData>" + sheet.encode() + b"</sheetData></worksheet>"
            out.writestr(item, data)
    with pytest.raises(RosterUnusable, match="at most"):
        read_roster(many)
    if Path("/dev/zero").exists():
        with pytest.raises(RosterUnusable, match="not a regular file"):
            read_roster(Path("/dev/zero"))


# --- the county: bounded reading of batch files and key files ---------------------------------


def test_the_county_refuses_by_magic_and_size_before_reading_a_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.county import intake
    from sync.errors import MALFORMED, BatchRefused

    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8" + b"\0" * 1000)
    with pytest.raises(BatchRefused) as refused:
        intake.read_file(junk)
    assert refused.value.code == MALFORMED and "magic" in refused.value.detail
    big = tmp_path / "big.zkb"
    with big.open("wb") as f:
        f.write(bf.MAGIC)
        f.seek(2_000_000)
        f.write(b"\0")
    monkeypatch.setattr(intake, "MAX_BATCH_BYTES", 1_000_000)
    read: list[int] = []
    real_parse = bf.parse
    monkeypatch.setattr(bf, "parse", lambda data: read.append(len(data)) or real_parse(data))
    with pytest.raises(BatchRefused, match="larger than any batch"):
        intake.read_file(big)
    assert read == []  # never read whole
    with pytest.raises(BatchRefused):
        intake.read_file(tmp_path)  # a folder


def test_a_key_file_that_asks_too_much_of_argon2_is_refused(tmp_path: Path) -> None:
    from sync.keys import KeyFileError, read_private_key

    _keys, _public = make_county(tmp_path / "county")
    path = tmp_path / "county" / "county-key.json"
    data = json.loads(path.read_text())
    data["kdf"]["memory_cost"] = 2**32  # 4 TiB
    path.write_text(json.dumps(data))
    with pytest.raises(KeyFileError, match="bad KDF parameters"):
        read_private_key(path, PASSPHRASE)


# --- a full disk is said as such -------------------------------------------------------------


def test_a_full_disk_is_reported_as_a_full_disk_and_nothing_is_half_stored(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections import namedtuple

    from sqlalchemy.exc import DatabaseError, OperationalError

    from station import audit, auth, database
    from station.errors import StoreError

    from .factories import OPERATOR, record_for

    with auth.login(station_dir, *OPERATOR) as ctx:
        real_append = audit.append_events

        def full(*args: object, **kwargs: object) -> None:
            real_append(*args, **kwargs)  # type: ignore[arg-type]
            raise OperationalError("INSERT", {}, Exception("database or disk is full"))

        monkeypatch.setattr(audit, "append_events", full)
        with pytest.raises(StoreError, match="the disk is full") as refused:
            records.create(ctx, record_for(1))
        assert "没有保存任何内容" in refused.value.message_zh
        monkeypatch.setattr(audit, "append_events", real_append)
        with ctx.store.read() as s:
            assert records.count_by_state(s) == {}

    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(database.shutil, "disk_usage", lambda _p: Usage(10**9, 10**9, 4096))

    class Engine:
        def connect(self) -> None:
            raise DatabaseError("PRAGMA integrity_check", {}, Exception("disk I/O error"))

    class FullDiskStore:  # what the check sees when SQLite cannot grow its files
        directory, path, engine = station_dir, station_dir / "station.db", Engine()

    with pytest.raises(StoreError, match="the disk is full"):  # not "damaged"
        database.check_integrity(FullDiskStore())


# --- the county trusts a station with its own records only -------------------------------------


def _county_with(tmp_path: Path, numbers: tuple[int, ...]):
    from .sync_fixtures import make_station

    _keys, public = make_county(tmp_path / "county")
    keys = read_private_key(tmp_path / "county" / "county-key.json", PASSPHRASE)
    engine = db.connect(db.default_url(tmp_path / "county"))
    stations = []
    for number in numbers:
        directory = make_station(tmp_path, number)
        install(directory, public)
        with login(directory) as ctx:
            registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
        stations.append(directory)
    return keys, engine, stations


def test_a_photo_must_be_named_by_its_own_hash(tmp_path: Path) -> None:
    from sync.county import intake
    from sync.errors import HASH_MISMATCH, BatchRefused

    keys, engine, (station,) = _county_with(tmp_path, (5,))
    (tmp_path / "usb").mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 1, "signed", rng_seed=1)
        (batch,) = station_side.export_batches(ctx, tmp_path / "usb")
    parsed = intake.read_file(batch)
    payload = bf.open_payload(parsed, keys.x25519)
    name = next(k for k in payload if k.startswith("photos/"))
    # Other bytes under the same name, listed in the manifest with their own (true) hash, as
    # a station's writer that signs what it sends could make them: each entry matches the
    # manifest, but the name is not the hash of the bytes.
    payload[name] = payload[name] + b"other bytes under the same name"
    manifest = {
        **parsed.manifest,
        "entries": [
            {**e, "sha256": bf.sha256_hex(payload[name]), "size": len(payload[name])}
            if e["name"] == name
            else e
            for e in parsed.manifest["entries"]
        ],
    }
    forged = bf.Parsed(parsed.manifest_bytes, manifest, parsed.sealed, parsed.signature,
                       parsed.file_hash)  # fmt: skip
    with pytest.raises(BatchRefused) as refused:
        intake._contents(batch, forged, payload)
    assert refused.value.code == HASH_MISMATCH and "named by its hash" in refused.value.detail
    # And bytes that are not what the manifest lists are refused before that, on opening.
    assert all(
        bf.sha256_hex(payload[e["name"]]) == e["sha256"]
        for e in manifest["entries"]
        if e["name"] == name
    )
    engine.dispose()


def test_a_batch_carrying_another_stations_registration_number_is_refused(tmp_path: Path) -> None:
    from station.photo.stored import PhotoInput, placeholder_jpeg
    from sync.errors import OTHER_STATION

    from .factories import record_for

    keys, engine, (first, second) = _county_with(tmp_path, (5, 6))
    (tmp_path / "usb").mkdir()
    with login(first) as ctx:
        seeding.seed(ctx, 1, "signed", rng_seed=1)
        files = station_side.export_batches(ctx, tmp_path / "usb")
        with ctx.store.read() as s:
            taken = s.scalar(select(Candidate.registration_no))
    with login(second) as ctx:
        with ctx.store.session() as s:
            c = records.create_in(
                s, ctx, record_for(7), PhotoInput(placeholder_jpeg(), "demo", True)
            )
            c.registration_no = taken  # a station that sends what is not its own
            s.flush()
            seeding._advance(s, ctx, c, State.SIGNED, 0)
        files += station_side.export_batches(ctx, tmp_path / "usb")
    outcomes = ingest.ingest_files(
        engine, keys, files, pending_dir=tmp_path / "p", receipts_dir=tmp_path / "r"
    )
    assert [(o.status, o.code) for o in outcomes] == [("ok", ""), ("refused", OTHER_STATION)]
    engine.dispose()


# --- training stations: synthetic records never reach a real county -----------------------------


def test_demo_data_only_on_a_training_station(
    station_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from ui.launcher import main

    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    assert main(["--data-dir", str(station_dir), "seed", "--count", "2"]) == 2
    assert "正式报名点" in capsys.readouterr().err
    training = tmp_path / "training"
    training.mkdir()
    save(training, fast_settings())
    args = ["--data-dir", str(training), "init", "--name", "培训点", "--county", COUNTY]
    assert main([*args, "--number", "9", "--training"]) == 0
    assert main(["--data-dir", str(training), "seed", "--count", "2"]) == 0


@pytest.mark.parametrize(("station_training", "county_training"), [(True, False), (False, True)])
def test_training_and_real_never_mix(
    tmp_path: Path, station_training: bool, county_training: bool
) -> None:
    from sync.errors import TRAINING_MISMATCH
    from sync.keys import CountyKeys, private_key_json

    from .sync_fixtures import FAST

    keys = CountyKeys.generate(COUNTY, "县区", training=county_training)
    (tmp_path / "county").mkdir()
    key_file = tmp_path / "county" / "county-key.json"
    key_file.write_text(private_key_json(keys, PASSPHRASE, FAST))
    assert read_private_key(key_file, PASSPHRASE).training is county_training
    (tmp_path / "county" / "county-public.json").write_text(keys.public.to_json())
    directory = tmp_path / "station"
    directory.mkdir()
    save(directory, fast_settings())
    init_station(
        directory,
        name="点",
        county_code=COUNTY,
        number=8,
        admin_login=ADMIN[0],
        admin_password=ADMIN[1],
        demo=station_training,
    )
    install(directory, tmp_path / "county" / "county-public.json")
    engine = db.connect(db.default_url(tmp_path / "county"))
    (tmp_path / "usb").mkdir()
    with login(directory) as ctx:
        registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
        seeding.seed(ctx, 1, "signed", rng_seed=1)
        (batch,) = station_side.export_batches(ctx, tmp_path / "usb")
    (outcome,) = ingest.verify_files(engine, keys, [batch])
    assert outcome.status == "refused" and outcome.code == TRAINING_MISMATCH
    both = CountyKeys(keys.county, keys.name, keys.x25519, keys.ed25519, station_training)
    (matched,) = ingest.verify_files(engine, both, [batch])  # the same kind on both sides
    assert matched.status == "ok", matched.detail
    engine.dispose()
