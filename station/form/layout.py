"""The A4 registration form (考生报名登记表) drawn with reportlab: one page per candidate.

Grouped like the paper form: the boxes of ``content.SECTIONS`` with exactly their fields
(基本信息 with the photo, 学籍与联系信息, 监护人信息, 分配生资格申请), the candidate's
declaration with signature and date lines, and a verification block (QR code with
``ZK1|报名号|版本|摘要``, the digest in text, who printed it and when, the reprint counter).
Every text goes through the font chain, run by run. Call ``FontChain.require`` first: this
module draws what it is given.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from station import fields

from . import content
from .content import FormData, Section, cell_text, printed_values
from .fonts import FontChain
from .qr import grouped

PAGE_W, PAGE_H = A4
MARGIN = 42.0
WIDTH = PAGE_W - 2 * MARGIN
ROW = 23.0
LABEL_W = 66.0
PHOTO_W = 100.0  # photo column: a 3:4 portrait of 81 × 108 pt (29 × 38 mm)
GAP = 6.0
SIZE = 10.5
MIN_SIZE = 6.5
NO_LINE_START = frozenset("，。、；：？！）》」』”’·…—")
SHADE = Color(0.93, 0.93, 0.93)
GREY = Color(0.35, 0.35, 0.35)
DECLARATION = (
    "本人已认真核对本表所列信息，确认真实、准确、完整，与本人身份证件、户籍及照片一致。"
    "本表经考生及监护人签字后，任何人不得擅自更改；如需更正，须经报名点审核员解锁并重新打印、签字，原表作废。"
    "因信息错误造成的后果由本人承担。"
)
#: Captions other than the field's label: short ones in a box whose heading says whose they are.
CAPTIONS = {
    "guardian_name": "姓名",
    "guardian_relation": "与考生关系",
    "guardian_phone": "联系电话",
    "allocation_applied": "是否申请",
    "allocation_basis": "申请依据",
}
#: Cells with room for a second line.
TALL = frozenset({"home_address", "allocation_basis"})
NOTE = "说明：本表由报名点打印，考生及监护人签字后存档。二维码与数字摘要用于核验本表与系统记录是否一致。"


@dataclass(frozen=True, slots=True)
class Cell:
    label: str
    value: str
    width: float  # label + value


class _Page:
    """A canvas with the font chain: text drawn run by run, wrapped and fitted into boxes."""

    def __init__(self, canvas: Canvas, chain: FontChain) -> None:
        self.c = canvas
        self.chain = chain

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = SIZE,
        align: str = "left",
        mode: int | None = None,
    ) -> None:
        if align != "left":
            w = self.chain.width(text, size)
            x -= w if align == "right" else w / 2
        # One text object with a font switch per run: readers then see one line of text.
        t = self.c.beginText(x, y)
        if mode is not None:
            t.setTextRenderMode(mode)
        for font, run in self.chain.runs(text):
            t.setFont(font, size)
            t.textOut(run)
        self.c.drawText(t)

    def bold(self, x: float, y: float, text: str, size: float, align: str = "left") -> None:
        # The CJK fonts have no bold face: fill and stroke the outlines (render mode 2).
        self.c.saveState()
        self.c.setLineWidth(size / 40)
        self.text(x, y, text, size, align, mode=2)
        self.c.restoreState()

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """Lines of at most ``width``: CJK breaks anywhere, so break by character."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for ch in paragraph:
                w = self.chain.width(ch, size)
                # Closing punctuation never starts a line (禁则): it may hang past the edge.
                if line and used + w > width and ch not in NO_LINE_START:
                    lines.append(line)
                    line, used = "", 0.0
                line += ch
                used += w
            lines.append(line)
        return lines

    def fit(self, text: str, width: float, height: float) -> tuple[float, list[str]]:
        """The largest size (down to MIN_SIZE) at which ``text`` fits the box."""
        size = SIZE
        while True:
            lines = self.wrap(text, width, size)
            if len(lines) * size * 1.25 <= height or size <= MIN_SIZE:
                return size, lines
            size -= 0.5

    def boxed_text(self, x: float, y: float, w: float, h: float, text: str) -> None:
        """``text`` fitted into the box with top-left (x, y), vertically centred."""
        size, lines = self.fit(text, w - 8, h - 4)
        lead = size * 1.25
        top = y - (h - lead * len(lines)) / 2 - size * 0.95
        for i, line in enumerate(lines):
            self.text(x + 4, top - i * lead, line, size)


