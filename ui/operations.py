"""Operations: long core work off the GUI thread, success and failure reported in one place.

Like Anki's ``CollectionOp``: the UI hands a core function to :class:`Operation`, which runs
it on Qt's thread pool with a ``progress(done, total)`` callback and a ``cancelled()``
predicate (the core's long functions take exactly these), and emits ``succeeded(result)`` or
``failed(exception)`` back on the GUI thread. :func:`run_with_progress` adds a progress
dialog with a cancel button.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QProgressDialog, QWidget

from ui import i18n

Work = Callable[["Progress"], Any]
log = logging.getLogger(__name__)


class Progress:
    """Handed to the work function: report progress, ask whether to stop."""

    def __init__(self, op: Operation) -> None:
        self._op = op

    def __call__(self, done: int, total: int) -> None:
        self._op.progressed.emit(done, total)

    def cancelled(self) -> bool:
        return self._op._cancel.is_set()


class _Runner(QRunnable):
    def __init__(self, op: Operation) -> None:
        super().__init__()
        self.op = op

    def run(self) -> None:
        try:
            result = self.op.work(Progress(self.op))
        except BaseException as exc:  # reported to the GUI; never lost in a thread
            self.op.failed.emit(exc)
        else:
            self.op.succeeded.emit(result)
        finally:
            self.op._ended.set()
            self.op.finished.emit()


class Operation(QObject):
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.work = work
        self._cancel = threading.Event()
        self._ended = threading.Event()  # set in the worker thread, for wait()
        self.running = False
        self.finished.connect(self._done)

    def start(self, pool: QThreadPool | None = None) -> Operation:
        """Run on ``pool`` (default: Qt's global pool). While the desk is closing the store
        (:func:`stop_starting`) new work is not started: it would find the store closed."""
        if _stopped:
            log.info("not started while the store closes: %s", getattr(self.work, "__name__", ""))
            return self
        self.running = True
        _running.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runner(self))
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work has ended (the store it uses is about to close)."""
        return not self.running or self._ended.wait(timeout)

    def _done(self) -> None:
        self.running = False
        _running.discard(self)

    def _reporting(self) -> bool:
        """Whether the report of ended work can still arrive (the object is alive)."""
        from shiboken6 import isValid

        return self.running and isValid(self)


#: Operations started and not yet reported back (their work may still use the store).
_running: set[Operation] = set()
_stopped = False


def stop_starting(stopped: bool = True) -> None:
    """From now on (until called with False) no new operation starts: the store is closing."""
    global _stopped
    _stopped = stopped


def busy() -> bool:
    """Whether any operation's work is still running, or its report still on the way (an
    operation whose widget was deleted meanwhile never reports: its work's end counts)."""
    for op in list(_running):
        if op._ended.is_set() and not op._reporting():
            _running.discard(op)
    return bool(_running)


def wait_all(timeout: float = 30.0, but: Operation | None = None) -> bool:
    """Block until every started operation's work (``but`` one) has ended: the store closes
    next (logout, quit). True if all ended within ``timeout`` seconds each."""
    return all(op.wait(timeout) for op in list(_running) if op is not but)


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> None:
    """The one place that tells the operator an operation failed."""
    from station.errors import StationError

    if not isinstance(exc, StationError):  # a bug: logged, and told in words
        from ui import crash

        crash.report(exc, parent)
        return
    text = i18n.message(exc)
    QMessageBox.warning(
        parent, title or QApplication.translate("Operations", "Could not finish"), text
    )


def refusal_in(
    label: QLabel, then: Callable[[], object] | None = None
) -> Callable[[BaseException], None]:
    """A dialog's failure handler: a refusal by the core (a ``StationError``) is said in the
    dialog's own ``label``, in the desk's language, then ``then()`` (clear a password); any
    other exception is a bug, for :func:`show_error`."""

    def failed(exc: BaseException) -> None:
        from station.errors import StationError

        if not isinstance(exc, StationError):
            show_error(label.window(), exc)
            return
        label.setText(i18n.message(exc))
        if then is not None:
            then()

    return failed


_background: QThreadPool | None = None


def background_pool() -> QThreadPool:
    """One thread for work nobody waits for (the warm-up after login, the photo check's
    slices): on a 2-core desk Qt's global pool has two threads, and what the operator asks
    for must never queue behind them."""
    global _background
    if _background is None:
        _background = QThreadPool()
        _background.setMaxThreadCount(1)
    return _background


def start(
    parent: QWidget,
    work: Work,
    on_success: Callable[[Any], None],
    on_failure: Callable[[BaseException], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    pool: QThreadPool | None = None,
) -> Operation:
    """Start ``work`` off the GUI thread: ``on_success(result)``, else ``on_failure(exc)``
    (by default the one error message, :func:`show_error`), then ``on_finished()``. A
    ``pool`` of one thread runs its operations one after another, in the order started."""
    op = Operation(work, parent)
    op.succeeded.connect(on_success)
    op.failed.connect(on_failure or (lambda exc: show_error(parent, exc)))
    if on_finished is not None:
        op.finished.connect(on_finished)
    return op.start(pool)


def run_with_progress(
    parent: QWidget | None,
    label: str,
    work: Work,
    on_success: Callable[[Any], None],
    on_failure: Callable[[BaseException], None] | None = None,
) -> Operation:
    """Start ``work`` with a modal progress dialog whose Cancel asks the work to stop."""
    dialog = QProgressDialog(label, QApplication.translate("Operations", "Cancel"), 0, 0, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)  # quick work shows no dialog at all
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    op = Operation(work, parent)

    def progressed(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)

    def finished() -> None:
        dialog.close()
        dialog.deleteLater()

    op.progressed.connect(progressed)
    dialog.canceled.connect(op.cancel)
    op.succeeded.connect(on_success)
    op.failed.connect(on_failure or (lambda exc: show_error(parent, exc)))
    op.finished.connect(finished)
    return op.start()
