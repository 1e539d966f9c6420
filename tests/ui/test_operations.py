"""One way to run work (``ui.operations``): reads and writes off the GUI thread, stale
answers dropped, pages refreshed from the tables a unit of work changed — never from a
hand list — and no page writing on the GUI thread (another program holding the write
lock leaves the event loop turning)."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path

import pytest

from station_app.domain.validation import credit_code_check_char, id_check_char
from station_app.storage.sqlfile import dbapi as sqlite3
from station_app.ui.qt import QTimer

UI = Path(__file__).resolve().parents[2] / "station_app" / "ui"


def idn(n: int) -> str:
    body = f"44030519800202{n:03d}"
    return body + id_check_char(body)


def credit(n: int) -> str:
    body = f"91440300MA5E{n:05d}"
    return body + credit_code_check_char(body)


def shown(qtbot, page):
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    return page


class Ticks:
    """Counts the turns of the GUI thread's event loop (a 10 ms timer)."""

    def __init__(self) -> None:
        self.count = 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.count += 1

    def __enter__(self) -> Ticks:
        self.timer.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.timer.stop()


# --------------------------------------------------------------------------- the rule


ALLOWED = {
    # the operations layer itself opens the units of work
    "operations.py",
    # the exception: a table model's bounded keyset page read where Qt asks for it
    "pages/members_model.py",
    # before the main window (and its task runner) exists: the login and the set-up
    "dialogs.py",
    # the self-test sets up its throwaway files before any window
    "selftest.py",
}
def _sources() -> list[tuple[str, str]]:
    return [(str(p.relative_to(UI)), p.read_text(encoding="utf-8"))
            for p in sorted(UI.rglob("*.py"))]


def _sql(text: str) -> list[tuple[int, str]]:
    """The places a module runs SQL or opens a unit of work: a call of ``select``/
    ``insert``/``update``/``delete``, of ``….execute``/``exec_driver_sql``, of
    ``….db.session``/``….db.reader``/``engine.connect``, an import of SQLAlchemy."""
    import ast

    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            out.append((node.lineno, f"from {node.module} import …"))
        if isinstance(node, ast.Import) and any(a.name.startswith("sqlalchemy")
                                                for a in node.names):
            out.append((node.lineno, "import sqlalchemy"))
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in ("select", "insert", "update", "delete"):
            out.append((node.lineno, f"{f.id}(…)"))
        elif isinstance(f, ast.Attribute):
            if f.attr in ("execute", "exec_driver_sql"):
                out.append((node.lineno, f"….{f.attr}(…)"))
            elif f.attr in ("connect", "begin") and (
                    isinstance(f.value, ast.Attribute) and f.value.attr == "engine"):
                out.append((node.lineno, f"engine.{f.attr}(…)"))
            elif f.attr in ("session", "reader") and (
                    isinstance(f.value, ast.Attribute) and f.value.attr == "db"
                    or isinstance(f.value, ast.Name) and f.value.id in ("db", "database")):
                out.append((node.lineno, f"db.{f.attr}(…)"))
    return out


def test_no_page_runs_sql_or_opens_a_unit_of_work():
    """Pages call named service reads and writes through the operations; the SQL is in
    the services. Only the operations layer and the members model (bounded pages) open
    sessions."""
    found = [f"{name}:{n}: {what}" for name, text in _sources() if name not in ALLOWED
             for n, what in _sql(text)]
    assert found == []


def test_the_check_finds_sql_where_it_is():
    assert {what for _n, what in _sql(
        "with ctx.db.session(a) as s:\n    s.execute(select(X))\n"
        "with task.db.reader() as r:\n    pass\nself.ctx.db.engine.connect()\n")} == {
        "db.session(…)", "….execute(…)", "select(…)", "db.reader(…)", "engine.connect(…)"}
    assert _sql("from sqlalchemy import func\n")
    assert not _sql("self._select(x)\nbutton.clicked.connect(f)\n")


def test_the_members_model_reads_only_named_service_queries():
    text = (UI / "pages" / "members_model.py").read_text(encoding="utf-8")
    assert not re.search(r"(?<![\w.])select\(|\.execute\(|from sqlalchemy", text)
    assert "db.session(" not in text  # reads only


