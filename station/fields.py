"""The fields of a candidate record (考生报名信息项): one registry that every reader follows.

Each :class:`Field` says, once, what the validation, the desk's form, the roster's template,
import and export, the CLI's options, the candidate's own check and the printed form need to
know: its labels, how long it may be, how a roster cell is read, which group and place it has
on the paper form, and whether the ID card fills it. The order of :data:`FIELDS` is the paper
form's order, which is also the desk's tab order.

Changing a field's length or label is one line here; the checks in
``tests/test_fields.py`` keep the other modules from growing their own copies.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from station import codes
from station.idnumber import DOCUMENT_TYPE_LABELS


class Category(StrEnum):
    """考生类别."""

    FRESH = "fresh"  # 应届
    PREVIOUS = "previous"  # 往届
    SOCIAL = "social"  # 社会

    @property
    def label_zh(self) -> str:
        return {"fresh": "应届", "previous": "往届", "social": "社会"}[self.value]


#: 监护人关系: stored as the paper form's Chinese words.
GUARDIAN_RELATIONS = (
    "父亲",
    "母亲",
    "祖父",
    "祖母",
    "外祖父",
    "外祖母",
    "兄",
    "姐",
    "其他亲属",
    "其他监护人",
)

#: Names of people: the name rules (station/validation.py) also check this length.
NAME_MAX = 40


class Need(StrEnum):
    """Whether a field must be filled: always, in some cases (see the hint), or never."""

    REQUIRED = "required"
    CONDITIONAL = "conditional"
    OPTIONAL = "optional"


class Kind(StrEnum):
    """How a roster cell is read: what Excel may have turned the value into decides the rules."""

    TEXT = "text"
    ID = "id"  # 18 digits: a number cell has lost digits unless it is an exact integer
    PHONE = "phone"
    DATE = "date"
    FLAG = "flag"  # 是/否


class Input(StrEnum):
    """The desk's input for a field."""

    LINE = "line"  # free text
    SEARCH = "search"  # a code table to search, or free text the validation judges
    CHOICE = "choice"  # one of a short fixed list
    CHECK = "check"  # yes or no


class Group(StrEnum):
    """The boxes of the paper form (and of the desk's form), in order."""

    IDENTITY = "identity"
    ORIGIN = "origin"
    CONTACT = "contact"
    GUARDIAN = "guardian"
    ALLOCATION = "allocation"

    @property
    def label_zh(self) -> str:
        return GROUP_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return GROUP_LABELS[self][1]


GROUP_LABELS = {
    Group.IDENTITY: ("基本信息", "Identity"),
    Group.ORIGIN: ("户籍与学校", "Household and school"),
    Group.CONTACT: ("联系方式", "Contact"),
    Group.GUARDIAN: ("监护人", "Guardian"),
    Group.ALLOCATION: ("分配生", "Allocation place"),
}


def _names(table: Callable[[], codes.CodeTable]) -> Callable[[], list[str]]:
    return lambda: [name for _, name in table().items()]


def _table(table: Callable[[], codes.CodeTable]) -> Callable[[], list[tuple[str, str]]]:
    return lambda: list(table().items())


def _divisions() -> list[tuple[str, str]]:
    return list(_division_choices())


@functools.cache
def _division_choices() -> tuple[tuple[str, str], ...]:
    # The whole country (about 2,850 entries): built once, not for every label asked for.
    return tuple(
        (d.code, codes.division_full_name(d.code) or d.code) for d in codes.county_divisions()
    )


def gender_names() -> list[str]:
    return [codes.genders().name_of("1") or "男", codes.genders().name_of("2") or "女"]


