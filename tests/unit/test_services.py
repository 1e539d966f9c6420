"""Domain services: each rule of SPEC.md, proven on a real station database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station_app.domain.actor import SYSTEM_LOGIN, SYSTEM_SYNC, Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, enterprise_id_for, station_id_for, uuid7
from station_app.domain.models import HardshipCase, Member, Visit
from station_app.domain.services import (
    enterprises,
    events,
    hardship,
    members,
    metrics,
    stations,
    users,
    visits,
)
from station_app.domain.services.common import PermissionDenied
from station_app.domain.services.members import DuplicateMember
from station_app.domain.validation import ValidationError, credit_code_check_char, id_check_char
from station_app.storage.clock import Stamp, wall_ms
from station_app.storage.database import open_database
from station_app.storage.sqlfile import dbapi as sqlite3

ROOT = Path(__file__).resolve().parents[2]
KY01 = station_id_for("KY01")
TODAY = date.today()


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    """A valid ID number; distinct ``n`` give distinct numbers (and birth dates)."""
    born = born + timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def credit(n: int) -> str:
    body = f"914403000{n:08d}"
    return body + credit_code_check_char(body)


def codes(exc: pytest.ExceptionInfo) -> list[str]:
    return [e.code for e in exc.value.errors]


def q(path: Path, sql: str, *args) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def count(path: Path, table: str) -> int:
    return q(path, f"SELECT count(*) FROM {table}")[0][0]


def register(db, actor, n: int, name: str = "张三", **extra) -> Member:
    with db.session(actor) as s:
        return members.register_member(s, {"name": name, "id_number": make_id(n), **extra})


CASE = {"category": "因病", "level": "深度困难", "household_size": 3}


def new_case(db, actor, n: int, **case) -> HardshipCase:
    m = register(db, actor, n, "户主")
    with db.session(actor) as s:
        return hardship.open_case(s, m.id, {**CASE, **case})


def new_enterprise(db, actor, n: int, name: str | None = None) -> str:
    with db.session(actor) as s:
        return enterprises.register_enterprise(
            s, {"name": name or f"企业{n}", "credit_code": credit(n)}
        ).id


# =========================================================================== members


def test_register_derives_birth_date_and_gender(db, clerk):
    m = register(db, clerk, 1, phone="13800138000", join_date="2020-05-01")
    assert m.birth_date == date(1980, 1, 1)
    assert m.gender == "M"  # 17th digit 1 is odd
    f = register(db, clerk, 2, "李芳")
    assert f.gender == "F"
    assert m.status == "active" and m.status_date == date(2020, 5, 1)


def test_duplicate_active_id_points_at_the_existing_member(db, clerk, db_path):
    first = register(db, clerk, 1)
    before = count(db_path, "members")
    with pytest.raises(DuplicateMember) as err:
        register(db, clerk, 1, "张叁")
    assert err.value.existing_id == first.id
    assert codes(err) == ["member.duplicate"]
    assert "张三" in err.value.messages("zh")[0]
    assert count(db_path, "members") == before
    with db.reader() as s:
        assert members.find_active_by_id_number(s, make_id(1)).id == first.id


def test_invalid_input_lists_every_bad_field_and_saves_nothing(db, clerk, db_path):
    before = {t: count(db_path, t) for t in ("members", "outbox", "audit_log")}
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            members.register_member(s, {"name": "", "id_number": "11010119800101001",
                                        "phone": "12345"})
    assert set(err.value.by_field()) == {"name", "id_number", "phone"}
    assert len(err.value.messages("zh")) == 3 and len(err.value.messages("en")) == 3
    assert {t: count(db_path, t) for t in before} == before


def test_update_keeps_untouched_fields(db, clerk):
    m = register(db, clerk, 1, phone="13800138000", employer_name="葵涌制衣厂",
                 notes="备注", join_date="2019-03-01", migrant_worker="是")
    with db.session(clerk) as s:
        members.update_member(s, m.id, {"phone": "13912345678"})
    with db.reader() as s:
        row = s.get(Member, m.id)
        assert row.phone == "13912345678"
        assert (row.name, row.id_number, row.employer_name, row.notes, row.join_date,
                row.migrant_worker) == ("张三", make_id(1), "葵涌制衣厂", "备注",
                                        date(2019, 3, 1), True)


@pytest.mark.parametrize("label,code", [("转出", "transferred"), ("退会", "left"),
                                        ("去世", "deceased")])
def test_status_change_frees_the_id_number(db, clerk, label, code):
    old = register(db, clerk, 1, join_date="2015-01-01")
    with db.session(clerk) as s:
        changed = members.change_status(s, old.id, label, "2024-06-30")
    assert changed.status == code and changed.status_date == date(2024, 6, 30)
    new = register(db, clerk, 1)
    assert new.id != old.id and new.status == "active"
    # the old record cannot come back while the new one is active
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            members.change_status(s, old.id, "在会", "2024-07-01")
    assert codes(err) == ["member.reactivate_duplicate"]
    # once the new one leaves, it can
    with db.session(clerk) as s:
        members.change_status(s, new.id, "退会", TODAY)
        assert members.change_status(s, old.id, "在会", TODAY).status == "active"


def test_status_change_checks(db, clerk):
    m = register(db, clerk, 1, join_date="2020-01-01")
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            members.change_status(s, m.id, "在会", TODAY)
    assert codes(err) == ["member.status_same"]
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            members.change_status(s, m.id, "退会", "2019-12-31")
    assert codes(err) == ["member.status_date_before_join"]


SEARCH_PEOPLE = [
    # n, name, phone
    (11, "张三", "13800138000"),
    (12, "张三丰", None),
    (13, "王张", None),
    (14, "曾小明", None),
    (15, "李四", "13955551234"),
    (16, "张珊", None),
]


@pytest.fixture
def people(db, clerk) -> dict[str, Member]:
    out = {}
    for n, name, phone in SEARCH_PEOPLE:
        out[name] = register(db, clerk, n * 1000 + 7, name, phone=phone)
    return out


def names(hits) -> list[str]:
    return [h.name for h in hits]


def test_search_by_name_pinyin_id_and_phone(db, people):
    with db.reader() as s:
        def find(text, **kw):
            return members.search_members(s, text, **kw)

        assert set(names(find("张"))) == {"张三", "张三丰", "王张", "张珊"}
        assert names(find("张"))[-1] == "王张"  # prefix matches before inner matches
        assert names(find("张三")) == ["张三", "张三丰"]  # exact first
        assert set(names(find("zs"))) == {"张三", "张三丰", "张珊"}
        assert set(names(find("ZS"))[:2]) == {"张三", "张珊"}  # exact key before prefix
        assert set(names(find("zhangs"))) == {"张三", "张三丰", "张珊"}
        assert names(find("zhang san")) == ["张三", "张三丰"]
        assert names(find("zeng")) == ["曾小明"]
        assert names(find("zxm")) == ["曾小明"]
        # 4+ ID digits anywhere (here the birth date in the middle of the number)
        lisi = people["李四"]
        middle = lisi.id_number[6:14]
        assert names(find(middle)) == ["李四"]
        assert names(find(lisi.id_number[10:16])) == ["李四"]
        assert names(find(lisi.id_number)) == ["李四"]
        assert find(lisi.id_number)[0].rank == 0
        # phone prefix
        assert names(find("1395555")) == ["李四"]
        assert names(find("13800")) == ["张三"]
        # masked ID for lists
        hit = find("李四")[0]
        assert hit.id_number_masked.startswith(lisi.id_number[:4])
        assert "*" in hit.id_number_masked and lisi.id_number not in hit.id_number_masked
        # nothing for nonsense
        assert find("不存在") == [] and find("   ") == []


def test_search_treats_percent_and_underscore_literally(db, people):
    with db.reader() as s:
        for text in ("%", "_", "张%", "张_", "%三", "_三", "\\"):
            assert members.search_members(s, text) == [], text


def test_search_ignores_tombstones_and_filters_by_status(db, clerk, people):
    with db.session(clerk) as s:
        members.change_status(s, people["张珊"].id, "退会", TODAY)
        s.delete(s.get(Member, people["张三丰"].id))
    with db.reader() as s:
        assert set(names(members.search_members(s, "zs"))) == {"张三", "张珊"}
        assert names(members.search_members(s, "zs", status="active")) == ["张三"]
        assert names(members.search_members(s, "zs", station_id=KY01, status="left")) == [
            "张珊"
        ]


def test_keyset_paging_has_no_overlap_and_no_gap(db, clerk):
    given_names = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    rows = [{"name": "张" + given_names[i % len(given_names)] + given_names[(i * 7) % 24],
             "id_number": make_id(20_000 + i), "phone": f"1380000{i:04d}"}
            for i in range(40)]
    # matches in every tier: exact name, name prefix, name inside; ID and phone digits
    rows += [{"name": "张", "id_number": make_id(21_000)},
             {"name": "王张", "id_number": make_id(21_001), "phone": "13820000000"},
             {"name": "李小张", "id_number": make_id(21_002)}]
    with db.session(clerk) as s:
        assert not members.bulk_register_members(s, rows).rejected

    def paged(s, text, size):
        pages, after = [], None
        while True:
            page = members.search_members(s, text, limit=size, after=after)
            if not page:
                return pages
            assert len(page) <= size
            pages.append(page)
            after = page[-1].cursor

    with db.reader() as s:
        everything = members.search_members(s, "zh", limit=1000)
        # pinyin matches from the start of the name (41), then by the given name (王张)
        assert len(everything) == 42
        assert [h.name for h in everything if h.rank > 1] == ["王张"]
        pages = paged(s, "zh", 7)
        assert len(pages) == 6
        flat = [h.id for page in pages for h in page]
        assert len(flat) == len(set(flat))
        assert flat == [h.id for h in everything]
        for text in ("张", "z", "1380", "138", make_id(21_000)[:10], "19800"):
            whole = members.search_members(s, text, limit=1000)
            assert whole, text
            ranks = [h.rank for h in whole]
            assert ranks == sorted(ranks), text
            for size in (1, 3, 10):
                ids = [h.id for page in paged(s, text, size) for h in page]
                assert ids == [h.id for h in whole], (text, size)
        assert len({h.rank for h in members.search_members(s, "张", limit=1000)}) == 3


def test_bulk_register_rejects_bad_rows_and_duplicates(db, clerk, db_path):
    existing = register(db, clerk, 1, "张三")
    rows = [
        {"name": "李四", "id_number": make_id(2)},           # 0 ok
        {"name": "王五", "id_number": "110101198001010019"},  # 1 bad checksum
        {"name": "赵六", "id_number": make_id(3), "phone": "13800138000"},  # 2 ok
        {"name": "李四四", "id_number": make_id(2)},          # 3 duplicate within the batch
        {"name": "张三", "id_number": make_id(1)},            # 4 duplicate of an existing member
        {"name": "", "id_number": make_id(4), "phone": "1"},  # 5 two bad fields
    ]
    with db.session(clerk) as s:
        result = members.bulk_register_members(s, rows)
    rejected = {i: [e.code for e in err.errors] for i, err in result.rejected}
    assert set(rejected) == {1, 3, 4, 5}
    assert rejected[1] == ["id.checksum"]
    assert rejected[3] == ["member.duplicate_in_file"]
    assert result.rejected[[i for i, _ in result.rejected].index(3)][1].errors[0].params == {
        "row": 1
    }
    assert rejected[4] == ["member.duplicate"]
    assert len(rejected[5]) == 2
    assert len(result.inserted) == 2
    got = {r[0] for r in q(db_path, "SELECT name FROM members WHERE deleted = 0")}
    assert got == {"张三", "李四", "赵六"}
    # a second run of the same sheet with skip_existing adds nothing and rejects nothing
    with db.session(clerk) as s:
        again = members.bulk_register_members(s, [rows[0], rows[2], rows[4]],
                                              skip_existing=True)
    assert again.inserted == [] and again.rejected == []
    assert count(db_path, "members") == 3
    assert existing.id in {r[0] for r in q(db_path, "SELECT id FROM members")}


def test_bulk_register_batches(db, clerk, db_path):
    rows = [{"name": "王伟", "id_number": make_id(30_000 + i)} for i in range(25)]
    rows.append({"name": "王伟", "id_number": make_id(30_000)})
    with db.session(clerk) as s:
        result = members.bulk_register_members(s, rows, batch_size=10)
    assert len(result.inserted) == 25
    assert [i for i, _ in result.rejected] == [25]
    assert count(db_path, "members") == 25


# =========================================================================== roles


def test_clerk_may_not_do_admin_work(db, clerk, admin):
    case = new_case(db, clerk, 1)
    with db.session(clerk) as s:
        entry = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": 200})
    ent = new_enterprise(db, clerk, 1)
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, ent, "欠薪风险")
    attempts = {
        "reverse": lambda s: hardship.reverse_entry(s, entry.id, "错"),
        "exit": lambda s: hardship.exit_case(s, case.id, TODAY, "已脱困"),
        "user": lambda s: users.create_user(s, "newbie", "password-1", "clerk"),
        "unlist": lambda s: enterprises.unlist_from_watch(s, ent, "已整改"),
        "target": lambda s: stations.set_target(s, TODAY.year, "training_events", 40),
        "station": lambda s: stations.set_station(s, "KY01", is_key=True),
    }
    for what, attempt in attempts.items():
        with pytest.raises(PermissionDenied) as err:
            with db.session(clerk) as s:
                attempt(s)
        assert codes(err) == ["perm.denied"], what
        zh, en = err.value.messages("zh")[0], err.value.messages("en")[0]
        assert "专职工作者" in zh and "Clerk" in en, (what, zh, en)
    # the station admin may do the station's part
    with db.session(admin) as s:
        hardship.reverse_entry(s, entry.id, "错")
        hardship.exit_case(s, case.id, TODAY, "已脱困")
        users.create_user(s, "newbie", "password-1", "clerk")
    with pytest.raises(PermissionDenied) as err:
        with db.session(admin) as s:
            enterprises.unlist_from_watch(s, ent, "已整改")
    assert "站点管理员" in err.value.messages("zh")[0]
    assert "区总工会管理员" in err.value.messages("zh")[0]


def test_station_admin_cannot_create_a_district_admin(db, admin):
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            users.create_user(s, "boss", "password-1", "district_admin")
    assert codes(err) == ["perm.denied"]
    zh, en = err.value.messages("zh")[0], err.value.messages("en")[0]
    assert "站点管理员" in zh and "区总工会管理员" in zh and "district_admin" not in zh
    assert "Station admin" in en and "district admin" in en.lower()


# =========================================================================== enterprises


def test_enterprise_id_comes_from_the_credit_code(db, clerk, db_path):
    code = credit(42)
    with db.session(clerk) as s:
        ent = enterprises.register_enterprise(s, {"name": "葵涌电子厂",
                                                  "credit_code": code.lower()})
    assert ent.id == enterprise_id_for(code) and ent.credit_code == code
    assert ent.area_station_id == KY01
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            enterprises.register_enterprise(s, {"name": "别名", "credit_code": code})
    assert codes(err) == ["enterprise.duplicate_code"]
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            enterprises.register_enterprise(s, {"name": "坏码",
                                                "credit_code": code[:-1] + "0" if code[-1] != "0"
                                                else code[:-1] + "1"})
    assert codes(err) == ["credit.checksum"]
    # without a credit code: a fresh id
    with db.session(clerk) as s:
        other = enterprises.register_enterprise(s, {"name": "个体小店"})
    assert other.id != ent.id and other.credit_code is None
    assert count(db_path, "enterprises") == 2


def test_watch_list_history(db, clerk, admin, district_admin):
    ent = new_enterprise(db, clerk, 1)
    d1, d2, d3 = date(2026, 1, 5), date(2026, 3, 2), date(2026, 6, 1)
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, ent, "欠薪风险", d1)
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            enterprises.list_on_watch(s, ent, "再次列入", d1)
    assert codes(err) == ["watch.already_listed"]
    for actor in (clerk, admin):
        with pytest.raises(PermissionDenied):
            with db.session(actor) as s:
                enterprises.unlist_from_watch(s, ent, "已整改", d2)
    with db.session(district_admin) as s:
        entry = enterprises.unlist_from_watch(s, ent, "已整改", d2)
        assert entry.recorded_by == "district"
        assert entry.station_id == DISTRICT_OWNER_ID  # removals are the district's rows
    with pytest.raises(ValidationError) as err:
        with db.session(district_admin) as s:
            enterprises.unlist_from_watch(s, ent, "再次移出", d2)
    assert codes(err) == ["watch.not_listed"]
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, ent, "裁员", d3)
    with db.reader() as s:
        history = enterprises.watch_history(s, ent)
        assert [(h.action, h.entry_date, h.reason) for h in history] == [
            ("listed", d1, "欠薪风险"), ("unlisted", d2, "已整改"), ("listed", d3, "裁员")
        ]
        expected = {
            d1 - timedelta(days=1): False, d1: True, d2 - timedelta(days=1): True,
            d2: False, d3 - timedelta(days=1): False, d3: True, None: True,
        }
        for as_of, listed in expected.items():
            assert enterprises.is_watch_listed(s, ent, as_of) is listed, as_of
        on_list = enterprises.watch_list(s)
        assert [(e.id, d, r) for e, d, r in on_list] == [(ent, d3, "裁员")]
        assert enterprises.watch_list(s, d2) == []


# =========================================================================== hardship


def test_one_open_file_per_household_head(db, clerk):
    case = new_case(db, clerk, 1)
    assert case.status == "open" and case.last_review_date == case.registered_date
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            hardship.open_case(s, case.member_id, CASE)
    assert codes(err) == ["case.exists"]


def test_reversal(db, clerk, admin, db_path):
    case = new_case(db, clerk, 1)
    with db.session(clerk) as s:
        entry = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": "500.10",
                                                "entry_date": "2026-02-01"})
    assert entry.amount_fen == 50010
    original = q(db_path, "SELECT * FROM ledger_entries WHERE id = ?", entry.id)
    with db.session(admin) as s:
        rev = hardship.reverse_entry(s, entry.id, "金额录错", "2026-02-03")
    assert rev.amount_fen == -50010 and rev.reverses_id == entry.id
    assert rev.kind == entry.kind and rev.case_id == entry.case_id
    assert q(db_path, "SELECT * FROM ledger_entries WHERE id = ?", entry.id) == original
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            hardship.reverse_entry(s, entry.id, "再冲一次")
    assert codes(err) == ["ledger.already_reversed"]
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            hardship.reverse_entry(s, rev.id, "冲正的冲正")
    assert "ledger.reversal_of_reversal" in codes(err)
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            e2 = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": 100,
                                                 "entry_date": "2026-03-01"})
        with db.session(admin) as s:
            hardship.reverse_entry(s, e2.id, "日期早于原记录", "2026-02-28")
    assert codes(err) == ["date.before"]
    with db.reader() as s:
        assert hardship.ledger_totals(s, case_id=case.id, group_by=()).total == 10000
        assert hardship.reconcile(s) == []


def test_a_correction_belongs_to_the_corrected_ledger_and_year(db, clerk, district_admin):
    """A reversal made elsewhere (the district) or in a later year moves no money between
    stations or years: the pair counts for nothing everywhere."""
    case = new_case(db, clerk, 2)
    with db.session(clerk) as s:
        entry = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": "300",
                                                "entry_date": "2025-12-20"})
        kept = hardship.add_entry(s, case.id, {"kind": "送温暖", "amount": "200",
                                               "entry_date": "2025-12-21"})
    with db.session(district_admin) as s:
        rev = hardship.reverse_entry(s, entry.id, "重复发放", "2026-01-05")
    assert rev.station_id == entry.station_id == db.station_id
    with db.reader() as s:
        by_year = hardship.ledger_totals(s, group_by=("year",)).by_key
        assert by_year == {(2025,): kept.amount_fen}
        by_station = hardship.ledger_totals(s, group_by=("station",)).by_key
        assert by_station == {(db.station_id,): kept.amount_fen}
        # as of a date before the reversal, the payment still counted
        before = hardship.ledger_totals(s, group_by=(), as_of=date(2025, 12, 31)).total
        assert before == entry.amount_fen + kept.amount_fen


def test_paid_kinds_need_an_amount(db, clerk):
    case = new_case(db, clerk, 1)
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            hardship.add_entry(s, case.id, {"kind": "送温暖"})
    assert codes(err) == ["ledger.amount_required"]
    with db.session(clerk) as s:
        visit = hardship.add_entry(s, case.id, {"kind": "入户走访"})
    assert visit.amount_fen == 0 and visit.entry_date == TODAY


LEDGER_START = date(2024, 1, 1)
KINDS = ["condolence", "winter", "summer", "home_visit", "legal_aid", "other"]


@dataclass
class LedgerModel:
    entries: list[dict] = field(default_factory=list)

    def effective_total(self) -> int:
        reversed_ids = {e["reverses"] for e in self.entries if e["reverses"]}
        return sum(e["amount"] for e in self.entries
                   if not e["reverses"] and e["id"] not in reversed_ids)


ops_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 1), st.sampled_from(KINDS),
                  st.integers(1, 500_000), st.integers(0, (TODAY - LEDGER_START).days)),
        st.tuples(st.just("reverse"), st.integers(0, 40), st.integers(0, 30)),
    ),
    min_size=1,
    max_size=14,
)


@settings(deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=ops_strategy)
def test_ledger_totals_always_reconcile(template_db, tmp_path_factory, ops):
    path = tmp_path_factory.mktemp("ledger") / "station.sqlite3"
    shutil.copy(template_db, path)
    db = open_database(path, check=False)
    admin = Actor("admin", "station_admin", 1, "站长")
    try:
        case_ids = [new_case(db, admin, n).id for n in (1, 2)]
        model = LedgerModel()
        for op in ops:
            if op[0] == "add":
                _, which, kind, amount, day = op
                when = LEDGER_START + timedelta(days=day)
                with db.session(admin) as s:
                    e = hardship.add_entry(s, case_ids[which], {
                        "kind": kind, "amount": f"{amount // 100}.{amount % 100:02d}",
                        "entry_date": when})
                model.entries.append({"id": e.id, "amount": amount, "reverses": None,
                                      "date": when})
                assert e.amount_fen == amount
            else:
                _, index, later = op
                if not model.entries:
                    continue
                target = model.entries[index % len(model.entries)]
                reversed_ids = {x["reverses"] for x in model.entries if x["reverses"]}
                allowed = target["reverses"] is None and target["id"] not in reversed_ids
                when = min(target["date"] + timedelta(days=later), TODAY)
                if allowed:
                    with db.session(admin) as s:
                        r = hardship.reverse_entry(s, target["id"], "冲正", when)
                    model.entries.append({"id": r.id, "amount": -target["amount"],
                                          "reverses": target["id"], "date": when})
                else:
                    with pytest.raises(ValidationError):
                        with db.session(admin) as s:
                            hardship.reverse_entry(s, target["id"], "冲正", when)
        expected = model.effective_total()
        with db.reader() as s:
            grand = hardship.ledger_totals(s, group_by=()).total
            assert grand == expected
            for grouping in (("case",), ("kind",), ("year",), ("station",),
                             ("case", "kind", "year")):
                totals = hardship.ledger_totals(s, group_by=grouping)
                assert totals.total == grand, grouping
            by_case = hardship.ledger_totals(s, group_by=("case",)).by_key
            for cid in case_ids:
                assert by_case.get((cid,), 0) == hardship.ledger_totals(
                    s, case_id=cid, group_by=()).total
            by_year = hardship.ledger_totals(s, group_by=("year",)).by_key
            assert set(k[0] for k in by_year) <= {2024, 2025, 2026, 2027}
            for (year,), total in by_year.items():
                assert hardship.ledger_totals(s, year=year, group_by=()).total == total
            effective = s.execute(hardship.effective_entries()).scalars().all()
            assert sum(e.amount_fen for e in effective) == grand
            assert hardship.reconcile(s) == []
    finally:
        db.close()


def test_education_aid_once_per_student_and_year(db, clerk, admin):
    case = new_case(db, clerk, 1, category="子女教育")

    def aid(student, when, actor=clerk):
        with db.session(actor) as s:
            return hardship.add_entry(s, case.id, {"kind": "金秋助学", "amount": 1000,
                                                   "beneficiary": student, "entry_date": when})

    first = aid("小明", "2025-09-01")
    with pytest.raises(ValidationError) as err:
        aid("小明", "2025-10-01")
    assert codes(err) == ["ledger.education_twice"]
    aid("小红", "2025-10-01")
    aid("小明", "2026-09-01")
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            hardship.add_entry(s, case.id, {"kind": "金秋助学", "amount": 1000})
    assert codes(err) == ["ledger.beneficiary_required"]
    # a reversed aid does not count: the student can be aided again that year
    with db.session(admin) as s:
        hardship.reverse_entry(s, first.id, "发错人", "2025-09-02")
    aid("小明", "2025-10-02")


@pytest.mark.parametrize("when,cover", [
    ("2025-01-10", 2025), ("2025-10-19", 2025), ("2025-10-20", 2026), ("2025-12-20", 2026),
])
def test_mutual_aid_cover_year(db, clerk, when, cover):
    case = new_case(db, clerk, 1)
    with db.session(clerk) as s:
        e = hardship.add_entry(s, case.id, {"kind": "医疗互助保障", "amount": 60,
                                            "entry_date": when})
    assert e.cover_year == cover
    with db.session(clerk) as s:
        other = hardship.add_entry(s, case.id, {"kind": "医疗互助保障", "amount": 60,
                                                "entry_date": when, "cover_year": 2025})
    assert other.cover_year == 2025


def test_review_and_file_queries(db, clerk, admin, db_path):
    old = new_case(db, clerk, 1, registered_date="2024-01-10")
    fresh = new_case(db, clerk, 2, registered_date="2025-06-01")
    helped = new_case(db, clerk, 3, registered_date="2025-06-01")
    with db.session(clerk) as s:
        hardship.add_entry(s, helped.id, {"kind": "入户走访", "entry_date": "2025-06-02"})
        reversed_only = hardship.add_entry(s, fresh.id, {"kind": "慰问金", "amount": 10,
                                                         "entry_date": "2025-06-02"})
    with db.session(admin) as s:
        hardship.reverse_entry(s, reversed_only.id, "错", "2025-06-03")
    with db.reader() as s:
        due = lambda d: {c.id for c in hardship.due_for_review(s, as_of=d)}  # noqa: E731
        assert due(date(2025, 1, 9)) == set()
        assert due(date(2025, 1, 10)) == {old.id}
        assert due(date(2026, 6, 1)) == {old.id, fresh.id, helped.id}
        assert {c.id for c in hardship.never_helped(s)} == {old.id, fresh.id}
    with db.session(clerk) as s:
        hardship.record_review(s, old.id, "2025-12-01")
    with db.reader() as s:
        assert {c.id for c in hardship.due_for_review(s, as_of=date(2026, 6, 1))} == {
            fresh.id, helped.id}
    # exit: station admins; an exited file takes no entries and leaves the open lists
    with db.session(admin) as s:
        hardship.exit_case(s, old.id, "2026-01-31", "再就业")
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            hardship.add_entry(s, old.id, {"kind": "入户走访"})
    assert codes(err) == ["case.not_open"]
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            hardship.exit_case(s, old.id, "2026-02-01", "再次")
    assert codes(err) == ["case.already_closed"]
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            hardship.exit_case(s, fresh.id, "2025-05-01", "早于建档")
    assert codes(err) == ["case.closed_before_registered"]
    with db.reader() as s:
        assert [c.id for c in hardship.exited_cases(s)] == [old.id]
        exited = s.get(HardshipCase, old.id)
        assert (exited.status, exited.exit_date, exited.exit_reason) == (
            "exited", date(2026, 1, 31), "再就业")
        assert old.id not in {c.id for c in hardship.never_helped(s)}
        assert old.id not in {c.id for c in hardship.due_for_review(s, as_of=date(2027, 6, 1))}


def test_not_updated_for_a_year(db, clerk):
    """一年未改: neither the file nor its ledger changed for a year."""
    long_ago = str(Stamp(wall_ms() - 2 * 365 * 86_400_000, 0, "0ld0ld0ld0ld0ld0"))
    m_ids = [register(db, clerk, n, f"户主{'甲乙丙'[n - 1]}").id for n in (1, 2, 3)]
    case_ids = [uuid7() for _ in m_ids]
    registered = TODAY - timedelta(days=700)
    with db.session(SYSTEM_SYNC, source="sync") as s:  # files last changed two years ago
        for cid, mid, review in zip(case_ids, m_ids,
                                    (registered, registered, TODAY - timedelta(days=30)),
                                    strict=True):
            s.add(HardshipCase(id=cid, station_id=KY01, hlc=long_ago, member_id=mid,
                               category="illness", level="deep", household_size=2,
                               registered_date=registered, last_review_date=review,
                               status="open"))
    stale, with_entry, reviewed = case_ids
    with db.session(clerk) as s:
        hardship.add_entry(s, with_entry, {"kind": "入户走访",
                                           "entry_date": TODAY - timedelta(days=60)})
    recent = new_case(db, clerk, 4, registered_date=registered)
    with db.reader() as s:
        found = {c.id for c in hardship.not_updated_for_year(s, as_of=TODAY)}
    assert found == {stale}
    assert recent.id not in found


# =========================================================================== visits


def test_weekly_compliance(db, clerk):
    e1, e2, e3 = (new_enterprise(db, clerk, n) for n in (1, 2, 3))
    monday = date(2026, 3, 2)
    iso = monday.isocalendar()
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, e3, "劳资隐患", monday - timedelta(days=7))

    def visit(ent, day, **extra):
        with db.session(clerk) as s:
            return visits.record_visit(s, {"visit_date": monday + timedelta(days=day),
                                           "enterprise_id": ent, "visitors": "王五",
                                           **extra}).visit

    with db.reader() as s:
        c = visits.weekly_compliance(s, KY01, iso[0], iso[1])
    assert (c.visits, c.required, c.shortfall, c.met) == (0, 2, 2, False)
    assert [i for i, _ in c.overdue_watch_listed] == [e3]
    visit(e1, 0)
    tomb = visit(e2, 1)
    with db.session(clerk) as s:
        s.delete(s.get(Visit, tomb.id))
    with db.reader() as s:
        c = visits.weekly_compliance(s, KY01, iso[0], iso[1])
    assert (c.visits, c.shortfall) == (1, 1)
    visit(e2, 2)
    with db.reader() as s:
        c = visits.weekly_compliance(s, KY01, iso[0], iso[1])
    assert (c.visits, c.shortfall, c.met) == (2, 0, False)
    assert [n for _, n in c.overdue_watch_listed] == ["企业3"]
    visit(e3, 6, kind="重点监管走访")
    visit(e1, 7)  # next week's Monday: not this week
    with db.reader() as s:
        c = visits.weekly_compliance(s, KY01, iso[0], iso[1])
        assert (c.visits, c.shortfall, c.overdue_watch_listed, c.met) == (3, 0, (), True)
        nxt = visits.weekly_compliance(s, KY01, *(monday + timedelta(days=7)).isocalendar()[:2])
        assert (nxt.visits, nxt.shortfall) == (1, 1)
        assert [i for i, _ in nxt.overdue_watch_listed] == [e3]
        assert len(visits.visits_in_week(s, KY01, iso[0], iso[1])) == 3


def test_abnormal_visits(db, clerk):
    ent = new_enterprise(db, clerk, 1)
    base = {"visit_date": TODAY, "enterprise_id": ent, "visitors": "王五"}
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            visits.record_visit(s, {**base, "operating_status": "异常"})
    assert codes(err) == ["visit.flags_required"]
    with db.session(clerk) as s:
        result = visits.record_visit(s, {**base, "operating_status": "异常",
                                         "flags": "欠薪、裁员", "workers_involved": 12})
    assert result.visit.flags == "wage_arrears,layoffs"
    assert result.propose_listing and "欠薪" in result.propose_listing
    with db.reader() as s:
        warnings = visits.early_warnings(s, station_id=KY01)
    assert [(w.enterprise_id, w.reason) for w in warnings] == [(ent, "abnormal")]
    # once listed, no proposal; the abnormal finding stays a warning until closed
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, ent, result.propose_listing)
        again = visits.record_visit(s, {**base, "operating_status": "abnormal",
                                        "flags": ["wage_arrears"]})
    assert again.propose_listing is None
    with db.session(clerk) as s:
        visits.close_follow_up(s, result.visit.id)
        visits.close_follow_up(s, again.visit.id)
    with db.reader() as s:
        reasons = {w.reason for w in visits.early_warnings(s, station_id=KY01)}
    assert reasons == set()  # visited this week, follow-ups closed


def test_watch_listed_enterprise_not_visited_raises_a_warning(db, clerk):
    ent = new_enterprise(db, clerk, 1)
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, ent, "欠薪风险", TODAY - timedelta(days=14))
    with db.reader() as s:
        warnings = visits.early_warnings(s, station_id=KY01)
    assert [(w.enterprise_id, w.reason) for w in warnings] == [(ent, "watch_unvisited")]


def test_station_visits_are_district_work(db, clerk, admin, district_admin):
    """Refused in a station's file whoever asks (tests/unit/test_station_visits.py
    records them at the district)."""
    base = {"visit_date": TODAY, "kind": "站点调研", "target_station_id": KY01,
            "visitors": "区总工会"}
    for actor in (clerk, admin, district_admin):
        with pytest.raises(ValidationError) as err:
            with db.session(actor) as s:
                visits.record_visit(s, base)
        assert codes(err) == ["visit.station_at_district"]
    ent = new_enterprise(db, clerk, 1)
    with pytest.raises(ValidationError) as err:
        with db.session(district_admin) as s:
            visits.record_visit(s, {**base, "enterprise_id": ent})
    assert codes(err) == ["visit.station_kind"]
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            visits.record_visit(s, {"visit_date": TODAY, "visitors": "王五"})
    assert codes(err) == ["visit.target_required"]


# =========================================================================== metrics


@contextmanager
def as_station(db, code: str | None) -> Iterator[str]:
    """Write as another station (or the district) would, as the district sees after sync."""
    sid = station_id_for(code) if code else DISTRICT_OWNER_ID
    saved = db._station_id
    db._station_id = sid
    try:
        yield sid
    finally:
        db._station_id = saved


@dataclass
class World:
    """What the test inserted, as plain Python, to count independently of SQL."""

    key: dict[str, bool] = field(default_factory=dict)  # station id -> key station
    area: dict[str, str] = field(default_factory=dict)  # enterprise -> station
    watch: list[tuple[str, date, str]] = field(default_factory=list)
    visits: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    cases: dict[str, dict] = field(default_factory=dict)
    ledger: list[dict] = field(default_factory=list)


def expected_figures(w: World, d: date, sid: str | None) -> dict[str, int]:
    y0 = date(d.year, 1, 1)

    def mine(row_station: str) -> bool:
        return sid is None or row_station == sid

    def in_year(x: date) -> bool:
        return y0 <= x <= d

    def listed_on(ent: str, day: date) -> bool:
        state = False
        for e, when, action in sorted(w.watch, key=lambda t: t[1]):
            if e == ent and when <= day:
                state = action == "listed"
        return state

    live_visits = [v for v in w.visits if not v["deleted"]]
    ent_visits = [v for v in live_visits if v["enterprise"] and in_year(v["date"])
                  and mine(v["station"])]
    key_stations = [s for s, k in w.key.items() if k and mine(s)]
    visited_targets = {v["target"] for v in live_visits if v["kind"] == "station"
                       and in_year(v["date"])}
    live_events = [e for e in w.events if not e["deleted"] and in_year(e["date"])
                   and mine(e["station"])]

    def ev(kind, what=None):
        rows = [e for e in live_events if e["kind"] == kind]
        return len(rows) if what is None else sum(e[what] for e in rows)

    reversal_dates = {e["reverses"]: e["date"] for e in w.ledger if e["reverses"]}
    counting = [e for e in w.ledger if not e["reverses"] and e["date"] <= d
                and not (e["id"] in reversal_dates and reversal_dates[e["id"]] <= d)]
    on_file = {cid for cid, c in w.cases.items() if mine(c["station"])
               and c["registered"] <= d and (c["exit"] is None or c["exit"] > d)}
    visited_cases = {e["case"] for e in counting if e["kind"] == "home_visit"
                     and e["date"] >= y0} & on_file
    insured = {e["case"] for e in counting if e["kind"] == "medical_mutual_aid"
               and e["cover_year"] == d.year} & on_file
    paid = [e for e in counting if e["date"] >= y0 and mine(w.cases[e["case"]]["station"])]

    # quota weeks: complete ISO weeks of D's year, per station
    stations_counted = [s for s in w.key if mine(s)]
    weeks = []
    monday = date.fromisocalendar(d.year, 1, 1)
    while monday + timedelta(days=6) <= d and monday.isocalendar()[0] == d.year:
        weeks.append(monday)
        monday += timedelta(days=7)
    met = 0
    for st_id in stations_counted:
        for mon in weeks:
            sun = mon + timedelta(days=6)
            seen = [v["enterprise"] for v in live_visits if v["enterprise"]
                    and v["station"] == st_id and mon <= v["date"] <= sun]
            watched = {e for e, s in w.area.items() if s == st_id and listed_on(e, sun)}
            if len(seen) >= 2 and watched <= set(seen):
                met += 1

    return {
        "key_stations_total": len(key_stations),
        "key_stations_visited": len(set(key_stations) & visited_targets),
        "enterprise_visits": len(ent_visits),
        "enterprise_visits_watchlisted": sum(listed_on(v["enterprise"], v["date"])
                                             for v in ent_visits),
        "dispute_workers_served": sum(v["workers"] for v in ent_visits
                                      if v["kind"] == "dispute"),
        "legal_events": ev("legal"),
        "legal_migrant_person_times": ev("legal", "migrants"),
        "hardship_cases_open": len(on_file),
        "hardship_cases_visited": len(visited_cases),
        "hardship_cases_insured": len(insured),
        "hardship_paid_fen": sum(e["amount"] for e in paid),
        "training_events": ev("training"),
        "training_person_times": ev("training", "people"),
        "inclusive_events": ev("inclusive"),
        "inclusive_person_times": ev("inclusive", "people"),
        "quota_weeks_met": met,
        "quota_weeks_total": len(weeks) * len(stations_counted),
    }


KIND_CODES = {"routine": "日常走访", "watch": "重点监管走访", "dispute": "劳资纠纷处置",
              "injury": "工伤探视", "station": "站点调研"}
EVENT_CODES = {"legal": "法律服务", "training": "提素", "inclusive": "普惠"}
LEDGER_CODES = {"home_visit": "入户走访", "medical_mutual_aid": "医疗互助保障",
                "condolence": "慰问金", "education_aid": "金秋助学"}


def build_world(db, admin, district: Actor) -> World:
    w = World()
    # stations: KY01 (this one), KY02 and KY03 key, KY04 not key
    with db.session(district) as s:
        for code, key in (("KY01", True), ("KY02", True), ("KY03", True), ("KY04", False)):
            st_row = stations.upsert_station(s, code, f"站点{code}", is_key=key) if code != \
                "KY01" else stations.set_station(s, code, is_key=True)
            w.key[st_row.id] = key
        stations.set_target(s, 2025, "training_events", 40)
    assert set(w.key) == {station_id_for(c) for c in ("KY01", "KY02", "KY03", "KY04")}

    n = [0]

    def enterprise(code: str) -> str:
        n[0] += 1
        with as_station(db, code) as sid, db.session(admin) as s:
            eid = enterprises.register_enterprise(s, {"name": f"{code}企业{n[0]}",
                                                      "credit_code": credit(n[0])}).id
        w.area[eid] = sid
        return eid

    e1, e2, e3 = enterprise("KY01"), enterprise("KY01"), enterprise("KY01")
    f1 = enterprise("KY02")

    def watch(ent, when, action):
        actor = admin if action == "listed" else district
        with db.session(actor) as s:
            if action == "listed":
                enterprises.list_on_watch(s, ent, "隐患", when)
            else:
                enterprises.unlist_from_watch(s, ent, "整改", when)
        w.watch.append((ent, when, action))

    watch(e3, date(2025, 2, 3), "listed")
    watch(e3, date(2025, 5, 5), "unlisted")
    watch(f1, date(2025, 1, 6), "listed")

    def visit(code, when, kind, ent=None, target=None, workers=0, deleted=False):
        actor = district if kind == "station" else admin
        with as_station(db, code) as sid, db.session(actor) as s:
            v = visits.record_visit(s, {"visit_date": when, "kind": KIND_CODES[kind],
                                        "enterprise_id": ent,
                                        "target_station_id": station_id_for(target)
                                        if target else None,
                                        "visitors": "走访人", "workers_served": workers}).visit
            if deleted:
                s.delete(v)
        w.visits.append({"station": sid, "date": when, "kind": kind, "enterprise": ent,
                         "target": station_id_for(target) if target else None,
                         "workers": workers, "deleted": deleted})

    # station visits by the district
    visit(None, date(2025, 3, 10), "station", target="KY02")
    visit(None, date(2025, 4, 1), "station", target="KY02")
    visit(None, date(2025, 8, 1), "station", target="KY03")
    visit(None, date(2025, 2, 1), "station", target="KY04")
    visit(None, date(2024, 11, 1), "station", target="KY01")
    visit(None, date(2025, 5, 5), "station", target="KY01", deleted=True)
    # enterprise visits
    visit("KY01", date(2025, 1, 7), "routine", e1)
    visit("KY01", date(2025, 1, 8), "routine", e2)
    visit("KY01", date(2025, 1, 9), "routine", e3)
    visit("KY01", date(2025, 2, 4), "watch", e3)
    visit("KY01", date(2025, 3, 12), "dispute", e1, workers=30)
    visit("KY01", date(2025, 7, 15), "dispute", e2, workers=45)
    visit("KY01", date(2024, 12, 20), "injury", e1)
    visit("KY01", date(2025, 4, 2), "routine", e2, deleted=True)
    visit("KY01", date(2025, 6, 10), "routine", e3)
    visit("KY01", date(2025, 6, 30), "dispute", e3, workers=7)
    visit("KY02", date(2025, 1, 7), "watch", f1)
    visit("KY02", date(2025, 2, 12), "dispute", f1, workers=20)
    visit("KY02", date(2025, 9, 9), "routine", f1)
    visit("KY02", date(2025, 9, 10), "routine", f1)

    def event(code, when, kind, people, migrants=0, deleted=False):
        with as_station(db, code) as sid, db.session(admin) as s:
            ev = events.record_event(s, {"kind": EVENT_CODES[kind], "event_date": when,
                                         "title": f"{kind}活动", "person_times": people,
                                         "migrant_person_times": migrants})
            if deleted:
                events.delete_event(s, ev.id)
        w.events.append({"station": sid, "date": when, "kind": kind, "people": people,
                         "migrants": migrants, "deleted": deleted})

    event("KY01", date(2025, 3, 1), "legal", 120, 80)
    event("KY01", date(2025, 8, 1), "legal", 200, 150)
    event("KY01", date(2024, 5, 1), "legal", 50, 10)
    event("KY02", date(2025, 4, 1), "legal", 100, 90)
    event("KY01", date(2025, 2, 2), "training", 40)
    event("KY01", date(2025, 5, 5), "training", 35)
    event("KY02", date(2025, 10, 10), "training", 50)
    event("KY01", date(2025, 3, 3), "training", 99, deleted=True)
    event("KY01", date(2025, 6, 30), "inclusive", 300)
    event("KY02", date(2025, 7, 1), "inclusive", 150)

    people = [100]

    def case(code, registered) -> str:
        people[0] += 1
        with as_station(db, code) as sid, db.session(admin) as s:
            m = members.register_member(s, {"name": "困难户", "id_number": make_id(people[0])})
            c = hardship.open_case(s, m.id, {**CASE, "registered_date": registered})
        w.cases[c.id] = {"station": sid, "registered": registered, "exit": None}
        return c.id

    def entry(cid, when, kind, amount=0, **extra) -> str:
        code = next(c for c in ("KY01", "KY02")
                    if station_id_for(c) == w.cases[cid]["station"])
        with as_station(db, code), db.session(admin) as s:
            e = hardship.add_entry(s, cid, {"kind": LEDGER_CODES[kind], "entry_date": when,
                                            "amount": amount, **extra})
        w.ledger.append({"id": e.id, "case": cid, "date": when, "kind": kind,
                         "amount": e.amount_fen, "cover_year": e.cover_year, "reverses": None})
        return e.id

    def reverse(eid, when):
        original = next(e for e in w.ledger if e["id"] == eid)
        with db.session(admin) as s:
            r = hardship.reverse_entry(s, eid, "冲正", when)
        w.ledger.append({**original, "id": r.id, "date": when, "amount": -original["amount"],
                         "reverses": eid})

    c1 = case("KY01", date(2024, 3, 1))
    entry(c1, date(2025, 2, 10), "home_visit")
    entry(c1, date(2024, 11, 1), "medical_mutual_aid", 100)  # covers 2025
    entry(c1, date(2025, 1, 20), "condolence", 500)
    entry(c1, date(2024, 6, 1), "condolence", 300)  # last year's money
    c2 = case("KY01", date(2025, 1, 15))
    reverse(entry(c2, date(2025, 3, 1), "home_visit"), date(2025, 3, 5))
    reverse(entry(c2, date(2025, 2, 1), "medical_mutual_aid", 100), date(2025, 8, 1))
    c3 = case("KY01", date(2025, 2, 1))
    entry(c3, date(2025, 4, 4), "home_visit")
    entry(c3, date(2025, 4, 4), "condolence", 800)
    with db.session(admin) as s:
        hardship.exit_case(s, c3, date(2025, 9, 30), "再就业")
    w.cases[c3]["exit"] = date(2025, 9, 30)
    c4 = case("KY01", date(2025, 7, 1))
    entry(c4, date(2025, 10, 25), "medical_mutual_aid", 100)  # covers 2026
    entry(c4, date(2025, 7, 2), "home_visit")
    c5 = case("KY02", date(2024, 6, 1))
    entry(c5, date(2025, 5, 5), "home_visit")
    entry(c5, date(2024, 12, 1), "medical_mutual_aid", 100)
    entry(c5, date(2025, 9, 1), "education_aid", 1000, beneficiary="小红")
    return w


def test_work_summary_counts_what_was_recorded(db, admin, district_admin):
    world = build_world(db, admin, district_admin)
    d1, d2 = date(2025, 6, 30), date(2025, 12, 31)
    # hand-checked anchors, so the oracle itself is pinned down
    anchors = {
        (d1, None): {"key_stations_total": 3, "key_stations_visited": 1,
                     "enterprise_visits": 9, "enterprise_visits_watchlisted": 3,
                     "dispute_workers_served": 57, "legal_events": 2,
                     "legal_migrant_person_times": 170, "hardship_cases_open": 4,
                     "hardship_cases_visited": 3, "hardship_cases_insured": 3,
                     "training_events": 2, "inclusive_person_times": 300,
                     "quota_weeks_met": 1},
        (d2, None): {"key_stations_visited": 2, "hardship_cases_open": 4,
                     "hardship_cases_visited": 3, "hardship_cases_insured": 2,
                     "training_events": 3, "legal_events": 3},
        (d1, KY01): {"key_stations_total": 1, "key_stations_visited": 0,
                     "enterprise_visits": 7, "hardship_cases_open": 3,
                     "hardship_cases_visited": 2, "hardship_cases_insured": 2,
                     "hardship_paid_fen": 50000 + 10000 + 80000},
        (d2, KY01): {"hardship_cases_open": 3, "hardship_cases_visited": 2,
                     "hardship_cases_insured": 1,
                     "hardship_paid_fen": 50000 + 80000 + 10000},
    }
    with db.reader() as s:
        for as_of in (d1, d2):
            for sid in (None, KY01, station_id_for("KY02"), station_id_for("KY04")):
                expected = expected_figures(world, as_of, sid)
                for code, value in anchors.get((as_of, sid), {}).items():
                    assert expected[code] == value, ("oracle", as_of, sid, code)
                summary = metrics.compute_summary(s, as_of, sid)
                got = {k: summary.values[k] for k in expected}
                assert got == expected, (as_of, sid)
                assert sum(summary.paid_by_kind.values()) == expected["hardship_paid_fen"]
                # the records behind a count figure are the figure
                for code in ("enterprise_visits", "hardship_cases_open"):
                    rows = metrics.metric_rows(s, code, metrics.Scope(as_of, sid))
                    assert len(rows) == expected[code]
        district = metrics.compute_summary(s, d1)
        assert [tuple(t[:4]) for t in district.targets] == [("training_events", None, 40, 2)]


# =========================================================================== users


def test_passwords_are_scrypt_hashes():
    stored = users.hash_password("correct horse")
    assert stored.startswith("scrypt$")
    assert "correct horse" not in stored
    assert users.verify_password("correct horse", stored)
    assert not users.verify_password("correct hors", stored)
    assert users.hash_password("correct horse") != stored  # salted
    assert not users.verify_password("x", "md5$abc")
    assert not users.verify_password("x", "garbage")


def test_login(db, db_path):
    with db.session(SYSTEM_LOGIN) as s:
        actor = users.authenticate(s, "ADMIN ", "admin-pass-1")
    assert (actor.username, actor.role, actor.display_name) == ("admin", "station_admin", "站长")
    before = q(db_path, "SELECT count(*) FROM audit_log WHERE action = 'login-failed'")[0][0]
    for name, pw in (("admin", "wrong-password"), ("nobody", "whatever-1")):
        with pytest.raises(ValidationError) as err:
            with db.session(SYSTEM_LOGIN) as s:
                users.authenticate(s, name, pw)
        assert codes(err) == ["user.login_failed"]
    failed = q(db_path, "SELECT detail FROM audit_log WHERE action = 'login-failed' ORDER BY id")
    assert len(failed) == before + 2
    assert '"admin"' in failed[-2][0] and '"nobody"' in failed[-1][0]
    # a caller that handles the error inside the unit of work records it once too
    with db.session(SYSTEM_LOGIN) as s:
        with pytest.raises(ValidationError):
            users.authenticate(s, "admin", "wrong-again")
    assert q(db_path, "SELECT count(*) FROM audit_log WHERE action = 'login-failed'")[0][0] == \
        before + 3


def test_inactive_users_and_short_passwords(db, admin, db_path):
    with db.session(admin) as s:
        users.create_user(s, "clerk2", "long-enough", "clerk", "小王")
    with db.session(admin) as s:
        users.set_active(s, "clerk2", False)
    with pytest.raises(ValidationError) as err:
        with db.session(SYSTEM_LOGIN) as s:
            users.authenticate(s, "clerk2", "long-enough")
    assert codes(err) == ["user.inactive"]
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            users.create_user(s, "clerk3", "short", "clerk")
    assert codes(err) == ["user.password_short"]
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            users.reset_password(s, "clerk2", "1234567")
    assert codes(err) == ["user.password_short", "user.password_sequence"]
    with pytest.raises(ValidationError) as err:
        with db.session(admin) as s:
            users.create_user(s, "clerk2", "long-enough", "clerk")
    assert codes(err) == ["user.exists"]
    assert q(db_path, "SELECT count(*) FROM users WHERE username = 'clerk3'") == [(0,)]
    with db.session(admin) as s:
        users.set_active(s, "clerk2", True)
        users.reset_password(s, "clerk2", "new-password")
    with db.session(SYSTEM_LOGIN) as s:
        assert users.authenticate(s, "clerk2", "new-password").role == "clerk"


# =========================================================================== no Qt


def test_core_imports_without_qt():
    code = """
import importlib, pkgutil, sys
sys.modules['PySide6'] = None  # any 'import PySide6…' now fails
import station_app.domain.services as services
names = ['station_app.storage.database', 'station_app.storage.backup',
         'station_app.storage.outbox', 'sync']
names += [m.name for m in pkgutil.iter_modules(services.__path__, services.__name__ + '.')]
import sync
names += [m.name for m in pkgutil.walk_packages(sync.__path__, 'sync.')]
if importlib.util.find_spec('station_app.cli') is not None:
    names.append('station_app.cli')
for name in names:
    importlib.import_module(name)
if 'station_app.cli' in names:
    import station_app.cli as cli
    assert callable(cli.main)
assert not any(m == 'PySide6' or m.startswith('PySide6.') for m in sys.modules
               if sys.modules[m] is not None)
print(len(names))
"""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 12

