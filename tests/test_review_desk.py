"""The county's review desk without a browser: sessions, roles, CSRF, decisions (one, two
clerks at once, bulk, Excel), the 公示 outputs' contents, progress, and inert injections."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from sync.county import db, progress
from sync.county.service import ServiceConfig, create_app
from sync.keys import read_county_public, verify_document
from sync.station_side import REVIEW

from .county_desk_fixtures import PASSWORDS, CountyDesk, make_desk
from .sync_fixtures import PASSPHRASE


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> CountyDesk:
    return make_desk(tmp_path_factory.mktemp("desk"))


@pytest.fixture(scope="module")
def app(desk: CountyDesk) -> Any:
    return create_app(ServiceConfig(data_dir=str(desk.home), logins_per_minute=1000), PASSPHRASE)


def client(app: Any, who: str | None = None) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    if who is not None:
        page = c.get("/login")
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
        done = c.post("/login", data={"login": who, "password": PASSWORDS[who], "token": token})
        assert done.status_code == 303, done.text
    return c


def csrf_of(c: TestClient, path: str = "/review") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get(path).text).group(1)


def _routes(routes: list[Any]) -> list[Any]:
    """Every route, those of included routers too (FastAPI wraps them)."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out += _routes(inner.routes) if inner is not None else [route]
    return out


def test_no_page_without_a_login(app: Any) -> None:
    anonymous = client(app)
    checked = 0
    for route in _routes(app.routes):
        if not isinstance(route, APIRoute) or route.path in ("/login", "/health"):
            continue
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        for method in route.methods:
            answer = anonymous.request(method, path)
            if path.startswith("/stations/x/batches"):
                assert answer.status_code in (400, 401), path  # the intake: signed requests only
            else:
                assert answer.status_code == 303 and answer.headers["location"].startswith(
                    "/login"
                ), (method, path, answer.status_code)
            checked += 1
    assert checked >= 14
    # A cookie that is not a session is no login either.
    anonymous.cookies.set("zk_session", "forged-token")
    assert anonymous.get("/review").status_code == 303


def test_login_lockout_and_logout(app: Any, desk: CountyDesk) -> None:
    c = client(app)
    token = re.search(r'name="token" value="([^"]+)"', c.get("/login").text).group(1)
    for _ in range(5):
        wrong = c.post("/login", data={"login": "clerk2", "password": "nope", "token": token})
        assert wrong.status_code == 401 and "错误" in wrong.text
    right = c.post(
        "/login", data={"login": "clerk2", "password": PASSWORDS["clerk2"], "token": token}
    )
    assert right.status_code == 401 and "锁定" in right.text
    with desk.engine.begin() as conn:
        conn.execute(update(db.county_users).values(locked_until=None, failed=0))
    # Without the login form's own token: refused.
    assert (
        c.post("/login", data={"login": "clerk1", "password": PASSWORDS["clerk1"]}).status_code
        == 403
    )
    c = client(app, "clerk1")
    assert c.get("/review").status_code == 200
    assert c.post("/logout", data={"csrf": csrf_of(c)}).status_code == 303
    assert c.get("/review").status_code == 303


def test_cookies_are_httponly_and_strict(app: Any) -> None:
    c = client(app)
    token = re.search(r'name="token" value="([^"]+)"', c.get("/login").text).group(1)
    done = c.post(
        "/login", data={"login": "clerk1", "password": PASSWORDS["clerk1"], "token": token}
    )
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = c.get("/review")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def _first(desk: CountyDesk, station_index: int = 0) -> dict[str, str]:
    code = f"410105-0{3 + station_index}"
    return next(r for r in desk.candidates() if r["station"] == code and r["state"] == "received")


def _form(c: TestClient, row: dict[str, str]) -> dict[str, str]:
    text = c.get(f"/review/{row['station']}/{row['registration_no']}").text
    field = lambda name: re.search(rf'name="{name}" value="([^"]*)"', text).group(1)  # noqa: E731
    return {"csrf": field("csrf"), "version": field("version"), "stamp": field("stamp")}


