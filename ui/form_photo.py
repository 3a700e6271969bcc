"""The form's photo panel (照片): the photo, taking one live, importing one from a file with a
supervisor, clearing a near-duplicate flag. Every store call goes through the record's
:class:`ui.record_session.RecordSession`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from station.photo.stored import PhotoInput
from station.roles import Permission
from ui import i18n
from ui.approval import ApprovalDialog
from ui.record_session import RecordSession
from ui.widgets import named

WARNING_STYLE = "color: #8a5a00"


class PhotoPanel(QWidget):
    """``pending`` holds a photo taken before the record was first saved; the form saves it
    with the record. ``taken``: a photo that passed the checks was taken."""

    taken = Signal()

    def __init__(
        self, session: RecordSession, camera: Callable[[], Any] | None, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.camera = camera  # opens the configured camera; None: no camera at this desk
        self.pending: PhotoInput | None = None
        self.capture_dialog: QDialog | None = None
        self.approval: ApprovalDialog | None = None
        self.photo = named(QLabel(), "photo")
        self.photo.setFixedSize(120, 160)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet("border: 1px solid #999")
        self.photo.setText(self.tr("No photo"))
        self.take_button = named(QPushButton(self.tr("Take photo (F3)")), "takePhoto")
        self.take_button.clicked.connect(self.take_photo)
        self.take_button.setEnabled(camera is not None)
        self.import_button = named(QPushButton(self.tr("Photo from file…")), "importPhoto")
        self.import_button.clicked.connect(lambda: self.import_photo())
        self.note = named(QLabel(), "photoNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(WARNING_STYLE)
        self.note.setMaximumWidth(180)
        self.clear_flag_button = named(QPushButton(self.tr("Photo checked…")), "clearPhotoFlag")
        self.clear_flag_button.clicked.connect(self.clear_photo_flag)
        self.clear_flag_button.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.photo,
            self.take_button,
            self.import_button,
            self.note,
            self.clear_flag_button,
        ):
            layout.addWidget(widget)
        session.reloaded.connect(self.show_record)

    def show_record(self) -> None:
        record = self.session.record
        if record is None:
            return
        if record.view.photo:
            self.show_photo(record.view.photo)
        english = i18n.current() == "en"
        self.note.setText(record.view.photo_flag_en if english else record.view.photo_flag)
        self.set_locked(record.view.state.locked)

    def set_locked(self, locked: bool) -> None:
        self.take_button.setVisible(not locked)
        self.import_button.setVisible(not locked)
        flag = self.session.record.view.photo_flag if self.session.record else ""
        self.clear_flag_button.setVisible(bool(flag) and not locked)

    def show_photo(self, jpeg: bytes) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(jpeg)
        self.photo.setPixmap(pixmap.scaled(self.photo.size(), Qt.AspectRatioMode.KeepAspectRatio))

    def take_photo(self) -> None:
        if self.camera is None or self.session.state.locked:
            return
        from station.photo import get_profile
        from ui.capture import CaptureDialog

        profile = get_profile(self.session.ctx.settings.photo_profile or None)
        dialog = CaptureDialog(self.camera, profile, self)
        self.capture_dialog = dialog
        dialog.accepted.connect(
            lambda: self.use_photo(PhotoInput(dialog.jpeg or b"", "camera", quality_ok=True))
        )
        dialog.open()

    def use_photo(self, photo: PhotoInput) -> None:
        """A photo that passed the checks: stored now, or with the record when it is saved."""
        self.show_photo(photo.jpeg)
        if self.session.candidate_id is None:
            self.pending = photo
            self.session.prepare_photo(photo)
            self.note.setText(self.tr("The photo is stored when the record is saved."))
            self.taken.emit()
            return
        self.session.set_photo(photo)
        self.taken.emit()

    def import_photo(self, path: str | None = None) -> None:
        """The camera failed: a supervisor authorises a photo from a file, with a reason."""
        from PySide6.QtWidgets import QFileDialog

        from station.photo import review as photo_review

        candidate_id = self.session.candidate_id
        if candidate_id is None:
            self.note.setText(self.tr("Save the record first, then import its photo."))
            return
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("Photo from file"), "", "JPEG/PNG (*.jpg *.jpeg *.png)"
            )
            if not path:
                return
        try:
            data = Path(path).read_bytes()  # now: a USB stick may be pulled out later
        except OSError as exc:
            self.note.setText(str(exc))
            return
        ctx = self.session.ctx
        self._approve(
            self.tr("Store a photo from a file instead of the camera"),
            lambda login, password, reason: photo_review.import_photo(
                ctx, candidate_id, data, reason, approver=(login, password)
            ),
        )

    def clear_photo_flag(self) -> None:
        from station.photo import review as photo_review

        record = self.session.record
        if record is None:
            return
        ctx, candidate_id = self.session.ctx, record.view.id
        self._approve(
            record.view.photo_flag_en if i18n.current() == "en" else record.view.photo_flag,
            lambda login, password, reason: photo_review.clear_flag(
                ctx, candidate_id, login, password, reason
            ),
        )

    def _approve(self, text: str, authorise: Callable[[str, str, str], Any]) -> None:
        """A supervisor approves ``authorise`` (run off the GUI thread by the dialog); the
        record is read again afterwards."""
        approval = ApprovalDialog(self.session.ctx, text, self, Permission.IMPORT_PHOTO)
        approval.authorise = authorise
        self.approval = approval
        if approval.exec() == QDialog.DialogCode.Accepted:
            self.session.reload(announce=True)
