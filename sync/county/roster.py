"""The county roster workbook (县区考生名册): latest version per candidate, and duplicates.

The second sheet lists every ID number registered at more than one station (一人多点报名),
which the county settles with the stations concerned.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from station import fields, xlsx
from station.fileio import atomic_write_bytes, check_output
from sync.county import db

STATE_ZH = {"received": "已接收", "approved": "审核通过", "rejected": "审核未通过"}
ALLOCATION_ZH = {"granted": "同意", "denied": "不同意", None: ""}


def export_roster(engine: Engine, out: Path) -> tuple[int, int]:
    """Write the workbook; returns (candidates, duplicate ID numbers)."""
    check_output(out)
    t, v = db.candidates, db.versions
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("考生")
    sheet.append(
        [
            "报名号",
            "报名点",
            *(
                fields.label_zh(f)
                for f in ("name", "id_number", "gender", "birth_date", "category", "school_name")
            ),
            "版本",
            "状态",
            "审核意见",
            "分配生申请",
            "分配生结论",
        ]
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(t, v.c.canonical)
            .join(
                v,
                (v.c.station == t.c.station)
                & (v.c.registration_no == t.c.registration_no)
                & (v.c.version == t.c.version),
            )
            .order_by(t.c.station, t.c.registration_no)
        )
        count = 0
        for r in rows:
            rec = json.loads(r.canonical)["record"]
            sheet.append(
                xlsx.row(
                    sheet,
                    [
                        r.registration_no,
                        r.station,
                        r.name,
                        r.id_number,
                        rec.get("gender"),
                        rec.get("birth_date"),
                        rec.get("category"),
                        rec.get("school_name"),
                        r.version,
                        STATE_ZH.get(r.state, r.state),
                        r.reason,
                        "是" if rec.get("allocation_applied") else "否",
                        ALLOCATION_ZH.get(r.allocation, r.allocation),
                    ],
                )
            )
            count += 1
        dup_ids = (
            select(t.c.id_number)
            .group_by(t.c.id_number)
            .having(func.count(func.distinct(t.c.station)) > 1)
        )
        dups = conn.execute(
            select(t.c.id_number, t.c.station, t.c.registration_no, t.c.name, t.c.version)
            .where(t.c.id_number.in_(dup_ids))
            .order_by(t.c.id_number, t.c.station)
        ).all()
    dup_sheet = wb.create_sheet("跨报名点重复")
    dup_sheet.append(
        [fields.label_zh("id_number"), "报名点", "报名号", fields.label_zh("name"), "版本"]
    )
    for d in dups:
        dup_sheet.append(xlsx.row(dup_sheet, d))
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write_bytes(out, buffer.getvalue())  # whole or not at all
    return count, len({d.id_number for d in dups})
