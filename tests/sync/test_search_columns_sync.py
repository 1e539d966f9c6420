"""The district keys what it receives: a member pushed by a station gets its pinyin sort
key and phone tail at the district too (SQLite and PostgreSQL), never from the wire, and
the district's search finds it by a phone's last digits and lists it in pinyin order."""

from __future__ import annotations

import json

from station_app.domain.models import Member
from station_app.domain.pinyin import sort_key
from station_app.domain.services import members
from station_app.domain.validation import id_check_char
from sync.changeset import from_wire, to_wire
from sync.district import refresh_search_keys
from sync.merge import apply_changeset
from sync.outbound import acknowledge, gather


def idn(n: int) -> str:
    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def push_all(station, district) -> None:
    while (cs := gather(station, limit=150)) is not None:
        cs = from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))
        result = apply_changeset(district, cs, pushing_station=station.station_id)
        acknowledge(station, result.acks)


def test_the_district_computes_sort_keys_and_tails_of_what_it_receives(db, admin, district):
    people = [("张三", "13800138000"), ("安娜", "0755-28001234"), ("丁一", None),
              ("王小明", "13912345678")]
    with db.session(admin) as s:
        ids = {name: members.register_member(
            s, {"name": name, "id_number": idn(n), **({"phone": p} if p else {})}).id
            for n, (name, p) in enumerate(people, 1)}
    push_all(db, district)  # (new rows: the bulk path at the district)
    with db.session(admin) as s:  # an edit: the merge's update through the capture hook
        members.update_member(s, ids["丁一"], {"name": "曾一", "phone": "13700001111"})
    push_all(db, district)
    with district.reader() as s:
        stored = {m.name: (m.name_sort, m.phone_tail)
                  for m in s.execute(members.select(Member)).scalars()}
        assert stored == {"张三": (sort_key("张三"), "00083100831"),
                          "安娜": (sort_key("安娜"), "432100825570"),
                          "曾一": (sort_key("曾一"), "11110000731"),
                          "王小明": (sort_key("王小明"), "87654321931")}
        assert [h.id for h in members.search_members(s, "1234")] == [ids["安娜"]]
        assert [h.id for h in members.search_members(s, "1111")] == [ids["丁一"]]
        order = [s.get(Member, i).name for _k, i in members.list_members_page(s)]
        assert order == ["安娜", "王小明", "曾一", "张三"]
    refresh_search_keys(district)  # the pinyin keys, deferred at the district
    with district.reader() as s:
        assert [h.id for h in members.search_members(s, "xiaoming")] == [ids["王小明"]]
        assert [h.id for h in members.search_members(s, "zy")] == [ids["丁一"]]
