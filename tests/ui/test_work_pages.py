"""The work pages: enterprises, visit diary, events, dashboard, settings — driven through
their widgets on a real (copied) station database, offscreen."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from station_app.domain.actor import SYSTEM_LOGIN
from station_app.ui.qt import QMessageBox, Qt


def credit_code(n: int) -> str:
    from station_app.domain.validation import credit_code_check_char

    body = f"91440300{n:09d}"
    return body + credit_code_check_char(body)


def add_enterprise(db, actor, name: str, n: int) -> str:
    from station_app.domain.services import enterprises

    with db.session(actor) as s:
        return enterprises.register_enterprise(
            s, {"name": name, "credit_code": credit_code(n), "headcount": "30"}).id


def count(db, model) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def settled(qtbot, form, timeout: int = 10_000) -> bool:
    """Wait until the form's save (started by a click) is done; True when it saved."""
    qtbot.waitUntil(lambda: form.saving is not None and form.saving.done, timeout=timeout)
    return bool(form.saving.ok)


def opened(qtbot, page, record_id: str) -> None:
    """Open a record on a page and wait until its form shows it."""
    page.open_record(record_id)
    qtbot.waitUntil(lambda: page.current_id == record_id and not page.loading,
                    timeout=10_000)


def show(qtbot, page):
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    return page


def enterprises_page(qtbot, ctx):
    from station_app.ui.pages.enterprises import EnterprisesPage

    return show(qtbot, EnterprisesPage(ctx))


def visits_page(qtbot, ctx):
    from station_app.ui.pages.visits import VisitsPage

    return show(qtbot, VisitsPage(ctx))


def fill_visit(qtbot, page, enterprise_id: str, *, abnormal: bool = False,
               flags: tuple[str, ...] = ()) -> None:
    page.choose_enterprise(enterprise_id)
    f = page.form.widgets
    f["visit_date"].setText(date.today().isoformat())
    f["visitors"].setText("李四")
    f["workers_served"].setText("5")
    status = f["operating_status"]
    status.setCurrentIndex(status.findData("abnormal" if abnormal else "normal"))
    for code in flags:
        page.flags.boxes[code].setChecked(True)


# --------------------------------------------------------------------------- models


def test_models_pass_the_model_tester(qtmodeltester):
    from station_app.ui.pages.enterprises import NameCodeFilter, RowsModel

    model = RowsModel(["Name", "Code", "Headcount"])
    model.set_rows([("甲公司", "9144", 3), ("乙公司", None, None), ("丙", "X", 0)],
                   ["a", "b", "c"])
    qtmodeltester.check(model)
    proxy = NameCodeFilter()
    proxy.setSourceModel(model)
    proxy.set_text("公司")
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 2
    assert model.data(model.index(0, 0), Qt.ItemDataRole.UserRole) == "a"
    empty = RowsModel(["A"])
    qtmodeltester.check(empty)


def test_page_models_pass_the_model_tester(qtbot, qtmodeltester, ctx, db, admin):
    add_enterprise(db, admin, "华强电子有限公司", 1)
    page = enterprises_page(qtbot, ctx)
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.proxy)
    vpage = visits_page(qtbot, ctx)
    qtmodeltester.check(vpage.model)


# --------------------------------------------------------------------------- enterprises


def test_register_enterprise_through_the_form(qtbot, ctx, db):
    from station_app.domain.models import Enterprise

    page = enterprises_page(qtbot, ctx)
    assert page.model.rowCount() == 0
    f = page.form.widgets
    f["enterprise_name"].setText("葵涌五金制品厂")
    f["credit_code"].setText(credit_code(7))
    f["employee_count"].setText("120")
    f["union_established"].setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    assert page.model.rows[0][0] == "葵涌五金制品厂"
    assert page.model.rows[0][1] == credit_code(7)
    assert page.current_id == page.model.keys[0]
    assert count(db, Enterprise) == 1

    # the filter box narrows by name or credit code
    page.filter_edit.setText("五金")
    assert page.proxy.rowCount() == 1
    page.filter_edit.setText(credit_code(7)[-6:])
    assert page.proxy.rowCount() == 1
    page.filter_edit.setText("没有这家")
    assert page.proxy.rowCount() == 0


