"""Write a golden database at an old schema revision, for the upgrade tests.

    python tests/golden/make_golden.py 0001 tests/golden/station-0001.sqlite3
    python tests/golden/make_golden.py 0012 tests/golden/station-0012.sqlite3

The file is committed and never regenerated: it stands for a station laptop that last ran
an app of that revision. When a new revision lands, add a golden file of the revision
before it (Electrum keeps such files for every wallet version).
"""

from __future__ import annotations

import sys
from pathlib import Path

from station_app.storage.database import migrate
from station_app.storage.engine import make_engine
from station_app.storage.sqlfile import dbapi as sqlite3

STATION = "28054108-f85b-522b-b69b-a59b4bd773f0"  # station_id_for("KY01")
NODE = "0123456789abcdef"


def stamp(n: int) -> str:
    return f"{1_760_000_000_000 + n:013d}-00000-{NODE}"


def build(revision: str, path: Path) -> None:
    path.unlink(missing_ok=True)
    engine = make_engine(path)
    migrate(engine, revision)
    with engine.begin() as c:
        x = c.exec_driver_sql
        for key, value in (("node_id", NODE), ("station_id", STATION), ("station_code", "KY01"),
                           ("hlc", stamp(99))):
            x("INSERT INTO local_state (key, value) VALUES (?, ?)", (key, value))
        x("INSERT INTO stations (id, station_id, hlc, deleted, code, name, is_key) "
          "VALUES (?, ?, ?, 0, 'KY01', '葵涌社区工联会', 1)",
          (STATION, "6c0e6f1f-0000-5000-8000-000000000000", stamp(1)))
        x("INSERT INTO enterprises (id, station_id, hlc, deleted, name, credit_code, "
          "union_established, area_station_id) VALUES ('e1', ?, ?, 0, '深圳市鹏城电子有限公司', "
          "'91440300MA5ABCDEFW', 1, ?)", (STATION, stamp(2), STATION))
        people = [("m1", "张三", "44030519900101123X", "M", "1990-01-01"),
                  ("m2", "曾小明", "440307198506152319", "M", "1985-06-15"),
                  ("m3", "欧阳娜娜", "11010519491231002X", "F", "1949-12-31")]
        for i, (mid, name, idn, gender, birth) in enumerate(people):
            x("INSERT INTO members (id, station_id, hlc, deleted, name, id_number, gender, "
              "birth_date, status, migrant_worker, employer_id) "
              "VALUES (?, ?, ?, 0, ?, ?, ?, ?, 'active', 0, 'e1')",
              (mid, STATION, stamp(10 + i), name, idn, gender, birth))
        x("INSERT INTO hardship_cases (id, station_id, hlc, deleted, member_id, category, level, "
          "household_size, registered_date, status, single_parent, zero_employment) "
          "VALUES ('c1', ?, ?, 0, 'm1', 'illness', 'deep', 3, '2025-01-05', 'open', 0, 0)",
          (STATION, stamp(20)))
        x("INSERT INTO ledger_entries (id, station_id, hlc, deleted, case_id, entry_date, kind, "
          "amount_fen) VALUES ('l1', ?, ?, 0, 'c1', '2025-03-01', 'condolence', 50000)",
          (STATION, stamp(21)))
        x("INSERT INTO ledger_entries (id, station_id, hlc, deleted, case_id, entry_date, kind, "
          "amount_fen, reverses_id) VALUES ('l2', ?, ?, 0, 'c1', '2025-03-02', 'condolence', "
          "-50000, 'l1')", (STATION, stamp(22)))
        x("INSERT INTO ledger_entries (id, station_id, hlc, deleted, case_id, entry_date, kind, "
          "amount_fen) VALUES ('l3', ?, ?, 0, 'c1', '2025-03-03', 'condolence', 80000)",
          (STATION, stamp(23)))
        x("INSERT INTO outbox (table_name, row_id, hlc) VALUES ('members', 'm1', ?)",
          (stamp(10),))
        x("INSERT INTO audit_log (at, actor, action, table_name, row_id) "
          "VALUES ('2025-03-03T00:00:00Z', 'boss', 'insert', 'members', 'm1')")
        tables = {r[0] for r in x("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "member_name_keys" in tables:  # revisions 0006–0012 kept the names' pinyin keys
            from station_app.domain.pinyin import search_keys

            for _mid, name, *_rest in people:
                for key in search_keys(name):
                    x("INSERT INTO member_name_keys (key, name) VALUES (?, ?)", (key, name))
    engine.dispose()
    con = sqlite3.connect(path)  # one self-contained file, no -wal beside it
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()


if __name__ == "__main__":
    build(sys.argv[1], Path(sys.argv[2]))