def test_changed_tables_are_never_named_by_hand():
    """Only the operations layer publishes changes, with the set storage collected."""
    for name, text in _sources():
        if name in ("operations.py", "context.py"):
            continue
        assert ".publish(" not in text and ".notify(" not in text, name
        assert "signals.changed.emit" not in text, name


def test_no_page_keeps_a_stale_result_counter():
    for name, text in _sources():
        assert not re.search(r"_generation\b|\b_seq\b|_search_seq|_list_gen|_detail_gen",
                             text), name


# --------------------------------------------------------------------------- the layer


def test_a_newer_query_drops_the_older_answer_and_a_gone_owner_gets_none(qtbot, ctx):
    from station_app.ui.operations import QueryOp
    from station_app.ui.qt import QWidget

    owner = QWidget()
    qtbot.addWidget(owner)
    got = []

    def slow(s):
        time.sleep(0.3)
        return "old"

    first = QueryOp(ctx, owner, slow, key="k").success(got.append).run()
    second = QueryOp(ctx, owner, lambda s: "new", key="k").success(got.append).run()
    assert second.wait()
    first.wait()  # (answered and dropped, or not even begun)
    assert first.done and got == ["new"] and first.dropped and not second.dropped
    # another key is not affected
    assert QueryOp(ctx, owner, lambda s: "other", key="j").success(got.append).run().wait()
    assert got == ["new", "other"]
    gone = QWidget()
    op = QueryOp(ctx, gone, slow, key="k").success(got.append).run()
    gone.deleteLater()
    qtbot.waitUntil(lambda: op.done, timeout=5000)
    assert op.dropped and got == ["new", "other"]


def test_a_write_publishes_what_its_unit_of_work_changed(qtbot, ctx, db):
    from station_app.domain.services import members
    from station_app.ui.operations import WriteOp

    published = []
    ctx.signals.changed.connect(published.append)
    op = WriteOp(ctx, None, lambda s: members.register_member(
        s, {"name": "陈一", "id_number": idn(1)}).id).run()
    assert op.wait()
    assert {"members", "audit_log", "outbox"} <= op.changed
    assert published == [set(op.changed)]
    # a refusal publishes nothing
    failed = WriteOp(ctx, None, lambda s: members.register_member(s, {"name": ""})) \
        .failure(lambda exc: None).run()
    assert not failed.wait() and published == [set(op.changed)]


# --------------------------------------------------------------------------- no GUI-thread writes


def _members(page, ctx):
    page.new_member()
    page.form.widgets["name"].setText("陈二")
    page.form.widgets["id_number"].setText(idn(2))
    return page.save


def _events(page, ctx):
    f = page.form.widgets
    f["kind"].setCurrentIndex(f["kind"].findData("legal"))
    f["event_date"].setText(date.today().isoformat())
    f["title"].setText("法律服务进企业")
    return page.save


def _enterprises(page, ctx):
    page.new_enterprise()
    page.form.widgets["enterprise_name"].setText("葵涌新厂")
    page.form.widgets["credit_code"].setText(credit(3))
    return page.save


def _visits(page, ctx):
    from station_app.domain.services import enterprises

    with ctx.db.session(ctx.actor) as s:
        eid = enterprises.register_enterprise(s, {"name": "溪涌电子",
                                                  "credit_code": credit(4)}).id
    page.reload()
    return lambda: (page.choose_enterprise(eid), page.save())[1]


def _hardship(page, ctx):
    from station_app.domain.services import hardship, members

    with ctx.db.session(ctx.actor) as s:
        m = members.register_member(s, {"name": "陈三", "id_number": idn(3)})
        case = hardship.open_case(s, m.id, {"category": "illness", "level": "deep",
                                            "household_size": 3})
    page.show_case(case.id)
    page.entry_form.widgets["kind"].setCurrentIndex(
        page.entry_form.widgets["kind"].findData("condolence"))
    page.entry_form.widgets["amount"].setText("300")
    return page.add_entry


PAGES = {
    "members": ("station_app.ui.pages.members:MembersPage", _members, "members"),
    "events": ("station_app.ui.pages.events:EventsPage", _events, "events"),
    "enterprises": ("station_app.ui.pages.enterprises:EnterprisesPage", _enterprises,
                    "enterprises"),
    "visits": ("station_app.ui.pages.visits:VisitsPage", _visits, "visits"),
    "hardship": ("station_app.ui.pages.hardship:HardshipPage", _hardship, "ledger_entries"),
}


