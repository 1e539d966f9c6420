"""`station-admin report` and `export roster` on a district database filled by sync, on
SQLite and on PostgreSQL (by URL)."""

from __future__ import annotations

import json
from datetime import date

from python_calamine import CalamineWorkbook
from test_push import push_all, register

from station_app.cli import main
from station_app.domain.actor import SYSTEM_SETUP
from station_app.domain.services import users
from station_app.domain.services.metrics import compute_summary


def target_of(district) -> str:
    if district.engine.dialect.name == "sqlite":
        return str(district.path)
    return district.engine.url.render_as_string(hide_password=False)


def test_the_district_report_counts_every_station(db, admin, district, tmp_path, capsys,
                                                  monkeypatch):
    for n in range(1, 6):
        register(db, admin, n, "会员" + "甲乙丙丁戊"[n - 1])
    push_all(db, district)
    target = target_of(district)
    assert main(["report", "--db", target, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    with district.reader() as s:
        assert data["values"] == compute_summary(s, date.today(), None).values
    assert data["station"] is None
    # the roster is personal data: a district admin logs in (as scripts do)
    with district.session(SYSTEM_SETUP) as s:
        users.create_user(s, "qu", "district-pass-1", "district_admin", bootstrap=True)
    monkeypatch.setenv("STATION_USER", "qu")
    monkeypatch.setenv("STATION_PASSWORD", "district-pass-1")
    out = tmp_path / "roster.xlsx"
    assert main(["export", "roster", str(out), "--db", target]) == 0
    wb = CalamineWorkbook.from_path(str(out))
    summary = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    counts = {r[0]: r[2] for r in summary[2:-1]}
    assert counts["KY01"] == 5 and counts["DP02"] == 0


def test_district_server_search_keys(db, admin, district, capsys):
    from station_app.domain.services.members import search_members
    from sync.server.cli import main as district_main

    register(db, admin, 1, "张三")
    push_all(db, district)
    assert district_main(["search-keys", "--db", target_of(district)]) == 0
    assert "for 1 member(s)" in capsys.readouterr().out
    with district.reader() as s:
        assert [h.name for h in search_members(s, "zs")] == ["张三"]
    assert district_main(["search-keys", "--db", target_of(district)]) == 0
    assert "for 0 member(s)" in capsys.readouterr().out