@dataclass(frozen=True, slots=True)
class Field:
    """One item of the record. ``max_length`` is in characters (None: the kind limits it);
    ``choices`` lists the names a roster cell may hold; ``from_card``: the ID card fills it,
    and only a supervisor may change it afterwards. What the candidate checks on their own
    screen is what the form prints (``station.form.content.printed_fields``)."""

    name: str
    label_zh: str
    label_en: str
    group: Group
    input: Input
    need: Need
    kind: Kind
    cli_help: str
    hint: str
    example: str
    max_length: int | None = None
    choices: Callable[[], list[str]] | None = None
    table: Callable[[], list[tuple[str, str]]] | None = None  # (code, Chinese name) to pick from
    aliases: tuple[str, ...] = ()
    from_card: bool = False
    min_length: int = 0
    #: The characters a coded text may hold (a regex character class) and their description.
    charset: tuple[str, str, str] | None = None  # (class, Chinese, English)
    mnemonic: str = ""  # Alt+letter on the desk's label
    placeholder: str = ""

    @property
    def option(self) -> str:
        """The CLI option: ``--household-division``."""
        return "--" + self.name.replace("_", "-")

    @property
    def roster_hint(self) -> str:
        """The hint under the roster template's header, the length limit included."""
        if self.charset is not None:
            return f"{self.hint}；{self.form_text()[0].removeprefix('应为 ')}"
        if self.max_length is None or self.input is not Input.LINE or self.kind is not Kind.TEXT:
            return self.hint
        limit = f"不超过 {self.max_length} 字"
        return f"{self.hint}；{limit}" if self.hint else limit

    def pattern(self) -> re.Pattern[str] | None:
        """The whole value's form, from ``charset`` and the lengths (None: not a coded text)."""
        if self.charset is None:
            return None
        return re.compile(f"[{self.charset[0]}]{{{self.min_length},{self.max_length}}}")

    def form_text(self) -> tuple[str, str]:
        """(Chinese, English) description of the pattern: 应为 2–20 位数字或字母."""
        assert self.charset is not None
        span = f"{self.min_length}–{self.max_length}"
        return f"应为 {span} 位{self.charset[1]}", f"{span} {self.charset[2]}"

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


