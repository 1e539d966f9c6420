"""What an office's sheets record beyond new rows, imported from real .xlsx files: a
member's leaving (the roster's 会员状态 / 状态日期 / 退会日期 / 去世日期 / 转出日期), a 冲正 row
of the ledger (the reversal of the one entry it corrects, never a guess), the ledger of
a file the hardship sheet closed (its history), and a station's code in the district's
station-visits sheet's name column."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsx_helpers import make_id, write_xlsx

from station_app.domain.actor import Actor
from station_app.domain.ids import station_id_for
from station_app.domain.models import LedgerEntry, Member
from station_app.domain.services import hardship, members, metrics, stations
from station_app.domain.services.setup import init_district
from station_app.domain.validation import ValidationError, normalize_free_text
from station_app.exchange.xlsx_import import import_file, preview_file
from station_app.storage import sqlfile
from station_app.storage.database import open_database

ZHANG = make_id("44030519900101123")
LI = make_id("44030519910202224")
WANG = make_id("11010519850315001")
ZHAO = make_id("31011519770707455")
QIAN = make_id("44030319800101011")
LAST = date.today().year - 1  # every date of last year: never in the future
ROSTER = ["序号", "姓名", "身份证号", "入会时间", "会员状态", "状态日期", "退会日期", "去世日期"]


def q(path, sql: str, *params) -> list[tuple]:
    con = sqlfile.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def figure(db, code: str, as_of: date) -> int:
    with db.reader() as s:
        return metrics.metric_value(s, code, metrics.Scope(as_of, db.station_id))


def codes(result) -> dict[int, list[str]]:
    return {r.row: [e.code for e in r.errors] for r in result.rejected}


# --------------------------------------------------------------------------- the roster


def test_a_roster_records_leavings_by_status_or_by_their_own_date(db, db_path, admin,
                                                                 tmp_path):
    path = write_xlsx(tmp_path / "花名册.xlsx", [
        ROSTER,
        [1, "张三", ZHANG, f"{LAST - 5}-03-01", "在会", None, None, None],
        [2, "李四", LI, f"{LAST - 5}-03-01", "已退会", f"{LAST}年3月10日", None, None],
        [3, "王五", WANG, None, None, None, None, f"{LAST}.04.02"],
        [4, "赵六", ZHAO, f"{LAST - 2}-01-01", "转出", f"{LAST}-05-05", None, None],
        [5, "钱七", QIAN, f"{LAST - 1}-01-01", None, None, f"{LAST}-06-01", None],
    ], title=f"{LAST}年会员花名册", merge_title=8)
    preview = preview_file(path, db=db, actor=admin)
    assert {v for v in preview.mapping.values()} >= {"status", "status_date", "left_date",
                                                     "deceased_date"}
    assert [r.status for r in preview.rows] == ["ok"] * 5
    assert preview.rows[1].cleaned["status"] == "left"
    assert q(db_path, "SELECT count(*) FROM members") == [(0,)]  # a preview writes nothing

    result = import_file(db, admin, path)
    assert (result.imported, len(result.rejected)) == (5, 0)
    assert result.extra_counts == {"members_left": 2, "members_deceased": 1,
                                   "members_transferred": 1}
    assert dict(q(db_path, "SELECT name, status || ' ' || coalesce(status_date, '') "
                           "FROM members")) == {
        "张三": f"active {LAST - 5}-03-01", "李四": f"left {LAST}-03-10",
        "王五": f"deceased {LAST}-04-02", "赵六": f"transferred {LAST}-05-05",
        "钱七": f"left {LAST}-06-01"}
    end = date(LAST, 12, 31)
    assert figure(db, "members_left", end) == 2
    assert figure(db, "members_deceased", end) == 1
    assert figure(db, "members_transferred_out", end) == 1
    assert figure(db, "members_on_roll", end) == 1
    assert figure(db, "members_on_roll", date(LAST, 3, 31)) == 4  # 李四 left on 3-10
    # the same roster again: nothing twice, and nobody who left registered again
    again = import_file(db, admin, path)
    assert (again.imported, len(again.skipped), len(again.rejected)) == (0, 5, 0)
    assert q(db_path, "SELECT count(*) FROM members") == [(5,)]


def test_a_leaving_on_a_member_already_there_and_a_person_who_joined_again(db, db_path, admin,
                                                                          tmp_path):
    first = write_xlsx(tmp_path / "first.xlsx", [
        ["姓名", "身份证号", "入会时间"],
        ["张三", ZHANG, f"{LAST - 3}-01-01"],
        ["李四", LI, f"{LAST - 3}-01-01"],
    ])
    assert import_file(db, admin, first).imported == 2
    later = write_xlsx(tmp_path / "later.xlsx", [
        ["姓名", "身份证号", "入会时间", "会员状态", "离会日期"],
        ["张三", ZHANG, f"{LAST - 3}-01-01", "去世", f"{LAST}-02-02"],  # on the member there
        ["李四", LI, f"{LAST - 3}-01-01", None, None],  # already there
    ])
    result = import_file(db, admin, later)
    assert (result.imported, len(result.skipped)) == (1, 1)
    assert result.extra_counts == {"members_deceased": 1}
    assert q(db_path, "SELECT status, status_date FROM members WHERE name = '张三'") == [
        ("deceased", f"{LAST}-02-02")]
    # the office's next roster still lists 张三 (no status): he is not registered again
    third = import_file(db, admin, first)
    assert (third.imported, len(third.skipped)) == (0, 2)
    note = next(r for r in third.skipped if r.row == 2).note
    assert note.code == "import.member_not_active"
    assert f"{LAST}-02-02" in note.message("en") and "station-admin member status" in \
        note.message("en")
    # 李四 left by the app's status dialog, and joined again: a later 入会时间 is a new row
    with db.session(admin) as s:
        m = members.find_member(s, LI, active=True)
        members.change_status(s, m.id, "left", date(LAST, 3, 1), "调离")
    rejoined = write_xlsx(tmp_path / "rejoined.xlsx", [
        ["姓名", "身份证号", "入会时间"], ["李四", LI, f"{LAST}-09-01"]])
    assert import_file(db, admin, rejoined).imported == 1
    assert sorted(q(db_path, "SELECT status, join_date FROM members WHERE name = '李四'")) == [
        ("active", f"{LAST}-09-01"), ("left", f"{LAST - 3}-01-01")]
    assert q(db_path, "SELECT notes FROM members WHERE name = '李四' AND status = 'left'") \
        == [(f"退会 {LAST}-03-01：调离",)]  # (free text keeps its Chinese punctuation)


def test_a_status_the_roster_cannot_record_is_refused_naming_its_column(db, db_path, admin,
                                                                       tmp_path):
    future = (date.today() + timedelta(days=3)).isoformat()
    path = write_xlsx(tmp_path / "花名册.xlsx", [
        ROSTER,
        [1, "张三", ZHANG, None, "退会", None, None, None],  # no date
        [2, "李四", LI, None, None, f"{LAST}-01-01", None, None],  # a date, no status
        [3, "王五", WANG, None, "在会", None, f"{LAST}-01-01", None],  # 在会 but 退会日期
        [4, "赵六", ZHAO, None, None, None, f"{LAST}-01-01", f"{LAST}-02-01"],  # two ways
        [5, "钱七", QIAN, f"{LAST}-05-01", "退会", f"{LAST}-04-01", None, None],  # before join
        [6, "孙八", make_id("44030319850505022"), None, "退会", future, None, None],
        [7, "周九", make_id("44030319860606033"), None, "休眠", f"{LAST}-01-01", None, None],
    ])
    result = import_file(db, admin, path, lang="en")
    assert result.imported == 0
    got = codes(result)
    assert got == {
        2: ["import.status_needs_date"], 3: ["import.status_date_without_status"],
        4: ["import.status_conflict"], 5: ["import.status_both_dates"] * 2,
        6: ["member.status_date_before_join"], 7: ["date.future"], 8: ["choice.invalid"]}
    messages = {r.row: result.messages(r, "en") for r in result.rejected}
    assert messages[2] == ["状态日期: “Left” needs its date: fill in the Status date"]
    assert messages[3][0].startswith("会员状态: a date without a status")
    assert messages[4] == ["退会日期: the status says “Active”, which does not go with the "
                           "Date left: keep one of them"]
    assert q(db_path, "SELECT count(*) FROM members") == [(0,)]


def test_a_leaving_on_a_member_of_another_name_is_refused(db, db_path, admin, tmp_path):
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": ZHANG})
    path = write_xlsx(tmp_path / "r.xlsx", [
        ["姓名", "身份证号", "会员状态", "状态日期"], ["张四", ZHANG, "退会", f"{LAST}-01-01"]])
    result = import_file(db, admin, path)
    assert codes(result) == {2: ["import.name_mismatch"]}
    assert q(db_path, "SELECT status FROM members") == [("active",)]


# --------------------------------------------------------------------------- 冲正 rows


LEDGER = ["序号", "姓名", "身份证号", "帮扶日期", "帮扶类型", "金额（元）", "备注"]


@pytest.fixture
def files(db, admin):
    """张三 and 李四 with open files registered three years ago."""
    with db.session(admin) as s:
        for name, idn in (("张三", ZHANG), ("李四", LI)):
            m = members.register_member(s, {"name": name, "id_number": idn})
            hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                         "household_size": 3,
                                         "registered_date": f"{LAST - 3}-01-05"})


def entries(db_path) -> list[tuple]:
    return q(db_path, "SELECT e.entry_date, e.kind, e.amount_fen, o.entry_date, e.note "
                      "FROM ledger_entries e LEFT JOIN ledger_entries o "
                      "ON o.id = e.reverses_id ORDER BY e.entry_date, e.amount_fen")


def test_a_reversal_row_reverses_the_one_entry_it_corrects(db, db_path, admin, files,
                                                          tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [
        LEDGER,
        [1, "张三", ZHANG, f"{LAST}-01-18", "慰问金", 800, "春节慰问"],
        [2, "张三", ZHANG, f"{LAST}-02-03", "慰问金", -800, "1月18日误录，应为500元"],
        [3, "张三", ZHANG, f"{LAST}-02-03", "慰问金", 500, "春节慰问（更正）"],
        [4, "李四", LI, f"{LAST}-03-01", "入户走访", None, None],
        [5, "李四", LI, f"{LAST}-03-09", "入户走访（冲正）", None, "误录：当日未入户"],
        [6, "李四", LI, f"{LAST}-04-01", "医疗互助保障", 120, None],
        [7, "李四", LI, f"{LAST}-04-20", "红冲", "120元", "重复购买"],
        ["合计", None, None, None, None, 620],
    ], title=f"{LAST}年帮扶台账", merge_title=7)
    result = import_file(db, admin, path)
    assert (result.imported, len(result.rejected)) == (7, 0)
    assert result.extra_counts == {"entries_reversed": 3}
    assert entries(db_path) == [(d, k, a, o, None if n is None else normalize_free_text(n))
                                for d, k, a, o, n in [
        (f"{LAST}-01-18", "condolence", 80000, None, "春节慰问"),
        (f"{LAST}-02-03", "condolence", -80000, f"{LAST}-01-18", "1月18日误录，应为500元"),
        (f"{LAST}-02-03", "condolence", 50000, None, "春节慰问（更正）"),
        (f"{LAST}-03-01", "home_visit", 0, None, None),
        (f"{LAST}-03-09", "home_visit", 0, f"{LAST}-03-01", "误录：当日未入户"),
        (f"{LAST}-04-01", "medical_mutual_aid", 12000, None, None),
        (f"{LAST}-04-20", "medical_mutual_aid", -12000, f"{LAST}-04-01", "重复购买"),
    ]]
    # a reversed visit counts for nothing once reversed (not before)
    assert figure(db, "hardship_cases_visited", date(LAST, 3, 5)) == 1
    assert figure(db, "hardship_cases_visited", date(LAST, 12, 31)) == 0
    assert figure(db, "hardship_cases_insured", date(LAST, 12, 31)) == 0
    with db.reader() as s:
        assert hardship.reconcile(s) == []
        assert hardship.ledger_totals(s, group_by=()).total == 50000
    again = import_file(db, admin, path)
    assert (again.imported, len(again.skipped), len(again.rejected)) == (0, 7, 0)
    assert len(entries(db_path)) == 7


def test_a_reversal_row_is_never_a_guess(db, db_path, admin, files, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [
        LEDGER,
        [1, "张三", ZHANG, f"{LAST - 1}-11-08", "医疗互助保障", 120, None],
        [2, "张三", ZHANG, f"{LAST}-01-10", "医疗互助保障", 120, None],
        [3, "张三", ZHANG, f"{LAST}-02-01", "医疗互助保障", -120, "重复购买"],  # which?
        [4, "李四", LI, f"{LAST}-02-01", "慰问金", 300, None],
        [5, "李四", LI, f"{LAST}-03-01", "慰问金", 300, None],
        [6, "李四", LI, f"{LAST}-03-02", "冲正", 300, f"冲正：{LAST}年2月1日重复发放"],  # named
        [7, "李四", LI, f"{LAST}-03-03", "慰问金", -500, None],  # nothing of 500
        [8, "李四", LI, f"{LAST}-01-01", "慰问金", -300, None],  # nothing before it
    ])
    result = import_file(db, admin, path, lang="en")
    assert codes(result) == {4: ["import.reversal_ambiguous"],
                             8: ["import.reversal_no_original"],
                             9: ["import.reversal_no_original"]}
    why = result.messages(next(r for r in result.rejected if r.row == 4), "en")[0]
    assert f"({LAST - 1}-11-08、{LAST}-01-10)" in why
    assert f"station-admin ledger list {ZHANG}" in why and "ledger reverse" in why
    reversed_ = q(db_path, "SELECT o.entry_date FROM ledger_entries e JOIN ledger_entries o "
                           "ON o.id = e.reverses_id")
    assert reversed_ == [(f"{LAST}-02-01",)]  # the one the note names
    # the ambiguity settled by the note: the same row naming its original's date
    fixed = write_xlsx(tmp_path / "fixed.xlsx", [
        LEDGER, [1, "张三", ZHANG, f"{LAST}-02-01", "医疗互助保障", -120,
                 "冲正：1月10日重复购买"]])
    assert import_file(db, admin, fixed).imported == 1
    assert sorted(q(db_path, "SELECT o.entry_date FROM ledger_entries e JOIN ledger_entries o "
                             "ON o.id = e.reverses_id")) == [(f"{LAST}-01-10",),
                                                             (f"{LAST}-02-01",)]


def test_a_reversal_takes_a_station_admin_as_in_the_app(db, db_path, clerk, files, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [
        LEDGER,
        [1, "张三", ZHANG, f"{LAST}-01-18", "慰问金", 800, None],
        [2, "张三", ZHANG, f"{LAST}-02-03", "慰问金", -800, "冲正"],
    ])
    result = import_file(db, clerk, path)
    assert (result.imported, codes(result)) == (1, {3: ["perm.denied"]})
    assert q(db_path, "SELECT count(*) FROM ledger_entries") == [(1,)]


def test_a_positive_entry_whose_note_mentions_a_reversal_is_an_entry(db, db_path, admin,
                                                                    files, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [
        LEDGER, [1, "张三", ZHANG, f"{LAST}-03-01", "慰问金", 500, "冲正后补发"]])
    assert import_file(db, admin, path).imported == 1
    assert q(db_path, "SELECT amount_fen, reverses_id FROM ledger_entries") == [(50000, None)]


# --------------------------------------------------------------------------- closed files


def test_the_ledger_of_a_file_the_hardship_sheet_closed(db, db_path, admin, tmp_path):
    hardship_sheet = write_xlsx(tmp_path / "档案.xlsx", [
        ["姓名", "身份证号", "困难类别", "困难程度", "家庭人口", "建档日期", "注销日期", "注销原因"],
        ["张三", ZHANG, "因病", "深度困难", 3, f"{LAST - 2}-04-04", f"{LAST}-06-05", "迁出本市"],
        ["李四", LI, "因病", "相对困难", 2, f"{LAST - 1}-01-01", None, None],
    ])
    assert import_file(db, admin, hardship_sheet).extra_counts == {
        "member_registered": 2, "file_closed": 1}
    ledger = write_xlsx(tmp_path / "台账.xls.xlsx", [
        LEDGER,
        [1, "张三", ZHANG, f"{LAST - 1}-11-26", "医疗互助保障", 120, None],  # while open
        [2, "张三", ZHANG, f"{LAST}-04-11", "入户走访", None, None],  # while open
        [3, "张三", ZHANG, f"{LAST}-06-05", "慰问金", 300, None],  # the closing day
        [4, "张三", ZHANG, f"{LAST}-06-20", "慰问金", 300, None],  # after the closing
        [5, "张三", ZHANG, f"{LAST - 3}-06-20", "慰问金", 300, None],  # before registered
        [6, "李四", LI, f"{LAST}-04-11", "入户走访", None, None],  # an open file, as ever
    ])
    result = import_file(db, admin, ledger, lang="en")
    assert (result.imported, codes(result)) == (4, {
        5: ["case.entry_after_closing"], 6: ["case.entry_before_registered"]})
    assert result.messages(next(r for r in result.rejected if r.row == 5), "en") == [
        f"帮扶日期: The file was closed (Cancelled) on {LAST}-06-05: an entry dated after "
        "that cannot go on it; check the date, or open a new file"]
    assert result.extra_counts == {"entries_of_closed_files": 3}
    # the figures count that history: on file, visited and insured before the closing
    assert figure(db, "hardship_cases_visited", date(LAST, 5, 31)) == 2
    assert figure(db, "hardship_cases_insured", date(LAST, 5, 31)) == 1
    assert figure(db, "hardship_cases_open", date(LAST, 6, 5)) == 1
    assert import_file(db, admin, ledger).imported == 0  # nothing twice


def test_the_app_still_refuses_a_new_entry_on_a_closed_file(db, admin):
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": ZHANG})
        case = hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                            "household_size": 3,
                                            "registered_date": f"{LAST - 2}-01-01"})
        hardship.exit_case(s, case.id, f"{LAST}-06-01", "再就业")
    with pytest.raises(ValidationError) as err, db.session(admin) as s:
        hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": 300,
                                        "entry_date": f"{LAST}-03-01"})
    assert [e.code for e in err.value.errors] == ["case.not_open"]
    with db.session(admin) as s:  # the import's history of that file
        hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": 300,
                                        "entry_date": f"{LAST}-03-01"}, history=True)
        assert s.query(LedgerEntry).count() == 1


# --------------------------------------------------------------------------- station visits


DISTRICT = Actor("qu", "district_admin", None, "区总工会")


def test_a_station_code_in_the_name_column_is_that_station(tmp_path):
    path = tmp_path / "district.sqlite3"
    db = open_database(path, create=True)
    try:
        init_district(db, "qu", "district-pass-1")
        with db.session(DISTRICT) as s:
            stations.create_station(s, "KY01", "葵涌社区工联会", is_key=True)
            stations.create_station(s, "DP02", "大鹏社区工联会", is_key=True)
        sheet = write_xlsx(tmp_path / "站点调研.xlsx", [
            ["走访日期", "社区工联会", "走访人"],
            [f"{LAST}-03-10", "KY01", "王主席"],
            [f"{LAST}-04-10", " dp02 ", "王主席"],
            [f"{LAST}-05-10", "大鹏社区工联会", "王主席"],
            [f"{LAST}-05-11", "ZZ99", "王主席"],
        ])
        result = import_file(db, DISTRICT, sheet, kind="station_visits")
        assert (result.imported, codes(result)) == (3, {5: ["import.station_unknown"]})
        assert q(path, "SELECT s.code, v.visit_date FROM visits v JOIN stations s "
                       "ON s.id = v.target_station_id ORDER BY v.visit_date") == [
            ("KY01", f"{LAST}-03-10"), ("DP02", f"{LAST}-04-10"), ("DP02", f"{LAST}-05-10")]
        with db.reader() as s:
            assert s.query(Member).count() == 0
            assert station_id_for("KY01") in {r[0] for r in q(
                path, "SELECT target_station_id FROM visits")}
    finally:
        db.close()


# --------------------------------------------------------------------------- for all ledgers


class _Rollback(Exception):
    pass


KINDS = {"condolence": "慰问金", "home_visit": "入户走访", "winter": "送温暖"}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(entries=st.lists(st.tuples(st.sampled_from(sorted(KINDS)), st.sampled_from([0, 300, 500]),
                                  st.integers(0, 40), st.booleans()), max_size=6),
       kind=st.sampled_from([None, *sorted(KINDS)]), amount=st.sampled_from([0, 300, 500]),
       day=st.integers(0, 40), named=st.one_of(st.none(), st.integers(0, 40)))
def test_a_reversal_row_reverses_one_matching_entry_or_none(db, admin, files, entries, kind,
                                                            amount, day, named):
    """Whatever the household's ledger, a 冲正 row reverses exactly one entry of its kind
    (any, when it names none) and amount, dated on or before it and not reversed before —
    the only one such, or the one its 备注 names — or it is refused and nothing changes
    (or it is already there: a reversal of that day, kind and amount)."""
    from station_app.exchange.import_kinds import HANDLERS
    from station_app.exchange.xlsx_import import RowResult

    start = date(LAST, 1, 1)
    try:
        with db.session(admin) as s:
            case_id = hardship.files_of(s, ZHANG)[0].id
            made = []
            for k, fen, offset, reverse in entries:
                if k != "home_visit" and fen == 0:
                    fen = 300  # a payment has an amount
                if k == "home_visit":
                    fen = 0
                e = hardship.add_entry(s, case_id, {"kind": k, "amount": fen // 1 or None,
                                                    "entry_date": start + timedelta(offset)})
                if reverse:
                    hardship.reverse_entry(s, e.id, "误录", start + timedelta(offset))
                made.append(e)
            when = start + timedelta(day)
            note = "冲正" if named is None else \
                f"冲正：{(start + timedelta(named)).month}月{(start + timedelta(named)).day}日误录"
            row = RowResult(2, [], {"name": "张三", "id_number": ZHANG, "entry_date": when,
                                    "kind": KINDS[kind] if kind else "冲正",
                                    "amount": -amount if amount else None, "note": note})
            fen = amount * 100
            before = {e.id for e in made if e.reverses_id is None and not s.query(
                LedgerEntry).filter(LedgerEntry.reverses_id == e.id).count()}
            candidates = [e for e in made if e.id in before and e.amount_fen == fen
                          and (kind is None or e.kind == kind) and e.entry_date <= when]
            same = [r for r in s.query(LedgerEntry).filter(LedgerEntry.reverses_id.is_not(None))
                    if r.entry_date == when and r.amount_fen == -fen
                    and (kind is None or r.kind == kind)]
            HANDLERS["ledger"].write(s, [row])
            if row.status == "duplicate":  # a reversal of that day, kind and amount: there
                assert same
                raise _Rollback
            reversals = s.query(LedgerEntry).filter(LedgerEntry.entry_date == when,
                                                    LedgerEntry.note == normalize_free_text(note),
                                                    LedgerEntry.reverses_id.is_not(None)).all()
            days = {e.entry_date for e in candidates}
            if row.status == "ok":
                assert len(reversals) == 1
                original = s.get(LedgerEntry, reversals[0].reverses_id)
                assert original in candidates
                assert len(days) == 1 or (named is not None and original.entry_date
                                          == start + timedelta(named))
            else:
                assert reversals == []
                assert [e.code for e in row.errors] in (
                    ["import.reversal_no_original"], ["import.reversal_ambiguous"])
                assert not candidates or len(days) > 1
            assert hardship.reconcile(s) == []
            raise _Rollback
    except _Rollback:
        pass


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