def _count(db_path, table: str) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("which", sorted(PAGES))
def test_a_save_waits_for_the_database_off_the_gui_thread(qtbot, ctx, db, db_path, which):
    """Another program holds the write lock: the page's save waits for it on a worker
    thread while the event loop keeps turning (a save on the GUI thread would freeze it,
    and this test, until the lock's timeout); once the lock is released the save lands."""
    import importlib

    factory, prepare, table = PAGES[which]
    module, _, cls = factory.partition(":")
    page = shown(qtbot, getattr(importlib.import_module(module), cls)(ctx))
    save = prepare(page, ctx)
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    before = _count(db_path, table)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing
    try:
        with Ticks() as ticks:
            started = time.monotonic()
            op = save()
            assert time.monotonic() - started < 0.2, "the save held the GUI thread"
            qtbot.wait(600)
            assert not op.done  # still waiting for the lock, on its worker
            assert ticks.count >= 20, ticks.count  # the event loop kept turning
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert op.wait(), op.error
    assert _count(db_path, table) == before + 1


def test_a_busy_database_is_said_in_a_sentence_and_nothing_typed_is_lost(
        qtbot, make_ctx, admin, db, db_path, monkeypatch, qapp):
    from station_app.storage import engine
    from station_app.ui.i18n import install_language
    from station_app.ui.pages.events import EventsPage

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 200)
    db.engine.dispose()  # new connections wait 0.2 s, not 10 s
    install_language(qapp, "zh")
    page = shown(qtbot, EventsPage(make_ctx(admin, "zh")))
    _events(page, page.ctx)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        assert not page.save().wait()
    finally:
        other.execute("ROLLBACK")
        other.close()
    text = page.form.general.text()
    assert "另一个程序" in text and "没有写入任何内容" in text and "sqlite3" not in text
    assert page.form.widgets["title"].text() == "法律服务进企业"
    assert page.save_button.isEnabled()
    assert page.save().wait()  # the other work finished: the same form saves
    assert _count(db_path, "events") == 1


# --------------------------------------------------------------------------- refreshed by what changed


def test_an_import_of_hardship_files_refreshes_the_members_page(qtbot, window, db, tmp_path):
    """The import registers the household heads it does not know: the members page,
    open meanwhile, shows them (it once stayed stale: the import named only its own
    table)."""
    from openpyxl import Workbook

    path = tmp_path / "档案.xlsx"
    wb = Workbook()
    wb.active.append(["困难类别", "姓名", "性别", "身份证号", "家庭人口", "主要致困原因",
                      "建档日期"])
    wb.active.append(["深度困难职工", "陈四", "男", idn(4), 3, "因病", "2023-03-01"])
    wb.save(path)
    window.open_page("members")
    members = window.page("members")
    qtbot.waitUntil(lambda: members.model.total == 0, timeout=10_000)
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(path))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=20_000)
    assert {"members", "hardship_cases"} <= dialog.importing.changed
    qtbot.waitUntil(lambda: members.model.total == 1, timeout=10_000)
    assert members.model.index(0, 0).data() == "陈四"


