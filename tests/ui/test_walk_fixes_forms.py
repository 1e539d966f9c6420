"""Findings of a clerk's walk through the real window: forms, events, visits, the to-do
list — driven through the widgets on a real station database, offscreen."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from station_app.ui.qt import Qt
from tests.ui.test_work_pages import (
    add_enterprise,
    fill_visit,
    settled,
    visits_page,
)


def count(db, model) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


# ---------------------------------------------------------------- 1. stale field errors


def test_a_corrected_field_loses_its_error_and_nothing_below_moves(qtbot, ctx, db, admin):
    """A date in the future is refused; as soon as the clerk corrects it the message
    under it goes, and the fields below stay where they were while the clerk types."""
    a = add_enterprise(db, admin, "甲公司", 40)
    page = visits_page(qtbot, ctx)
    fill_visit(qtbot, page, a)
    f = page.form.widgets
    f["visit_date"].setText((date.today() + timedelta(days=5)).isoformat())
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page.form)
    assert page.form.error_text("visit_date")
    qtbot.wait(50)
    below = f["visitors"].mapTo(page.form, f["visitors"].rect().topLeft()).y()
    f["visit_date"].clear()
    qtbot.keyClicks(f["visit_date"], date.today().isoformat())
    qtbot.wait(50)
    assert page.form.error_text("visit_date") == ""
    assert f["visit_date"].property("invalid") == "false"
    assert f["visitors"].mapTo(page.form, f["visitors"].rect().topLeft()).y() == below
    # the next save lays the form out afresh (and it is saved)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert settled(qtbot, page.form)


# ------------------------------------------ 2. an event the clerk may not correct


def events_page(qtbot, ctx):
    from station_app.ui.pages.events import EventsPage
    from tests.ui.test_work_pages import show

    return show(qtbot, EventsPage(ctx))


def test_double_click_on_an_event_the_clerk_may_not_correct_says_why(
        qtbot, make_ctx, db, admin, clerk):
    from station_app.domain.actor import SYSTEM_DEMO
    from station_app.domain.services.events import record_event

    with db.session(admin) as s:
        mine = record_event(s, {"kind": "training", "event_date": date.today(),
                                "title": "站长的培训"}).id
    with db.session(SYSTEM_DEMO) as s:
        demo = record_event(s, {"kind": "training", "event_date": date.today(),
                                "title": "演示的培训"}).id
    page = events_page(qtbot, make_ctx(clerk))
    for event_id, name in ((mine, "站长"), (demo, "演示数据")):
        row = page.model.keys.index(event_id)
        index = page.model.index(row, 2)
        rect = page.table.visualRect(index)
        qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton,
                          pos=rect.center())
        qtbot.waitUntil(lambda name=name: name in page.message.text(), timeout=10_000)
        assert "admin" not in page.message.text() and "demo" not in page.message.text()
        assert page.editing is None  # the form did not open it
        assert page.form.widgets["title"].text() == ""
        assert page.box.title() == page.tr("Add event")


def test_an_event_shown_from_elsewhere_that_the_clerk_may_not_correct_cannot_be_saved(
        qtbot, make_ctx, db, admin, clerk):
    from station_app.domain.services.events import record_event

    with db.session(admin) as s:
        event_id = record_event(s, {"kind": "training", "event_date": date.today(),
                                    "title": "站长的培训"}).id
    page = events_page(qtbot, make_ctx(clerk))
    page.open_record(event_id)
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    assert page.form.widgets["title"].text() == "站长的培训"
    assert not page.save_button.isEnabled()
    assert "站长" in page.save_button.toolTip()


def test_the_clerk_corrects_an_event_of_their_own_by_double_click(qtbot, make_ctx, db,
                                                                  clerk):
    from station_app.domain.services.events import record_event

    with db.session(clerk) as s:
        event_id = record_event(s, {"kind": "training", "event_date": date.today(),
                                    "title": "我的培训"}).id
    page = events_page(qtbot, make_ctx(clerk))
    rect = page.table.visualRect(page.model.index(page.model.keys.index(event_id), 2))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    assert page.form.widgets["title"].text() == "我的培训"
    assert page.save_button.isEnabled()
