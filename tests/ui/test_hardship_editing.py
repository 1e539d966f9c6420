"""The hardship file kept right in the app: every field of the 困难职工档案表 edited and
printed, a refusal that keeps the typing, household members added, corrected and removed
(ID numbers masked in the list), the station head's sign-off (offered to a station
admin, not to a clerk), a change after signing shown as such, and a file opened from
elsewhere (the dashboard's to-do list) shown and reviewable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from station_app.domain.models import CaseUpperSignOff, HardshipCase, HouseholdMember
from station_app.domain.services import corrections, hardship, members
from station_app.domain.validation import id_check_char
from station_app.ui.forms import set_combo_code
from station_app.ui.qt import (
    QApplication,
    QDialogButtonBox,
    QMessageBox,
    QPushButton,
    Qt,
    QTimer,
)


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def li_case(db, admin) -> str:
    """李四's file, registered two years ago (due for its annual review)."""
    with db.session(admin) as s:
        li = members.register_member(s, {"name": "李四", "id_number": make_id(2)})
        old = date.today() - timedelta(days=800)
        return hardship.open_case(s, li.id, {"category": "失业", "level": "相对困难",
                                             "household_size": 2,
                                             "registered_date": old.isoformat()}).id


class Answer:
    """Click a button (by object name) of the next message box that opens (it runs its
    own event loop: the click is polled from a timer)."""

    def __init__(self, button: str) -> None:
        self.button, self.text, self._tries = button, None, 0
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.text = box.text()
            names = {b.objectName(): b for b in box.findChildren(QPushButton)}
            names[self.button].click()
            return
        self._tries += 1
        if self._tries < 500:
            QTimer.singleShot(10, self._poll)

    @property
    def asked(self) -> bool:
        return self.text is not None


def make_page(qtbot, ctx, case_id: str | None = None):
    from station_app.ui.pages.hardship import HardshipPage

    page = HardshipPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading)
    if case_id is not None:
        page.open_record(case_id)
        qtbot.waitUntil(lambda: page.file is not None and page.file.id == case_id
                        and not page.loading)
    return page