def test_invalid_enterprise_shows_errors_in_place_and_keeps_input(qtbot, ctx, db):
    from station_app.domain.models import Enterprise

    page = enterprises_page(qtbot, ctx)
    f = page.form.widgets
    f["credit_code"].setText("91440300ABC")
    f["employee_count"].setText("many")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page.form)
    assert page.form.error_text("enterprise_name")
    assert page.form.error_text("credit_code")
    assert page.form.error_text("employee_count")
    assert f["credit_code"].text() == "91440300ABC"
    assert count(db, Enterprise) == 0


def test_enterprise_watch_listing_and_history(qtbot, ctx, db, admin):
    from station_app.domain.services.enterprises import is_watch_listed

    eid = add_enterprise(db, admin, "宏达纺织", 2)
    page = enterprises_page(qtbot, ctx)
    opened(qtbot, page, eid)
    # a reason is required, shown in place
    assert not page.put_on_watch().wait()
    assert page.watch_form.error_text("reason")
    page.watch_form.widgets["reason"].setText("拖欠工资")
    qtbot.mouseClick(page.list_button, Qt.MouseButton.LeftButton)
    assert settled(qtbot, page.watch_form)
    with db.reader() as s:
        assert is_watch_listed(s, eid)
    qtbot.waitUntil(lambda: page.model.rows and page.model.rows[0][5] == page.tr("Yes"),
                    timeout=10_000)
    qtbot.waitUntil(lambda: page.history.rowCount() == 1, timeout=10_000)
    assert page.history.item(0, 2).text() == "拖欠工资"


def test_clerk_cannot_remove_from_watch_list(qtbot, make_ctx, db, admin, clerk, monkeypatch):
    from station_app.domain.models import WatchListEntry
    from station_app.domain.services.enterprises import is_watch_listed, list_on_watch

    eid = add_enterprise(db, admin, "宏达纺织", 3)
    with db.session(admin) as s:
        list_on_watch(s, eid, "欠薪")
    shown = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda *args, **kw: shown.append(args) or QMessageBox.StandardButton.Ok)
    page = enterprises_page(qtbot, make_ctx(clerk))
    opened(qtbot, page, eid)
    page.watch_form.widgets["reason"].setText("已整改")
    # not offered to a clerk: who may, on hovering
    assert not page.unlist_button.isEnabled()
    assert "district office" in page.unlist_button.toolTip()
    assert not page.remove_from_watch().wait()  # reached anyway: said, nothing written
    assert len(shown) == 1
    assert "district" in shown[0][2]
    assert count(db, WatchListEntry) == 1
    with db.reader() as s:
        assert is_watch_listed(s, eid)


def test_district_admin_can_remove_from_watch_list(qtbot, make_ctx, db, admin,
                                                   district_admin):
    from station_app.domain.services.enterprises import is_watch_listed, list_on_watch

    eid = add_enterprise(db, admin, "宏达纺织", 4)
    with db.session(admin) as s:
        list_on_watch(s, eid, "欠薪")
    page = enterprises_page(qtbot, make_ctx(district_admin))
    opened(qtbot, page, eid)
    page.watch_form.widgets["reason"].setText("已整改")
    assert page.remove_from_watch().wait()
    with db.reader() as s:
        assert not is_watch_listed(s, eid)


# --------------------------------------------------------------------------- visits


def test_week_label_and_navigation(qtbot, ctx):
    page = visits_page(qtbot, ctx)
    page.set_week(2026, 47)
    assert page.week_title.text() == "2026 week 47 (11-16 – 11-22)"
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert (page.iso_year, page.iso_week) == (2026, 48)
    qtbot.mouseClick(page.prev_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.prev_button, Qt.MouseButton.LeftButton)
    assert (page.iso_year, page.iso_week) == (2026, 46)
    page.set_week(2026, 1)
    page.shift_week(-1)
    assert (page.iso_year, page.iso_week) == (2025, 52)
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)


def test_two_visits_this_week_meet_the_quota(qtbot, ctx, db, admin):
    from station_app.domain.models import Visit

    a = add_enterprise(db, admin, "甲公司", 10)
    b = add_enterprise(db, admin, "乙公司", 11)
    page = visits_page(qtbot, ctx)
    assert page.compliance.visits == 0 and page.compliance.shortfall == 2
    assert not page.compliance.met
    fill_visit(qtbot, page, a)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.compliance.visits == 1, timeout=10_000)
    assert "1" in page.quota_label.text()
    fill_visit(qtbot, page, b)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.compliance.visits == 2, timeout=10_000)
    assert page.compliance.met and page.compliance.shortfall == 0
    assert page.met_label.text() == page.tr("Quota met for this week.")
    assert page.model.rowCount() == 2
    assert {r[1] for r in page.model.rows} == {"甲公司", "乙公司"}
    assert count(db, Visit) == 2


