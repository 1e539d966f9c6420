"""The hardship ledger page: open a file, add entries, reverse, filters, PDF."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from station_app.domain.models import HardshipCase, LedgerEntry
from station_app.domain.services import hardship, members
from station_app.domain.validation import id_check_char


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    born = born + timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def ledger_count(db) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()


@pytest.fixture
def people(db, admin):
    """张三 (no file yet) and 李四 (a file registered two years ago, never helped)."""
    with db.session(admin) as s:
        zhang = members.register_member(s, {"name": "张三", "id_number": make_id(1)})
        li = members.register_member(s, {"name": "李四", "id_number": make_id(2)})
        old = date.today() - timedelta(days=800)
        li_case = hardship.open_case(s, li.id, {"category": "失业", "level": "相对困难",
                                                "household_size": 2,
                                                "registered_date": old.isoformat()})
        return {"zhang": zhang.id, "li": li.id, "li_case": li_case.id}


def make_page(qtbot, ctx):
    from station_app.ui.pages.hardship import HardshipPage

    page = HardshipPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading)
    return page


def list_names(page) -> list[str]:
    return [r.name for r in page.list_model.rows]


def select_entry(page, predicate) -> None:
    row = next(i for i, e in enumerate(page.ledger_model.rows) if predicate(e))
    page.ledger_view.selectRow(row)


def fill_entry(page, kind: str, amount: str = "", note: str = "") -> None:
    from station_app.ui.forms import set_combo_code

    form = page.entry_form
    set_combo_code(form.widgets["kind"], kind)
    form.widgets["amount"].setText(amount)
    form.widgets["note"].setText(note)


def open_zhang(qtbot, page):
    from station_app.ui.forms import set_combo_code
    from station_app.ui.qt import QDialogButtonBox

    dialog = page.new_case()
    qtbot.keyClicks(dialog.search, "zs")  # pinyin initials of 张三
    qtbot.waitUntil(lambda: dialog.hits.count() == 1 and dialog.member_id() is not None)
    set_combo_code(dialog.form.widgets["category"], "illness")
    set_combo_code(dialog.form.widgets["level"], "deep")
    dialog.form.widgets["household_size"].setText("很多")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.click()
    # bad household size: error in place, the dialog stays with what was typed
    qtbot.waitUntil(lambda: dialog.form.error_text("household_size") != "")
    assert dialog.form.widgets["household_size"].text() == "很多"
    assert dialog.case_id is None and dialog.isVisible()
    dialog.form.widgets["household_size"].setText("3")
    ok.click()
    qtbot.waitUntil(lambda: dialog.case_id is not None)
    qtbot.waitUntil(lambda: page.file is not None and page.file.id == dialog.case_id)
    return dialog.case_id


def test_ledger_flow(qtbot, qtmodeltester, db, ctx, make_ctx, clerk, people, tmp_path,
                     monkeypatch):
    page = make_page(qtbot, ctx)
    assert list_names(page) == ["李四"]
    case_id = open_zhang(qtbot, page)
    qtbot.waitUntil(lambda: not page.loading and sorted(list_names(page)) == ["张三", "李四"])

    # a 慰问金 of 500 and a household visit, through the form
    fill_entry(page, "condolence", "500", "中秋慰问")
    page.add_entry_button.click()
    qtbot.waitUntil(lambda: not page.loading)
    assert not page.entry_form.error_text("amount")
    fill_entry(page, "home_visit")
    page.add_entry_button.click()
    qtbot.waitUntil(lambda: not page.loading and len(page.ledger_model.rows) == 2)
    assert page.file.totals_by_kind == {"condolence": 50000, "home_visit": 0}
    assert page.file.total_fen == 50000
    assert "500.00" in page.totals_label.text()
    row = next(r for r in page.list_model.rows if r.id == case_id)
    assert row.total_fen == 50000

    # reverse the 500 as station admin (the reason asked in a dialog)
    select_entry(page, lambda e: e.kind == "condolence")
    assert page.reverse_button.isEnabled()
    page.reverse_button.click()
    page._dialog.form.widgets["reason"].setPlainText("金额录错")
    page._dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not page.loading and len(page.ledger_model.rows) == 3)
    assert page.file.totals_by_kind == {"home_visit": 0}
    assert page.file.total_fen == 0
    with db.reader() as s:
        entries = hardship.case_entries(s, case_id)
        original = next(e for e in entries if e.kind == "condolence" and e.reverses_id is None)
        reversal = next(e for e in entries if e.reverses_id == original.id)
        assert (original.amount_fen, original.note) == (50000, "中秋慰问")
        assert (reversal.amount_fen, reversal.note) == (-50000, "金额录错")
    # a reversed entry cannot be reversed again from the page
    select_entry(page, lambda e: e.id == original.id)
    assert not page.reverse_button.isEnabled()
    qtmodeltester.check(page.ledger_model)
    qtmodeltester.check(page.list_model)

    # a clerk: the button is disabled, and a try is refused with a message
    clerk_page = make_page(qtbot, make_ctx(clerk))
    clerk_page.open_record(case_id)
    qtbot.waitUntil(lambda: clerk_page.file is not None and not clerk_page.loading)
    select_entry(clerk_page, lambda e: e.kind == "home_visit")
    assert not clerk_page.reverse_button.isEnabled()
    before = ledger_count(db)
    assert not clerk_page.reverse_selected("误录").wait()
    assert "无权" in clerk_page.last_message and clerk_page.message.isVisible()
    assert ledger_count(db) == before

    # an invalid amount: the error in place, input kept, nothing saved
    fill_entry(page, "condolence", "五百块", "重阳节")
    page.add_entry_button.click()
    qtbot.waitUntil(lambda: page.entry_form.error_text("amount") != "")
    assert page.entry_form.widgets["amount"].text() == "五百块"
    assert page.entry_form.widgets["note"].text() == "重阳节"
    assert ledger_count(db) == before

    # save as PDF
    target = tmp_path / "file.pdf"
    assert page.save_pdf(str(target)).wait()
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1000


def test_filters(qtbot, db, ctx, people):
    page = make_page(qtbot, ctx)
    with db.session(ctx.actor) as s:
        zhang_case = hardship.open_case(s, people["zhang"], {"category": "因病",
                                                             "level": "深度困难",
                                                             "household_size": 3})
        hardship.add_entry(s, zhang_case.id, {"kind": "入户走访"})
    ctx.publish({"ledger_entries", "hardship_cases"})  # (as a write's operation does)
    qtbot.waitUntil(lambda: not page.loading and len(page.list_model.rows) == 2)

    def shown(key: str) -> list[str]:
        from station_app.ui.pages.hardship import FILTERS

        page.filter.setCurrentIndex(FILTERS.index(key))
        qtbot.waitUntil(lambda: not page.loading)
        return sorted(list_names(page))

    assert shown("never_helped") == ["李四"]
    assert shown("due") == ["李四"]
    assert shown("exited") == []
    assert shown("open") == ["张三", "李四"]

    # exit 李四's file (station admin), it moves to the exited list
    page.open_record(people["li_case"])
    qtbot.waitUntil(lambda: page.file is not None and page.file.id == people["li_case"])
    assert page.exit_case(date.today().isoformat(), "已再就业").wait()
    qtbot.waitUntil(lambda: not page.loading and page.file.status == "exited")
    assert not page.add_entry_button.isEnabled()
    assert shown("exited") == ["李四"]
    with db.reader() as s:
        assert s.get(HardshipCase, people["li_case"]).exit_reason == "已再就业"


def test_household_and_review(qtbot, qtmodeltester, db, ctx, people):
    page = make_page(qtbot, ctx)
    page.open_record(people["li_case"])
    qtbot.waitUntil(lambda: page.file is not None and not page.loading)
    form = page.household_form
    form.widgets["name"].setText("李小四")
    page.add_household_button.click()
    qtbot.waitUntil(lambda: form.error_text("relation") != "")  # required: in place
    assert form.widgets["name"].text() == "李小四"
    from station_app.ui.forms import set_combo_code

    set_combo_code(form.widgets["relation"], "child")
    form.widgets["age"].setText("10")
    page.add_household_button.click()
    qtbot.waitUntil(lambda: not page.loading and len(page.household_model.rows) == 1)
    qtmodeltester.check(page.household_model)

    page.filter.setCurrentIndex(1)  # due for review
    qtbot.waitUntil(lambda: not page.loading and list_names(page) == ["李四"])
    page.review_button.click()
    qtbot.waitUntil(lambda: not page.loading and list_names(page) == [])
    assert page.file.values["last_review_date"] == date.today()


def test_english_page(qtbot, make_ctx, admin, people):
    page = make_page(qtbot, make_ctx(admin, "en"))
    assert page.list_model.headerData(0, __import__("station_app.ui.qt", fromlist=["Qt"])
                                      .Qt.Orientation.Horizontal) == "Name"
    assert page.list_model.rows[0].name == "李四"
    from station_app.ui.qt import Qt

    idx = page.list_model.index(0, 1)
    assert page.list_model.data(idx, Qt.ItemDataRole.DisplayRole) == "Unemployment"
