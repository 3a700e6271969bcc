"""Desk settings (设置): language and the ID-card reader, saved in the station's settings.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from station import settings as settings_mod
from station.auth import Context
from station.errors import StationError
from station.roles import Permission, allows
from ui.operations import Operation, refusal_in, start
from ui.widgets import named


class SettingsDialog(QDialog):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Settings"))
        current = settings_mod.load(ctx.data_dir)
        self.language = named(QComboBox(), "language")
        self.language.addItem("中文（简体）", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(self.language.findData(current.language), 0))
        self.reader = named(QComboBox(), "cardReader")
        self.reader.setEditable(True)
        self.reader.addItem(self.tr("None (type the card's data)"), "")
        self.reader.addItem(self.tr("Demo reader"), "demo")
        for port in _serial_ports():
            self.reader.addItem(port, port)
        index = self.reader.findData(current.card_reader)
        if index >= 0:
            self.reader.setCurrentIndex(index)
        else:
            self.reader.setEditText(current.card_reader)
        self.camera = named(QComboBox(), "camera")
        self.camera.addItem(self.tr("None"), "")
        self.camera.addItem(self.tr("Demo pictures"), "demo")
        for index in range(4):
            self.camera.addItem(self.tr("Camera %1").replace("%1", str(index)), str(index))
        self.camera.setCurrentIndex(max(self.camera.findData(current.camera), 0))
        self.resolution = named(QComboBox(), "cameraResolution")
        for size in ("640x480", "1280x720", "1920x1080"):
            self.resolution.addItem(size, size)
        self.resolution.setCurrentIndex(max(self.resolution.findData(current.camera_resolution), 0))
        self.idle = named(QSpinBox(), "inactivity")
        self.idle.setRange(1, 120)
        self.idle.setSuffix(self.tr(" min"))
        self.idle.setValue(current.inactivity_minutes)
        # Station-wide choices are the administrator's; language is anyone's.
        admin = allows(ctx.operator.role, Permission.MANAGE_KEYS)
        for widget in (self.reader, self.idle, self.camera, self.resolution):
            widget.setEnabled(admin)
        self.county_key = named(QLabel(), "countyKey")
        self.county_key.setWordWrap(True)
        self.county_key.setText("…")
        self.reading_key = start(self, lambda _p: _fingerprint_text(ctx), self._show_fingerprint)
        self.county_button = named(QPushButton(self.tr("Install county key…")), "installCountyKey")
        self.county_button.setEnabled(admin)
        self.county_button.clicked.connect(self.install_county_key)
        # The county's intake service (联网上传): its address, and its certificate checked
        # with the county by phone before anything is sent there.
        self.intake_url = named(QLineEdit(current.intake_url), "intakeUrl")
        self.intake_url.setPlaceholderText("https://10.0.0.2:8440")
        self.intake_url.setEnabled(admin)
        self.intake_state = named(QLabel(), "intakeState")
        self.intake_state.setWordWrap(True)
        self.intake_state.setText(
            self.tr("Not set: batches go to the county on a USB drive.")
            if not current.intake_url
            else self.tr("Set: %1").replace("%1", current.intake_url)
        )
        self.intake_button = named(QPushButton(self.tr("Check and set…")), "setIntake")
        self.intake_button.setEnabled(admin)
        self.intake_button.clicked.connect(lambda: self.set_intake())
        self.pin_box: QMessageBox | None = None
        self.error = named(QLabel(), "settingsError")
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("ID-card reader"), self.reader)
        form.addRow(self.tr("Camera"), self.camera)
        form.addRow(self.tr("Camera resolution"), self.resolution)
        form.addRow(self.tr("Log out after no input for"), self.idle)
        form.addRow(self.tr("County key"), self.county_key)
        form.addRow("", self.county_button)
        form.addRow(self.tr("County intake (upload)"), self.intake_url)
        form.addRow("", self.intake_state)
        form.addRow("", self.intake_button)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _show_fingerprint(self, text: str, installed_now: bool = False) -> None:
        text = text or self.tr("Not installed: batches cannot be exported yet.")
        if installed_now:
            text += "\n" + self.tr("Confirm this fingerprint with the county by phone.")
        self.county_key.setText(text)

    def install_county_key(self, path: str | None = None) -> None:
        """The county's public key file; read its fingerprint back to the county by phone."""
        from PySide6.QtWidgets import QFileDialog

        from sync import station_side

        if not path:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("County key"), "", "JSON (*.json)")
            if not path:
                return
        ctx, chosen = self.ctx, Path(path)

        def install(_progress: Any) -> str:
            station_side.install_county_key(ctx, chosen)
            return _fingerprint_text(ctx)

        self.installing = start(
            self,
            install,
            lambda text: self._show_fingerprint(text, installed_now=True),
            refusal_in(self.error),
        )

    def set_intake(self) -> Operation:
        """Fetch the intake's certificate (off the GUI thread), show its fingerprint to be
        checked with the county by phone, and only then store the address and the pin."""
        from sync import upload

        url = self.intake_url.text().strip()
        self.error.clear()

        def fetch(_progress: Any) -> str | None:
            if upload.is_tls(url):
                return upload.fetch_certificate(url)
            return None

        self.intake_state.setText(self.tr("Connecting…"))
        return start(self, fetch, lambda pem: self._ask_pin(url, pem), self._intake_refused)

    def _ask_pin(self, url: str, pem: str | None) -> None:
        from sync import upload

        if pem is None:
            self._store_intake(url, None, None)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("County intake"),
            self.tr(
                "The server's certificate fingerprint is:\n\n%1\n\nRead it out to the county "
                "by phone. Is it the one the county gave?"
            ).replace("%1", upload.shown_pin(upload.pin_of(pem))),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("intakePin")
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(_result: int) -> None:
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                self._store_intake(url, upload.pin_of(pem), pem)
            else:
                self.intake_state.setText(self.tr("Not saved: check the address with the county."))

        box.finished.connect(answered)
        box.open()
        self.pin_box = box

    def _store_intake(self, url: str, pin: str | None, pem: str | None) -> None:
        from sync import upload

        ctx = self.ctx

        def store(_progress: Any) -> str:
            return upload.configure(ctx, url, pin, pem).county  # checked before storing

        def stored(county: str) -> None:
            self.intake_state.setText(
                self.tr("Set: %1 (county %2)").replace("%1", url).replace("%2", county)
                if url
                else self.tr("Not set: batches go to the county on a USB drive.")
            )

        self.storing_intake = start(self, store, stored, self._intake_refused)

    def _intake_refused(self, exc: BaseException) -> None:
        self.intake_state.setText(self.tr("Not set."))
        refusal_in(self.error)(exc)

    def save(self) -> None:
        """Checked and written off the GUI thread; the dialog closes once it is stored."""
        data_dir = self.ctx.data_dir
        language = self.language.currentData()
        station_wide = self.reader.isEnabled()
        index = self.reader.findText(self.reader.currentText())
        reader = self.reader.itemData(index) if index >= 0 else self.reader.currentText().strip()
        idle, camera, resolution = (
            self.idle.value(),
            self.camera.currentData(),
            self.resolution.currentData(),
        )

        def work(_progress: Any) -> settings_mod.Settings:
            current = settings_mod.load(data_dir)
            current.language = language
            if station_wide:
                current.card_reader = reader
                current.inactivity_minutes = idle
                current.camera = camera
                current.camera_resolution = resolution
            current.check()
            settings_mod.save(data_dir, current)
            return current

        self.saving = start(self, work, self._saved, refusal_in(self.error))

    def _saved(self, current: settings_mod.Settings) -> None:
        self.ctx.settings.language = current.language
        self.ctx.settings.card_reader = current.card_reader
        self.ctx.settings.inactivity_minutes = current.inactivity_minutes
        self.ctx.settings.camera = current.camera
        self.ctx.settings.camera_resolution = current.camera_resolution
        self.accept()


def _fingerprint_text(ctx: Context) -> str:
    from sync import station_side

    try:
        key = station_side.installed_county_key(ctx)
    except StationError:
        return ""
    return f"{key.county} {key.name}  {key.fingerprint}"


def _serial_ports() -> list[str]:
    try:
        from serial.tools import list_ports
    except ImportError:
        return []
    return sorted(p.device for p in list_ports.comports())
