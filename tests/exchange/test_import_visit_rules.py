"""The visit diary (企业走访日志) as offices keep it, read from real .xlsx files: on a
劳资纠纷处置 row 涉及职工人数 is the workers served (what the report's 累计服务职工 sums),
an explicit 服务职工人数 wins, and an abnormal 经营状况 without 异常情况 is imported as
其他 (other) with a warning, never rejected."""

from __future__ import annotations

from datetime import date

from xlsx_helpers import make_credit, write_xlsx

from station_app.domain import figures
from station_app.domain.models import Visit
from station_app.domain.services import enterprises, metrics
from station_app.exchange.xlsx_import import import_file, preview_file

# the SPEC layout of the visit diary, as the office's sheet has it
SPEC_HEAD = ["走访日期", "企业名称", "统一社会信用代码", "走访类型", "走访人", "经营状况",
             "异常情况", "涉及职工人数", "走访情况", "处理措施", "跟进期限"]
CODE = make_credit("91440300MA5F00001")


def register(db, admin) -> None:
    with db.session(admin) as s:
        enterprises.register_enterprise(s, {"name": "葵涌制衣厂", "credit_code": CODE})
        enterprises.register_enterprise(s, {"name": "大鹏海鲜酒楼"})


def stored(db) -> list[tuple]:
    with db.reader() as s:
        return sorted((v.visit_date, v.kind, v.workers_involved, v.workers_served,
                       v.operating_status, v.flags) for v in s.query(Visit))


def served(db, as_of: date) -> int:
    with db.reader() as s:
        return metrics.metric_value(s, "dispute_workers_served", figures.Scope(as_of, None))


def test_the_diarys_workers_involved_are_the_dispute_workers_served(db, admin, tmp_path):
    register(db, admin)
    path = write_xlsx(tmp_path / "走访日志.xlsx", [
        SPEC_HEAD,
        ["2025-03-12", "葵涌制衣厂", CODE, "劳资纠纷处置", "小王", "异常", "欠薪", 120,
         "欠薪两月", "协调支付", "2025-03-31"],
        ["2025-04-02", "大鹏海鲜酒楼", None, "劳资纠纷", "小王", "正常", None, "150人",
         "解除合同纠纷", "调解", None],
        ["2025-04-03", "大鹏海鲜酒楼", None, "日常走访", "小李", "正常", None, 35, None, None,
         None],
        ["2025-04-04", "葵涌制衣厂", CODE, "劳资纠纷处置", "小李", "正常", None, None, None,
         None, None],
    ], title="2025 年企业走访日志", merge_title=len(SPEC_HEAD))
    result = import_file(db, admin, path)
    assert result.kind.code == "visits" and not result.unmapped
    assert [r.status for r in result.rows] == ["ok", "ok", "ok", "ok"]
    assert stored(db) == [
        (date(2025, 3, 12), "dispute", 120, 120, "abnormal", "wage_arrears"),
        (date(2025, 4, 2), "dispute", 150, 150, "normal", None),
        (date(2025, 4, 3), "routine", 35, 0, "normal", None),   # not a dispute: involved
        (date(2025, 4, 4), "dispute", None, 0, "normal", None),
    ]
    assert served(db, date(2025, 6, 30)) == 270  # the report's 累计服务职工270人
    assert served(db, date(2025, 4, 1)) == 120


def test_an_explicit_workers_served_column_wins(db, admin, tmp_path):
    register(db, admin)
    head = ["走访日期", "企业名称", "走访类型", "走访人", "涉及职工人数", "服务职工人数"]
    path = write_xlsx(tmp_path / "走访.xlsx", [
        head,
        ["2025-03-12", "葵涌制衣厂", "劳资纠纷处置", "小王", 40, 25],
        ["2025-03-13", "葵涌制衣厂", "劳资纠纷处置", "小王", 30, None],  # empty: involved
        ["2025-03-14", "大鹏海鲜酒楼", "日常走访", "小王", 12, 8],
    ])
    result = import_file(db, admin, path)
    assert [r.status for r in result.rows] == ["ok", "ok", "ok"]
    assert [(k, i, s) for _d, k, i, s, _o, _f in stored(db)] == [
        ("dispute", 40, 25), ("dispute", 30, 30), ("routine", 12, 8)]
    assert served(db, date(2025, 12, 31)) == 55


def test_abnormal_without_findings_is_other_with_a_warning(db, admin, tmp_path):
    """A sheet without the 异常情况 column: ten abnormal rows, none rejected."""
    register(db, admin)
    head = ["走访日期", "企业名称", "走访类型", "走访人", "经营状况", "走访情况"]
    rows = [[f"2025-05-{day:02d}", "大鹏海鲜酒楼", "日常走访", "小王", "异常", "停业装修"]
            for day in range(1, 11)]
    path = write_xlsx(tmp_path / "走访.xlsx", [head, *rows, ["2025-05-11", "葵涌制衣厂",
                                                             "日常走访", "小王", "正常", None]])
    preview = preview_file(path)  # the warning shows before anything is written
    assert [r.status for r in preview.rows] == ["ok"] * 11
    assert all([w.code for w in r.warnings] == ["import.flags_other"] for r in preview.rows[:10])
    assert preview.rows[10].warnings == []
    assert preview.rows[0].cleaned["flags"] == "other"
    text = preview.rows[0].warnings[0].message("zh")
    assert "其他" in text and "异常" in text
    assert "Other" in preview.rows[0].warnings[0].message("en")

    result = import_file(db, admin, path)
    assert result.imported == 11 and not result.rejected
    assert [w.code for w in result.rows[0].warnings] == ["import.flags_other"]
    flags = [(o, f) for _d, _k, _i, _s, o, f in stored(db)]
    assert flags == [("abnormal", "other")] * 10 + [("normal", None)]


def test_an_empty_findings_cell_is_other_too(db, admin, tmp_path):
    register(db, admin)
    path = write_xlsx(tmp_path / "走访.xlsx", [
        SPEC_HEAD,
        ["2025-05-06", "大鹏海鲜酒楼", None, "重点监管", "小王", "异常", None, None, None, None,
         None],
        ["2025-05-07", "大鹏海鲜酒楼", None, "重点监管", "小王", "异常", "欠缴社保", None, None,
         None, None],
        ["2025-05-08", "大鹏海鲜酒楼", None, "重点监管", "小王", "异常", "停工", None, None,
         None, None],
    ])
    result = import_file(db, admin, path)
    assert [r.status for r in result.rows] == ["ok", "ok", "error"]
    assert [w.code for w in result.rows[0].warnings] == ["import.flags_other"]
    assert result.rows[1].warnings == []
    # a finding the diary does not know is still explained, not turned into 其他
    assert [e.code for e in result.rows[2].errors][0] == "choice.invalid"
    assert [f for *_x, f in stored(db)] == ["other", "social_insurance_arrears"]
