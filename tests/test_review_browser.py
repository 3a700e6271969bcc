"""The review desk in a real browser: Debian's chromium driven by Playwright, against a real
``county serve`` process. A clerk logs in, filters, opens a candidate and rejects with a
reason; a reviewer bulk-approves and exports the 公示 PDF; two clerks decide the same record
at once and the second is told it changed."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .county_desk_fixtures import PASSWORDS, CountyDesk, make_desk
from .upload_fixtures import County, start_service, stop_service

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's own probe starts it: no sandbox as root, no background traffic.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI is set but Debian's chromium is not installed (.ci/run installs it)")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, CountyDesk]]:
    root = tmp_path_factory.mktemp("browser")
    desk = make_desk(root)
    service = start_service(
        County(desk.home, desk.home / "county-public.json", f"sqlite:///{desk.home / 'county.db'}")
    )
    try:
        yield service.url, desk
    finally:
        stop_service(service)


def _login(browser: Any, url: str, who: str) -> Any:
    page = browser.new_context(
        viewport={"width": 1366, "height": 768}, accept_downloads=True
    ).new_page()
    page.goto(url + "/review")
    assert "/login" in page.url
    page.fill("#login", who)
    page.fill("#password", PASSWORDS[who])
    page.click("#submit")
    page.wait_for_url("**/review")
    return page


def test_a_clerk_and_a_reviewer_at_work(
    browser: Any, served: tuple[str, CountyDesk], tmp_path: Path
) -> None:
    url, desk = served
    page = _login(browser, url, "clerk1")
    assert "clerk-clerk1" in page.inner_text("#who")
    page.screenshot(path=str(tmp_path / "list.png"))
    # Filter: one station, undecided.
    page.select_option("#f-station", "410105-03")
    page.select_option("#f-decided", "no")
    page.click("#apply")
    page.wait_for_load_state()
    assert "共 12 名考生" in page.inner_text("#count")
    # Open the first candidate and reject with a reason.
    page.click("#list tbody tr:first-child td:nth-child(2) a")
    page.wait_for_selector("#decide")
    name = page.inner_text("#name")
    page.screenshot(path=str(tmp_path / "candidate.png"), full_page=True)
    page.check("#reject")
    page.select_option("#reason", "household")
    page.fill("#reason-text", "户籍不在本县")
    page.click("#save")
    page.wait_for_selector("#notice")
    assert "已保存" in page.inner_text("#notice")
    assert page.inner_text("#state") == "不通过"
    assert "clerk1" in page.inner_text("#log")
    # A clerk has no bulk decisions.
    page.goto(url + "/review")
    assert page.query_selector("#bulk-apply") is None

    reviewer = _login(browser, url, "review1")
    reviewer.select_option("#f-station", "410105-04")
    reviewer.click("#apply")
    reviewer.wait_for_load_state()
    reviewer.check("#pick-all")
    reviewer.select_option("#bulk-decision", "approved")
    reviewer.click("#bulk-apply")
    reviewer.wait_for_selector("#notice")
    assert "已对 8 名考生作出决定" in reviewer.inner_text("#notice")
    # The 公示 PDF of station 3: downloaded, masked.
    reviewer.goto(url + "/publicity")
    reviewer.select_option("#p-station", "410105-03")
    with reviewer.expect_download() as download:
        reviewer.click("#pdf")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert name in text and "不通过" in text
    for row in desk.candidates():
        assert row["id_number"] not in text
    reviewer.goto(url + "/progress")
    reviewer.screenshot(path=str(tmp_path / "progress.png"), full_page=True)
    if os.environ.get("SCREENSHOTS"):
        for shot in ("list.png", "candidate.png", "progress.png"):
            shutil.copy(tmp_path / shot, Path(os.environ["SCREENSHOTS"]) / f"county-{shot}")
        # The 公示 page as a picture: pdftoppm (poppler-utils) turns the PDF's first page.
        import subprocess

        (tmp_path / "publicity.pdf").write_bytes(pdf)
        out = Path(os.environ["SCREENSHOTS"]) / "county-publicity"
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(tmp_path / "publicity.pdf"),
                str(out),
            ],
            check=True,
        )


def test_two_clerks_decide_the_same_record_at_once(
    browser: Any, served: tuple[str, CountyDesk]
) -> None:
    url, desk = served
    row = next(r for r in desk.candidates() if r["state"] == "received")
    where = f"{url}/review/{row['station']}/{row['registration_no']}"
    first, second = _login(browser, url, "clerk1"), _login(browser, url, "clerk2")
    first.goto(where)
    second.goto(where)
    first.check("#approve")
    first.click("#save")
    first.wait_for_selector("#notice")
    second.check("#reject")
    second.select_option("#reason", "age")
    second.click("#save")
    second.wait_for_selector("#notice")
    assert "已被他人（clerk1）改动" in second.inner_text("#notice")
    assert second.inner_text("#state") == "通过"  # what is stored now, shown
