"""The members page: lazy model, search, the form with live checks, status changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import false, func, select

from station_app.domain.models import Member
from station_app.domain.services import members
from station_app.domain.validation import id_check_char
from station_app.ui.pages.members_model import COL_ID, COL_NAME, COL_PHONE, PAGE, IdRole
from station_app.ui.qt import QCheckBox, QDialogButtonBox, QKeySequence, QPlainTextEdit, Qt


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    """A valid ID number; distinct ``n`` give distinct numbers."""
    born = born + timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


NUMERALS = "零一二三四五六七八九"


def cn(prefix: str, n: int, width: int = 5) -> str:
    """A valid name with a number in it (names may not hold digits): 职工零零零一二."""
    return prefix + "".join(NUMERALS[int(d)] for d in f"{n:0{width}d}")


def count_members(db) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(Member)
                         .where(Member.deleted == false())).scalar_one()


def seed(db, actor, rows) -> list[str]:
    with db.session(actor) as s:
        result = members.bulk_register_members(s, rows)
    assert not result.rejected
    return result.inserted


@pytest.fixture
def page(qtbot, ctx):
    from station_app.ui.pages.members import MembersPage

    p = MembersPage(ctx)
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    qtbot.waitExposed(p)
    p.activate()
    yield p
    ctx.tasks.wait()


@pytest.fixture
def three(db, admin):
    return seed(db, admin, [
        {"name": "张三", "id_number": make_id(1), "phone": "13800000001", "join_date": "2020-01-02"},
        {"name": "李四", "id_number": make_id(2), "phone": "13800000002", "join_date": "2019-05-06"},
        {"name": "王五", "id_number": make_id(3), "phone": "13700000003", "join_date": "2021-07-08"},
    ])


def names(model) -> list[str]:
    return [model.index(r, COL_NAME).data() for r in range(model.rowCount())]


def type_into(qtbot, edit, text: str) -> None:
    """Type like a clerk; QTest types ASCII only, so Chinese goes in as an input method
    would commit it (setText)."""
    edit.clear()
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        edit.setText(text)


def fill(qtbot, page, **values) -> None:
    for field, value in values.items():
        w = page.form.widgets[field]
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(value)
        else:
            type_into(qtbot, w, value)


def settled(qtbot, page) -> bool:
    """Wait until the page's work (its save, the reads that follow it) is done; True when
    the last save saved."""
    qtbot.waitUntil(lambda: page.form.saving is not None and page.form.saving.done
                    and not page.loading and not page.model.loading, timeout=10_000)
    return bool(page.form.saving.ok)


def opened(qtbot, page, member_id: str) -> None:
    page.open_record(member_id)
    qtbot.waitUntil(lambda: page.current_id == member_id and page.selected_id() == member_id,
                    timeout=10_000)


def search(qtbot, page, text: str) -> None:
    type_into(qtbot, page.search, text)
    qtbot.waitUntil(lambda: page.model.query == text and not page.searching, timeout=5000)


# -- the model ---------------------------------------------------------------------------


def test_model_passes_the_model_tester(qtmodeltester, qtbot, page, three, db, admin):
    page.reload()
    assert page.model.rowCount() == 3
    qtmodeltester.check(page.model)
    search(qtbot, page, "李")
    assert names(page.model) == ["李四"]
    qtmodeltester.check(page.model)


def test_model_tester_after_fetch_more(qtmodeltester, qtbot, page, db, admin):
    ids = seed(db, admin, [{"name": cn("会员", i), "id_number": make_id(100 + i)}
                           for i in range(PAGE + 50)])
    page.reload()
    # opening a member beyond the loaded page loads the list up to it (one keyset read,
    # off the GUI thread)
    deep = next(i for i in ids if page.model.row_of(i) < 0)
    opened(qtbot, page, deep)
    assert page.model.row_of(deep) >= PAGE
    page.new_member()
    page.reload()
    assert page.model.rowCount() == PAGE
    assert page.model.canFetchMore()
    page.model.fetchMore()
    assert page.model.rowCount() == PAGE + 50
    assert not page.model.canFetchMore()
    qtmodeltester.check(page.model)


def test_three_thousand_members_load_lazily_and_masked(page, db, admin):
    rows = [{"name": cn("职工", i), "id_number": make_id(1000 + i)} for i in range(3000)]
    seed(db, admin, rows)
    from station_app.domain.pinyin import sort_key

    in_order = sorted(rows, key=lambda r: sort_key(r["name"]))  # pinyin order
    model = page.model
    model.reload()
    assert model.total == 3000
    assert model.rowCount() == PAGE  # only the first page of ids
    assert model.canFetchMore()
    # row data is read in chunks when asked for, not all at once
    assert model.index(0, COL_NAME).data() == in_order[0]["name"]
    assert 0 < len(model._rows) <= 200
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 3000
    assert model.index(2999, COL_NAME).data() == in_order[2999]["name"]
    full = in_order[10]["id_number"]
    assert model.index(10, COL_ID).data() == full[:6] + "*" * 8 + full[-4:]
    shown = {model.index(r, COL_ID).data() for r in range(3000)}
    assert not shown & {r["id_number"] for r in rows}
    assert "3000" in page.count_label.text()


def test_sorting_by_header_is_done_in_sql(page, three):
    page.reload()
    assert names(page.model) == ["李四", "王五", "张三"]  # pinyin order (li, wang, zhang)
    header = page.table.horizontalHeader()
    header.setSortIndicator(COL_PHONE, Qt.SortOrder.DescendingOrder)
    assert names(page.model) == ["李四", "张三", "王五"]
    header.setSortIndicator(COL_PHONE, Qt.SortOrder.AscendingOrder)
    assert names(page.model) == ["王五", "张三", "李四"]
    header.setSortIndicator(5, Qt.SortOrder.AscendingOrder)  # join date
    assert names(page.model) == ["李四", "张三", "王五"]
    header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)  # gender: not sortable
    assert header.sortIndicatorSection() == 5
    assert names(page.model) == ["李四", "张三", "王五"]


def test_sorting_keyset_pages_across_null_phones(page, db, admin):
    rows = [{"name": cn("甲", i), "id_number": make_id(5000 + i),
             "phone": None if i % 3 else f"139{i:08d}"} for i in range(PAGE + 100)]
    ids = seed(db, admin, rows)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        page.model.sort(COL_PHONE, order)
        while page.model.canFetchMore():
            page.model.fetchMore()
        shown = [page.model.index(r, 0).data(IdRole) for r in range(page.model.rowCount())]
        assert sorted(shown) == sorted(ids)  # every member exactly once


def test_status_filter(qtbot, page, three, db, admin):
    with db.session(admin) as s:
        members.change_status(s, three[1], "left", date.today())
    page.reload()
    page.status_filter.setCurrentIndex(page.status_filter.findData("left"))
    assert names(page.model) == ["李四"]
    assert page.model.index(0, 6).data() == "退会"
    page.status_filter.setCurrentIndex(0)
    assert page.model.rowCount() == 3


# -- search ------------------------------------------------------------------------------


def test_search_by_pinyin_id_and_phone_and_back(qtbot, page, three):
    search(qtbot, page, "zs")
    assert names(page.model) == ["张三"]
    search(qtbot, page, make_id(2)[-6:])
    assert names(page.model) == ["李四"]
    search(qtbot, page, "1370")
    assert names(page.model) == ["王五"]
    page.search.clear()
    qtbot.waitUntil(lambda: page.model.query is None and page.model.rowCount() == 3,
                    timeout=5000)


def test_substring_hits_complete_the_quick_ones(qtbot, page, three):
    """The index-only pass shows first; the substring pass completes it ("三" in 张三)."""
    from station_app.domain.services.members import has_scan_tier

    assert has_scan_tier("三") and has_scan_tier("123456") and not has_scan_tier("zs")
    search(qtbot, page, "三")
    assert names(page.model) == ["张三"]


def test_latest_search_wins(qtbot, page, three):
    # two searches in flight: the first one's results must not replace the second's
    page.search.setText("ls")
    page._run_search()
    page.search.setText("ww")
    page._run_search()
    page.ctx.tasks.wait()
    qtbot.waitUntil(lambda: page.model.query == "ww", timeout=5000)
    qtbot.wait(50)
    assert names(page.model) == ["王五"]


# -- the form ----------------------------------------------------------------------------


def test_register_through_the_form_then_find_by_initials(qtbot, page, ctx):
    page.new_member()
    fill(qtbot, page, name="张三", id_number=make_id(7), phone="13912345678",
         employer_name="葵涌五金厂", join_date="2023-05-03")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert settled(qtbot, page)
    qtbot.waitUntil(lambda: page.selected_id() is not None, timeout=10_000)
    assert page.form.general.isHidden()
    assert count_members(ctx.db) == 1
    assert names(page.model) == ["张三"]
    assert page.selected_id() == page.current_id is not None
    assert page.model.index(0, 4).data() == "葵涌五金厂"
    assert page.model.index(0, 1).data() == "男"
    search(qtbot, page, "zs")
    assert names(page.model) == ["张三"]


def test_invalid_id_shows_error_in_place_and_saves_nothing(qtbot, page, ctx, three):
    before = count_members(ctx.db)
    page.new_member()
    bad = make_id(9)[:-1] + ("0" if make_id(9)[-1] != "0" else "1")
    fill(qtbot, page, name="赵六", id_number=bad, phone="13812345678")
    qtbot.waitUntil(lambda: page.form.error_text("id_number") != "", timeout=3000)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page)
    assert count_members(ctx.db) == before
    assert page.form.error_text("id_number")
    # everything typed is kept
    assert page.name_edit.text() == "赵六"
    assert page.id_edit.text() == bad
    assert page.form.widgets["phone"].text() == "13812345678"


def test_valid_id_shows_derived_birth_date_and_gender(qtbot, page):
    page.new_member()
    fill(qtbot, page, id_number=make_id(7, date(1990, 3, 4)))
    qtbot.waitUntil(lambda: "1990-03-04" in page.derived.text(), timeout=3000)
    assert "男" in page.derived.text()
    assert page.form.error_text("id_number") == ""


def test_duplicate_id_opens_the_existing_member(qtbot, page, ctx, three):
    page.reload()
    page.new_member()
    fill(qtbot, page, name="张叁", id_number=make_id(1))
    assert not page.save().wait()
    qtbot.waitUntil(lambda: page.current_id == three[0] and page.selected_id() == three[0],
                    timeout=10_000)
    assert count_members(ctx.db) == 3
    assert page.current_id == three[0]
    assert page.selected_id() == three[0]
    assert page.name_edit.text() == "张三"
    assert "张三" in page.notice.text()


def test_update_keeps_member_selected(qtbot, page, ctx, three):
    page.reload()
    opened(qtbot, page, three[2])
    fill(qtbot, page, phone="13600000009")
    assert page.save().wait()
    assert settled(qtbot, page)
    assert page.selected_id() == three[2]
    row = page.model.row_of(three[2])
    assert page.model.index(row, COL_PHONE).data() == "13600000009"


def test_save_during_a_search(qtbot, page, ctx, three):
    search(qtbot, page, "ww")
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.current_id == three[2], timeout=10_000)
    fill(qtbot, page, employer_name="大鹏船厂")
    assert page.save().wait()
    qtbot.waitUntil(lambda: page.model.index(0, 4).data() == "大鹏船厂", timeout=10_000)
    ctx.tasks.wait()
    qtbot.waitUntil(lambda: page.selected_id() == three[2], timeout=3000)
    assert page.model.query == "ww"
    # a new member the search does not show: back to the full list, selected
    page.new_member()
    fill(qtbot, page, name="赵六", id_number=make_id(21))
    assert page.save().wait()
    qtbot.waitUntil(lambda: page.model.query is None and page.selected_id() is not None
                    and page.model.index(page.table.currentIndex().row(), COL_NAME).data()
                    == "赵六", timeout=10_000)
    assert page.model.query is None and page.search.text() == ""
    assert page.model.index(page.table.currentIndex().row(), COL_NAME).data() == "赵六"


def test_save_errors_for_other_fields_in_place(qtbot, page, ctx):
    page.new_member()
    fill(qtbot, page, name="", id_number=make_id(11), join_date="2999-01-01")
    assert not page.save().wait()
    assert page.form.error_text("name")
    assert page.form.error_text("join_date")
    assert count_members(ctx.db) == 0


# -- status ------------------------------------------------------------------------------


def test_status_change_with_a_date(qtbot, page, ctx, three):
    page.reload()
    opened(qtbot, page, three[0])
    dialog = page.change_status()
    combo = dialog.status
    combo.setCurrentIndex(combo.findData("left"))
    dialog.date.setText("2999-01-01")  # in the future: refused, in place
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: dialog.form.saving.done, timeout=10_000)
    assert dialog.isVisible()
    assert dialog.form.error_text("status_date")
    dialog.date.setText("2024-06-30")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    from station_app.ui.qt import is_alive

    qtbot.waitUntil(lambda: not is_alive(dialog) or not dialog.isVisible(), timeout=10_000)
    with ctx.db.reader() as s:
        m = s.get(Member, three[0])
        assert (m.status, m.status_date) == ("left", date(2024, 6, 30))
    row = page.model.row_of(three[0])
    qtbot.waitUntil(lambda: "退会" in page.status_label.text(), timeout=10_000)
    assert page.model.index(row, 6).data() == "退会"


# -- shortcuts through the window --------------------------------------------------------


def test_ctrl_n_and_ctrl_f(qtbot, window):
    window.open_page("members")
    page = window.pages["members"]
    page.name_edit.setText("something")
    page.form.mark_clean()  # (typing not saved asks first: tests/ui/test_nothing_lost.py)
    qtbot.keySequence(window, QKeySequence(QKeySequence.StandardKey.New))
    qtbot.waitUntil(lambda: page.name_edit.hasFocus(), timeout=3000)
    assert page.name_edit.text() == ""
    assert page.current_id is None
    qtbot.keySequence(window, QKeySequence(QKeySequence.StandardKey.Find))
    qtbot.waitUntil(lambda: page.search.hasFocus(), timeout=3000)
