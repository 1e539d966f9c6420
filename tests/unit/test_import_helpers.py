"""What the Excel import added to the domain: YYYYMMDD typed into a number cell,
``hardship.clean_entry``, ``enterprises.bulk_register_enterprises``, ``BulkResult.skipped``."""

from __future__ import annotations

from datetime import date

import pytest

from station_app.domain.ids import enterprise_id_for
from station_app.domain.services import enterprises, hardship, members
from station_app.domain.validation import (
    ValidationError,
    credit_code_check_char,
    id_check_char,
    parse_date,
)

CODE = "91440300MA5F00001" + credit_code_check_char("91440300MA5F00001")


@pytest.mark.parametrize("raw", [20230503, 20230503.0])
def test_a_compact_date_in_a_number_cell(raw):
    assert parse_date(raw) == date(2023, 5, 3)


def test_compact_numbers_keep_the_date_rules():
    with pytest.raises(ValidationError) as exc:
        parse_date(20230230)
    assert exc.value.codes == ["date.not_real"]
    with pytest.raises(ValidationError) as exc:
        parse_date(20990101, not_future=True, today=date(2025, 1, 1))
    assert exc.value.codes == ["date.future"]
    with pytest.raises(ValidationError) as exc:
        parse_date(20230503.5)
    assert exc.value.codes == ["date.invalid"]


def test_clean_entry_is_add_entrys_own_checks():
    v = hardship.clean_entry({"kind": "慰问金", "entry_date": "2023-05-03", "amount": "500"})
    assert (v["kind"], v["amount_fen"], v["entry_date"]) == ("condolence", 50000,
                                                             date(2023, 5, 3))
    assert hardship.clean_entry({"kind": "医疗互助保障", "entry_date": "2023-10-25",
                                 "amount": 120})["cover_year"] == 2024
    with pytest.raises(ValidationError) as exc:
        hardship.clean_entry({"kind": "金秋助学", "entry_date": "2023-05-03", "amount": 0})
    assert exc.value.codes == ["ledger.amount_required", "ledger.beneficiary_required"]


def test_bulk_register_enterprises(db, admin):
    rows = [{"name": "甲厂", "credit_code": CODE}, {"name": "乙厂"}, {"name": "乙厂"},
            {"name": ""}]
    with db.session(admin) as s:
        result = enterprises.bulk_register_enterprises(s, rows)
    assert len(result.inserted) == 2 and result.inserted[0] == enterprise_id_for(CODE)
    assert [(i, e.codes) for i, e in result.rejected] == [
        (3, ["text.required"]), (2, ["enterprise.duplicate_in_file"])]
    with db.session(admin) as s:
        again = enterprises.bulk_register_enterprises(s, rows[:2])
        assert [e.codes for _, e in again.rejected] == [["enterprise.duplicate_code"],
                                                        ["enterprise.duplicate_name"]]
        skipped = enterprises.bulk_register_enterprises(s, rows[:2], skip_existing=True)
        assert skipped.skipped == [0, 1] and not skipped.inserted


def test_bulk_members_lists_what_it_skipped(db, admin):
    body = "44030519900101123"
    rows = [{"name": "张三", "id_number": body + id_check_char(body)}]
    with db.session(admin) as s:
        assert members.bulk_register_members(s, rows, skip_existing=True).skipped == []
        assert members.bulk_register_members(s, rows, skip_existing=True).skipped == [0]