def _rect(c: Canvas, x: float, top: float, w: float, h: float, fill: Color | None = None) -> None:
    if fill is not None:
        c.setFillColor(fill)
        c.rect(x, top - h, w, h, stroke=1, fill=1)
        c.setFillColor(black)
    else:
        c.rect(x, top - h, w, h, stroke=1, fill=0)


def _row(p: _Page, x: float, top: float, cells: Sequence[Cell], h: float = ROW) -> float:
    for cell in cells:
        _rect(p.c, x, top, LABEL_W, h, SHADE)
        p.boxed_text(x, top, LABEL_W, h, cell.label)
        _rect(p.c, x + LABEL_W, top, cell.width - LABEL_W, h)
        p.boxed_text(x + LABEL_W, top, cell.width - LABEL_W, h, cell.value)
        x += cell.width
    return top - h


def _section(p: _Page, top: float, title: str) -> float:
    h = 18.0
    _rect(p.c, MARGIN, top, WIDTH, h, Color(0.82, 0.82, 0.82))
    p.bold(MARGIN + 6, top - 13, title, 10.5)
    return top - h


def _label(name: str) -> str:
    return fields.label_zh(name)


def _header(p: _Page, form: FormData) -> float:
    top = PAGE_H - MARGIN
    if form.print_no > 1:
        p.bold(PAGE_W - MARGIN, top, f"第 {form.print_no} 次打印", 10, align="right")
    p.bold(PAGE_W / 2, top - 22, f"{form.exam_year}年中考考生报名登记表", 18, align="center")
    y = top - 40
    if form.replaces_version is not None:
        old = form.replaces_version
        p.bold(PAGE_W / 2, y, f"本表替代第 {old} 版（第 {old} 版登记表作废）", 10.5, "center")
        y -= 16
    p.text(MARGIN, y - 6, f"报名点：{form.station_name}（{form.station_code}）", 10)
    p.bold(PAGE_W - MARGIN, y - 6, f"报名号：{form.registration_no}", 12, align="right")
    return y - 14


def _photo(p: _Page, x: float, top: float, w: float, h: float, jpeg: bytes | None) -> None:
    _rect(p.c, x, top, w, h)
    pw, ph = 81.0, 108.0
    px, py = x + (w - pw) / 2, top - h + (h - ph) / 2
    if jpeg:
        p.c.drawImage(ImageReader(io.BytesIO(jpeg)), px, py, pw, ph, preserveAspectRatio=True)
    else:
        p.text(x + w / 2, top - h / 2, "照片", SIZE, align="center")


def _box(
    p: _Page, top: float, section: Section, values: dict[str, str], beside: FormData | None
) -> float:
    """One box of ``content.SECTIONS``, with the photo of ``beside`` in a column on its right."""
    top = _section(p, top, section.title)
    width = WIDTH - PHOTO_W if beside is not None else WIDTH
    y = top
    for names in section.rows:
        cells = [
            Cell(CAPTIONS.get(name) or _label(name), cell_text(name, values), width / len(names))
            for name in names
        ]
        y = _row(p, MARGIN, y, cells, ROW * 1.3 if TALL.intersection(names) else ROW)
    if beside is not None:
        _photo(p, MARGIN + width, top, PHOTO_W, top - y, beside.photo_jpeg)
    return y


