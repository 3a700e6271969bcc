"""The desk application: language, login, the main window, automatic logout."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from station import __version__, logs
from station import settings as settings_mod
from station.auth import Context
from station.errors import StationError
from station.resources import resource_path
from ui import crash, i18n, operations
from ui.inactivity import InactivityWatcher
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.operations import Operation

log = logging.getLogger(__name__)
#: Where automatic backups go on a plugged-in removable drive.
BACKUP_FOLDER_ON_DRIVES = "报名点备份-station-backups"


def make_reader(setting: str) -> Any:
    """The configured ID-card reader, or None (the operator then types the card's data)."""
    if not setting:
        return None
    if setting == "demo":
        from station.idcard.demo import DemoReader

        return DemoReader()
    from station.idcard.serial_reader import SerialReader

    return _LazySerialReader(setting, SerialReader)


def make_camera(setting: str, resolution: str = "640x480") -> Any:
    """A function that opens the configured camera, or None (no camera at this desk)."""
    if not setting:
        return None
    if setting == "demo":
        from station.photo.camera import FileCamera

        return lambda: FileCamera(resource_path("demo", "camera"))
    from station.photo.camera import OpenCVCamera

    index = int(setting) if setting.isdigit() else setting
    width, _, height = resolution.partition("x")
    size = (int(width), int(height)) if width.isdigit() and height.isdigit() else (640, 480)
    return lambda: OpenCVCamera(index, *size)


class _LazySerialReader:
    """Opens the port on first use, so a reader plugged in after login still works.
    ``polls``: the desk watches it for a card placed on it (card first)."""

    polls = True

    def __init__(self, port: str, factory: Any) -> None:
        self.port = port
        self.factory = factory
        self.reader: Any = None

    def read_card(self, timeout: float = 5.0) -> Any:
        from station.idcard.reader import NoCard

        if self.reader is None:
            self.reader = self.factory(self.port)
        try:
            return self.reader.read_card(timeout)
        except NoCard:
            raise  # nothing on the reader: the port stays open for the next look
        except StationError:
            self.close()  # a pulled cable: reopen next time
            raise

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None


class Desk(QObject):
    """One desk session after another: login → main window → logout (by hand or idle)."""

    def __init__(self, data_dir: Path, kiosk: bool = False) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.kiosk = kiosk
        self.settings = settings_mod.load(data_dir)
        self.window: MainWindow | None = None
        self.watcher: InactivityWatcher | None = None
        self.login: LoginDialog | None = None
        self.reader = make_reader(self.settings.card_reader)
        self.camera = make_camera(self.settings.camera, self.settings.camera_resolution)
        # Automatic backups while the desk is open (station/backup.py); also at logout.
        self.backups = QTimer(self)
        self.backups.timeout.connect(self.backup_now)
        self.backup_op: Operation | None = None
        self.logging_out: Operation | None = None

    def backup_now(self, reason: str = "hourly") -> Operation | None:
        """A backup off the GUI thread, into the data folder and any removable drive."""
        if self.window is None or (self.backup_op is not None and self.backup_op.running):
            return None
        ctx = self.window.context
        window = self.window

        def work(_progress: Any) -> Any:
            from station import backup
            from sync.drives import removable_drives

            drives = tuple(d.path / BACKUP_FOLDER_ON_DRIVES for d in removable_drives())
            return backup.auto_backup(ctx, reason, extra_dirs=drives)

        def done(made: Any) -> None:
            where = ", ".join(str(info.path.parent) for info in made)
            log.info("backup (%s) written to %s", reason, where)
            if self.window is not window:  # logged out meanwhile: that window is gone
                return
            window.statusBar().showMessage(
                QApplication.translate("Desk", "Backup made: %1").replace("%1", where), 15_000
            )

        def failed(exc: BaseException) -> None:
            log.error("backup (%s) failed: %s", reason, getattr(exc, "message_en", exc))
            if self.window is not window:
                return
            window.statusBar().showMessage(
                QApplication.translate("Desk", "The automatic backup failed: %1").replace(
                    "%1", i18n.message(exc)
                ),
                60_000,
            )

        self.backup_op = Operation(work, self)
        self.backup_op.succeeded.connect(done)
        self.backup_op.failed.connect(failed)
        return self.backup_op.start()

    def show_login(self) -> LoginDialog:
        self.login = LoginDialog(self.data_dir)
        self.login.logged_in.connect(self.open_main)
        self.login.rejected.connect(self._quit_if_no_window)
        self.login.show()
        return self.login

    def open_main(self, ctx: Context) -> MainWindow:
        self.window = MainWindow(ctx, self.reader, self.camera)
        self.window.logout_requested.connect(self.logout)
        self.window.close_means_logout = True  # the window's X logs out (backup included)
        self.window.settings_changed.connect(lambda: self.apply_settings(ctx))
        self.watcher = InactivityWatcher(ctx.settings.inactivity_minutes * 60_000, parent=self)
        self.watcher.timed_out.connect(self.logout)
        self.watcher.start()
        self.backups.start(ctx.settings.backup_interval_minutes * 60_000)
        if self.kiosk:
            self.window.showFullScreen()
        else:
            self.window.show()
        # The first keys after the login go to the search box (a name, an ID number).
        self.window.activateWindow()
        self.window.search.setFocus()
        self.window.offer_recovery()
        return self.window

    def apply_settings(self, ctx: Context) -> MainWindow:
        """A new language or reader: rebuild the window around the same login."""
        self.settings = settings_mod.load(self.data_dir)
        i18n.install(self.settings.language)
        if self.reader is not None and hasattr(self.reader, "close"):
            self.reader.close()
        self.reader = make_reader(self.settings.card_reader)
        self.camera = make_camera(self.settings.camera, self.settings.camera_resolution)
        if self.watcher is not None:
            self.watcher.stop()
        old = self.window
        window = self.open_main(ctx)
        if old is not None:
            old.upload_status.stop()
            old.close_means_logout = False
            old.close()
            old.deleteLater()
        return window

    def logout(self) -> Operation | None:
        """Close the station for this operator. The window stops taking input and open
        dialogs close at once; then, off the GUI thread, the work still running ends, the
        logout backup is made (a failure is logged and the logout goes on) and the store
        closes; no new work starts meanwhile. Then the login shows."""
        window = self.window
        if window is None or self.logging_out is not None:
            return None
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        self.backups.stop()
        window.upload_status.stop()  # a run waiting between tries ends now
        window.setEnabled(False)
        for dialog in window.findChildren(QObject):
            if hasattr(dialog, "reject") and hasattr(dialog, "isVisible") and dialog.isVisible():
                dialog.reject()  # a form still stores (or discards) its typing: started now
        ctx = window.context
        progress = QProgressDialog(
            QApplication.translate("Desk", "Making the logout backup…"), "", 0, 0
        )
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        progress.setMinimumDuration(0)
        progress.show()

        def work(_progress: Any) -> None:
            from station import backup

            operations.wait_all(but=op)
            try:
                backup.auto_backup(ctx, "logout")
            except Exception as exc:
                log.error("logout backup failed: %s", getattr(exc, "message_en", exc))
            ctx.close()

        def finish() -> None:
            operations.stop_starting(False)
            progress.close()
            progress.deleteLater()
            window.close_means_logout = False
            window.close()
            window.deleteLater()
            self.window = None
            self.logging_out = None
            self.show_login()

        op = operations.Operation(work, self)
        op.failed.connect(lambda exc: log.error("logout: %s", exc))
        op.finished.connect(finish)
        self.logging_out = op.start()
        operations.stop_starting()  # reports still arriving start nothing new
        return op

    def _quit_if_no_window(self) -> None:
        if self.window is None:
            QApplication.quit()


def offer_restore(data_dir: Path) -> bool:
    """No station here: say how to make one, or restore one from a backup (a spare PC)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        QApplication.translate("Desk", "Registration station"),
        QApplication.translate(
            "Desk",
            "There is no station in %1. Run `station init` (or `station demo`) first, or "
            "restore the station from a backup.",
        ).replace("%1", str(data_dir)),
    )
    restore = box.addButton(
        QApplication.translate("Desk", "Restore from a backup…"), QMessageBox.ButtonRole.AcceptRole
    )
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    if box.clickedButton() is not restore:
        return False
    from ui.restore_dialog import RestoreDialog

    return RestoreDialog(data_dir).exec() == RestoreDialog.DialogCode.Accepted


def run(data_dir: Path, kiosk: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setWindowIcon(QIcon(str(resource_path("icons", "station.png"))))
    # Chinese text on a PC without Chinese fonts (a bare Linux desk): the bundled font.
    QFontDatabase.addApplicationFont(str(resource_path("fonts", "wqy-microhei.ttc")))
    try:
        settings = settings_mod.load(data_dir)
    except StationError as exc:
        logs.configure(data_dir, "station")
        logging.getLogger(__name__).error("settings refused: %s", exc.message_en)
        # The language is a setting: say it in both.
        QMessageBox.critical(None, "报名点采集站", f"{exc.message_zh}\n\n{exc.message_en}")
        return 2
    logs.configure(data_dir, "station", settings.log_level)
    crash.install()
    logging.getLogger(__name__).info("desk started, version %s, data in %s", __version__, data_dir)
    i18n.install(settings.language)
    if not (data_dir / "keyslots.json").exists() and not offer_restore(data_dir):
        return 2
    desk = Desk(data_dir, kiosk)
    desk.show_login()
    return app.exec()
