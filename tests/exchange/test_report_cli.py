"""`station-admin report` and `station-admin export` end to end on the fixed dataset."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).parent.parent / "unit"))
from test_services import build_world, expected_figures  # noqa: E402

from station_app.cli import main  # noqa: E402


def test_report_prints_json_and_writes_the_workbook(db, admin, district_admin, tmp_path,
                                                    capsys):
    world = build_world(db, admin, district_admin)
    path = str(db.path)
    assert main(["report", "--db", path, "--as-of", "2025-06-30", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    from datetime import date

    from station_app.domain.ids import station_id_for

    expected = expected_figures(world, date(2025, 6, 30), station_id_for("KY01"))
    assert {k: data["values"][k] for k in expected} == expected
    out = tmp_path / "report.xlsx"
    assert main(["report", "--db", path, "--as-of", "2025-06-30", "--station", "KY02",
                 "--xlsx", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "written:" in printed
    wb = CalamineWorkbook.from_path(str(out))
    assert len(wb.sheet_names) > 10  # the figures and one sheet per list
    assert main(["report", "--db", path, "--as-of", "30/06/2025"]) == 1
    assert "--as-of must be a date" in capsys.readouterr().err


def test_export_each_kind(db, admin, district_admin, tmp_path, capsys):
    build_world(db, admin, district_admin)
    for kind, extra in (("roster", []), ("ledger", ["--year", "2025"]),
                        ("casefiles", []), ("visits", ["--from", "2025-01-01",
                                                       "--to", "2025-12-31"]),
                        ("events", ["--year", "2025"])):
        out = tmp_path / f"{kind}.xlsx"
        assert main(["export", kind, str(out), "--db", str(db.path), *extra]) == 0, kind
        assert "written to" in capsys.readouterr().out
        assert CalamineWorkbook.from_path(str(out)).sheet_names


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
