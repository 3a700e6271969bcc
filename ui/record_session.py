"""The one record at the desk (当前考生记录): what the store holds of it, and every core call
on it as an operation off the GUI thread.

The form and its panels never call the core themselves: they ask the session (``save``,
``transition``, ``sign``, ...), and the session runs the call with :func:`ui.operations.start`,
reloads the record in the same background step, and reports in one place: ``changed`` with
the fresh :class:`station.queries.DeskRecord` on success, the one error message on failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

from station import drafts, queries, records
from station.auth import Context
from station.errors import DuplicateCandidate
from station.lifecycle import Action, Facts, State
from station.photo import duplicates
from station.photo.stored import PhotoInput
from station.queries import DeskRecord
from ui.operations import Operation, show_error, start


class RecordSession(QObject):
    """``loaded`` once the first look at the store is back (schools, and the record if any);
    ``changed(candidate_id)`` whenever the stored record changed through this session."""

    loaded = Signal()
    reloaded = Signal()  # ``record`` is fresh
    changed = Signal(int)
    duplicate = Signal(int)  # the ID number belongs to this stored candidate
    busy_changed = Signal(bool)

    def __init__(self, ctx: Context, candidate_id: int | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.widget = parent  # where messages are shown
        self.candidate_id = candidate_id
        self.record: DeskRecord | None = None
        self.schools: list[tuple[str, str]] = []
        self.ready = False
        self.operations: list[Operation] = []  # what the operator waits for
        # One thread: the record's jobs run one after another in the order asked, so that a
        # keep, a save and a discard of the typing, or two reads, never overtake each other.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

    # --- what the form reads ------------------------------------------------------------

    @property
    def state(self) -> State:
        return self.record.view.state if self.record else State.DRAFT

    @property
    def facts(self) -> Facts | None:
        return self.record.facts if self.record else None

    @property
    def busy(self) -> bool:
        return any(op.running for op in self.operations)

    # --- running ------------------------------------------------------------------------

    def run(
        self,
        work: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        reload: bool = True,
        announce: bool = True,
        on_finished: Callable[[], object] | None = None,
        background: bool = False,
    ) -> Operation:
        """``work()`` off the GUI thread, then (``reload``) the record read again in the same
        step; ``on_success(result)`` after ``record`` is fresh and (``announce``: the stored
        record changed) ``changed`` is emitted."""

        known_id = self.candidate_id  # read here: a job never looks at the session's state

        def step(_progress: Any) -> tuple[Any, DeskRecord | None]:
            result = work()
            candidate_id = known_id if known_id is not None else getattr(result, "id", None)
            fresh = queries.desk_record(self.ctx, candidate_id) if reload and candidate_id else None
            return result, fresh

        def done(outcome: tuple[Any, DeskRecord | None]) -> None:
            result, fresh = outcome
            if fresh is not None:
                self.candidate_id = fresh.view.id
                self.record = fresh
                self.reloaded.emit()
                if announce:
                    self.changed.emit(fresh.view.id)
            if on_success is not None:
                on_success(result)

        def finished() -> None:
            if not background:
                self.busy_changed.emit(self.busy)
            if on_finished is not None:
                on_finished()

        op = start(
            self.widget,
            step,
            done,
            on_failure or (lambda exc: show_error(self.widget, exc)),
            finished,
            self.pool,
        )
        if not background:  # (keeping unsaved typing: nobody waits for it)
            self.operations = [o for o in self.operations if o.running] + [op]
            self.busy_changed.emit(True)
        return op

    # --- the calls ----------------------------------------------------------------------

    def load(self) -> Operation:
        def ready(schools: list[tuple[str, str]]) -> None:
            self.schools = schools
            self.ready = True
            self.loaded.emit()

        return self.run(lambda: queries.schools(self.ctx), ready, announce=False)

    def reload(self, announce: bool = False) -> Operation:
        """Read the record again (``announce``: it was changed elsewhere, e.g. by the
        candidate's own screen)."""
        return self.run(lambda: None, announce=announce)

    def save(
        self,
        values: dict[str, Any],
        photo: PhotoInput | None,
        source: str,
        on_saved: Callable[[Any], None],
        on_finished: Callable[[], object] | None = None,
        card_fields: tuple[str, ...] = (),
    ) -> Operation:
        """Store the typed ``values`` (a new record, or an edit); ``card_fields``: the fields
        read from the ID card, which the record keeps read-only."""
        candidate_id = self.candidate_id

        def work() -> Any:
            if candidate_id is None:
                saved = records.create(
                    self.ctx, values, photo, source=source, card_fields=card_fields
                )
            else:
                saved = records.update(self.ctx, candidate_id, values, card_fields=card_fields)
            drafts.clear(self.ctx)
            return saved

        def failed(exc: BaseException) -> None:
            if isinstance(exc, DuplicateCandidate):
                self.duplicate.emit(exc.existing_id)
            else:
                show_error(self.widget, exc)

        return self.run(work, on_saved, failed, on_finished=on_finished)

    def transition(self, action: Action) -> Operation:
        candidate_id = self._saved_id()
        return self.run(lambda: records.transition(self.ctx, candidate_id, action))

    def set_photo(self, photo: PhotoInput) -> Operation:
        candidate_id = self._saved_id()
        return self.run(lambda: records.set_photo(self.ctx, candidate_id, photo))

    def prepare_photo(self, photo: PhotoInput) -> Operation:
        """A photo taken before the first save, hashed and compared with the stored photos now,
        while the operator goes on typing (the save finds that done, and compares it only with
        photos stored since). A failure is only logged: the save says it again."""

        def failed(exc: BaseException) -> None:
            logging.getLogger(__name__).warning("photo hashed ahead", exc_info=exc)

        return self.run(
            lambda: duplicates.prepare(self.ctx, photo), None, failed, reload=False, background=True
        )

    def keep_unsaved(self, values: dict[str, Any]) -> Operation:
        candidate_id = self.candidate_id
        return self.run(
            lambda: drafts.keep(self.ctx, candidate_id, values), reload=False, background=True
        )

    def discard_unsaved(self) -> Operation:
        return self.run(lambda: drafts.clear(self.ctx), reload=False, background=True)

    def find_id_number(self, number: str) -> Operation:
        """Whether another stored record has this ID number (``duplicate`` if so)."""

        def found(existing: int | None) -> None:
            if existing is not None and existing != self.candidate_id:
                self.duplicate.emit(existing)

        return self.run(
            lambda: queries.candidate_with_id_number(self.ctx, number), found, reload=False
        )

    def _saved_id(self) -> int:
        if self.candidate_id is None:
            raise RuntimeError("the record is not saved yet")
        return self.candidate_id