def ok(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def stored(db, case_id: str) -> HardshipCase:
    with db.reader() as s:
        case = s.get(HardshipCase, case_id)
        s.expunge(case)
        return case


def printed(qtbot, page) -> str:
    """The file as the print and the PDF paint it (the QTextDocument's text)."""
    texts: list[str] = []
    page.with_document(lambda doc: texts.append(doc.toPlainText()))
    qtbot.waitUntil(lambda: texts != [])
    return texts[0]


def test_every_field_of_the_file_is_edited_stored_and_printed(qtbot, db, ctx, li_case):
    page = make_page(qtbot, ctx, li_case)
    assert page.tabs.currentWidget() is page.file_tab  # (opened as a record)
    assert page.edit_button.isEnabled()
    page.edit_button.click()
    dialog = page._dialog
    qtbot.waitExposed(dialog)
    form = dialog.form
    # grouped in boxes side by side, not one endless column
    boxes = form.boxes
    assert set(boxes) == {"basic", "income", "causes", "bank", "handling", "notes"}
    assert boxes["basic"].geometry().x() < boxes["income"].geometry().x()
    assert boxes["bank"].geometry().y() > boxes["basic"].geometry().y()
    # the closed lists are combo boxes; money in yuan
    w = form.widgets
    for key, code in (("political_status", "中共党员"), ("disability_category", "肢体残疾"),
                      ("model_worker_type", "区级劳模"), ("housing_type", "租赁住房"),
                      ("employer_nature", "私营企业"), ("enterprise_status", "停产半停产"),
                      ("medical_insurance", "职工基本医疗保险"), ("category", "illness"),
                      ("level", "deep")):
        assert w[key].findData(code) >= 0, key
        set_combo_code(w[key], code)
    texts = {"health": "慢性病", "employer_name": "葵涌五金厂", "hukou_area": "广东省深圳市大鹏新区",
             "household_size": "4", "own_monthly_income_fen": "1,800.50",
             "household_annual_income_fen": "36000", "monthly_income_per_capita_fen": "750",
             "primary_cause": "本人患病", "secondary_cause": "子女上学",
             "bank_name": "农业银行葵涌支行", "bank_account": "6228480000000000001",
             "filed_by": "王芳", "reviewed_by": "陈主任", "entered_by": "李明"}
    for key, text in texts.items():
        w[key].setText(text)
    w["single_parent"].setChecked(True)
    w["zero_employment"].setChecked(True)
    w["notes"].setPlainText("2025 年复核：情况属实")
    ok(dialog).click()
    qtbot.waitUntil(lambda: dialog.saved, timeout=10_000)
    assert not dialog.isVisible()

    case = stored(db, li_case)
    assert (case.political_status, case.disability_category, case.model_worker_type,
            case.housing_type, case.employer_nature, case.enterprise_status,
            case.medical_insurance, case.category, case.level) == (
        "中共党员", "肢体残疾", "区级劳模", "租赁住房", "私营企业", "停产半停产",
        "职工基本医疗保险", "illness", "deep")
    assert (case.own_monthly_income_fen, case.household_annual_income_fen,
            case.monthly_income_per_capita_fen) == (180050, 3600000, 75000)
    assert case.single_parent and case.zero_employment and case.household_size == 4
    assert (case.health, case.hukou_area, case.primary_cause, case.secondary_cause,
            case.bank_name, case.bank_account, case.filed_by, case.reviewed_by,
            case.entered_by) == ("慢性病", "广东省深圳市大鹏新区", "本人患病", "子女上学",
                                 "农业银行葵涌支行", "6228480000000000001", "王芳", "陈主任",
                                 "李明")

    # the page shows it, and the printed file carries every field
    qtbot.waitUntil(lambda: page.file.values["bank_account"] == "6228480000000000001")
    text = printed(qtbot, page)
    for want in ("中共党员", "肢体残疾", "区级劳模", "租赁住房", "私营企业", "停产半停产",
                 "职工基本医疗保险", "慢性病", "广东省深圳市大鹏新区", "1,800.50", "36,000.00",
                 "750.00", "本人患病", "子女上学", "农业银行葵涌支行", "6228480000000000001",
                 "王芳", "陈主任", "李明", "2025 年复核：情况属实"):
        assert want in text, want
    assert "中共党员" in page.fields_view.toPlainText()

    # opened again, the form holds what was saved (money in yuan)
    page.edit_button.click()
    again = page._dialog
    assert again is not dialog
    assert again.form.widgets["own_monthly_income_fen"].text() == "1800.50"
    assert again.form.widgets["political_status"].currentData() == "中共党员"
    assert again.form.widgets["single_parent"].isChecked()
    again.reject()  # (nothing typed: closes without asking)
    assert not again.isVisible()


def test_a_refusal_names_the_field_and_keeps_the_typing(qtbot, db, ctx, li_case):
    page = make_page(qtbot, ctx, li_case)
    page.edit_button.click()
    dialog = page._dialog
    w = dialog.form.widgets
    w["own_monthly_income_fen"].setText("一千八")
    w["registered_date"].setText((date.today() + timedelta(days=3)).isoformat())
    w["bank_account"].setText("6228480000000000001")
    set_combo_code(w["housing_type"], "借住")
    ok(dialog).click()
    qtbot.waitUntil(lambda: dialog.form.error_text("own_monthly_income_fen") != "")
    assert dialog.form.error_text("registered_date") != ""  # (the service's entry_date)
    # under the field (its row labelled so), saying what is wrong and what to type
    assert "一千八" in dialog.form.error_text("own_monthly_income_fen")
    assert "1234.50" in dialog.form.error_text("own_monthly_income_fen")
    box = dialog.form.boxes["income"].layout()
    holder = dialog.form.widgets["own_monthly_income_fen"].parentWidget()
    assert box.labelForField(holder).text() == "Own monthly income (yuan)"
    assert dialog.isVisible() and not dialog.saved
    assert w["own_monthly_income_fen"].text() == "一千八"
    assert w["bank_account"].text() == "6228480000000000001"
    assert w["housing_type"].currentData() == "借住"
    case = stored(db, li_case)
    assert case.bank_account is None and case.housing_type is None  # nothing written

    # closing with the typing asks first (保存 / 放弃 / 留在此处); "stay" keeps it all
    stay = Answer("stay")
    dialog.reject()
    assert stay.asked and dialog.isVisible()
    assert w["bank_account"].text() == "6228480000000000001"

    # a registration date left blank is asked for (it would silently become today)
    w["registered_date"].clear()
    assert ok(dialog).isEnabled()
    ok(dialog).click()
    assert "建档日期" in dialog.form.error_text("registered_date")
    assert dialog.isVisible()

    # corrected, it saves
    w["own_monthly_income_fen"].setText("1800")
    w["registered_date"].setText((date.today() - timedelta(days=800)).isoformat())
    ok(dialog).click()
    qtbot.waitUntil(lambda: dialog.saved, timeout=10_000)
    case = stored(db, li_case)
    assert (case.own_monthly_income_fen, case.bank_account, case.housing_type) == (
        180000, "6228480000000000001", "借住")


def test_household_members_added_corrected_and_removed(qtbot, db, ctx, li_case,
                                                       monkeypatch):
    page = make_page(qtbot, ctx, li_case)
    page.tabs.setCurrentIndex(1)
    form = page.household_form
    form.widgets["name"].setText("李小明")
    set_combo_code(form.widgets["relation"], "child")
    child_id = make_id(7, date(2012, 5, 1))
    form.widgets["id_number"].setText(child_id)
    page.add_household_button.click()
    qtbot.waitUntil(lambda: len(page.household_model.rows) == 1 and not page.loading)
    model = page.household_model
    shown_id = model.data(model.index(0, 2), Qt.ItemDataRole.DisplayRole)
    assert shown_id == child_id[:6] + "*" * 8 + child_id[-4:]  # (first 6, last 4)
    assert model.rows[0].age is not None  # (from the ID number)

    # nothing selected: edit and delete are not offered
    assert not page.edit_household_button.isEnabled()
    assert not page.delete_household_button.isEnabled()
    page.household_view.selectRow(0)
    assert page.edit_household_button.isEnabled() and page.delete_household_button.isEnabled()

    # correct: a wrong ID number is refused in place, the typing kept
    page.edit_household_button.click()
    dialog = page._dialog
    assert dialog.form.widgets["id_number"].text() == child_id  # (in full in the form)
    dialog.form.widgets["name"].setText("李晓明")
    dialog.form.widgets["id_number"].setText("110101201205011234")
    ok(dialog).click()
    qtbot.waitUntil(lambda: dialog.form.error_text("id_number") != "")
    assert dialog.form.widgets["name"].text() == "李晓明" and dialog.isVisible()
    dialog.form.widgets["id_number"].setText(child_id)
    dialog.form.widgets["school_or_work"].setText("葵涌中学初二")
    set_combo_code(dialog.form.widgets["relation"], "grandchild")
    ok(dialog).click()
    qtbot.waitUntil(lambda: dialog.saved, timeout=10_000)
    qtbot.waitUntil(lambda: page.household_model.rows[0].name == "李晓明")
    row = page.household_model.rows[0]
    assert (row.relation, row.school_or_work) == ("grandchild", "葵涌中学初二")
    assert "李晓明" in printed(qtbot, page)

    # typing in the household form, then another file: asked; "stay" keeps file and typing
    with db.session(ctx.actor) as s:
        wang = members.register_member(s, {"name": "王五", "id_number": make_id(3)})
        other = hardship.open_case(s, wang.id, {"category": "失业", "level": "相对困难",
                                                "household_size": 1}).id
    page.load_list()
    qtbot.waitUntil(lambda: len(page.list_model.rows) == 2 and not page.loading)
    form.widgets["name"].setText("李小红")
    other_row = next(i for i, r in enumerate(page.list_model.rows) if r.id == other)
    stay = Answer("stay")
    page.list_view.selectRow(other_row)
    qtbot.waitUntil(lambda: stay.asked)
    qtbot.wait(50)
    assert page.case_id == li_case and form.widgets["name"].text() == "李小红"
    assert page.list_model.row_at(page.list_view.currentIndex().row()).id == li_case
    discard = Answer("discard")
    page.list_view.selectRow(other_row)
    qtbot.waitUntil(lambda: discard.asked and page.file.id == other and not page.loading)
    assert form.widgets["name"].text() == ""
    page.open_record(li_case)
    qtbot.waitUntil(lambda: page.file.id == li_case and not page.loading)
    page.tabs.setCurrentIndex(1)

    # remove, after asking ("No" keeps it)
    page.household_view.selectRow(0)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or answers.pop(0)))
    page.delete_household_button.click()
    assert len(asked) == 1 and "李晓明" in asked[0]
    assert len(page.household_model.rows) == 1
    page.delete_household_button.click()
    qtbot.waitUntil(lambda: page.household_model.rows == [] and not page.loading)
    with db.reader() as s:
        gone = s.execute(select(HouseholdMember)).scalars().all()
        assert [(h.name, h.deleted) for h in gone] == [("李晓明", True)]  # a tombstone


