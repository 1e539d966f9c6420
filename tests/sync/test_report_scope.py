"""`station-admin report`'s scope on a district filled by sync, on SQLite and on
PostgreSQL (by URL): `summary` is the same command, an unknown station is refused with the
stations there are, one station's report counts its people."""

from __future__ import annotations

import json

from test_push import push_all, register

from station_app.cli import main


def target_of(district) -> str:
    if district.engine.dialect.name == "sqlite":
        return str(district.path)
    return district.engine.url.render_as_string(hide_password=False)


def test_report_scope_on_the_district(db, admin, district, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    for n in range(1, 4):
        register(db, admin, n, "会员" + "甲乙丙"[n - 1])
    push_all(db, district)
    target = target_of(district)
    outputs = []
    for command in ("report", "summary"):
        assert main([command, "--db", target, "--as-of", "2026-06-30", "--json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    assert outputs[0]["station"] is None
    assert main(["report", "--db", target, "--station", "XX99"]) == 1
    err = capsys.readouterr().err
    assert "no station XX99" in err and "DP02, KY01" in err
    assert main(["report", "--db", target, "--station", "KY01", "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["station"] == "KY01"
    assert one["values"]["members_on_roll"] == outputs[0]["values"]["members_on_roll"] == 3
