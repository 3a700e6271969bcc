"""The operator desk driven as an operator drives it: keys, clicks, the demo card reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QPushButton

from station import auth, records, seeding
from station.idcard.demo import DemoReader
from ui import i18n
from ui.app import Desk
from ui.candidate_form import ApprovalDialog, CandidateForm
from ui.login import LoginDialog
from ui.main_window import MainWindow

from .factories import ADMIN, OPERATOR, SUPERVISOR, record_for
from .qt_helpers import activate, idle, opened, type_text


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


@pytest.fixture
def seeded_dir(station_dir: Path) -> Path:
    with auth.login(station_dir, *ADMIN) as ctx:
        seeding.seed(ctx, 12, "ready", rng_seed=5)
        records.create(ctx, record_for(500, name="张三丰"))
        records.create(ctx, record_for(501, name="曾小贤"))
    return station_dir


@pytest.fixture
def window(qtbot, seeded_dir: Path):
    ctx = auth.login(seeded_dir, *OPERATOR)
    win = MainWindow(ctx, DemoReader(today=dt.date(2026, 11, 29)))
    qtbot.addWidget(win)
    win.show()
    idle(qtbot)
    yield win
    ctx.close()


def _login(qtbot, directory: Path, login: str, password: str) -> LoginDialog:
    dialog = LoginDialog(directory)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.findChild(QLineEdit, "login"), login)
    qtbot.keyClick(dialog.findChild(QLineEdit, "login"), Qt.Key.Key_Return)  # Enter moves on
    qtbot.keyClicks(dialog.findChild(QLineEdit, "password"), password)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    return dialog


def test_login_refuses_then_opens(qtbot, seeded_dir: Path) -> None:
    dialog = _login(qtbot, seeded_dir, OPERATOR[0], "wrong-password")
    error = dialog.findChild(QLabel, "error")
    qtbot.waitUntil(lambda: bool(error.text()), timeout=5000)
    assert "密码错误" in error.text() and dialog.context is None
    assert dialog.findChild(QLineEdit, "password").text() == ""
    with qtbot.waitSignal(dialog.logged_in, timeout=5000):
        qtbot.keyClicks(dialog.findChild(QLineEdit, "password"), OPERATOR[1])
        qtbot.keyClick(dialog.findChild(QLineEdit, "password"), Qt.Key.Key_Return)
    assert dialog.context is not None and dialog.context.operator.login == OPERATOR[0]
    dialog.context.close()


def test_enter_after_the_login_name_moves_on_and_tries_nothing(
    qtbot, seeded_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter in the login field reaches the dialog's default button as well: before, that
    tried an empty password, said it was wrong and counted it towards the lock-out."""
    from ui import login as login_module

    tried: list[str] = []
    real = login_module.auth.login

    def watched(directory, login, password, *args, **kwargs):
        tried.append(password)
        return real(directory, login, password, *args, **kwargs)

    monkeypatch.setattr(login_module.auth, "login", watched)
    dialog = LoginDialog(seeded_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    activate(qtbot, dialog)
    login, password = dialog.findChild(QLineEdit, "login"), dialog.findChild(QLineEdit, "password")
    login.setFocus()
    qtbot.keyClicks(login, OPERATOR[0])
    qtbot.keyClick(login, Qt.Key.Key_Return)
    qtbot.waitUntil(password.hasFocus, timeout=3000)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # no password yet: only back to it
    qtbot.waitUntil(password.hasFocus, timeout=3000)
    idle(qtbot)
    assert tried == [] and dialog.findChild(QLabel, "error").text() == ""
    with qtbot.waitSignal(dialog.logged_in, timeout=10000):
        qtbot.keyClicks(password, OPERATOR[1])
        qtbot.keyClick(password, Qt.Key.Key_Return)
    assert tried == [OPERATOR[1]]
    dialog.context.close()


def test_a_slow_login_says_why_and_to_leave_the_pc_on(
    qtbot, seeded_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first login after an update brings the database up to date (a minute at 60,000
    records): the dialog says so instead of sitting on "opening"."""
    import threading

    from ui import login as login_module

    release = threading.Event()
    real = login_module.auth.login

    def slow(*args, **kwargs):
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(login_module.auth, "login", slow)
    monkeypatch.setattr(LoginDialog, "SLOW_MS", 50)
    dialog = _login(qtbot, seeded_dir, *OPERATOR)
    status = dialog.findChild(QLabel, "status")
    qtbot.waitUntil(lambda: "不要关机" in status.text(), timeout=5000)
    with qtbot.waitSignal(dialog.logged_in, timeout=10000):
        release.set()
    assert status.text() == ""
    dialog.context.close()


def test_queue_search_by_pinyin_initials_id_and_number(qtbot, window: MainWindow) -> None:
    assert window.model.rowCount() == 14
    assert window.model.index(0, 3).data().startswith("**************")  # masked ID
    activate(qtbot, window)
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()
    search = window.findChild(QLineEdit, "search")
    qtbot.keyClicks(search, "zsf")
    assert [r.name for r in window.model.rows] == ["张三丰"]
    search.clear()
    qtbot.keyClicks(search, "zx")  # 曾 read as zēng: every reading of a surname counts
    assert "曾小贤" in [r.name for r in window.model.rows]
    search.clear()
    type_text(search, "张三")
    assert [r.name for r in window.model.rows] == ["张三丰"]
    search.clear()
    last4 = record_for(501)["id_number"][-4:]
    qtbot.keyClicks(search, last4)
    assert "曾小贤" in [r.name for r in window.model.rows]
    search.clear()
    regno = window.model.all_rows[0].registration_no
    qtbot.keyClicks(search, regno)
    assert [r.registration_no for r in window.model.rows] == [regno]


def test_filters_by_state_and_school(window: MainWindow) -> None:
    state = window.findChild(type(window.state_filter), "stateFilter")
    state.setCurrentIndex(state.findData("draft"))
    assert {r.name for r in window.model.rows} == {"张三丰", "曾小贤"}
    state.setCurrentIndex(0)
    school = window.school_filter
    school.setCurrentIndex(1)
    code = school.currentData()
    assert window.model.rows and all(r.school_code == code for r in window.model.rows)


def test_open_a_record_with_enter(qtbot, window: MainWindow) -> None:
    search = window.findChild(QLineEdit, "search")
    qtbot.keyClicks(search, "zsf")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    form = window.current_dialog.form
    qtbot.waitUntil(lambda: form.ready and form.inputs["name"].text() != "", timeout=5000)
    assert form.inputs["name"].text() == "张三丰"
    assert form.inputs["id_number"].text() == record_for(500)["id_number"]  # unmasked when open
    window.current_dialog.close()


def test_a_double_click_opens_one_window_for_the_candidate(qtbot, window: MainWindow) -> None:
    from ui.candidate_form import CandidateDialog

    window.table.selectRow(0)
    rect = window.table.visualRect(window.model.index(0, 0))
    viewport, left, at = window.table.viewport(), Qt.MouseButton.LeftButton, rect.center()
    qtbot.mouseClick(viewport, left, pos=at)  # a double click is a press, then the second
    qtbot.mouseDClick(viewport, left, pos=at)
    opened_now = [d for d in window.findChildren(CandidateDialog) if d.isVisible()]
    assert len(opened_now) == 1
    candidate_id = opened_now[0].form.candidate_id
    # Asked again (Enter on the same row): the same window comes to the front.
    assert window.open_candidate(candidate_id) is opened_now[0]
    assert [d for d in window.findChildren(CandidateDialog) if d.isVisible()] == opened_now
    opened_now[0].close()


def test_new_record_live_validation_fix_and_save(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station import queries

    def no_reload(_ctx: object) -> None:
        raise AssertionError("the whole queue was read again after one save")

    monkeypatch.setattr(queries, "queue_rows", no_reload)  # a save updates its own line
    activate(qtbot, window)
    qtbot.keyClick(window.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form: CandidateForm = window.current_dialog.form
    save = form.findChild(QPushButton, "save")
    values = record_for(700)
    type_text(form.inputs["name"], "李雷")
    qtbot.keyClicks(form.inputs["id_number"], values["id_number"])
    qtbot.keyClicks(form.inputs["phone"], "1380013800")  # one digit short
    form.revalidate()
    phone_error = form.findChild(QLabel, "phone_error")
    assert "11 位" in phone_error.text()
    assert "#b00020" in form.inputs["phone"].styleSheet()
    assert not save.isEnabled()
    # Derived from the ID number as it was typed.
    assert (
        form.inputs["birth_date"].text()
        == values["id_number"][6:10]
        + "-"
        + values["id_number"][10:12]
        + "-"
        + values["id_number"][12:14]
    )
    assert form.inputs["gender"].value() == "1"

    qtbot.keyClicks(form.inputs["phone"], "0")
    form.inputs["ethnicity"].set_value("01")
    form.inputs["political_status"].set_value("03")
    form.inputs["household_division"].set_value("410105")
    form.inputs["category"].set_value("fresh")
    form.inputs["school_code"].set_value("410105001")
    type_text(form.inputs["school_name"], "郑州市第一初级中学")
    qtbot.keyClicks(form.inputs["student_number"], "G" + values["id_number"])
    type_text(form.inputs["home_address"], "金水区花园路1号")
    type_text(form.inputs["guardian_name"], "李大山")
    form.inputs["guardian_relation"].set_value("父亲")
    qtbot.keyClicks(form.inputs["guardian_phone"], "13900139000")
    form.revalidate()
    assert phone_error.text() == ""
    assert save.isEnabled(), {n: e.text() for n, e in form.errors.items() if e.text()}
    before = len(window.model.all_rows)
    activate(qtbot, window.current_dialog)
    qtbot.keyClick(form.inputs["guardian_phone"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.model.all_rows) == before + 1, timeout=3000)
    assert "李雷" in [r.name for r in window.model.all_rows]


def test_demo_card_fills_and_locks_card_fields(
    qtbot, window: MainWindow, station_dir: Path
) -> None:
    dialog = window.new_candidate()
    form = dialog.form
    activate(qtbot, dialog)
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: bool(form.inputs["id_number"].text()), timeout=5000)
    assert form.inputs["name"].isReadOnly() and form.inputs["id_number"].isReadOnly()
    assert not form.inputs["ethnicity"].isEnabled()
    assert "身份证" in form.findChild(QLabel, "cardNote").text()
    assert form.inputs["home_address"].text()  # the card's address, still editable
    assert not form.inputs["home_address"].isReadOnly()

    # Changing a card field needs a supervisor: an operator's own password is not enough.
    approval = ApprovalDialog(window.context, "test", form)
    qtbot.addWidget(approval)
    approval.login.setText(OPERATOR[0])
    approval.password.setText(OPERATOR[1])
    approval.reason.setText("证件信息有误")
    approval._approve()
    qtbot.waitUntil(lambda: not approval.busy(), timeout=5000)  # checked off the GUI thread
    assert "无权" in approval.error.text()
    approval.login.setText(SUPERVISOR[0])
    approval.password.setText(SUPERVISOR[1])
    approval._approve()
    qtbot.waitUntil(lambda: not approval.busy(), timeout=5000)
    assert approval.approver == "审核员甲"
    dialog.close()


def test_expired_demo_card_is_refused_in_words(qtbot, window: MainWindow) -> None:
    form = window.new_candidate().form
    for _ in range(4):  # the demo reader's fourth card has expired
        form.read_card()
        qtbot.waitUntil(lambda: form.read_card_button.isEnabled(), timeout=5000)
    assert "有效期" in form.findChild(QLabel, "cardNote").text()


def test_known_id_number_opens_the_existing_record(qtbot, window: MainWindow) -> None:
    form = window.new_candidate().form
    qtbot.keyClicks(form.inputs["id_number"], record_for(500)["id_number"])
    form.revalidate()
    qtbot.waitUntil(lambda: window.current_dialog.form is not form, timeout=5000)
    opened = window.current_dialog.form
    qtbot.waitUntil(lambda: opened.ready and opened.candidate_id is not None, timeout=5000)
    assert opened is not form
    assert opened.inputs["name"].text() == "张三丰"
    assert opened.candidate_id is not None
    assert "已在本报名点登记" in opened.banner.text()


def test_signed_record_opens_locked(qtbot, seeded_dir: Path) -> None:
    with auth.login(seeded_dir, *ADMIN) as ctx:
        (signed_id,) = seeding.seed(ctx, 1, "signed", rng_seed=9)
    ctx = auth.login(seeded_dir, *OPERATOR)
    form = opened(qtbot, CandidateForm(ctx, signed_id))
    assert not form.banner.isHidden() and "锁定" in form.banner.text()
    assert form.inputs["name"].isReadOnly()
    assert form.save_button.isHidden()
    ctx.close()


def test_auto_logout_fires_and_returns_to_login(qtbot, seeded_dir: Path) -> None:
    desk = Desk(seeded_dir)
    ctx = auth.login(seeded_dir, *OPERATOR)
    desk.open_main(ctx)  # the desk closes and deletes it at the logout
    desk.watcher.stop()
    desk.watcher.timeout_ms, desk.watcher.warn_ms = 1500, 1000  # 10 min in production
    desk.watcher.start()
    qtbot.waitUntil(
        lambda: desk.watcher is not None and desk.watcher.notice.isVisible(), timeout=3000
    )
    assert "秒后自动退出" in desk.watcher.notice.label.text()
    qtbot.waitUntil(lambda: desk.window is None, timeout=5000)
    assert desk.login is not None and desk.login.isVisible()
    desk.login.close()


def test_input_postpones_auto_logout(qtbot, seeded_dir: Path) -> None:
    desk = Desk(seeded_dir)
    window = desk.open_main(auth.login(seeded_dir, *OPERATOR))  # deleted at the logout
    desk.watcher.stop()
    desk.watcher.timeout_ms, desk.watcher.warn_ms = 1500, 1000
    desk.watcher.start()
    for _ in range(6):
        qtbot.wait(300)
        qtbot.keyClick(window.search, Qt.Key.Key_A)
    assert desk.window is window
    desk.logout()
    qtbot.waitUntil(lambda: desk.window is None, timeout=10_000)
    desk.login.close()


def test_language_switch_from_settings(qtbot, seeded_dir: Path) -> None:
    from PySide6.QtGui import QAction

    from station import settings as settings_mod
    from ui.settings_dialog import SettingsDialog

    desk = Desk(seeded_dir)
    window = desk.open_main(auth.login(seeded_dir, *ADMIN))  # the desk deletes it later
    idle(qtbot)
    assert window.findChild(QAction, "newCandidate").text() == "新增考生"
    dialog = SettingsDialog(window.context, window)  # goes with the window
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.save()
    idle(qtbot)
    assert settings_mod.load(seeded_dir).language == "en"
    english = desk.apply_settings(window.context)  # deleted at the logout
    idle(qtbot)
    assert english.findChild(QAction, "newCandidate").text() == "New candidate"
    assert english.model.headerData(1, Qt.Orientation.Horizontal) == "State"
    assert english.model.index(0, 1).data() == "Awaiting review"
    i18n.install("zh_CN")
    desk.logout()
    qtbot.waitUntil(lambda: desk.window is None, timeout=10_000)
    desk.login.close()


def test_operator_cannot_change_station_wide_settings(qtbot, window: MainWindow) -> None:
    from ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.context, window)
    qtbot.addWidget(dialog)
    assert dialog.language.isEnabled()
    assert not dialog.reader.isEnabled() and not dialog.idle.isEnabled()


def test_enter_and_tab_follow_the_paper_form(qtbot, window: MainWindow) -> None:
    dialog = window.new_candidate()
    form = dialog.form
    activate(qtbot, dialog)
    form.inputs["name"].setFocus()
    qtbot.keyClick(form.inputs["name"], Qt.Key.Key_Return)
    assert form.inputs["document_type"].hasFocus()
    form.inputs["id_number"].setFocus()
    qtbot.keyClick(form.inputs["id_number"], Qt.Key.Key_Return)
    assert form.inputs["gender"].hasFocus()
    form.inputs["phone"].setFocus()
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_Tab)
    assert form.inputs["guardian_name"].hasFocus()
    dialog.close()


def test_enter_on_the_allocation_box_moves_on_and_imports_no_photo(
    qtbot, window: MainWindow
) -> None:
    """Enter on the allocation box (no text to end) went to the window, whose default button
    (its first enabled one, "Import photo from file…") took it and opened a file chooser."""
    dialog = window.new_candidate()
    form = dialog.form
    activate(qtbot, dialog)
    pressed: list[str] = []
    for button in dialog.findChildren(QPushButton):
        button.clicked.connect(lambda _=False, b=button: pressed.append(b.objectName()))
    form.inputs["allocation_applied"].setFocus()
    qtbot.keyClick(form.inputs["allocation_applied"], Qt.Key.Key_Return)
    assert form.inputs["allocation_basis"].hasFocus()
    assert not form.inputs["allocation_applied"].isChecked()
    assert pressed == []
    read_card = dialog.findChild(QPushButton, "readCard")
    read_card.setFocus()  # a button still takes its own Enter
    qtbot.keyClick(read_card, Qt.Key.Key_Return)
    idle(qtbot)
    assert pressed == ["readCard"]
    dialog.close()


def test_roster_import_with_preview(qtbot, window: MainWindow, tmp_path: Path) -> None:
    import openpyxl

    from station import roster
    from station.roster_columns import COLUMNS

    path = tmp_path / "花名册.xlsx"
    roster.write_template(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["考生"]
    for i in range(3):
        values = record_for(900 + i, name=["赵一", "钱二", "孙3"][i], allocation_applied="否")
        ws.append([values.get(c.field) for c in COLUMNS])
    wb.save(path)
    before = len(window.model.all_rows)

    window.import_roster(path)
    qtbot.waitUntil(
        lambda: getattr(window, "preview", None) is not None and window.preview.isVisible(),
        timeout=10_000,
    )
    preview = window.preview
    assert window.model.all_rows and len(window.model.all_rows) == before  # nothing stored yet
    summary = preview.findChild(QLabel, "rosterSummary").text()
    assert "2" in summary and "1" in summary
    table = preview.table
    reasons = [table.item(r, 3).text() for r in range(table.rowCount()) if table.item(r, 3)]
    assert any("数字" in r for r in reasons)  # 孙3: a digit in a name, with its reason
    saved = preview.save_errors(tmp_path / "错误.xlsx")
    idle(qtbot)
    assert saved is not None and saved.exists()

    qtbot.mouseClick(preview.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.model.all_rows) == before + 2, timeout=10_000)
    assert {"赵一", "钱二"} <= {r.name for r in window.model.all_rows}
    assert window.last_import.imported == 2 and len(window.last_import.rejected) == 1
    assert "已导入 2 名考生" in window.statusBar().currentMessage()


def test_roster_export_and_template_from_the_desk(qtbot, seeded_dir: Path, tmp_path: Path) -> None:
    import openpyxl

    ctx = auth.login(seeded_dir, *SUPERVISOR)  # taking personal data away is a supervisor's act
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    idle(qtbot)
    out = tmp_path / "名单.xlsx"
    window.export_roster(out)
    qtbot.waitUntil(out.exists, timeout=10_000)
    rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + len(window.model.all_rows)
    template = tmp_path / "模板.xlsx"
    window.save_template(template)
    idle(qtbot)
    assert template.exists()
    ctx.close()


def test_rejected_record_shows_the_county_reason(qtbot, seeded_dir: Path) -> None:
    with auth.login(seeded_dir, *ADMIN) as ctx:
        (rejected,) = seeding.seed(ctx, 1, "rejected", rng_seed=12)
    ctx = auth.login(seeded_dir, *OPERATOR)
    form = opened(qtbot, CandidateForm(ctx, rejected))
    assert "县区审核未通过" in form.banner.text() and "学籍信息待核实" in form.banner.text()
    assert form.lifecycle.unlock_button.isVisibleTo(form)
    ctx.close()


def test_camera_choice_in_settings(qtbot, seeded_dir: Path) -> None:
    from station import settings as settings_mod
    from ui.settings_dialog import SettingsDialog

    with auth.login(seeded_dir, *ADMIN) as ctx:
        dialog = SettingsDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.camera.setCurrentIndex(dialog.camera.findData("0"))
        dialog.resolution.setCurrentIndex(dialog.resolution.findData("1280x720"))
        dialog.save()
        idle(qtbot)
    saved = settings_mod.load(seeded_dir)
    assert (saved.camera, saved.camera_resolution) == ("0", "1280x720")


def test_one_changed_candidate_updates_its_line_with_or_without_a_filter(
    qtbot, window: MainWindow
) -> None:
    from station import records

    model = window.model
    first = model.all_rows[0]
    values = None
    with window.context.store.read() as s:
        values = records.record_values(records.get(s, first.id))
    records.update(window.context, first.id, {**values, "name": "欧阳修"})
    window.candidate_changed(first.id)  # no filter: that line, in place
    idle(qtbot)
    assert model.rows[0].name == "欧阳修" and len(model.rows) == len(model.all_rows)
    model.set_filter("欧阳")
    records.update(window.context, first.id, {**values, "name": "欧阳询"})
    window.candidate_changed(first.id)  # a filter: it runs again over the snapshot
    idle(qtbot)
    assert [r.name for r in model.rows] == ["欧阳询"]
    assert model.rowCount() == 1


def test_card_fields_stay_read_only_after_save_and_reopen(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station import queries

    dialog = window.new_candidate()
    form = dialog.form
    activate(qtbot, dialog)
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: bool(form.inputs["id_number"].text()), timeout=5000)
    values = record_for(77)
    for name in ("political_status", "household_division", "category"):
        form.inputs[name].set_value(values[name])
    form.inputs["school_code"].set_value(values["school_code"])
    type_text(form.inputs["school_name"], values["school_name"])
    form.inputs["student_number"].setText("G" + form.inputs["id_number"].text())
    form.inputs["phone"].setText(values["phone"])
    type_text(form.inputs["guardian_name"], values["guardian_name"])
    form.inputs["guardian_relation"].set_value(values["guardian_relation"])
    form.inputs["guardian_phone"].setText(values["guardian_phone"])
    form.revalidate()
    assert form.save_button.isEnabled(), {n: e.text() for n, e in form.errors.items() if e.text()}
    form.save()
    qtbot.waitUntil(lambda: form.candidate_id is not None, timeout=5000)
    idle(qtbot)
    candidate_id = form.candidate_id

    # Opened again (another day, another operator): the card's fields are still protected.
    again = opened(qtbot, CandidateForm(window.context, candidate_id))
    for name in ("name", "id_number", "birth_date"):
        assert again.inputs[name].isReadOnly(), name
    assert not again.inputs["gender"].isEnabled() and not again.inputs["ethnicity"].isEnabled()
    assert not again.inputs["phone"].isReadOnly()
    assert again.unlock_card_button.isVisible()

    # A supervisor releases them, with a reason: kept with the record.
    from PySide6.QtWidgets import QDialog

    from ui.approval import ApprovalDialog

    def approve_as_supervisor(dialog: ApprovalDialog) -> int:
        dialog.login.setText(SUPERVISOR[0])
        dialog.password.setText(SUPERVISOR[1])
        dialog.reason.setText("身份证信息读取有误")
        dialog._approve()
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=5000)
        return QDialog.DialogCode.Accepted if dialog.approver else QDialog.DialogCode.Rejected

    monkeypatch.setattr(ApprovalDialog, "exec", approve_as_supervisor)
    again.unlock_card_fields()
    idle(qtbot)
    assert not again.inputs["name"].isReadOnly()
    assert queries.record_view(window.context, candidate_id).card_fields == ()
    third = opened(qtbot, CandidateForm(window.context, candidate_id))
    assert not third.inputs["name"].isReadOnly() and not third.unlock_card_button.isVisible()


def test_the_record_window_fits_a_1366x768_desk(qtbot, window: MainWindow) -> None:
    """Everything but the boxes of fields stays in sight in 730 px of height (a 1366×768
    screen less its task bar and the title); the boxes scroll, and a field given the focus
    is scrolled into sight."""
    search = window.findChild(QLineEdit, "search")
    qtbot.keyClicks(search, "zsf")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    dialog = window.current_dialog
    form = dialog.form
    qtbot.waitUntil(lambda: form.ready and form.inputs["name"].text() != "", timeout=5000)
    assert dialog.minimumSizeHint().height() <= 700
    dialog.resize(1000, 700)
    idle(qtbot)
    bottom = dialog.rect().bottom()
    for widget in (form.save_button, form.summary, form.lifecycle, form.steps):
        corner = widget.mapTo(dialog, widget.rect().bottomLeft())
        assert widget.isVisible() and corner.y() <= bottom, widget.objectName()
    area = form.fields_area
    assert area.verticalScrollBar().maximum() > 0  # the boxes do not all fit: they scroll
    last = form.inputs["guardian_phone"]
    form.focus_field("guardian_phone")
    idle(qtbot)
    top_left = last.mapTo(area.viewport(), last.rect().topLeft())
    assert area.verticalScrollBar().value() > 0  # scrolled down to it
    assert 0 <= top_left.y() < area.viewport().height()  # and it is in sight
    dialog.close()
