"""``station self-test`` (自检): the whole path of one registration, in a scratch folder.

A build is only worth shipping if it can do what a registration point does all day. Each
step uses the same core functions the desk and the CLI use, on a fresh station made in a
temporary folder with the real settings (real Argon2 costs, real fonts, the shipped photo
profile): create a station, validate a record, check and crop a photo, save, the candidate's
check and password, print the form, confirm, sign, export a batch, and verify, ingest and
acknowledge it with a county key made on the spot. The launcher adds the desk's own steps
(ui/selftest_gui.py). It lives in ``sync`` because the county's half is part of the path.

Every step prints one line; the run stops at the first failure, because later steps build on
earlier ones, and says so for each step it did not run.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The name on the self-test's form: an Extension B character (𪚥) proves the bundled
#: fallback font is there and embedded, not only the main one.
NAME = "王𪚥䶮"  # Extension B and A: both bundled font subsets must be in the build
ADMIN = ("selftest", "Self-test-2027!")
COUNTY_PASSPHRASE = "self-test county passphrase"


@dataclass
class Scratch:
    """What the steps hand on to each other."""

    root: Path
    stack: ExitStack = field(default_factory=ExitStack)
    ctx: Any = None
    record: dict[str, Any] = field(default_factory=dict)
    jpeg: bytes = b""
    candidate_id: int = 0
    pdf: bytes = b""
    qr_text: str = ""
    batches: list[Path] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def station_dir(self) -> Path:
        return self.root / "station"

    @property
    def county_dir(self) -> Path:
        return self.root / "county"


@dataclass(frozen=True, slots=True)
class Step:
    zh: str
    en: str
    run: Callable[[Scratch], str]  # returns a short detail for the line; raises on failure


@dataclass(frozen=True, slots=True)
class Outcome:
    step: Step
    ok: bool | None  # None: not run, an earlier step failed
    detail: str
    seconds: float

    def line(self, number: int, total: int) -> str:
        mark = {True: "通过 PASS", False: "失败 FAIL", None: "未运行 SKIP"}[self.ok]
        text = f"[{mark}] {number:>2}/{total} {self.step.zh} / {self.step.en}"
        if self.ok is not None:
            text += f" ({self.seconds:.1f} s)"
        return f"{text}: {self.detail}" if self.detail else text


# --- the core's steps ----------------------------------------------------------------------


def _create_station(t: Scratch) -> str:
    from station import auth
    from station.setup import init_station

    t.station_dir.mkdir()
    result = init_station(
        t.station_dir,
        name="自检报名点",
        county_code="410105",
        number=1,
        admin_login=ADMIN[0],
        admin_password=ADMIN[1],
    )
    t.ctx = t.stack.enter_context(auth.login(t.station_dir, *ADMIN))
    return f"{result.station_code}, encrypted store opened"


def _validate_record(t: Scratch) -> str:
    from station import idnumber
    from station.validation import validate_candidate

    policy = t.ctx.settings.policy()
    ref = policy.reference_date()
    birth = ref.replace(year=ref.year - 15, day=1)
    number = idnumber.make("410105", birth, 123)
    record = {
        "name": NAME,
        "document_type": "resident_id",
        "id_number": number,
        "ethnicity": "01",
        "political_status": "13",
        "household_division": "410105",
        "category": "fresh",
        "school_code": "410105001",
        "school_name": "自检第一中学",
        "student_number": f"G{number}",
        "home_address": "自检数据：金水路1号",
        "phone": "13800138000",
        "guardian_name": "王建国",
        "guardian_relation": "父亲",
        "guardian_phone": "13900139000",
    }
    good = validate_candidate(record, policy)
    if not good.ok:
        raise AssertionError(f"a valid record was refused: {good.errors}")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    if validate_candidate({**record, "id_number": wrong}, policy).ok:
        raise AssertionError("a wrong check digit was accepted")
    t.record = record
    return "a valid record passes; a wrong check digit is refused"


def _photo(t: Scratch) -> str:
    from station.photo.checks import check_frame
    from station.photo.crop import crop_and_encode
    from station.photo.images import decode_image, load_image
    from station.photo.profiles import get_profile
    from station.photo.stored import jpeg_dimensions
    from station.resources import resource_path

    profile = get_profile(t.ctx.settings.photo_profile or None)
    frame = load_image(resource_path("demo", "camera", "portrait.jpg"))
    verdict = check_frame(frame, profile)
    if not verdict.ok:
        raise AssertionError(f"the bundled portrait fails its checks: {verdict.problems}")
    t.jpeg = crop_and_encode(frame, profile, verdict.face)
    width, height = jpeg_dimensions(t.jpeg)
    decode_image(t.jpeg)  # the stored bytes are a real image
    return f"profile {profile.name}: {width}x{height}, {len(t.jpeg) // 1024} KB"


def _save(t: Scratch) -> str:
    from station import records
    from station.photo.stored import PhotoInput

    saved = records.create(t.ctx, t.record, PhotoInput(t.jpeg, "camera", quality_ok=True))
    t.candidate_id = saved.id
    with t.ctx.store.read() as s:
        c = records.get(s, t.candidate_id)
        if c.name != NAME:
            raise AssertionError("the name did not survive the store")
        return f"{c.registration_no}, state {c.state}"


def _candidate_check(t: Scratch) -> str:
    from station import passwords, records

    records.record_review(t.ctx, t.candidate_id)
    question = passwords.QUESTIONS[0]
    passwords.set_password(
        t.ctx, t.candidate_id, "Vv8#pond-Ladder-7", "Vv8#pond-Ladder-7", question, "王老师"
    )
    return "reviewed, own password set"


def _print_form(t: Scratch) -> str:
    from station.form.service import print_form

    printed = print_form(t.ctx, t.candidate_id)
    embedded = set(re.findall(rb"/BaseFont /[A-Z]{6}\+([A-Za-z]+)", printed.pdf))
    expected = {b"WenQuanYiMicroHei", b"HanaMinA", b"HanaMinB"}
    if not printed.pdf.startswith(b"%PDF") or not expected <= embedded:
        raise AssertionError(f"embedded fonts {sorted(embedded)}: main, A and B subsets expected")
    t.pdf, t.qr_text = printed.pdf, printed.qr_text
    (t.root / "form.pdf").write_bytes(printed.pdf)
    fonts = ", ".join(sorted(f.decode() for f in embedded))
    return f"{len(printed.pdf) // 1024} KB, fonts {fonts} embedded, QR {printed.qr_text[:22]}…"


def _confirm_and_sign(t: Scratch) -> str:
    from station import records
    from station.lifecycle import Action

    records.transition(t.ctx, t.candidate_id, Action.CONFIRM)
    saved = records.sign(t.ctx, t.candidate_id, "自检-盒001-页01")
    return f"state {saved.state}"


def _export(t: Scratch) -> str:
    from sync import station_side
    from sync.keys import CountyKeys, private_key_json

    t.county_dir.mkdir()
    keys = CountyKeys.generate("410105", "自检县区")
    (t.county_dir / "county-key.json").write_text(
        private_key_json(keys, COUNTY_PASSPHRASE), "utf-8"
    )
    (t.county_dir / "county-public.json").write_text(keys.public.to_json(), "utf-8")
    station_side.install_county_key(t.ctx, t.county_dir / "county-public.json")
    outbox = t.root / "outbox"
    outbox.mkdir()
    t.batches = station_side.export_batches(t.ctx, outbox)
    if len(t.batches) != 1:
        raise AssertionError(f"expected one batch, got {len(t.batches)}")
    station_side.export_station_key(t.ctx, t.county_dir / "station-public.json")
    return f"{t.batches[0].name}, {t.batches[0].stat().st_size // 1024} KB"


def _county(t: Scratch) -> str:
    from sync import station_side
    from sync.county import db, ingest
    from sync.county.home import CountyHome
    from sync.county.registry import register_station
    from sync.keys import read_station_public

    home = CountyHome(t.county_dir)
    keys = home.keys(COUNTY_PASSPHRASE)
    engine = db.connect(home.db_url(None))
    try:
        register_station(
            engine, read_station_public(t.county_dir / "station-public.json"), "410105"
        )
        (verified,) = ingest.verify_files(engine, keys, t.batches)
        if verified.status != "ok":
            raise AssertionError(f"county verify: {verified.code} {verified.detail}")
        (stored,) = ingest.ingest_files(
            engine, keys, t.batches, pending_dir=home.pending, receipts_dir=home.receipts
        )
        if stored.status != "ok" or stored.receipt is None:
            raise AssertionError(f"county ingest: {stored.code} {stored.detail}")
    finally:
        engine.dispose()
    acked = station_side.ack_receipt(t.ctx, stored.receipt).acknowledged
    if acked != 1:
        raise AssertionError(f"the receipt acknowledged {acked} records")
    return f"verified, ingested ({stored.records} record), receipt acknowledged"


def _upload(t: Scratch) -> str:
    """The same batch again, over the network: the county's intake service (in this process,
    on loopback) answers "received before" with the same signed receipt."""
    import socket
    import threading

    import uvicorn

    from sync import request_auth, station_side, upload
    from sync.county.service import ServiceConfig, create_app

    app = create_app(ServiceConfig(data_dir=str(t.county_dir), pages=False), COUNTY_PASSPHRASE)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise AssertionError("the intake service did not start")
            time.sleep(0.05)
        code, key = station_side.request_signer(t.ctx)
        data = t.batches[0].read_bytes()
        path = f"/stations/{code}/batches/1"
        with upload.client_for(upload.Target(f"http://127.0.0.1:{port}")) as client:
            response = client.put(
                path, content=data, headers=request_auth.sign(key, code, "PUT", path, data)
            )
        if response.status_code != 200 or response.headers.get("X-ZK-Outcome") != "already":
            raise AssertionError(f"intake answered {response.status_code}: {response.text[:200]}")
        if not station_side.ack_receipt_data(t.ctx, response.content).already:
            raise AssertionError("the receipt did not name the batch acknowledged before")
    finally:
        server.should_exit = True
        thread.join(10)
    return f"intake service on 127.0.0.1:{port}: received before, same receipt"


def _audit(t: Scratch) -> str:
    from station import audit

    with t.ctx.store.read() as s:
        report = audit.verify(s)
    if not report.ok:
        raise AssertionError(f"audit chain broken at event {report.bad_seq}: {report.problem}")
    return f"{report.count} events, chain intact"


CORE_STEPS = (
    Step("创建报名点", "create a station", _create_station),
    Step("校验考生信息", "validate a record", _validate_record),
    Step("检查并裁剪照片", "check and crop a photo", _photo),
    Step("保存记录", "save the record", _save),
    Step("考生核对并设置密码", "candidate check and password", _candidate_check),
    Step("打印登记表", "print the registration form", _print_form),
    Step("确认并签字", "confirm and sign", _confirm_and_sign),
    Step("导出批次文件", "export a batch", _export),
    Step("县区核验、入库、回执", "county verify, ingest, receipt", _county),
    Step("联网上传", "upload to the intake service", _upload),
    Step("审计链", "audit chain", _audit),
)


def run(
    steps: Iterable[Step],
    emit: Callable[[str], None] = print,
    root: Path | None = None,
) -> bool:
    """Run ``steps`` in a scratch folder (removed afterwards unless ``root`` is given)."""
    steps = list(steps)
    with _scratch_root(root) as where:
        t = Scratch(where)
        failed = False
        try:
            for number, step in enumerate(steps, 1):
                outcome = _run_one(step, t) if not failed else Outcome(step, None, "", 0.0)
                failed = failed or outcome.ok is False
                emit(outcome.line(number, len(steps)))
        finally:
            t.stack.close()
        return not failed


def _run_one(step: Step, t: Scratch) -> Outcome:
    start = time.perf_counter()
    try:
        detail = step.run(t)
    except Exception as exc:  # the self-test reports every failure as a line, not a traceback
        logging.getLogger(__name__).error(
            "self-test step failed: %s\n%s", step.en, traceback.format_exc()
        )
        message = getattr(exc, "message_en", None) or f"{type(exc).__name__}: {exc}"
        return Outcome(step, False, message, time.perf_counter() - start)
    return Outcome(step, True, detail, time.perf_counter() - start)


@contextmanager
def _scratch_root(root: Path | None) -> Iterator[Path]:
    if root is None:
        with tempfile.TemporaryDirectory(prefix="station-selftest-") as name:
            yield Path(name)
        return
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        from station.errors import UsageError

        raise UsageError(f"目录 {root} 不是空的", f"{root} is not empty")
    yield root