def test_the_station_head_signs_off_and_a_change_after_shows(qtbot, db, ctx, make_ctx,
                                                            admin, clerk, li_case):
    from station_app.domain.ids import DISTRICT_OWNER_ID

    # a clerk edits an unsigned file, and is not offered the signing (who may, on hover)
    clerk_page = make_page(qtbot, make_ctx(clerk), li_case)
    assert clerk_page.edit_button.isEnabled() and clerk_page.add_household_button.isEnabled()
    assert not clerk_page.sign_button.isEnabled()
    assert "站点管理员" in clerk_page.sign_button.toolTip()
    clerk_page.close()

    page = make_page(qtbot, ctx, li_case)
    assert "not signed off yet" in page.grassroots_label.text()
    assert "not signed off by the district yet" in page.upper_label.text()
    assert page.sign_button.isEnabled()
    page.sign_button.click()
    dialog = page._dialog
    dialog.form.widgets["signed_date"].setText("明天")
    ok(dialog).click()
    qtbot.waitUntil(lambda: dialog.form.error_text("signed_date") != "")
    assert dialog.isVisible()
    dialog.form.widgets["signed_date"].setText(date.today().isoformat())
    dialog.form.widgets["note"].setPlainText("情况属实，同意建档")
    ok(dialog).click()
    qtbot.waitUntil(lambda: dialog.saved, timeout=10_000)
    qtbot.waitUntil(lambda: "站长" in page.grassroots_label.text())
    text = page.grassroots_label.text()
    assert date.today().isoformat() in text and "情况属实，同意建档" in text
    assert "unchanged since" in text
    assert not page.sign_button.isEnabled()  # signed, unchanged: nothing to sign
    assert "unchanged" in page.sign_button.toolTip()
    assert "站长" in printed(qtbot, page)

    # the district's upper sign-off arrives (a pull): shown, read-only here
    with db.session(admin) as s:
        case = s.get(HardshipCase, li_case)
        s.add(CaseUpperSignOff(
            station_id=DISTRICT_OWNER_ID, case_id=li_case, signed_by="qu",
            signed_by_name="李主席", signed_date=date.today(),
            signed_at=corrections.utc_now(), note="同意",
            content=corrections.canonical(corrections.case_content(s, case))))
    page.show_case(li_case)
    page.load_detail()
    qtbot.waitUntil(lambda: "李主席" in page.upper_label.text() and not page.loading)

    # a clerk: no signing, no change to a signed file (disabled, saying who may)
    clerk_page = make_page(qtbot, make_ctx(clerk), li_case)
    assert not clerk_page.sign_button.isEnabled()
    assert "站点管理员" in clerk_page.sign_button.toolTip()
    assert not clerk_page.edit_button.isEnabled()
    assert "站长" in clerk_page.edit_button.toolTip()  # signed by …: a station admin only
    assert not clerk_page.add_household_button.isEnabled()
    clerk_page.close()

    # the station admin edits the signed file: warned, then the change shows
    page.edit_button.click()
    edit = page._dialog
    assert edit.warning.isVisible()
    set_combo_code(edit.form.widgets["political_status"], "群众")
    ok(edit).click()
    qtbot.waitUntil(lambda: edit.saved, timeout=10_000)
    qtbot.waitUntil(lambda: "Changed after signing" in page.grassroots_label.text())
    assert "政治面貌" in page.grassroots_label.text()  # what changed
    upper = page.upper_label.text()
    assert "Changed after signing" in upper and "群众" in upper  # the district's block
    assert page.sign_button.isEnabled()  # signed again after the change
    text = printed(qtbot, page)
    assert "签署后档案已修改" in text and "政治面貌" in text
    with db.reader() as s:
        assert s.get(CaseUpperSignOff, page.file.signoffs["upper"].id).void_at is None