F = Field
# fmt: off
FIELDS: tuple[Field, ...] = (
    F("name", "姓名", "Name", Group.IDENTITY, Input.LINE, Need.REQUIRED, Kind.TEXT,
      "姓名", "与身份证一致；少数民族姓名的间隔号用“·”；生僻字照实填写", "张三",
      max_length=NAME_MAX, aliases=("考生姓名",), from_card=True,
      mnemonic="N"),
    F("document_type", "证件类型", "Document type", Group.IDENTITY, Input.CHOICE, Need.OPTIONAL,
      Kind.TEXT,
      "证件类型: resident_id | hmt_residence_permit | foreign_permanent_residence",
      "从列表选择；不填为居民身份证", "居民身份证",
      choices=lambda: list(DOCUMENT_TYPE_LABELS.values()),
      table=lambda: [(d.value, label) for d, label in DOCUMENT_TYPE_LABELS.items()]),
    F("id_number", "证件号码", "ID number", Group.IDENTITY, Input.LINE, Need.REQUIRED, Kind.ID,
      "证件号码", "18 位，末位可为 X；本列为文本格式，不要让 Excel 改成科学计数法",
      "41010520120315059X", max_length=20,
      aliases=("身份证号", "身份证号码", "身份证", "证件号", "公民身份号码"),
      from_card=True, mnemonic="I"),
    F("gender", "性别", "Gender", Group.IDENTITY, Input.CHOICE, Need.OPTIONAL, Kind.TEXT,
      "性别: 1 男 / 2 女 (默认由证件号码推出)", "男或女；可不填，由证件号码推出", "男",
      choices=gender_names, table=lambda: list(zip(("1", "2"), gender_names(), strict=True)),
      from_card=True),
    F("birth_date", "出生日期", "Birth date", Group.IDENTITY, Input.LINE, Need.OPTIONAL, Kind.DATE,
      "出生日期 YYYY-MM-DD (默认由证件号码推出)",
      "如 2012-03-15；可不填，由证件号码推出，填写时须与证件号码一致", "2012-03-15",
      max_length=10, aliases=("出生年月日", "生日"), from_card=True,
      placeholder="YYYY-MM-DD"),
    F("ethnicity", "民族", "Ethnicity", Group.IDENTITY, Input.SEARCH, Need.REQUIRED, Kind.TEXT,
      "民族: GB/T 3304 代码或名称", "从列表选择（GB/T 3304），也可填两位代码，如 01", "汉族",
      choices=_names(codes.ethnicities), table=_table(codes.ethnicities),
      from_card=True),
    F("political_status", "政治面貌", "Political status", Group.IDENTITY, Input.SEARCH,
      Need.REQUIRED, Kind.TEXT,
      "政治面貌: GB/T 4762 代码或名称", "从列表选择（GB/T 4762），也可填两位代码，如 03",
      "中国共产主义青年团团员", choices=_names(codes.political_statuses),
      table=_table(codes.political_statuses)),
    F("household_division", "户籍所在地", "Household registration", Group.ORIGIN, Input.SEARCH,
      Need.REQUIRED, Kind.TEXT,
      "户籍所在地: 6 位行政区划代码",
      "6 位县（区）行政区划代码（GB/T 2260），如 410105 为郑州市金水区", "410105",
      max_length=6, table=_divisions, aliases=("户籍所在地代码", "户籍地", "户籍")),
    F("category", "考生类别", "Candidate category", Group.ORIGIN, Input.CHOICE, Need.REQUIRED,
      Kind.TEXT, "考生类别: fresh 应届 | previous 往届 | social 社会", "应届、往届或社会", "应届",
      choices=lambda: [c.label_zh for c in Category],
      table=lambda: [(c.value, c.label_zh) for c in Category], aliases=("类别",)),
    F("school_code", "毕业学校代码", "School code", Group.ORIGIN, Input.SEARCH, Need.CONDITIONAL,
      Kind.TEXT, "毕业学校代码", "应届、往届考生必填", "410105001",
      min_length=2, max_length=20, charset=("0-9A-Za-z", "数字或字母", "letters or digits"),
      aliases=("学校代码",)),
    F("school_name", "毕业学校", "School", Group.ORIGIN, Input.LINE, Need.CONDITIONAL, Kind.TEXT,
      "毕业学校", "应届、往届考生必填", "郑州市第一初级中学", max_length=100,
      aliases=("毕业学校名称", "学校名称")),
    F("student_number", "学籍号", "Student number", Group.ORIGIN, Input.LINE, Need.CONDITIONAL,
      Kind.TEXT, "学籍号", "应届考生必填；全国学籍号为 G + 本人证件号码", "G41010520120315059X",
      min_length=6, max_length=30, charset=("0-9A-Z", "数字或大写字母", "digits or capital letters"),
      aliases=("全国学籍号",)),
    F("home_address", "家庭住址", "Home address", Group.CONTACT, Input.LINE, Need.REQUIRED,
      Kind.TEXT, "家庭住址", "", "河南省郑州市金水区花园路 1 号", max_length=100,
      aliases=("家庭地址", "住址")),
    F("phone", "联系电话", "Mobile phone", Group.CONTACT, Input.LINE, Need.REQUIRED, Kind.PHONE,
      "联系电话 (手机)", "11 位手机号码，考试和录取期间保持畅通", "13800138000", max_length=20,
      aliases=("手机号", "手机号码", "联系方式", "电话")),
    F("guardian_name", "监护人姓名", "Guardian name", Group.GUARDIAN, Input.LINE,
      Need.CONDITIONAL, Kind.TEXT, "监护人姓名", "未成年考生必填", "张大山",
      max_length=NAME_MAX),
    F("guardian_relation", "监护人关系", "Relation", Group.GUARDIAN, Input.CHOICE,
      Need.CONDITIONAL, Kind.TEXT, "监护人关系", "填写监护人时必填；从列表选择", "父亲",
      max_length=16, choices=lambda: list(GUARDIAN_RELATIONS),
      table=lambda: [(r, r) for r in GUARDIAN_RELATIONS], aliases=("与考生关系",),),
    F("guardian_phone", "监护人电话", "Guardian phone", Group.GUARDIAN, Input.LINE,
      Need.CONDITIONAL, Kind.PHONE, "监护人电话",
      "填写监护人时必填；手机号码或带区号的固定电话", "13900139000", max_length=20,
      aliases=("监护人联系电话", "家长电话")),
    F("allocation_applied", "分配生资格申请", "Allocation place applied", Group.ALLOCATION,
      Input.CHECK, Need.OPTIONAL, Kind.FLAG, "分配生资格申请: 是/否",
      "是或否；只有应届考生可以申请；不填为否", "否", choices=lambda: ["是", "否"],
      aliases=("是否申请分配生", "申请分配生")),
    F("allocation_basis", "分配生申请依据", "Allocation basis", Group.ALLOCATION, Input.LINE,
      Need.CONDITIONAL, Kind.TEXT, "分配生申请依据", "申请分配生时必填", "", max_length=200,
      aliases=("分配生依据",)),
)
# fmt: on
del F

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
#: Filled from the ID card; changed afterwards only with a supervisor.
CARD_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.from_card)
#: The longest text each field may hold, in characters.
MAX_LENGTH: dict[str, int] = {f.name: f.max_length for f in FIELDS if f.max_length is not None}


def in_group(group: Group) -> list[Field]:
    return [f for f in FIELDS if f.group is group]


def label_zh(name: str) -> str:
    """The Chinese label of a field, or the name itself for anything else."""
    field = BY_NAME.get(name)
    return field.label_zh if field else name
