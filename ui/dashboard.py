"""The supervisor's dashboard (督导看板) at the desk: the core's figures (station/dashboard.py)
as numbers and QtCharts, read off the GUI thread and again every half minute."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.auth import Context
from ui.labels import state_label
from ui.operations import Operation, start
from ui.widgets import enter_presses, named

REFRESH_MS = 30_000
SCHOOLS_SHOWN = 12
DAYS_SHOWN = 14


def _local(moment: dt.datetime | None, utc: bool) -> str:
    if moment is None:
        return "—"
    if utc:
        moment = moment.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)
    return f"{moment:%m-%d %H:%M}"


def _visits(visits: list[dict[str, Any]]) -> str:
    shown = [
        f"{v.get('school_name', '')} {v.get('class', '')} {v.get('start', '')}–{v.get('end', '')}".replace(
            "  ", " "
        )
        for v in visits[:6]
    ]
    return "、".join(shown) + ("……" if len(visits) > 6 else "")


def _unique(named: list[tuple[str, str]]) -> list[str]:
    """Category names, each once: a category axis drops a repeated name, and every bar after
    it would then stand beside the wrong school (two schools of one name, two codes)."""
    counts: dict[str, int] = {}
    for name, _code in named:
        counts[name] = counts.get(name, 0) + 1
    return [f"{name}（{code}）" if counts[name] > 1 else name for name, code in named]


class DashboardDialog(QDialog):
    def __init__(self, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(self.tr("Dashboard"))
        self.figures: Any = None
        self.loading: Operation | None = None
        self.tiles: dict[str, QLabel] = {}
        grid = QGridLayout()
        names = (
            ("total", self.tr("Records")),
            ("to_collect", self.tr("Still to collect")),
            ("days_left", self.tr("Days left")),
            ("needed", self.tr("Needed a day")),
            ("flagged", self.tr("Photos to review")),
            ("unacknowledged", self.tr("Batches without receipt")),
            ("last_export", self.tr("Last export")),
            ("last_backup", self.tr("Last backup")),
        )
        for k, (key, caption) in enumerate(names):
            value = named(QLabel("…"), f"tile_{key}")
            value.setStyleSheet("font-size: 20px; font-weight: bold")
            box = QVBoxLayout()
            box.addWidget(value)
            box.addWidget(QLabel(caption))
            grid.addLayout(box, k // 4, k % 4)
            self.tiles[key] = value
        self.states = self._chart("stateChart")
        self.schools = self._chart("schoolChart")
        self.days = self._chart("dayChart")
        self.notes = named(QLabel(), "dashboardNotes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        daily = named(QPushButton(self.tr("Daily report…")), "dailyReport")
        daily.clicked.connect(lambda: self.daily_report())
        self.saved = named(QLabel(), "reportSaved")
        refresh = named(QPushButton(self.tr("Refresh")), "refreshDashboard")
        refresh.clicked.connect(lambda: self.refresh())
        close = named(QPushButton(self.tr("Close")), "close")
        close.clicked.connect(self.reject)
        charts = QHBoxLayout()
        charts.addWidget(self.states, 1)
        charts.addWidget(self.schools, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(daily)
        buttons.addWidget(self.saved, 1)
        buttons.addWidget(refresh)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(charts, 2)
        layout.addWidget(self.days, 1)
        layout.addWidget(self.notes)
        layout.addLayout(buttons)
        enter_presses(close)  # the dashboard is read: Enter opens no report
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.resize(1180, 760)

    def _chart(self, name: str) -> QChartView:
        view = named(QChartView(QChart()), name)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(180)
        return view

    def refresh(self) -> Operation | None:
        """The figures read again, off the GUI thread (one run at a time)."""
        if self.loading is not None:
            return None
        from station import dashboard

        context = self.context
        self.loading = start(
            self,
            lambda _p: dashboard.figures(context),
            self._show,
            self._failed,  # said in the notes: a box every half minute would pile up
            on_finished=self._ended,
        )
        return self.loading

    def _failed(self, exc: BaseException) -> None:
        from station.errors import StationError
        from ui import i18n

        if not isinstance(exc, StationError):
            import logging

            logging.getLogger(__name__).error("dashboard", exc_info=exc)
        self.notes.setText(
            self.tr("Could not read the figures: %1").replace("%1", i18n.message(exc))
        )

    def daily_report(self, path: str | None = None) -> Operation | None:
        """Today's report (工作日报) as a PDF or Excel file, made off the GUI thread."""
        if path is None:
            from PySide6.QtWidgets import QFileDialog

            path, _ = QFileDialog.getSaveFileName(
                self,
                self.tr("Daily report"),
                f"日报-{dt.date.today():%Y-%m-%d}.pdf",
                "PDF (*.pdf);;Excel (*.xlsx)",
            )
            if not path:
                return None
        from pathlib import Path

        from station import report
        from station.fileio import atomic_write_bytes

        context, target = self.context, Path(path)

        def work(_progress: Any) -> Path:
            day = report.daily(context, dt.date.today())
            data = report.workbook(day) if target.suffix.lower() == ".xlsx" else report.pdf(day)
            atomic_write_bytes(target, data)
            return target

        self.saved.setText(self.tr("Writing the daily report…"))
        return start(
            self,
            work,
            lambda written: self.saved.setText(
                self.tr("Daily report written: %1").replace("%1", str(written))
            ),
        )

    def _ended(self) -> None:
        self.loading = None

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)

    def _show(self, f: Any) -> None:
        self.figures = f
        tiles = {
            "total": str(f.total),
            "to_collect": str(f.to_collect),
            "days_left": "—" if f.days_left is None else str(f.days_left),
            "needed": "—" if f.needed_per_day is None else str(f.needed_per_day),
            "flagged": str(f.flagged_photos),
            "unacknowledged": str(f.unacknowledged),
            "last_export": _local(f.last_export, utc=True),
            "last_backup": _local(f.last_backup, utc=False),
        }
        for key, text in tiles.items():
            self.tiles[key].setText(text)
        self.tiles["flagged"].setStyleSheet(
            "font-size: 20px; font-weight: bold" + ("; color: #b00020" if f.flagged_photos else "")
        )
        states = [(state_label(k), v) for k, v in f.by_state.items()]
        self._bars(
            self.states,
            self.tr("Records by state"),
            [("", [v for _k, v in states])],
            [k for k, _v in states],
        )
        # Lying bars are drawn from the bottom up: reversed, the largest school is on top.
        top = list(reversed(f.by_school[:SCHOOLS_SHOWN]))
        self._bars(
            self.schools,
            self.tr("By school (collected / still to come)"),
            [
                (self.tr("Collected"), [s.collected for s in top]),
                (self.tr("Still to come"), [s.total - s.collected for s in top]),
            ],
            _unique([(s.name or self.tr("(social)"), s.code) for s in top]),
            stacked=True,
        )
        days = f.by_day[-DAYS_SHOWN:]
        self._bars(
            self.days,
            self.tr("Records created a day"),
            [("", [n for _d, n in days])],
            [f"{d:%m-%d}" for d, _n in days],
        )
        lines = []
        for s in f.stale:
            lines.append(
                self.tr("%1 records in “%2” for more than %3 days")
                .replace("%1", str(s.count))
                .replace("%2", state_label(s.state))
                .replace("%3", str(s.limit_days))
            )
        if f.due_now:
            lines.append(self.tr("Due now: %1").replace("%1", _visits(f.due_now)))
        if f.missed:
            lines.append(
                self.tr("Missed their time, records still to collect: %1").replace(
                    "%1", _visits(f.missed)
                )
            )
        if f.refusals:
            shown = "、".join(f"{school or '—'} {n}" for school, n in list(f.refusals.items())[:6])
            lines.append(self.tr("Refused candidate passwords by school: %1").replace("%1", shown))
        self.notes.setText("\n".join(lines) or self.tr("Nothing waits too long."))

    def _bars(
        self,
        view: QChartView,
        title: str,
        sets: list[tuple[str, list[int]]],
        categories: list[str],
        stacked: bool = False,
    ) -> None:
        chart = QChart()
        chart.setTitle(title)
        # Schools side by side would cut their names short: their bars lie down.
        series = QHorizontalStackedBarSeries() if stacked else QBarSeries()
        colours = ("#1f4e79", "#b0bec5")
        for k, (name, values) in enumerate(sets):
            bar = QBarSet(name)
            bar.append([float(v) for v in values])
            bar.setColor(QColor(colours[k % 2]))
            series.append(bar)
        series.setLabelsVisible(True)  # the numbers beside the bars
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append(categories or ["—"])
        chart.addAxis(
            axis_x, Qt.AlignmentFlag.AlignLeft if stacked else Qt.AlignmentFlag.AlignBottom
        )
        series.attachAxis(axis_x)
        axis_y = QValueAxis()
        if stacked:
            highest = max((sum(v) for v in zip(*[s[1] for s in sets], strict=True)), default=0)
        else:
            highest = max((max(v, default=0) for _n, v in sets), default=0)
        axis_y.setRange(0, max(1, highest * 1.15))
        axis_y.setLabelFormat("%d")
        axis_y.applyNiceNumbers()
        chart.addAxis(
            axis_y, Qt.AlignmentFlag.AlignBottom if stacked else Qt.AlignmentFlag.AlignLeft
        )
        series.attachAxis(axis_y)
        chart.legend().setVisible(len(sets) > 1)
        old = view.chart()
        view.setChart(chart)
        old.deleteLater()