def test_decide_and_csrf(app: Any, desk: CountyDesk) -> None:
    c = client(app, "clerk1")
    row = _first(desk)
    where = f"/review/{row['station']}/{row['registration_no']}"
    form = _form(c, row)
    # A forged form (another site, no token): refused, nothing stored.
    forged = c.post(where, data={**form, "csrf": "x", "decision": "approved"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    # A rejection needs a listed reason.
    no_reason = c.post(where, data={**form, "decision": "rejected"})
    assert "原因" in c.get(no_reason.headers["location"]).text
    done = c.post(
        where,
        data={
            **form,
            "decision": "rejected",
            "reason_code": "documents",
            "reason_text": "缺少户籍证明",
            "login": "admin1",
        },
    )
    assert "已保存" in c.get(done.headers["location"]).text
    with desk.engine.connect() as conn:
        state, reason = conn.execute(
            select(db.candidates.c.state, db.candidates.c.reason).where(
                db.candidates.c.registration_no == row["registration_no"]
            )
        ).one()
        logged = conn.execute(
            select(db.review_log.c.login, db.review_log.c.previous).where(
                db.review_log.c.registration_no == row["registration_no"]
            )
        ).all()
    assert (state, reason) == ("rejected", "证明材料不齐全或不真实：缺少户籍证明")
    # The decision is the logged-in clerk's, whatever the form says.
    assert logged == [("clerk1", "received")]


def test_two_clerks_deciding_the_same_record(app: Any, desk: CountyDesk) -> None:
    first, second = client(app, "clerk1"), client(app, "clerk2")
    row = _first(desk, 1)
    where = f"/review/{row['station']}/{row['registration_no']}"
    seen_first, seen_second = _form(first, row), _form(second, row)
    assert first.post(where, data={**seen_first, "decision": "approved"}).status_code == 303
    late = second.post(where, data={**seen_second, "decision": "rejected", "reason_code": "age"})
    told = second.get(late.headers["location"]).text
    assert "已被他人（clerk1）改动" in told
    with desk.engine.connect() as conn:
        assert (
            conn.scalar(
                select(db.candidates.c.state).where(
                    db.candidates.c.registration_no == row["registration_no"]
                )
            )
            == "approved"
        )


def test_roles(app: Any, desk: CountyDesk) -> None:
    clerk = client(app, "clerk1")
    csrf = csrf_of(clerk)
    bulk = clerk.post("/review/bulk", data={"csrf": csrf, "decision": "approved"})
    assert bulk.status_code == 403 and "审核人" in bulk.text
    assert clerk.get("/publicity.pdf").status_code == 403
    assert (
        clerk.post("/progress/deadline", data={"csrf": csrf, "day": "2027-05-01"}).status_code
        == 403
    )


def test_bulk_approve_and_filters(app: Any, desk: CountyDesk) -> None:
    reviewer = client(app, "review1")
    page = reviewer.get("/review", params={"station": "410105-04", "decided": "no"})
    picks = re.findall(r'name="pick" value="([^"]+)"', page.text)
    assert picks and all(p.startswith("410105-04|") for p in picks)
    done = reviewer.post(
        "/review/bulk",
        data={
            "csrf": csrf_of(reviewer),
            "decision": "approved",
            "pick": picks,
            "back": "/review?station=410105-04",
        },
    )
    assert f"已对 {len(picks)} 名考生作出决定" in reviewer.get(done.headers["location"]).text
    after = reviewer.get("/review", params={"station": "410105-04", "decided": "no"})
    assert "共 0 名考生" in after.text
    # Search by pinyin initials, name, ID number, 报名号.
    someone = next(r for r in desk.candidates() if r["station"] == "410105-03")
    for q in (someone["name"][:1], someone["id_number"], someone["registration_no"]):
        found = reviewer.get("/review", params={"q": q})
        assert someone["registration_no"] in found.text, q
    from station.pinyin import initials

    for variant in initials(someone["name"]).split():  # every reading of the surname
        found = reviewer.get("/review", params={"q": variant})
        assert someone["registration_no"] in found.text, variant
    assert " " in initials(someone["name"]), "the seed should give a surname of two readings"
    # 曾 reads zēng and céng: both initials find 曾国藩, the second one too.
    assert initials("曾国藩") == "cgf zgf"


def test_injection_is_inert(app: Any, desk: CountyDesk) -> None:
    row = desk.candidates()[-1]
    evil = "<script>alert(1)</script>"
    with desk.engine.begin() as conn:
        conn.execute(
            update(db.review_index)
            .where(db.review_index.c.registration_no == row["registration_no"])
            .values(name=evil)
        )
        conn.execute(
            update(db.candidates)
            .where(db.candidates.c.registration_no == row["registration_no"])
            .values(name=evil)
        )
    c = client(app, "clerk1")
    page = c.get("/review", params={"q": "<"})
    assert evil not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    for q in ("' OR '1'='1", "%", "_", "\\", "'; DROP TABLE candidates; --", evil):
        answer = c.get("/review", params={"q": q})
        assert answer.status_code == 200 and evil not in answer.text
    assert desk.candidates()  # still there
    notice = c.get("/review", params={"notice": evil})
    assert evil not in notice.text


def test_publicity_holds_nothing_it_must_not(app: Any, desk: CountyDesk) -> None:
    from pypdf import PdfReader

    from sync.county import publicity

    reviewer = client(app, "review1")
    pdf = reviewer.get("/publicity.pdf", params={"station": "410105-03", "paper": "A3"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    xlsx = reviewer.get("/publicity.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    secrets = _personal(desk)
    for needle in secrets:
        assert needle not in text and needle not in cells, needle
    station3 = [r for r in desk.candidates() if r["station"] == "410105-03"]
    for r in station3:
        assert publicity.mask_id(r["id_number"]) in text
    assert "第 1 页" in text and "共" in text


def _personal(desk: CountyDesk) -> list[str]:
    """Every full ID number, phone and address the county holds."""
    import json

    with desk.engine.connect() as conn:
        records = [json.loads(c)["record"] for c in conn.scalars(select(db.versions.c.canonical))]
    out = []
    for r in records:
        out += [r["id_number"], r["phone"], r["home_address"]]
        if r.get("guardian_phone"):
            out.append(r["guardian_phone"])
    return [x for x in out if x]


def test_decisions_through_excel(app: Any, desk: CountyDesk) -> None:
    reviewer = client(app, "review1")
    sheet_bytes = reviewer.get("/review/export.xlsx", params={"station": "410105-03"}).content
    wb = openpyxl.load_workbook(io.BytesIO(sheet_bytes))
    ws = wb.active
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    undecided = [r for r in range(2, ws.max_row + 1) if not ws.cell(r, col["审核结论"]).value]
    good, bad_word, bad_version = undecided[:3]
    ws.cell(good, col["审核结论"]).value = "通过"
    ws.cell(bad_word, col["审核结论"]).value = "同意吧"
    ws.cell(bad_version, col["审核结论"]).value = "通过"
    ws.cell(bad_version, col["版本"]).value = 9
    out = io.BytesIO()
    wb.save(out)
    result = reviewer.post(
        "/review/import",
        data={"csrf": csrf_of(reviewer)},
        files={"file": ("审核表.xlsx", out.getvalue())},
    )
    assert "已保存 1 条结论" in result.text
    assert f"<td>{bad_word}</td>" in result.text and f"<td>{bad_version}</td>" in result.text
    garbage = reviewer.post(
        "/review/import", data={"csrf": csrf_of(reviewer)}, files={"file": ("x.xlsx", b"no")}
    )
    assert garbage.status_code == 400 and "不是 Excel" in garbage.text


def test_progress(app: Any, desk: CountyDesk) -> None:
    admin = client(app, "admin1")
    assert (
        admin.post(
            "/progress/deadline", data={"csrf": csrf_of(admin, "/progress"), "day": "2099-05-01"}
        ).status_code
        == 303
    )
    page = admin.get("/progress")
    assert "截止日期 2099-05-01" in page.text and "410105-03" in page.text
    view = progress.overview(desk.engine, desk.home / "pending")
    assert view.total == 20 and {s.code for s in view.stations} == {"410105-03", "410105-04"}
    # The station's signed review file, from the decisions taken here (a POST: numbered).
    link = re.search(r'action="(/stations/410105-0\d/review.json)"', page.text).group(1)
    assert admin.get(link).status_code == 405
    signed = admin.post(link, data={"csrf": csrf_of(admin, "/progress")})
    assert signed.status_code == 200
    county_key = read_county_public(desk.home / "county-public.json")
    doc = verify_document(county_key.ed25519, signed.content, REVIEW)
    assert doc["results"] and doc["station"] == link.split("/")[2]
    sheet = openpyxl.load_workbook(io.BytesIO(admin.get("/progress.xlsx").content)).active
    assert sheet.cell(1, 1).value == "报名点代码" and sheet.max_row >= 4


def test_candidate_page_shows_the_whole_file(app: Any, desk: CountyDesk) -> None:
    c = client(app, "clerk1")
    row = desk.candidates()[0]
    page = c.get(f"/review/{row['station']}/{row['registration_no']}").text
    assert row["id_number"] in page and "报名点操作记录" in page
    assert 'src="/photos/' in page
    photo = re.search(r'src="(/photos/[0-9a-f]{64})"', page).group(1)
    answer = c.get(photo)
    assert answer.status_code == 200 and answer.content[:2] == b"\xff\xd8"
    assert "考生及监护人签字" in page  # the station's events for this record, in words
    assert "410105-04" in page  # the same (demo) photo at the other station: near-identical


def test_county_user_commands(desk: CountyDesk, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from sync import county_cli

    home = ["--data-dir", str(desk.home)]
    monkeypatch.setenv("COUNTY_USER_PASSWORD", "a-long-password-1")
    assert (
        county_cli.main([*home, "user", "add", "wang", "--name", "王老师", "--role", "reviewer"])
        == 0
    )
    assert (
        county_cli.main([*home, "user", "add", "wang", "--name", "王老师", "--role", "clerk"]) == 2
    )
    assert "已存在" in capsys.readouterr().err
    monkeypatch.setenv("COUNTY_USER_PASSWORD", "short")
    assert county_cli.main([*home, "user", "add", "li", "--name", "李", "--role", "clerk"]) == 2
    assert "至少" in capsys.readouterr().err
    assert county_cli.main([*home, "user", "disable", "wang"]) == 0
    assert county_cli.main([*home, "user", "list"]) == 0
    listed = capsys.readouterr().out
    assert "wang  王老师  审核人  已停用" in listed and "clerk1" in listed


def test_bulk_keeps_allocation_results_and_refuses_what_changed(app: Any, desk: CountyDesk) -> None:
    """A bulk decision carries no 分配生 result: it leaves the one taken on the candidate's
    page; and a record another clerk decided after the list was shown is left as it is."""
    with desk.engine.begin() as conn:
        conn.execute(update(db.review_index).values(allocation_applied=True))
    reviewer, clerk = client(app, "review1"), client(app, "clerk2")
    page = reviewer.get("/review", params={"station": "410105-03"})
    picks = re.findall(r'name="pick" value="([^"]+)"', page.text)
    first, second = (p.split("|") for p in picks[:2])
    row = {"station": first[0], "registration_no": first[1]}
    form = _form(clerk, row)
    where = f"/review/{first[0]}/{first[1]}"
    clerk.post(where, data={**form, "decision": "approved", "allocation": "granted"})
    other = {"station": second[0], "registration_no": second[1]}
    form2 = _form(clerk, other)
    # The reviewer's list was read before the clerk decided the first one.
    clerk.post(
        f"/review/{second[0]}/{second[1]}",
        data={**form2, "decision": "approved", "allocation": "denied"},
    )
    done = reviewer.post(
        "/review/bulk",
        data={"csrf": csrf_of(reviewer), "decision": "approved", "pick": picks[:3]},
    )
    note = reviewer.get(done.headers["location"]).text
    assert "已对 1 名考生作出决定" in note and first[1] in note and second[1] in note
    with desk.engine.connect() as conn:
        allocations = dict(
            conn.execute(
                select(db.candidates.c.registration_no, db.candidates.c.allocation).where(
                    db.candidates.c.registration_no.in_([first[1], second[1]])
                )
            ).all()
        )
    assert allocations == {first[1]: "granted", second[1]: "denied"}


def test_sheets_hold_text_not_formulas(app: Any, desk: CountyDesk) -> None:
    row = desk.candidates()[0]
    with desk.engine.begin() as conn:
        conn.execute(
            update(db.review_index)
            .where(db.review_index.c.registration_no == row["registration_no"])
            .values(school_name='=HYPERLINK("http://evil","点此")')
        )
    reviewer = client(app, "review1")
    for path in ("/review/export.xlsx", "/publicity.xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(reviewer.get(path).content)).active
        cells = [c for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
        evil = [c for c in cells if c.value.startswith("=HYPERLINK")]
        assert evil and all(c.data_type == "s" for c in evil), path


def test_odd_requests_get_answers_not_errors(app: Any) -> None:
    c = client(app, "clerk1")
    assert c.get("/review", params={"page": "1" + "0" * 30}).status_code == 200
    anonymous = client(app)
    anonymous.cookies.set("zk_login", "token")
    odd = anonymous.post("/login", data={"login": "x", "password": "y", "token": "é"})
    assert odd.status_code == 403
    huge = c.post("/review/bulk", content=b"x" * 100, headers={"content-length": "99999999"})
    assert huge.status_code == 413


def test_too_many_logins_from_one_address(desk: CountyDesk) -> None:
    app = create_app(ServiceConfig(data_dir=str(desk.home), logins_per_minute=3), PASSPHRASE)
    c = TestClient(app, follow_redirects=False)
    token = re.search(r'name="token" value="([^"]+)"', c.get("/login").text).group(1)
    answers = [
        c.post("/login", data={"login": "nobody", "password": "x", "token": token}).status_code
        for _ in range(4)
    ]
    assert answers == [401, 401, 401, 429]


def test_guesses_made_at_once_all_count(desk: CountyDesk) -> None:
    """Twenty wrong passwords sent at the same moment lock the login like twenty in a row."""
    from concurrent.futures import ThreadPoolExecutor

    from sync.county import accounts

    accounts.add_user(desk.engine, "target", "被猜者", "clerk", "target-password-1")

    def guess(_n: int) -> str:
        try:
            accounts.log_in(desk.engine, "target", "wrong")
        except accounts.LoginRefused as refused:
            return refused.message
        return "in"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, range(20)))
    assert any("锁定" in a for a in answers)
    with pytest.raises(accounts.LoginRefused, match="锁定"):
        accounts.log_in(desk.engine, "target", "target-password-1")


def test_the_same_id_number_at_two_stations_is_flagged(app: Any, desk: CountyDesk) -> None:
    from sqlalchemy import delete

    from sync.county import review_desk

    rows = desk.candidates()
    here = next(r for r in rows if r["station"] == "410105-03")
    there = next(r for r in rows if r["station"] == "410105-04")
    with desk.engine.begin() as conn:
        conn.execute(
            update(db.candidates)
            .where(db.candidates.c.registration_no == there["registration_no"])
            .values(id_number=here["id_number"])
        )
        # As a database from before the flag: indexed again when the service starts.
        conn.execute(
            delete(db.review_index).where(
                db.review_index.c.registration_no.in_(
                    [here["registration_no"], there["registration_no"]]
                )
            )
        )
    assert review_desk.build_index(desk.engine) == 2
    page = client(app, "clerk1").get("/review", params={"duplicate": "yes"}).text
    assert here["registration_no"] in page and there["registration_no"] in page
    assert "共 2 名考生" in page
