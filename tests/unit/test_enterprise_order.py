"""The enterprises list and the visit form's picker in pinyin order, as the members list
(walk finding: 信达 first, 南山 between 华南 and 同创 — code-point order)."""

from __future__ import annotations

import time

from station_app.domain.services import enterprises, reads


def test_the_list_is_in_pinyin_order(db, admin):
    with db.session(admin) as s:
        for name in ("信达电子", "南山物流", "华南制衣", "同创科技", "安居建筑"):
            enterprises.register_enterprise(s, {"name": name})
    with db.reader(admin) as s:
        names = [r[1] for r in reads.enterprise_list(s)]
        picker = [r[1] for r in reads.enterprise_choices(s)]
    assert names == ["安居建筑", "华南制衣", "南山物流", "同创科技", "信达电子"]
    assert picker == names


def test_the_sort_at_a_station_size_is_quick():
    chars = "华南同创信达深圳市鹏城电子科技有限公司福田罗湖宝安龙岗南山光明坪山盐田新材料物流"
    rows = [(i, "".join(chars[(i * 7 + k * 13) % len(chars)] for k in range(4 + i % 10)))
            for i in range(2_000)]
    start = time.perf_counter()
    ordered = enterprises.by_name(rows)
    assert time.perf_counter() - start < 0.5  # (measured: under 20 ms)
    assert len(ordered) == 2_000