def test_watch_listed_enterprise_is_overdue_until_visited(qtbot, ctx, db, admin):
    a = add_enterprise(db, admin, "甲公司", 12)
    b = add_enterprise(db, admin, "乙公司", 13)
    c = add_enterprise(db, admin, "丙公司", 17)
    epage = enterprises_page(qtbot, ctx)
    vpage = visits_page(qtbot, ctx)
    assert vpage.overdue_names() == []
    opened(qtbot, epage, a)
    epage.watch_form.widgets["reason"].setText("欠缴社保")
    assert epage.put_on_watch().wait()
    qtbot.waitUntil(lambda: vpage.overdue_names() == ["甲公司"], timeout=10_000)
    assert vpage.overdue_list.item(0).text() == "甲公司"
    # two visits elsewhere meet the count but not the watch-list rule
    fill_visit(qtbot, vpage, b)
    assert vpage.save().wait()
    fill_visit(qtbot, vpage, c)
    assert vpage.save().wait()
    qtbot.waitUntil(lambda: vpage.compliance.visits == 2, timeout=10_000)
    assert not vpage.compliance.met and vpage.overdue_names() == ["甲公司"]
    fill_visit(qtbot, vpage, a)
    assert vpage.save().wait()
    qtbot.waitUntil(lambda: vpage.compliance.visits == 3, timeout=10_000)
    assert vpage.overdue_names() == [] and vpage.compliance.met


def test_abnormal_visit_without_flags_is_not_saved(qtbot, ctx, db, admin, monkeypatch):
    from station_app.domain.models import Visit

    a = add_enterprise(db, admin, "甲公司", 14)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a))
    page = visits_page(qtbot, ctx)
    fill_visit(qtbot, page, a, abnormal=True)
    page.form.widgets["findings"].setPlainText("工资拖欠两个月")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page.form)
    assert page.form.error_text("flags")
    assert page.form.widgets["findings"].toPlainText() == "工资拖欠两个月"
    assert count(db, Visit) == 0
    assert asked == []


def test_visit_without_enterprise_shows_error_in_place(qtbot, ctx, db):
    from station_app.domain.models import Visit

    page = visits_page(qtbot, ctx)
    page.form.widgets["visitors"].setText("")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page.form)
    assert page.form.error_text("enterprise")
    assert page.form.error_text("visitors")
    assert count(db, Visit) == 0


def test_abnormal_visit_proposes_listing(qtbot, ctx, db, admin, monkeypatch):
    from station_app.domain.models import Visit
    from station_app.domain.services.enterprises import is_watch_listed, watch_history

    a = add_enterprise(db, admin, "甲公司", 15)
    asked = []

    def answer(*args, **kw):
        asked.append(args)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    page = visits_page(qtbot, ctx)
    fill_visit(qtbot, page, a, abnormal=True, flags=("wage_arrears",))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert settled(qtbot, page.form)
    assert len(asked) == 1
    assert page.listing.wait()  # yes: listed, off the GUI thread too
    assert "甲公司" in asked[0][2]
    assert count(db, Visit) == 1
    with db.reader() as s:
        assert is_watch_listed(s, a)
        assert watch_history(s, a)[0].reason == "欠薪"
    qtbot.waitUntil(lambda: page.loaded and page.model.rowCount() == 1, timeout=10_000)
    # the visit itself counts, so the new listing is not overdue this week
    assert page.overdue_names() == []


def test_declined_listing_proposal_writes_nothing_more(qtbot, ctx, db, admin, monkeypatch):
    from station_app.domain.models import WatchListEntry

    a = add_enterprise(db, admin, "甲公司", 16)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.No)
    page = visits_page(qtbot, ctx)
    fill_visit(qtbot, page, a, abnormal=True, flags=("layoffs",))
    assert page.save().wait()
    assert count(db, WatchListEntry) == 0


# --------------------------------------------------------------------------- events


def events_page(qtbot, ctx):
    from station_app.ui.pages.events import EventsPage

    return show(qtbot, EventsPage(ctx))


