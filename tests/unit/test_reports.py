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
