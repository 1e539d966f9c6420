"""The printable hardship file (困难职工档案表): fields, ledger, totals, escaping."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from station_app.domain.services import hardship, members
from station_app.domain.validation import id_check_char
from station_app.exchange.casefile import case_file_html, load_case_file


def make_id(n: int, born: date = date(1980, 1, 1)) -> str:
    born = born + timedelta(days=n // 1000)
    first17 = f"110101{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def case_id(db, admin):
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "王秀英", "id_number": make_id(7),
                                        "ethnicity": "汉族", "employer_name": "葵涌五金厂"})
        case = hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                            "household_size": 3,
                                            "monthly_income_per_capita_fen": "812.50",
                                            "registered_date": "2024-03-01"})
        hardship.add_household_member(s, case.id, {"name": "李小明", "relation": "子女",
                                                   "age": 12, "school_or_work": "葵涌中学"})
        hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": "500",
                                        "entry_date": "2024-05-01", "funding_source": "区总工会",
                                        "note": "<script>alert(1)</script>"})
        wrong = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": "300",
                                                "entry_date": "2024-06-01"})
        hardship.add_entry(s, case.id, {"kind": "送温暖", "amount": "200.25",
                                        "entry_date": "2024-12-20"})
        hardship.add_entry(s, case.id, {"kind": "入户走访", "entry_date": "2024-07-01"})
        hardship.reverse_entry(s, wrong.id, "金额录错", "2024-06-02")
    with db.session(admin) as s:
        hardship.sign_case(s, case.id, on="2024-03-05")
        return case.id


def test_html_has_fields_household_and_entries(db, case_id):
    with db.reader() as s:
        doc = case_file_html(s, case_id)
    assert doc.startswith("<!DOCTYPE html>")
    for text in ("困难职工档案表", "王秀英", "汉族", "葵涌五金厂", "因病", "深度困难", "812.50",
                 make_id(7), "李小明", "子女", "葵涌中学", "区总工会", "入户走访", "送温暖",
                 "站长", "2024-03-05", "基层工会意见", "上级工会意见"):
        assert text in doc, text


def test_totals_leave_out_a_reversed_pair(db, case_id):
    with db.reader() as s:
        cf = load_case_file(s, case_id)
        doc = case_file_html(s, case_id)
    assert cf.totals_by_kind == {"condolence": 50000, "winter": 20025, "home_visit": 0}
    assert cf.total_fen == 70025
    assert cf.counts_by_kind["condolence"] == 1
    assert "700.25" in doc          # overall
    assert "500.00" in doc          # 慰问金 total: 300 and its reversal left out
    assert "-300.00" in doc         # the reversal is shown …
    assert "冲正第2笔" in doc        # … with its reference
    assert "已被第3笔冲正" in doc    # and the original says so
    assert "均不计入合计" in doc
    reversed_rows = [e for e in cf.entries if not e.counts]
    assert [e.amount_fen for e in reversed_rows] == [30000, -30000]


def test_text_is_escaped(db, case_id):
    with db.reader() as s:
        doc = case_file_html(s, case_id)
    assert "<script>" not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc


def test_english(db, case_id):
    with db.reader() as s:
        doc = case_file_html(s, case_id, lang="en")
    assert "Hardship file" in doc and "Condolence payment" in doc and "Illness" in doc
    assert "reverses no. 2" in doc


def test_the_employer_is_the_linked_enterprise_as_the_list_shows_it(db, admin):
    """A member whose 工作单位 is a registered enterprise (linked, no typed text) prints
    that enterprise's name, as the members list and the roster show it."""
    from station_app.domain.services import enterprises

    with db.session(admin) as s:
        e = enterprises.register_enterprise(s, {"name": "葵涌精密五金有限公司"})
        m = members.register_member(s, {"name": "赵六", "id_number": make_id(9),
                                        "employer_id": e.id})
        case = hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                            "household_size": 2,
                                            "registered_date": "2024-03-01"})
        case_id = case.id
    with db.reader() as s:
        cf = load_case_file(s, case_id)
        assert cf.member["employer_name"] == "葵涌精密五金有限公司"
        assert "葵涌精密五金有限公司" in case_file_html(s, case_id)