def test_add_event(qtbot, ctx, db):
    from station_app.domain.models import Event

    page = events_page(qtbot, ctx)
    assert page.model.rowCount() == 0
    f = page.form.widgets
    f["kind"].setCurrentIndex(f["kind"].findData("legal"))
    f["event_date"].setText(date.today().isoformat())
    f["title"].setText("公益法律服务进企业")
    f["location"].setText("葵涌街道")
    f["person_times"].setText("120")
    f["migrant_person_times"].setText("80")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10_000)
    row = page.model.rows[0]
    assert row[2] == "公益法律服务进企业" and row[4] == 120 and row[5] == 80
    assert row[1] == "法律服务"
    assert count(db, Event) == 1


def test_invalid_event_shows_error_in_place(qtbot, ctx, db):
    from station_app.domain.models import Event

    page = events_page(qtbot, ctx)
    f = page.form.widgets
    f["title"].setText("提素培训")
    f["person_times"].setText("10")
    f["migrant_person_times"].setText("20")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page.form)
    assert page.form.error_text("migrant_person_times")
    assert f["migrant_person_times"].text() == "20"
    assert count(db, Event) == 0


def test_events_are_filtered_by_year(qtbot, ctx, db, admin):
    from station_app.domain.services.events import record_event

    with db.session(admin) as s:
        record_event(s, {"kind": "training", "event_date": "2025-05-01", "title": "旧培训"})
        record_event(s, {"kind": "training", "event_date": date.today(), "title": "新培训"})
    page = events_page(qtbot, ctx)
    assert [r[2] for r in page.model.rows] == ["新培训"]
    page.year_box.setValue(2025)
    qtbot.waitUntil(lambda: page.loaded and [r[2] for r in page.model.rows] == ["旧培训"],
                    timeout=10_000)


# --------------------------------------------------------------------------- dashboard


def test_dashboard_shows_compliance_and_target_bars(qtbot, ctx, db, admin, district_admin):
    from station_app.domain.services import stations, visits
    from station_app.ui.pages.dashboard import DashboardPage

    a = add_enterprise(db, admin, "甲公司", 20)
    with db.session(admin) as s:
        visits.record_visit(s, {"visit_date": date.today(), "enterprise_id": a,
                                "visitors": "张三"})
    year = date.today().year
    with db.session(district_admin) as s:
        stations.set_target(s, year, "enterprise_visits", 40, "KY01")
        stations.set_target(s, year, "training_events", 8, "KY01")
    received = []
    ctx.signals.open_page.connect(lambda key, rid: received.append((key, rid)))
    page = show(qtbot, DashboardPage(ctx))
    c = page.data.compliance
    assert (c.visits, c.required, c.shortfall, c.met) == (1, 2, 1, False)
    assert "1" in page.quota_label.text() and "2" in page.quota_label.text()
    assert len(page.bars) == 2
    by_name = {b.objectName(): b for b in page.bars}
    assert by_name["target-enterprise_visits"].maximum() == 40
    assert by_name["target-enterprise_visits"].value() == 1
    assert by_name["target-training_events"].value() == 0
    assert page.activity.rowCount() > 0
    assert page.due_label.text()
    # a write elsewhere reloads it
    with db.session(admin) as s:
        visits.record_visit(s, {"visit_date": date.today(), "enterprise_id": a,
                                "visitors": "张三"})
    ctx.publish({"visits"})  # (as the operations layer does after a write)
    qtbot.waitUntil(lambda: page.loaded and page.data.compliance.visits == 2, timeout=10_000)
    assert page.data.compliance.met


def test_dashboard_lists_hardship_files_due_for_review(qtbot, ctx, db, admin):
    from datetime import timedelta

    from station_app.domain.services import hardship, members
    from station_app.domain.validation import id_check_char
    from station_app.ui.pages.dashboard import DashboardPage

    body = "44030519700101123"
    old = (date.today() - timedelta(days=500)).isoformat()
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "李冬梅", "id_number": body + id_check_char(body)})
        case = hardship.open_case(s, m.id, {"category": "illness", "level": "deep",
                                            "household_size": 3, "registered_date": old})
    page = show(qtbot, DashboardPage(ctx))
    assert page.data.due_count == 1
    assert page.due_list.count() == 1
    assert "李冬梅" in page.due_list.item(0).text()
    opened = []
    ctx.signals.open_page.connect(lambda key, rid: opened.append((key, rid)))
    page.due_list.itemActivated.emit(page.due_list.item(0))
    assert opened == [("hardship", case.id)]


