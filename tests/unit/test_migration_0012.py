"""Revision 0012 on files written before it: the sign-offs a hardship file's row held are
copied into the new tables with ids derived from the file — the same at a station and at
the district, so the two copies meet —, a station's own queued for the district, the
district's upper sign-offs in its change log for the station to pull; the file's row keeps
its columns. And the district's per-station keys fit ``local_state.key``."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
from station_app.domain.validation import id_check_char
from station_app.storage.database import migrate
from station_app.storage.engine import make_engine

KY01 = station_id_for("KY01")
CASES = ("01900000-0000-7000-8000-00000000c001", "01900000-0000-7000-8000-00000000c002",
         "01900000-0000-7000-8000-00000000c003")


def file_at_0011(path, here: str):
    """A database at revision 0011 with three files: one signed by both unions, one by
    the grassroots union only, one not signed."""
    engine = make_engine(path)
    migrate(engine, "0011")
    body = "11010119800101001"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO local_state (key, value) VALUES ('station_id', :s)"),
                     {"s": here})
        conn.execute(text(
            "INSERT INTO members (id, station_id, hlc, deleted, name, id_number, gender, "
            "birth_date, status, migrant_worker) VALUES ('01900000-0000-7000-8000-0000000000m1',"
            " :st, '0000000000001-00000-a', 0, '王秀英', :idn, 'M', '1980-01-01', 'active', 0)"),
            {"st": KY01, "idn": body + id_check_char(body)})
        for n, (case_id, grassroots, upper) in enumerate(zip(
                CASES, (("陈主席", "2024-03-05"), ("陈主席", "2024-04-01"), (None, None)),
                (("区总工会", "2024-03-20"), (None, None), (None, None)), strict=True)):
            conn.execute(text(
                "INSERT INTO hardship_cases (id, station_id, hlc, deleted, member_id, "
                "category, level, household_size, registered_date, status, single_parent, "
                "zero_employment, grassroots_signed_by, grassroots_signed_date, "
                "upper_signed_by, upper_signed_date) VALUES (:id, :st, :hlc, 0, "
                "'01900000-0000-7000-8000-0000000000m1', 'illness', 'deep', 2, '2024-03-01', "
                "'open', 0, 0, :gb, :gd, :ub, :ud)"),
                {"id": case_id, "st": KY01, "hlc": f"000000000000{n + 2}-00000-a",
                 "gb": grassroots[0], "gd": grassroots[1], "ub": upper[0], "ud": upper[1]})
    return engine


@pytest.mark.parametrize("here", [KY01, DISTRICT_OWNER_ID], ids=["station", "district"])
def test_the_sign_offs_a_file_held_become_records(tmp_path, here):
    station = file_at_0011(tmp_path / "a.sqlite3", here)
    migrate(station)
    with station.connect() as conn:
        grassroots = conn.execute(text(
            "SELECT id, station_id, hlc, kind, case_id, signed_by, signed_by_name, "
            "signed_date, content, void_at FROM signoffs ORDER BY signed_date")).all()
        upper = conn.execute(text(
            "SELECT id, station_id, case_id, signed_by, signed_date FROM "
            "case_upper_signoffs")).all()
        queued = conn.execute(text(
            "SELECT table_name, row_id FROM outbox ORDER BY row_id")).all()
        logged = conn.execute(text("SELECT table_name, row_id, owner_id FROM change_log")).all()
        kept = conn.execute(text(
            "SELECT grassroots_signed_by, upper_signed_by FROM hardship_cases WHERE id = :id"),
            {"id": CASES[0]}).one()
        audit = conn.execute(text(
            "SELECT detail FROM audit_log WHERE action = 'migrate'")).scalar_one()
    assert [(r.case_id, r.kind, r.signed_by, r.signed_by_name, str(r.signed_date),
             r.station_id, r.content, r.void_at) for r in grassroots] == [
        (CASES[0], "case", "陈主席", "陈主席", "2024-03-05", KY01, None, None),
        (CASES[1], "case", "陈主席", "陈主席", "2024-04-01", KY01, None, None)]
    assert grassroots[0].hlc == "0000000000002-00000-a"  # the file's stamp
    assert [(r.case_id, r.signed_by, str(r.signed_date), r.station_id) for r in upper] == [
        (CASES[0], "区总工会", "2024-03-20", DISTRICT_OWNER_ID)]
    assert kept == ("陈主席", "区总工会")  # the columns keep what they held
    assert '"signoffs": 2' in audit and '"case_upper_signoffs": 1' in audit
    if here == KY01:  # the station's own go to the district; the district's do not
        assert sorted(queued) == sorted(("signoffs", r.id) for r in grassroots)
        assert logged == []
    else:  # the district's upper sign-offs join its change log, for the station to pull
        assert queued == []
        assert logged == [("case_upper_signoffs", upper[0].id, DISTRICT_OWNER_ID)]
    # the same ids where the other side migrates its own copy
    other = file_at_0011(tmp_path / "b.sqlite3",
                         DISTRICT_OWNER_ID if here == KY01 else KY01)
    migrate(other)
    with other.connect() as conn:
        assert sorted(r[0] for r in conn.execute(text("SELECT id FROM signoffs"))) == \
            sorted(r.id for r in grassroots)
        assert [r[0] for r in conn.execute(text("SELECT id FROM case_upper_signoffs"))] == \
            [upper[0].id]
    # a district's key per station fits now (50 characters)
    with station.begin() as conn:
        conn.execute(text("INSERT INTO local_state (key, value) VALUES (:k, '1')"),
                     {"k": f"bundle_cursor:{KY01}"})
    station.dispose()
    other.dispose()
    assert date(2024, 3, 5)  # (dates read back as the file stored them)