def _signatures(p: _Page, top: float) -> float:
    top = _section(p, top, "五、考生承诺与签字")
    size, lines = p.fit(DECLARATION, WIDTH - 12, 60)
    y = top - 15
    for line in lines:
        p.text(MARGIN + 6, y, line, size)
        y -= size * 1.4
    y -= 16
    for who in ("考生签名", "监护人签名"):
        p.text(MARGIN + 6, y, f"{who}：", 11)
        p.c.line(MARGIN + 80, y - 3, MARGIN + 250, y - 3)
        p.text(MARGIN + 290, y, "日期：        年      月      日", 11)
        y -= 30
    return y + 12


def _qr(p: _Page, x: float, top: float, size: float, text: str) -> None:
    """The QR code as filled rectangles, row runs merged (renderPDF would add a Helvetica)."""
    code = QrCodeWidget(text, barLevel="M").qr
    code.make()
    modules = code.modules
    border = 2
    box = size / (len(modules) + 2 * border)
    p.c.saveState()
    p.c.setFillColor(black)
    for r, row in enumerate(modules):
        col = 0
        for dark, group in itertools.groupby(bool(m) for m in row):
            count = len(list(group))
            if dark:
                y = top - (r + border + 1) * box
                p.c.rect(x + (col + border) * box, y, count * box, box, stroke=0, fill=1)
            col += count
    p.c.restoreState()


def _verification(p: _Page, top: float, form: FormData) -> None:
    h, qr = 112.0, 102.0
    _rect(p.c, MARGIN, top, WIDTH, h)
    _qr(p, MARGIN + 5, top - 5, qr, form.qr_text)
    x = MARGIN + qr + 14
    lines: list[tuple[str, float]] = [
        (f"报名号 {form.registration_no}　记录版本 第 {form.version} 版", 10),
        ("记录数字摘要（SHA-256）：", 9),
        (grouped(form.digest[:32]), 9.5),
        (grouped(form.digest[32:]), 9.5),
        (f"二维码内容：{form.qr_text}", 6.2),
        (f"打印人：{form.printed_by}　打印时间：{form.printed_at:%Y-%m-%d %H:%M}"
         + (f"　第 {form.print_no} 次打印" if form.print_no > 1 else ""), 9),
    ]  # fmt: skip
    y = top - 16
    for text, size in lines:
        p.text(x, y, text, size)
        y -= 17 if size > 7 else 14
    p.c.setFillColor(GREY)
    p.text(MARGIN, top - h - 14, NOTE, 8)
    p.c.setFillColor(black)


def draw(canvas: Canvas, chain: FontChain, form: FormData) -> None:
    """Draw ``form`` as the next page of ``canvas``."""
    p = _Page(canvas, chain)
    canvas.setLineWidth(0.6)
    canvas.setStrokeColor(black)
    values = printed_values(form.record)
    y = _header(p, form)
    for i, section in enumerate(content.SECTIONS):
        # The photo sits beside the first box, the candidate's identity.
        y = _box(p, y - GAP if i else y, section, values, form if i == 0 else None)
    y = _signatures(p, y - GAP)
    _verification(p, y, form)
    canvas.showPage()


def render(forms: FormData | Iterable[FormData], chain: FontChain) -> bytes:
    """One PDF with a page per form (fonts embedded as subsets)."""
    buffer = io.BytesIO()
    # The main font as the initial one: otherwise reportlab adds an unembedded Helvetica.
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=chain.main_font)
    items = [forms] if isinstance(forms, FormData) else list(forms)
    first = items[0] if items else None
    if first is not None:
        canvas.setTitle(f"考生报名登记表 {first.registration_no} 第{first.version}版")
        canvas.setAuthor(first.station_name)
        canvas.setSubject(first.qr_text)
    for form in items:
        draw(canvas, chain, form)
    canvas.save()
    return buffer.getvalue()
