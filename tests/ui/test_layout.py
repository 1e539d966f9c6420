"""Layout (issue 14, item 8), measured on the real widgets: a long warning under the ID
field wraps inside the form (the form and the list keep their widths); the members list's
headers are never cut, in Chinese or English; a cell too narrow for its text shows the
full text on hover, and a cell that fits shows no tooltip."""

from __future__ import annotations

import pytest

from station_app.domain.services import members
from station_app.domain.validation import id_check_char
from station_app.ui.qt import QStyle, Qt


def id_number(area: str, n: int = 1) -> str:
    first17 = f"{area}19800101{n:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture(params=["zh", "en"])
def page(request, qtbot, qapp, make_ctx, admin):
    from station_app.ui.i18n import install_language
    from station_app.ui.pages.members import MembersPage

    install_language(qapp, request.param)
    p = MembersPage(make_ctx(admin, request.param))
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    qtbot.waitExposed(p)
    p.activate()
    qtbot.waitUntil(lambda: not p.loading, timeout=10_000)
    yield p
    p.ctx.tasks.wait()


def widths(page) -> tuple[int, int]:
    return page.form.width(), page.table.width()


def test_a_long_warning_wraps_and_leaves_the_widths(qtbot, page):
    page.new_member()
    before = widths(page)
    # an area code no register knows: a warning after the birth date and gender
    page.id_edit.setText(id_number("119999"))
    qtbot.waitUntil(lambda: "1980-01-01" in page.derived.text(), timeout=3000)
    qtbot.wait(50)
    assert page.derived.wordWrap()
    long_line = page.derived.fontMetrics().horizontalAdvance(page.derived.text())
    assert long_line > page.derived.width()  # (it did need wrapping)
    assert widths(page) == before
    # an error under the field, as long: wrapped too
    bad = id_number("440305")[:-1] + ("0" if id_number("440305")[-1] != "0" else "1")
    page.id_edit.setText(bad + "12345")
    qtbot.waitUntil(lambda: page.form.error_text("id_number") != "", timeout=3000)
    qtbot.wait(50)
    assert widths(page) == before


def test_headers_are_never_cut(page):
    header = page.table.horizontalHeader()
    metrics = header.fontMetrics()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    for column in range(page.model.columnCount()):
        text = page.model.headerData(column, Qt.Orientation.Horizontal)
        assert header.sectionSize(column) >= metrics.horizontalAdvance(text) + 2 * margin, \
            (text, header.sectionSize(column))
    # "Gender" (性别) whole, with room for the sort indicator as every sortable column
    assert header.sectionSize(1) > metrics.horizontalAdvance(
        page.model.headerData(1, Qt.Orientation.Horizontal))


def test_a_cut_cell_shows_its_full_text_on_hover(qtbot, page, db, admin):
    from station_app.ui.tables import cell_tip, elided

    long_name = "深圳市大鹏新区葵涌街道某某精密五金电子塑胶制品有限公司第二分公司"
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": id_number("440305"),
                                    "employer_name": long_name})
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    header = page.table.horizontalHeader()
    header.resizeSection(4, 120)  # (whatever width the pane gives it)
    employer = page.model.index(0, 4)
    name = page.model.index(0, 0)
    assert elided(page.table, employer)
    assert cell_tip(page.table, employer) == long_name
    assert not elided(page.table, name)
    assert cell_tip(page.table, name) == ""


def test_every_list_view_shows_cut_text_on_hover(qapp):
    """The one list view of the pages carries the delegate (``read_only_table``)."""
    from station_app.ui.tables import ElidedTips, RowsModel, fit_columns, read_only_table

    model = RowsModel()
    model.columns = [("Enterprise", lambda r: r), ("Gender", lambda r: "男")]
    model.set_rows(["深圳市大鹏新区葵涌街道某某精密五金电子塑胶制品有限公司"])
    view = read_only_table(None, model, fit_contents=False)
    assert isinstance(view.itemDelegate(), ElidedTips)
    given = fit_columns(view, most=150)
    assert given[0] == 150  # content capped: longer text is cut, shown on hover
    header = view.horizontalHeader()
    assert given[1] >= header.fontMetrics().horizontalAdvance("Gender")
    view.deleteLater()