def test_a_sync_round_refreshes_the_pages_of_what_it_brought(qtbot, window, ctx, db, admin,
                                                             tmp_path):
    """The district corrected a visit, an event and a household member of this station;
    a round from the Sync page brings them, and the visit diary, the events and the
    hardship file open meanwhile show the corrections (the page's hand list once left
    these three out)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "sync"))
    from loopback import serve

    from station_app.domain.actor import CLI_ADMIN, Actor
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.domain.models import Event, HouseholdMember, Visit
    from station_app.domain.services import enterprises, events, hardship, members, stations
    from station_app.domain.services import visits as visit_service
    from station_app.storage.database import open_database
    from sync.district import enroll
    from sync.server.app import create_app

    with db.session(admin) as s:
        m = members.register_member(s, {"name": "陈五", "id_number": idn(5)})
        case = hardship.open_case(s, m.id, {"category": "illness", "level": "deep",
                                            "household_size": 3})
        child = hardship.add_household_member(s, case.id, {"name": "陈小五",
                                                           "relation": "child", "age": "9"})
        ent = enterprises.register_enterprise(s, {"name": "葵涌五金", "credit_code": credit(5)})
        visit = visit_service.record_visit(s, {"enterprise_id": ent.id, "kind": "routine",
                                               "visit_date": date.today(),
                                               "visitors": "王芳"}).visit
        event = events.record_event(s, {"kind": "training", "event_date": date.today(),
                                        "title": "提素课堂"})
    district = open_database(tmp_path / "district.sqlite3", create=True)
    district.set_state("station_id", DISTRICT_OWNER_ID)
    with district.session(Actor("qu", "district_admin")) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")
    code = enroll(district, "KY01", CLI_ADMIN).code
    window.open_page("sync")
    sync = window.page("sync")
    with serve(create_app(district)) as url:
        sync.form.widgets["server"].setText(url)
        sync.form.widgets["enrollment_code"].setText(code)
        sync.sync_now(quiet=True)
        qtbot.waitUntil(lambda: sync.running is None, timeout=30_000)
        assert sync.last_error is None, sync.last_error
        # the district corrects the three rows (as its tools may)
        with district.session(CLI_ADMIN) as s:
            s.get(Visit, visit.id).visitors = "王芳、李明"
            s.get(Event, event.id).title = "提素课堂（第一期）"
            s.get(HouseholdMember, child.id).name = "陈晓五"
        pages = {key: window.page(key) for key in ("visits", "events", "hardship")}
        for key, page in pages.items():
            window.open_page(key)
            qtbot.waitUntil(lambda p=page: not p.loading, timeout=10_000)
        pages["hardship"].show_case(case.id)
        qtbot.waitUntil(lambda: pages["hardship"].file is not None, timeout=10_000)
        window.open_page("sync")
        sync.sync_now(quiet=True)
        qtbot.waitUntil(lambda: sync.running is None, timeout=30_000)
        assert sync.last_error is None, sync.last_error
    assert {"visits", "events", "household_members"} <= sync.last_changed
    for key in ("visits", "events", "hardship"):
        window.open_page(key)
    qtbot.waitUntil(lambda: pages["visits"].model.rows
                    and pages["visits"].model.rows[0][3] == "王芳、李明", timeout=10_000)
    qtbot.waitUntil(lambda: pages["events"].model.rows
                    and pages["events"].model.rows[0][2] == "提素课堂（第一期）", timeout=10_000)
    qtbot.waitUntil(lambda: [h.name for h in pages["hardship"].household_model.rows]
                    == ["陈晓五"], timeout=10_000)
    district.close()


# --------------------------------------------------------------------------- the permission table


def test_buttons_follow_the_permission_table(qtbot, make_ctx, clerk, admin):
    """A button a user may not use is disabled, its tooltip the table's own sentence
    saying who may; for those who may, it is enabled."""
    from station_app.domain.permissions import allowed
    from station_app.ui.pages.enterprises import EnterprisesPage
    from station_app.ui.pages.hardship import HardshipPage
    from station_app.ui.pages.settings import SettingsPage

    for actor in (clerk, admin):
        ctx = make_ctx(actor, "zh")
        hardship = shown(qtbot, HardshipPage(ctx))
        enterprises = shown(qtbot, EnterprisesPage(ctx))
        settings = shown(qtbot, SettingsPage(ctx))
        for button, action in ((hardship.open_button, "case.open"),
                               (enterprises.new_button, "enterprise.create"),
                               (settings.reset_button, "user.reset_password")):
            decision = allowed(actor, action)
            assert button.isEnabled() == decision.ok, (actor.role, action)
            if not decision.ok:
                assert button.toolTip() == decision.text("zh")
                assert "需要站点管理员权限" in button.toolTip()
        # the file's own state still counts: no file shown, nothing to reverse or close
        assert not hardship.reverse_button.isEnabled()
        assert not hardship.exit_button.isEnabled()
        assert settings.users_box.isVisibleTo(settings) == allowed(actor, "user.manage").ok
    assert not allowed(clerk, "user.reset_password").ok and allowed(admin, "user.reset_password")