def test_the_to_do_list_opens_a_file_due_for_review(qtbot, window, db, admin, li_case):
    """ctx.signals.open_page("hardship", case_id), as the dashboard's to-do list sends it:
    the page shows the file selected in the list, its annual review a click away."""
    with db.session(admin) as s:  # another, closed file: it is not in the open list
        wang = members.register_member(s, {"name": "王五", "id_number": make_id(3)})
        closed = hardship.open_case(s, wang.id, {"category": "失业", "level": "相对困难",
                                                 "household_size": 1})
        hardship.close_case(s, closed.id, "exited", date.today(), "已再就业")
    window.ctx.signals.open_page.emit("hardship", li_case)
    page = window.page("hardship")
    qtbot.waitUntil(lambda: page.file is not None and page.file.id == li_case
                    and not page.loading, timeout=10_000)
    qtbot.waitUntil(lambda: page.list_view.currentIndex().isValid())
    assert page.list_model.row_at(page.list_view.currentIndex().row()).id == li_case
    assert page.tabs.currentWidget() is page.file_tab
    assert page.review_button.isEnabled()
    page.review_button.click()
    qtbot.waitUntil(lambda: page.file.values["last_review_date"] == date.today()
                    and not page.loading, timeout=10_000)

    # a closed file: the list of its kind is shown, with the file selected
    window.ctx.signals.open_page.emit("hardship", closed.id)
    qtbot.waitUntil(lambda: page.current_filter() == "exited" and not page.loading
                    and page.list_view.currentIndex().isValid(), timeout=10_000)
    assert page.list_model.row_at(page.list_view.currentIndex().row()).id == closed.id
