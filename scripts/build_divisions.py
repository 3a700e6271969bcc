"""Build the national GB/T 2260 tables in ``resources/codes`` from yescallop/areacodes.

Run by hand when a new edition of the code list is out, never at run time::

    python3 scripts/build_divisions.py path/to/areacodes/result.csv

``result.csv`` (CC0 1.0) lists every county-level-and-above code the Ministry of Civil Affairs
(民政部) has published since 1981, one row per code and name, with the year it came into use
and the year it was changed or abolished. Two files are written:

- ``divisions.csv``: the codes in use today (province, prefecture, county), with their parent;
- ``divisions_history.csv``: every code and name no longer in use, with its years and the
  codes that took over (a resident ID number keeps the code of where and when it was issued).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

CODES = Path(__file__).resolve().parent.parent / "resources" / "codes"
LEVELS = {"省级": "province", "地级": "prefecture", "县级": "county"}


def build(source: Path, out: Path) -> tuple[int, int]:
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    current = {r["代码"]: r for r in rows if r["状态"] == "在用"}
    history = [r for r in rows if r["状态"] != "在用"]

    def parent(code: str, level: str) -> str:
        if level == "province":
            return ""
        prefecture = code[:4] + "00"
        if level == "county" and prefecture in current:
            return prefecture
        return code[:2] + "0000"  # 直辖: counties straight under the province

    with (out / "divisions.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent"])
        for code in sorted(current):
            level = LEVELS[current[code]["级别"]]
            w.writerow([code, current[code]["名称"], level, parent(code, level)])
    with (out / "divisions_history.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(
            ["code", "name", "level", "province", "prefecture", "start", "end", "successors"]
        )
        for r in sorted(history, key=lambda r: (r["代码"], r["启用时间"])):
            successors = ";".join(c.split("[")[0] for c in r["新代码"].split(";") if c)
            w.writerow(
                [
                    r["代码"],
                    r["名称"],
                    LEVELS[r["级别"]],
                    r["一级行政区"],
                    r["二级行政区"] if r["二级行政区"] != "直辖" else "",
                    r["启用时间"],
                    r["变更/弃用时间"],
                    successors,
                ]
            )
    return len(current), len(history)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="result.csv of yescallop/areacodes")
    parser.add_argument("--out", type=Path, default=CODES)
    args = parser.parse_args(argv)
    current, history = build(args.source, args.out)
    print(f"{args.out}: {current} codes in use, {history} former codes and names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
