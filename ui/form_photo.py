"""The form's photo actions (照片): take one live, import one from a file with a supervisor,
clear a near-duplicate flag; a mixin of :class:`ui.candidate_form.CandidateForm`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog

from station import queries, records
from station.errors import StationError
from station.photo.stored import PhotoInput
from station.roles import Permission
from ui.approval import ApprovalDialog
from ui.operations import show_error

if TYPE_CHECKING:
    pass

ERROR_STYLE = "color: #b00020"


class PhotoActions:
    """Mixed into CandidateForm; uses its ``ctx``, ``candidate_id``, ``camera`` and widgets."""

    def show_photo(self, jpeg: bytes) -> None:
        pixmap = QPixmap()
        pixmap.loadFromData(jpeg)
        self.photo.setPixmap(pixmap.scaled(self.photo.size(), Qt.AspectRatioMode.KeepAspectRatio))

    def take_photo(self) -> None:
        if self.camera is None or self.state.locked:
            return
        from station.photo import get_profile
        from ui.capture import CaptureDialog

        dialog = CaptureDialog(
            self.camera, get_profile(self.ctx.settings.photo_profile or None), self
        )
        self.capture_dialog = dialog
        dialog.accepted.connect(
            lambda: self.use_photo(PhotoInput(dialog.jpeg or b"", "camera", quality_ok=True))
        )
        dialog.open()

    def use_photo(self, photo: PhotoInput) -> None:
        """A photo that passed the checks: stored now, or with the record when it is saved."""
        self.show_photo(photo.jpeg)
        if self.candidate_id is None:
            self.pending_photo = photo
            self.photo_note.setText(
                QCoreApplication.translate(
                    "CandidateForm", "The photo is stored when the record is saved."
                )
            )
            return
        try:
            records.set_photo(self.ctx, self.candidate_id, photo)
        except StationError as exc:
            show_error(self, exc)
            return
        self._reload_photo_state()
        self.saved.emit(self.candidate_id)

    def _reload_photo_state(self) -> None:
        view = queries.record_view(self.ctx, self.candidate_id)  # type: ignore[arg-type]
        self.state = view.state
        self.photo_flag = view.photo_flag
        self.photo_note.setText(self.photo_flag)
        self.clear_flag_button.setVisible(bool(self.photo_flag))

    def import_photo(self, path: str | None = None) -> None:
        """The camera failed: a supervisor authorises a photo from a file, with a reason."""
        from PySide6.QtWidgets import QFileDialog

        from station.photo import review as photo_review

        if self.candidate_id is None:
            self.photo_note.setText(
                QCoreApplication.translate(
                    "CandidateForm", "Save the record first, then import its photo."
                )
            )
            return
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self,
                QCoreApplication.translate("CandidateForm", "Photo from file"),
                "",
                "JPEG/PNG (*.jpg *.jpeg *.png)",
            )
            if not path:
                return
        approval = ApprovalDialog(
            self.ctx,
            QCoreApplication.translate(
                "CandidateForm", "Store a photo from a file instead of the camera"
            ),
            self,
            Permission.IMPORT_PHOTO,
        )
        try:
            data = Path(path).read_bytes()  # now: a USB stick may be pulled out later
        except OSError as exc:
            self.photo_note.setText(str(exc))
            return
        approval.authorise = lambda login, password, reason: photo_review.import_photo(
            self.ctx, self.candidate_id, data, reason, approver=(login, password)
        )
        self.approval = approval
        if approval.exec() == QDialog.DialogCode.Accepted:
            self._load(self.candidate_id)
            self.saved.emit(self.candidate_id)

    def clear_photo_flag(self) -> None:
        from station.photo import review as photo_review

        approval = ApprovalDialog(self.ctx, self.photo_flag, self, Permission.IMPORT_PHOTO)
        approval.authorise = lambda login, password, reason: photo_review.clear_flag(
            self.ctx, self.candidate_id, login, password, reason
        )
        self.approval = approval
        if approval.exec() == QDialog.DialogCode.Accepted:
            self._reload_photo_state()
            self.saved.emit(self.candidate_id)
