"""The report: every figure with the records behind it, on the fixed dataset whose
figures tests/unit/test_services.py checks against a count by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_services import KY01, build_world

from station_app.domain.ids import station_id_for
from station_app.domain.services import metrics
from station_app.domain.services.reports import build_report


def test_each_figure_opens_exactly_the_records_it_counts(db, admin, district_admin):
    build_world(db, admin, district_admin)
    with db.reader() as s:
        for as_of in (date(2025, 6, 30), date(2025, 12, 31)):
            for sid in (None, KY01, station_id_for("KY02")):
                report = build_report(s, as_of, sid, lang="en")
                assert set(report.lists) == set(metrics.METRICS)
                for code, listed in report.lists.items():
                    value = report.summary.values[code]
                    metric = metrics.METRICS[code]
                    if metric.reduce in ("count", "persons"):  # persons: one row each
                        assert len(listed.rows) == value, (as_of, sid, code)
                    elif code == "hardship_paid_fen":  # amounts shown in yuan
                        total = sum(Decimal(r[3]) for r in listed.rows) * 100
                        assert total == value, (as_of, sid, code)
                    else:  # person-times, workers served: the last column adds up
                        total = sum(r[-2] if code == "dispute_workers_served" else r[-1]
                                    for r in listed.rows)
                        assert total == value, (as_of, sid, code)
                    assert all(len(r) == len(listed.columns) for r in listed.rows)


def test_the_lists_are_readable(db, admin, district_admin):
    build_world(db, admin, district_admin)
    with db.reader() as s:
        report = build_report(s, date(2025, 6, 30), KY01)
    assert report.station_code == "KY01"
    visits = report.lists["enterprise_visits"]
    assert [c[0] for c in visits.columns] == ["日期", "企业", "走访人", "站点"]
    first = visits.rows[0]
    assert first[0] == date(2025, 1, 7) and first[2] == "走访人" and first[3]
    paid = report.lists["hardship_paid_fen"]
    kinds = {r[2] for r in paid.rows}
    assert kinds and not kinds & {"condolence", "medical_mutual_aid"}  # labels, not codes
    figures = dict((code, text) for code, text, _v in report.figures("en"))
    assert figures["enterprise_visits"] == "Enterprise visits"


def test_every_figure_has_a_description_and_a_sheet_name_excel_takes():
    from station_app.domain import figures
    from station_app.exchange.xlsx_export import SHEET_NAME_BAD, SHEET_NAME_MAX

    assert set(figures.DESCRIPTIONS) == set(figures.FIGURES) == set(figures.SHEET_NAMES)
    for lang in ("zh", "en"):
        names = [figures.sheet_name(code, lang) for code in figures.FIGURES]
        names += [figures.SUMMARY_SHEET[lang == "en"], figures.TARGETS_SHEET[lang == "en"]]
        assert len({n.casefold() for n in names}) == len(names), lang
        for name in names:
            assert 0 < len(name) <= SHEET_NAME_MAX and not SHEET_NAME_BAD & set(name), name
        assert all(figures.figure_description(code, lang) for code in figures.FIGURES)
    # money is named in yuan wherever it is named; its code keeps the unit of its value
    assert figures.figure_label("hardship_paid_fen", "zh") == "帮扶金额合计（元）"
    assert figures.figure_label("hardship_paid_fen", "en") == "Assistance paid (yuan)"


def test_sheet_names_stay_unique_and_whole(tmp_path):
    from station_app.exchange.xlsx_export import sheet_name_for

    used: set[str] = set()
    assert sheet_name_for(["KY01 葵涌社区工联会", "KY01"], used) == "KY01 葵涌社区工联会"
    long = "KY02 " + "很长的名字" * 8
    assert sheet_name_for([long, "KY02"], used) == "KY02"  # the code, not a cut name
    assert sheet_name_for(["ky02", "x"], used) == "x"  # Excel compares without case
    assert sheet_name_for(["a/b:c"], used) == "abc"
    assert sheet_name_for(["abc"], used) == "abc 2"


def test_a_figures_rule_names_the_report_date_not_d():
    """The Reports page shows how each figure counts; the rule's D is the report's date
    (a walk found '本年截至 D' with a literal D beside every figure)."""
    from station_app.domain.figures import DESCRIPTIONS, figure_description

    for code in DESCRIPTIONS:
        for lang in ("zh", "en"):
            text = figure_description(code, lang, date(2023, 5, 31))
            assert " D " not in f" {text} " and "D 日" not in text and "截至 D" not in text
    assert "截至 2023-05-31" in figure_description("enterprise_visits", "zh", date(2023, 5, 31))
    assert figure_description("hardship_cases_open", "zh", date(2023, 5, 31)).startswith(
        "2023-05-31在档")
