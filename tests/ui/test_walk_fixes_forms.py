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
