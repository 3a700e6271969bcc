"""The review desk's pages (审核工作台网页), served by ``county serve`` beside the intake API.

Server-rendered (Jinja2, autoescaped), no build step, Chinese, one small script file. Every
page but the login needs a session (sync/county/accounts.py); every form that changes
anything carries the session's CSRF token, and the login form a token of its own. Decisions
are taken as the logged-in user, never as a user the form names.
"""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.datastructures import UploadFile as StarletteUpload

from station.errors import StationError
from station.fields import FIELDS, Category
from sync.county import accounts, progress, publicity, review_desk
from sync.county.accounts import CountyRole, Session
from sync.county.home import CountyHome
from sync.county.limits import RateLimit
from sync.keys import CountyKeys

HERE = Path(__file__).parent
COOKIE = "zk_session"
LOGIN_COOKIE = "zk_login"
templates = Jinja2Templates(directory=str(HERE / "templates"))


class _Redirect(Exception):
    def __init__(self, to: str) -> None:
        self.to = to


class _Forbidden(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def router(
    engine: Engine, keys: CountyKeys, home: CountyHome, county_name: str, logins_per_minute: int
) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    # Login attempts per address a minute: guessing is slow, and Argon2 is not a free CPU.
    attempts = RateLimit(logins_per_minute)

    def session(request: Request, role: CountyRole = CountyRole.CLERK) -> Session:
        found = accounts.session_of(engine, request.cookies.get(COOKIE))
        if found is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise _Redirect("/login?next=" + quote(target if request.method == "GET" else "/"))
        if not found.user.may(role):
            raise _Forbidden(f"此操作需要“{role.label_zh}”或以上权限")
        return found

    def checked(request: Request, role: CountyRole, csrf: str) -> Session:
        found = session(request, role)
        if not _same(csrf or "", found.csrf):
            raise _Forbidden("表单已过期或来源不明（CSRF 校验未通过），请刷新页面后重试")
        return found

    def page(
        request: Request, name: str, s: Session | None, status: int = 200, **context: Any
    ) -> HTMLResponse:
        return templates.TemplateResponse(
            request, name, {"s": s, "county": county_name, **context}, status_code=status
        )

    @r.get("/")
    def root(request: Request) -> Response:
        session(request)
        return RedirectResponse("/review", status_code=303)

    @r.get("/login")
    def login_page(request: Request, next: str = "/review") -> Response:
        token = secrets.token_urlsafe(24)
        response = page(request, "login.html", None, token=token, next=_safe_next(next))
        _cookie(request, response, LOGIN_COOKIE, token, max_age=1800)
        return response

    @r.post("/login")
    def login(
        request: Request,
        login: str = Form(""),
        password: str = Form(""),
        token: str = Form(""),
        next: str = Form("/review"),
    ) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if attempts.take(request.client.host if request.client else "-"):
            return page(
                request,
                "login.html",
                None,
                429,
                token=expected,
                next=_safe_next(next),
                error="登录尝试过于频繁，请一分钟后再试",
            )
        if not expected or not _same(token, expected):
            return page(
                request,
                "login.html",
                None,
                403,
                token=expected,
                next=_safe_next(next),
                error="登录表单已过期，请重新输入",
            )
        try:
            cookie, _s = accounts.log_in(engine, login, password)
        except accounts.LoginRefused as refused:
            return page(
                request,
                "login.html",
                None,
                401,
                token=expected,
                next=_safe_next(next),
                error=refused.message,
                login=login,
            )
        response = RedirectResponse(_safe_next(next), status_code=303)
        _cookie(request, response, COOKIE, cookie)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @r.post("/logout")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        s = checked(request, CountyRole.CLERK, csrf)
        accounts.log_out(engine, s)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # --- review ---------------------------------------------------------------------------

    def filters_of(request: Request) -> review_desk.Filters:
        q = request.query_params
        try:
            number = min(max(1, int(q.get("page", "1")[:7])), 10**6)
        except ValueError:
            number = 1
        return review_desk.Filters(
            **{
                k: q.get(k, "")[:60]
                for k in (
                    "station",
                    "school",
                    "state",
                    "category",
                    "allocation",
                    "duplicate",
                    "decided",
                    "q",
                )
            },
            page=number,
        )

    @r.get("/review")
    def review_list(request: Request) -> Response:
        s = session(request)
        f = filters_of(request)
        listing = review_desk.review_list(engine, f)
        return page(
            request,
            "review_list.html",
            s,
            listing=listing,
            f=f,
            reasons=review_desk.REASONS,
            categories=list(Category),
            states=review_desk.STATES,
            notice=request.query_params.get("notice", ""),
        )

    @r.post("/review/bulk")
    async def review_bulk(request: Request) -> Response:
        session(request, CountyRole.REVIEWER)  # before the form is read
        form = await request.form(max_files=0, max_fields=2000)
        s = checked(request, CountyRole.REVIEWER, str(form.get("csrf", "")))
        keys = []
        for value in form.getlist("pick"):
            parts = str(value).split("|")
            if len(parts) == 4 and parts[2].isdigit() and len(parts[2]) < 9:
                keys.append((parts[0], parts[1], int(parts[2]), parts[3]))
        decision = review_desk.Decision(
            str(form.get("decision", "")),
            str(form.get("reason_code", "")),
            str(form.get("reason_text", "")),
        )
        back = str(form.get("back", ""))
        if not keys:
            return _back(back, "没有选择考生")
        try:
            done, left = review_desk.decide_many(engine, s.user.login, keys, decision)
        except StationError as exc:
            return _back(back, exc.message_zh)
        note = f"已对 {done} 名考生作出决定"
        if left:
            note += f"；{len(left)} 名已被他人改动或已有新版本，未改：{'、'.join(left[:10])}"
        return _back(back, note)

    @r.get("/review/export.xlsx")
    def review_export(request: Request) -> Response:
        session(request)
        data = review_desk.decisions_workbook(engine, filters_of(request))
        return _download(data, "审核表.xlsx", XLSX)

    @r.post("/review/import")
    async def review_import(request: Request) -> Response:
        session(request, CountyRole.REVIEWER)  # before the upload is read
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > MAX_UPLOAD:
            return page(
                request,
                "import_result.html",
                None,
                413,
                error=f"文件超过 {MAX_UPLOAD // 2**20} MB（或大小不明）",
            )
        form = await request.form(max_files=1, max_fields=10)
        s = checked(request, CountyRole.REVIEWER, str(form.get("csrf", "")))
        file = form.get("file")
        if not isinstance(file, StarletteUpload):
            return page(request, "import_result.html", s, 400, error="请选择要导入的审核表")
        data = await file.read(MAX_UPLOAD + 1)
        try:
            result = review_desk.import_decisions(engine, s.user.login, data)
        except StationError as exc:
            return page(request, "import_result.html", s, 400, error=exc.message_zh)
        return page(request, "import_result.html", s, result=result, file_name=file.filename or "")

    @r.get("/review/{station}/{number}")
    def candidate_page(request: Request, station: str, number: str) -> Response:
        s = session(request)
        found = review_desk.candidate(engine, station, number)
        if found is None:
            return page(request, "message.html", s, 404, message="没有这名考生")
        return page(
            request,
            "candidate.html",
            s,
            c=found,
            fields=FIELDS,
            shown=_shown(found.record),
            reasons=review_desk.REASONS,
            allocations=review_desk.ALLOCATIONS,
            notice=request.query_params.get("notice", ""),
        )

    @r.post("/review/{station}/{number}")
    def candidate_decide(
        request: Request,
        station: str,
        number: str,
        csrf: str = Form(""),
        version: int = Form(0),
        stamp: str = Form(""),
        decision: str = Form(""),
        reason_code: str = Form(""),
        reason_text: str = Form(""),
        allocation: str = Form(""),
    ) -> Response:
        s = checked(request, CountyRole.CLERK, csrf)
        chosen = review_desk.Decision(
            decision, reason_code, reason_text, allocation or None, set_allocation=True
        )
        where = f"/review/{quote(station)}/{quote(number)}"
        try:
            review_desk.decide(engine, s.user.login, station, number, version, stamp, chosen)
        except review_desk.Changed as changed:
            by = f"（{changed.by}）" if changed.by else ""
            return RedirectResponse(
                f"{where}?notice="
                + quote(f"此记录已被他人{by}改动或有了新版本，未保存；请看清当前内容后再决定"),
                status_code=303,
            )
        except (StationError, ValueError) as exc:
            return RedirectResponse(
                f"{where}?notice=" + quote(getattr(exc, "message_zh", "表单内容无效")),
                status_code=303,
            )
        return RedirectResponse(f"{where}?notice=" + quote("已保存"), status_code=303)

    @r.get("/photos/{sha}")
    def photo(request: Request, sha: str) -> Response:
        session(request)
        from sqlalchemy import select

        from sync.county import db

        if len(sha) != 64 or not all(ch in "0123456789abcdef" for ch in sha):
            return Response(status_code=404)
        with engine.connect() as conn:
            jpeg = conn.scalar(select(db.photos.c.jpeg).where(db.photos.c.sha256 == sha))
        if jpeg is None:
            return Response(status_code=404)
        return Response(
            bytes(jpeg), media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
        )

    @r.post("/stations/{station}/review.json")
    def review_file(request: Request, station: str, csrf: str = Form("")) -> Response:
        """Issue the station's next signed review file (numbered: a POST, never a GET that
        a browser's prefetch could repeat)."""
        checked(request, CountyRole.REVIEWER, csrf)
        import tempfile

        from sqlalchemy import exc as db_errors

        from sync.county.review import export_review

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "review.json"
            for attempt in range(3):
                try:
                    export_review(engine, keys, station, out)
                    break
                except db_errors.IntegrityError:  # another reviewer took that number just now
                    if attempt == 2:
                        raise
                except StationError as exc:
                    return page(request, "message.html", None, 400, message=exc.message_zh)
            return _download(out.read_bytes(), f"{station}-review.json", "application/json")

    # --- 公示 -------------------------------------------------------------------------------

    @r.get("/publicity")
    def publicity_page(request: Request) -> Response:
        s = session(request)
        listing = review_desk.review_list(engine, review_desk.Filters(), per_page=1)
        return page(
            request, "publicity.html", s, schools=listing.schools, stations=listing.stations
        )

    def listing_of(request: Request) -> publicity.Listing:
        q = request.query_params
        return publicity.listing(
            engine, county_name, school=q.get("school", "")[:20], station=q.get("station", "")[:16]
        )

    @r.get("/publicity.pdf")
    def publicity_pdf(request: Request, paper: str = "A4") -> Response:
        session(request, CountyRole.REVIEWER)
        data = publicity.pdf(listing_of(request), "A3" if paper == "A3" else "A4")
        return _download(data, "公示.pdf", "application/pdf")

    @r.get("/publicity.xlsx")
    def publicity_xlsx(request: Request) -> Response:
        session(request, CountyRole.REVIEWER)
        return _download(publicity.workbook(listing_of(request)), "公示.xlsx", XLSX)

    # --- progress ---------------------------------------------------------------------------

    @r.get("/progress")
    def progress_page(request: Request) -> Response:
        s = session(request)
        view = progress.overview(engine, home.pending)
        widest = max((st.total for st in view.stations), default=0) or 1
        return page(
            request,
            "progress.html",
            s,
            view=view,
            widest=widest,
            silent_days=progress.SILENT_DAYS,
            notice=request.query_params.get("notice", ""),
        )

    @r.get("/progress.xlsx")
    def progress_xlsx(request: Request) -> Response:
        session(request)
        return _download(
            progress.workbook(progress.overview(engine, home.pending)), "进度.xlsx", XLSX
        )

    @r.post("/progress/deadline")
    def progress_deadline(request: Request, csrf: str = Form(""), day: str = Form("")) -> Response:
        checked(request, CountyRole.ADMIN, csrf)
        try:
            chosen = progress.set_deadline(engine, day)
        except StationError as exc:
            return RedirectResponse("/progress?notice=" + quote(exc.message_zh), status_code=303)
        return RedirectResponse(
            "/progress?notice=" + quote(f"截止日期已设为 {chosen:%Y-%m-%d}"), status_code=303
        )

    return r


MAX_UPLOAD = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, name: str, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


def _back(back: str, note: str) -> Response:
    target = _safe_next(back or "/review")
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{joiner}notice={quote(note)}", status_code=303)


def _same(given: str, expected: str) -> bool:
    """A constant-time comparison that also takes text that is not ASCII (a forged form)."""
    return secrets.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _safe_next(target: str) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect after login."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/review"
    return target


def _cookie(request: Request, response: Response, name: str, value: str, **extra: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        **extra,
    )


def _shown(record: dict[str, Any]) -> dict[str, str]:
    from station.form.content import display_values

    return display_values(record)


def install(
    app: Any, engine: Engine, keys: CountyKeys, home: CountyHome, *, logins_per_minute: int = 20
) -> None:
    """Add the pages, their error handling, security headers and the static files; start the
    background indexing of photo hashes for the near-duplicate check."""
    from fastapi.staticfiles import StaticFiles

    county_name = _county_name(home, keys)
    review_desk.build_index(engine)
    app.include_router(router(engine, keys, home, county_name, logins_per_minute))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(_Redirect)
    async def redirect(_request: Request, to: _Redirect) -> Response:
        return RedirectResponse(to.to, status_code=303)

    @app.exception_handler(_Forbidden)
    async def forbidden(request: Request, refused: _Forbidden) -> Response:
        return templates.TemplateResponse(
            request,
            "message.html",
            {"s": None, "county": county_name, "message": refused.message},
            status_code=403,
        )

    @app.middleware("http")
    async def bounded(request: Request, call_next: Any) -> Response:
        """A page's form is small, an imported sheet at most MAX_UPLOAD: a POST to the pages
        says its size and stays within it (the intake's own limit is its own)."""
        if request.method == "POST":
            limit = MAX_UPLOAD if request.url.path == "/review/import" else 2 * 1024 * 1024
            declared = request.headers.get("content-length", "")
            if not declared.isdigit() or int(declared) > limit:
                return Response("请求过大或未说明大小 / request too large", status_code=413)
        return await call_next(request)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Cache-Control"] = "no-store"
        return response

    def index_photos() -> None:
        while True:
            try:
                if review_desk.index_photo_hashes(engine) == 0:
                    time.sleep(30)
            except Exception:  # logged; the pages work without it
                import logging

                logging.getLogger(__name__).warning("photo hash indexing", exc_info=True)
                time.sleep(60)

    threading.Thread(target=index_photos, name="photo-hashes", daemon=True).start()


def _county_name(home: CountyHome, keys: CountyKeys) -> str:
    from sync.keys import read_county_public

    try:
        return read_county_public(home.public_key).name or keys.county
    except StationError:
        return keys.county
