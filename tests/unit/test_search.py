"""Search that finds, lists in pinyin order (issue 14, item 9): a phone's last digits, a
given name's pinyin alone, the usual reading ranked before rarer ones, and lists sorted
by a stored pinyin sort key (安 before 丁) — kept by the capture hook, the bulk path and
revision 0013, on a real station file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station_app.domain.derived import phone_tail
from station_app.domain.models import Member
from station_app.domain.pinyin import (
    COMMON,
    GIVEN,
    OTHER,
    ranked_keys,
    sort_key,
    sort_prefixes,
    surname_length,
)
from station_app.domain.services import members
from station_app.domain.validation import id_check_char
from station_app.storage.sqlfile import dbapi as sqlite3


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    born = born + timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def register_all(db, actor, people: list[tuple[str, str | None]]) -> dict[str, str]:
    """Register (name, phone) one by one; name → id (the last of a name)."""
    out = {}
    with db.session(actor) as s:
        for n, (name, phone) in enumerate(people):
            data = {"name": name, "id_number": make_id(500 + n)}
            if phone:
                data["phone"] = phone
            out[name] = members.register_member(s, data).id
    return out


def names(hits) -> list[str]:
    return [h.name for h in hits]


def stored(path, sql: str, *args) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


# --------------------------------------------------------------------------- keys


def test_the_usual_reading_ranks_first_and_the_given_name_has_keys_of_its_own():
    keys = dict(ranked_keys("王小明"))
    assert keys["wangxiaoming"] == keys["wxm"] == COMMON
    assert keys["xiaoming"] == keys["xm"] == GIVEN
    assert keys["wangxiaomeng"] == OTHER  # 明 read meng: rare
    # the rare readings that made "zs" find 曾俊 and 董思 on a par with 张三
    assert dict(ranked_keys("曾俊"))["zs"] == OTHER  # 俊 read shun
    assert dict(ranked_keys("董思"))["zs"] == OTHER  # 董 read zhong
    assert dict(ranked_keys("张三"))["zs"] == COMMON
    # a surname's own reading is the usual one: 曾 zeng, 单 shan
    assert dict(ranked_keys("曾俊"))["zengjun"] == COMMON
    assert dict(ranked_keys("单雄信"))["shanxiongxin"] == COMMON
    # a compound surname is cut off whole; a one-syllable given name has no initials key
    assert dict(ranked_keys("欧阳娜娜"))["nana"] == GIVEN
    assert ("w", GIVEN) not in ranked_keys("张伟")
    assert dict(ranked_keys("张伟"))["wei"] == GIVEN
    assert [surname_length(n) for n in ("张三", "欧阳娜娜", "爱新觉罗溥仪", "Anna", "")] == \
        [1, 2, 4, 0, 0]


@given(st.text(st.sampled_from("张王李赵钱孙曾单欧阳明小俊思伟娜乐行长AbZ ·"), max_size=6))
def test_ranked_keys_hold_every_search_key(name):
    """No key is lost by ranking: every key of ``search_keys`` is there, each once, with
    its best rank."""
    from station_app.domain.pinyin import search_keys

    ranked = ranked_keys(name)
    keys = [k for k, _r in ranked]
    assert keys == sorted(set(keys))
    assert set(search_keys(name)) <= set(keys)
    assert all(r in (COMMON, GIVEN, OTHER) for _k, r in ranked)


def test_sort_keys_give_pinyin_order():
    listed = ["丁一", "张三", "安娜", "曾小明", "吕布", "卢布", "王小明", "汪洋", "阿斌", "Anna"]
    assert sorted(listed, key=sort_key) == [
        "阿斌", "安娜", "Anna", "丁一", "卢布", "吕布", "汪洋", "王小明", "曾小明", "张三"]
    # a shorter syllable first (an before ang), a name before its longer namesakes
    assert sort_key("安") < sort_key("昂") and sort_key("张三") < sort_key("张三丰")
    # the same sounds keep apart by character, and each name has one key of its own
    assert sort_key("张伟") != sort_key("章伟")
    assert sort_key("张三") == "zhang1san10005f20004e09"
    assert all(c.isascii() and c.isalnum() and not c.isupper() for c in sort_key("Анна 张·3"))


@given(st.lists(st.text(st.sampled_from("安丁张章伟三明小曾单阿AbZ·1"), min_size=1, max_size=4),
                min_size=2, max_size=8))
def test_a_name_starting_with_text_has_one_of_its_sort_prefixes(names_):
    """What the name-prefix search reads of the sort index: every name that starts with
    ``text`` has a sort key starting with one of ``sort_prefixes(text)``."""
    for name in names_:
        for cut in range(1, len(name) + 1):
            prefixes = sort_prefixes(name[:cut])
            if prefixes is not None:
                assert any(sort_key(name).startswith(p) for p in prefixes), (name, cut)


@given(st.text(st.sampled_from("张王曾单万俟欧阳尉迟乐覃长行伟明俊思娜〇㐀𠀀"), min_size=1,
               max_size=5))
def test_the_quick_ways_give_the_general_answers(name):
    """Names of Chinese characters only take short cuts (the sort key from a per-character
    table, the given name's syllables from the whole name's): the same results as the
    general way."""
    from station_app.domain import pinyin

    assert pinyin._sort_key(name) == pinyin._sort_key_general(name)
    cut = surname_length(name)
    if cut and len(name) > cut:
        given = pinyin._syllables(name[cut:], with_context=False, surname=False)
        whole = pinyin._syllables(name, with_context=False)
        if len(whole) == len(name):
            assert whole[cut:] == given


def test_a_compound_surname_reads_its_first_character_otherwise():
    assert sort_key("万俟卨").startswith("mo4")  # 万俟 mo qi
    assert any(sort_key("万俟卨").startswith(p) for p in sort_prefixes("万"))
    assert any(sort_key("万里").startswith(p) for p in sort_prefixes("万"))


def test_phone_tails():
    assert phone_tail("13800138000") == "00083100831"
    assert phone_tail("0755-12345678") == "876543215570"
    assert phone_tail("0755-12345678-123") == "876543215570"  # the extension left out
    assert phone_tail("1234567-89") == "7654321"
    assert phone_tail(None) is None and phone_tail("") is None


# --------------------------------------------------------------------------- search


def test_a_phones_last_digits_find_it(db, clerk):
    ids = register_all(db, clerk, [("张三", "13800138000"), ("李四", "13912345678"),
                                   ("王五", "0755-28001234-56"), ("赵六", None)])
    with db.reader() as s:
        assert [h.id for h in members.search_members(s, "8000")] == [ids["张三"]]
        assert [h.id for h in members.search_members(s, "38000")] == [ids["张三"]]
        assert [h.id for h in members.search_members(s, "5678")] == [ids["李四"]]
        assert [h.id for h in members.search_members(s, "1234")] == [ids["王五"]]
        # from four digits; three are the start of a number only
        assert members.search_members(s, "000") == []
        # the tail reads an index: it is among the hits the search box shows at once
        assert [h.id for h in members.search_members(s, "8000", index_only=True)] == [
            ids["张三"]]
        # the first digits still find the phone, before its last ones
        assert names(members.search_members(s, "1391")) == ["李四"]


def test_a_phone_tail_follows_an_edit(db, clerk):
    ids = register_all(db, clerk, [("张三", "13800138000")])
    with db.session(clerk) as s:
        members.update_member(s, ids["张三"], {"phone": "13611112222"})
    with db.reader() as s:
        assert members.search_members(s, "8000") == []
        assert names(members.search_members(s, "2222")) == ["张三"]
    with db.session(clerk) as s:
        members.update_member(s, ids["张三"], {"phone": None})
    with db.reader() as s:
        assert members.search_members(s, "2222") == []


def test_a_given_names_pinyin_finds_it_after_whole_names(db, clerk):
    ids = register_all(db, clerk, [("王小明", None), ("肖明", None), ("李晓敏", None),
                                   ("张伟", None)])
    with db.reader() as s:
        hits = members.search_members(s, "xiaoming")
        # 肖明 is xiaoming as a whole name, before 王小明 by the given name alone
        assert names(hits) == ["肖明", "王小明"]
        assert hits[0].rank < hits[1].rank
        assert names(members.search_members(s, "xm")) == ["肖明", "李晓敏", "王小明"]
        assert [h.id for h in members.search_members(s, "wei")] == [ids["张伟"]]
        # spaces in pinyin are ignored: the whole name
        assert names(members.search_members(s, "wang xiaoming")) == ["王小明"]


def test_the_usual_reading_is_ranked_before_rare_ones(db, clerk):
    register_all(db, clerk, [("曾俊", None), ("董思", None), ("张三", None), ("赵四", None),
                             ("周顺", None)])
    with db.reader() as s:
        hits = members.search_members(s, "zs")
        assert names(hits[:3]) == ["张三", "赵四", "周顺"]  # zs in the usual reading
        assert set(names(hits[3:])) == {"曾俊", "董思"}  # zs only in a rare reading
        assert names(members.search_members(s, "zs", limit=3)) == ["张三", "赵四", "周顺"]
        # a rare reading still finds them when it is all there is
        assert names(members.search_members(s, "zhongsi")) == ["董思"]


def test_hits_of_a_tier_come_in_pinyin_order_and_page_without_gaps(db, clerk):
    people = [(n, None) for n in ("张伟", "张安", "张丁", "张朝", "张爱", "张佳", "张明",
                                  "张安", "张佳")]
    register_all(db, clerk, people)
    with db.reader() as s:
        whole = members.search_members(s, "张", limit=100)
        assert names(whole) == ["张爱", "张安", "张安", "张朝", "张丁", "张佳", "张佳",
                                "张明", "张伟"]
        for size in (1, 2, 4):
            pages, after = [], None
            while page := members.search_members(s, "张", limit=size, after=after):
                pages.extend(page)
                after = page[-1].cursor
            assert [h.id for h in pages] == [h.id for h in whole]


def test_the_members_list_pages_in_pinyin_order(db, clerk):
    people = [(n, None) for n in ("丁一", "张三", "安娜", "曾小明", "吕布", "卢布", "王小明",
                                  "安娜", "Anna")]
    register_all(db, clerk, people)
    with db.session(clerk) as s:  # one member left: the status filter
        first = s.execute(members.select(Member).where(Member.name == "卢布")).scalar_one()
        members.change_status(s, first.id, "退会", date.today())
    expected = ["安娜", "安娜", "Anna", "丁一", "卢布", "吕布", "王小明", "曾小明", "张三"]
    with db.reader() as s:
        everyone = members.list_members_page(s, limit=None)
        got = [s.get(Member, i).name for _k, i in everyone]
        assert got == expected
        for size in (1, 2, 5):
            paged, after = [], None
            while page := members.list_members_page(s, limit=size, after=after):
                paged.extend(page)
                after = page[-1]
            assert paged == everyone
        backwards = members.list_members_page(s, descending=True, limit=None)
        assert [i for _k, i in backwards] == [i for _k, i in reversed(everyone)]
        active = members.list_members_page(s, status="active", limit=None)
        assert [s.get(Member, i).name for _k, i in active] == [
            n for n in expected if n != "卢布"]
        assert members.member_ids_in_order(s) == [i for _k, i in everyone]
        # up to and including a row (what a list reads to reach a row)
        until = members.list_members_page(s, until=everyone[3], limit=None)
        assert until == everyone[:4]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.sampled_from("安丁张章伟三明小曾单欧阳乐"), min_size=1, max_size=3),
                min_size=1, max_size=12))
def test_the_list_order_is_the_sort_keys_order_for_any_names(db, clerk, picked):
    with db.session(clerk) as s:
        start = s.execute(members.select(members.func.count()).select_from(Member)
                          ).scalar_one()
        added = members.bulk_register_members(
            s, [{"name": n, "id_number": make_id(10_000 + start + i)}
                for i, n in enumerate(picked)])
        assert not added.rejected
    with db.reader() as s:
        listed = [s.get(Member, i) for _k, i in members.list_members_page(s, limit=None)]
    assert [m.name_sort for m in listed] == sorted(sort_key(m.name) for m in listed)
    assert all(m.name_sort == sort_key(m.name) for m in listed)


# --------------------------------------------------------------------------- stored keys


def test_the_derived_columns_are_kept_by_every_write_path(db, clerk, db_path):
    ids = register_all(db, clerk, [("张三", "13800138000")])
    with db.session(clerk) as s:
        bulk = members.bulk_register_members(s, [
            {"name": "安娜", "id_number": make_id(900), "phone": "0755-28001234"}])
        members.update_member(s, ids["张三"], {"name": "丁一"})
    rows = dict((n, (k, t)) for n, k, t in stored(
        db_path, "SELECT name, name_sort, phone_tail FROM members"))
    assert rows["丁一"] == (sort_key("丁一"), "00083100831")
    assert rows["安娜"] == (sort_key("安娜"), "432100825570")
    assert bulk.inserted
    # the keys of each name carry their ranks
    keys = stored(db_path, "SELECT key, name, rank FROM member_name_keys")
    assert ("dingyi", "丁一", COMMON) in keys and ("yi", "丁一", GIVEN) in keys
    assert ("anna", "安娜", COMMON) in keys and ("annuo", "安娜", OTHER) in keys


def test_the_derived_columns_stay_off_the_wire(db, clerk):
    from sync.changeset import from_wire, to_wire, wire_columns
    from sync.outbound import gather

    register_all(db, clerk, [("张三", "13800138000")])
    cs = gather(db)
    row = cs.rows["members"][0]
    assert "name_sort" not in row and "phone_tail" not in row
    assert {c.key for c in wire_columns(Member)} == set(row) - {"_base"}
    from_wire(to_wire(cs))  # what the district checks: every column, no other


def test_an_older_file_is_keyed_and_sorted_by_the_upgrade(tmp_path):
    """Revision 0013 on a file of revision 0012: sort keys and tails filled, every name's
    keys written again with their ranks (the given names' new keys among them)."""
    from station_app.storage.database import migrate, open_database
    from station_app.storage.engine import make_engine

    path = tmp_path / "old.sqlite3"
    eng = make_engine(path)
    migrate(eng, "0012")
    eng.dispose()
    con = sqlite3.connect(path)
    for n, (name, phone) in enumerate([("王小明", "13800138000"), ("安娜", None),
                                       ("丁一", "0755-28001234-5")]):
        number = make_id(n)
        con.execute(
            "INSERT INTO members (id, station_id, hlc, deleted, name, id_number, gender, "
            "birth_date, status, migrant_worker, phone) VALUES (?, 's', ?, 0, ?, ?, 'M', "
            "'1980-01-01', 'active', 0, ?)",
            (f"00000000-0000-7000-8000-{n:012d}", f"{1_700_000_000_000 + n:013d}-00000-old",
             name, number, phone))
        con.execute("INSERT INTO member_name_keys (key, name) VALUES ('stale', ?)", (name,))
    con.commit()
    con.close()
    db = open_database(path)
    try:
        rows = stored(path, "SELECT name, name_sort, phone_tail FROM members")
        assert {n: (k, t) for n, k, t in rows} == {
            "王小明": (sort_key("王小明"), "00083100831"), "安娜": (sort_key("安娜"), None),
            "丁一": (sort_key("丁一"), "432100825570")}
        keys = set(stored(path, "SELECT key, name, rank FROM member_name_keys"))
        assert keys == {(k, n, r) for n in ("王小明", "安娜", "丁一") for k, r in ranked_keys(n)}
        with db.reader() as s:
            assert names(members.search_members(s, "xiaoming")) == ["王小明"]
            assert names(members.search_members(s, "8000")) == ["王小明"]
            assert [s.get(Member, i).name for _k, i in members.list_members_page(s)] == [
                "安娜", "丁一", "王小明"]
    finally:
        db.close()


@pytest.mark.parametrize("query", ["张", "zs", "8000", "13800", "xiaoming", "张 8000"])
def test_every_tier_reads_an_index_or_says_it_scans(db, clerk, query):
    """The index-only search (what the box shows at once) never scans the members table or
    an index whole: each of its tiers reads an index range."""
    register_all(db, clerk, [("张三", "13800138000"), ("王小明", None)])
    with db.reader() as s:
        conn = s.connection()
        plans = []
        words = members.normalize_text(query)
        word = words.split(" ")[0] if not members.normalize_query(words) else words
        for tier in members._tiers(s, word)[:members._index_tiers(word)]:
            stmt = members.select(Member.id).where(tier, Member.deleted == members.false()
                                                   ).order_by(*members.IN_PINYIN_ORDER)
            sql = str(stmt.compile(s.bind, compile_kwargs={"literal_binds": True}))
            plans += [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    assert plans and not [p for p in plans if p.startswith("SCAN")], plans


def test_the_golden_file_of_revision_0012_upgrades_to_pinyin_order(tmp_path):
    """A station file as revision 0012 left it (tests/golden/station-0012.sqlite3, its names
    keyed without ranks): after the upgrade its members list in pinyin order and are
    found by their given names."""
    import shutil
    from pathlib import Path

    from station_app.storage.database import open_database

    golden = Path(__file__).resolve().parents[1] / "golden" / "station-0012.sqlite3"
    path = tmp_path / "station.sqlite3"
    shutil.copy(golden, path)
    db = open_database(path)
    try:
        with db.reader() as s:
            assert [s.get(Member, i).name for _k, i in members.list_members_page(s)] == [
                "欧阳娜娜", "曾小明", "张三"]
            assert names(members.search_members(s, "xiaoming")) == ["曾小明"]
            assert names(members.search_members(s, "nana")) == ["欧阳娜娜"]
            assert names(members.search_members(s, "zs")) == ["张三"]
        ranks = set(stored(path, "SELECT rank FROM member_name_keys"))
        assert ranks == {(COMMON,), (GIVEN,), (OTHER,)}
    finally:
        db.close()