# --------------------------------------------------------------------------- settings


def test_settings_add_user_and_reset_password(qtbot, ctx, db, monkeypatch):
    from station_app.domain.models import User
    from station_app.domain.services import users
    from station_app.ui.pages.settings import SettingsPage

    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    assert str(db.path) in page.path_label.text()
    qtbot.waitUntil(lambda: page.users.rowCount() == 2, timeout=10_000)
    before = count(db, User)

    dialog = page.add_user()
    f = dialog.form.widgets
    f["username"].setText("wang")
    f["password"].setText("short")
    assert not dialog.save().wait()
    assert dialog.form.error_text("password")
    assert dialog.isVisible() and count(db, User) == before
    f["display_name"].setText("王五")
    f["password"].setText("long-enough-1")
    f["role"].setCurrentIndex(f["role"].findData("clerk"))
    assert dialog.save().wait()
    assert count(db, User) == before + 1
    qtbot.waitUntil(lambda: "wang" in page.usernames and page.users.rowCount() == 3,
                    timeout=10_000)

    page.users.selectRow(page.usernames.index("wang"))
    reset = page.reset_password()
    reset.form.widgets["password"].setText("another-pass-2")
    reset.form.widgets["password_again"].setText("different")
    assert not reset.save().wait()
    reset.form.widgets["password_again"].setText("another-pass-2")
    assert reset.save().wait()
    with db.session(SYSTEM_LOGIN) as s:
        assert users.authenticate(s, "wang", "another-pass-2").username == "wang"


def test_settings_hides_users_from_clerks(qtbot, make_ctx, clerk):
    from station_app.ui.pages.settings import SettingsPage

    page = SettingsPage(make_ctx(clerk))
    qtbot.addWidget(page)
    page.show()
    page.activate()
    assert not page.users_box.isVisible()


def test_pages_build_in_english(qtbot, make_ctx, admin):
    from station_app.ui.pages.dashboard import DashboardPage
    from station_app.ui.pages.events import EventsPage
    from station_app.ui.pages.visits import VisitsPage

    ctx = make_ctx(admin, "en")
    page = show(qtbot, VisitsPage(ctx))
    assert page.form.widgets["kind"].itemText(0) == "Routine visit"
    events = show(qtbot, EventsPage(ctx))
    assert events.form.widgets["kind"].itemText(0) == "Legal service"
    show(qtbot, DashboardPage(ctx))


def test_pages_in_the_main_window_and_language_switch(qtbot, window, ctx):
    for key in ("dashboard", "enterprises", "visits", "events", "settings"):
        window.open_page(key)
        assert window.stack.currentWidget() is window.pages[key]
        assert key not in window.page_errors
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=10_000)
    settings = window.pages["settings"]
    combo = settings.lang_combo
    combo.setCurrentIndex(combo.findData("en"))
    assert ctx.lang == "en"
    assert window.current_key() == "settings"
    assert window.pages["settings"].lang_combo.currentData() == "en"
    qtbot.waitUntil(lambda: not ctx.tasks.busy, timeout=10_000)


def test_settings_shows_a_locked_account_and_unlocks_it(qtbot, ctx, db):
    from station_app.domain.services import users
    from station_app.domain.validation import ValidationError
    from station_app.ui.pages.settings import SettingsPage

    for _ in range(users.LOCK_AFTER):  # the clerk types a wrong password five times
        try:
            with db.session(SYSTEM_LOGIN) as s:
                users.authenticate(s, "clerk", "not-my-password")
        except ValidationError:
            pass
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.users.rowCount() == 2, timeout=10_000)
    row = page.usernames.index("clerk")
    assert page.users.item(row, 4).text()  # locked until …
    assert page.unlock_button.isEnabled()
    page.users.setCurrentCell(row, 0)
    assert page.unlock().wait()
    qtbot.waitUntil(lambda: not page.locked, timeout=10_000)
    assert page.users.item(page.usernames.index("clerk"), 4).text() == ""
    with db.session(SYSTEM_LOGIN) as s:
        assert users.authenticate(s, "clerk", "clerk-pass-1").username == "clerk"
