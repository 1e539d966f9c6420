"""Enterprise lists, hardship files, the assistance ledger, the visit diary and events,
imported from the sheets offices exchange (SPEC: workbook layouts)."""

from __future__ import annotations

from datetime import date

import pytest
from xlsx_helpers import make_credit, make_id, write_xlsx

from station_app.domain.models import Enterprise, Event, HardshipCase, LedgerEntry, Visit
from station_app.domain.services import enterprises, hardship, members
from station_app.exchange.xlsx_import import import_file, preview_file, read_file
from station_app.storage.sqlfile import dbapi as sqlite3

ZHANG = make_id("44030519900101123")
LI = make_id("44030519910202224")
WANG = make_id("11010519850315001")
CODE_A = make_credit("91440300MA5F00001")
CODE_B = make_credit("91440300MA5F00002")


def _count(db_path, table: str) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(f"SELECT count(*) FROM {table} WHERE deleted = 0").fetchone()[0]
    finally:
        con.close()


# --------------------------------------------------------------------------- enterprises


@pytest.fixture
def enterprise_list(tmp_path):
    return write_xlsx(tmp_path / "企业.xlsx", [
        ["序号", "企业名称*", "统一社会信用代码", "注册地址", "所属行业", "职工人数",
         "是否建会", "工会主席", "联系人", "联系电话"],
        [1, "葵涌制衣厂（深圳）有限公司 ", CODE_A, "葵涌街道 1 号", "制造业", "１２０人", "是",
         "王芳", "李经理", 13800138000],
        [2, "大鹏海鲜酒楼", None, None, "餐饮", 35, "×", None, None, "0755-28001234"],
        [3, "坏代码公司", CODE_A[:-1] + ("0" if CODE_A[-1] != "0" else "1"), None, None,
         None, None, None, None, None],
        [4, "重复公司", CODE_A, None, None, None, None, None, None, None],
        ["合计", None, None, None, None, 155],
    ], title="2023 年辖区企业名单", merge_title=10)


def test_enterprises_guessed_cleaned_and_imported_once(db, db_path, admin, enterprise_list):
    preview = preview_file(enterprise_list)
    assert preview.kind.code == "enterprises" and preview.header_row == 2
    assert [r.status for r in preview.rows] == ["ok", "ok", "error", "error"]
    first = preview.rows[0].cleaned
    assert first["name"] == "葵涌制衣厂(深圳)有限公司" and first["headcount"] == 120
    assert first["union_established"] is True and first["notes"] == "联系人: 李经理"
    assert preview.rows[1].cleaned["union_established"] is False
    assert preview.messages(preview.rows[2])[0].startswith("统一社会信用代码：校验码")
    assert "第 3 行" in preview.messages(preview.rows[3])[0]

    result = import_file(db, admin, enterprise_list)
    assert (result.imported, len(result.rejected), len(result.skipped)) == (2, 2, 0)
    assert [r.note.code for r in result.ignored] == ["import.ignored_total"]
    with db.reader() as s:
        ent = s.query(Enterprise).filter_by(credit_code=CODE_A).one()
        assert ent.contact_phone == "13800138000" and ent.area_station_id == db.station_id
    again = import_file(db, admin, enterprise_list)
    assert (again.imported, len(again.skipped)) == (0, 2)
    assert _count(db_path, "enterprises") == 2


def test_enterprise_without_code_is_the_same_by_name(db, admin, tmp_path):
    with db.session(admin) as s:
        enterprises.register_enterprise(s, {"name": "大鹏海鲜酒楼"})
    path = write_xlsx(tmp_path / "e.xlsx", [["企业名称", "统一社会信用代码"],
                                            ["大鹏海鲜酒楼", None], ["大鹏海鲜酒楼", CODE_B],
                                            ["新公司", CODE_B]])
    result = import_file(db, admin, path)
    # row 3 has a code and the same name as a code-less one: the same enterprise;
    # row 4 has that code again: twice in the file
    assert [r.status for r in result.rows] == ["duplicate", "duplicate", "error"]


# --------------------------------------------------------------------------- hardship


def test_hardship_files_register_the_household_head_when_absent(db, db_path, admin, tmp_path):
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": ZHANG})
    path = write_xlsx(tmp_path / "档案.xlsx", [
        ["困难类别", "姓名", "民族", "性别", "政治面貌", "身份证号", "健康状况", "工作单位",
         "是否单亲", "本人月收入", "家庭年总收入", "家庭人口", "人均收入", "主要致困原因",
         "建档日期", "开户银行", "卡号"],
        ["深度困难职工", "张三", "汉", "男", "群众", ZHANG, "患病", "葵涌制衣厂", "否", 1800,
         "36,000.00", 4, 750, "因病", "2023-03-01", "农业银行", "6228480000000000000"],
        ["相对困难", "李四", "汉", "女", "党员", LI, "良好", None, "是", None, None, 3, "1,200",
         "子女教育", date(2023, 4, 1), None, None],
        ["深度困难", "王五", "汉", "男", None, WANG, None, None, None, None, None, None, None,
         "因病", None, None, 6.22848e18],
    ], title="困难职工档案表", merge_title=17)
    preview = preview_file(path)
    assert preview.kind.code == "hardship"
    assert [r.status for r in preview.rows] == ["ok", "ok", "error"]
    zhang = preview.rows[0].cleaned
    assert (zhang["level"], zhang["category"]) == ("deep", "illness")
    assert zhang["household_annual_income_fen"] == 3_600_000
    assert zhang["bank_account"] == "6228480000000000000"
    assert {e.code for e in preview.rows[2].errors} == {"int.required",
                                                        "import.number_lost_digits"}

    result = import_file(db, admin, path)
    assert (result.imported, len(result.rejected)) == (2, 1)
    assert result.extra_counts == {"member_registered": 1}
    with db.reader() as s:
        cases = {c.member.name: c for c in s.query(HardshipCase)}
    assert set(cases) == {"张三", "李四"}
    assert cases["李四"].single_parent is True and cases["李四"].category == "education"
    again = import_file(db, admin, path)
    assert (again.imported, len(again.skipped)) == (0, 2)
    assert _count(db_path, "hardship_cases") == 2 and _count(db_path, "members") == 2


# --------------------------------------------------------------------------- ledger


@pytest.fixture
def two_files(db, admin):
    with db.session(admin) as s:
        for name, idn in (("张三", ZHANG), ("李四", LI)):
            m = members.register_member(s, {"name": name, "id_number": idn})
            hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                         "household_size": 3, "registered_date": "2023-01-05"})
        members.register_member(s, {"name": "王五", "id_number": WANG})


def test_ledger_entries_on_the_files_and_not_twice(db, db_path, admin, two_files, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [
        ["序号", "姓名", "身份证号", "困难类别", "帮扶日期", "帮扶类型", "金额（元）",
         "资金来源", "经办人", "备注"],
        [1, "张三", ZHANG, "因病", "2023/5/3", "慰问金", "500", "区总工会", "小王", None],
        [2, "张三", ZHANG, "因病", 45050, "医疗互助", 120, None, None, None],
        [3, "李四", LI, "因病", "2023年6月1日", "入户走访", None, None, None, "家中无人"],
        [4, "李四", ZHANG, "因病", "2023-06-02", "慰问金", 300, None, None, None],
        [5, "王五", WANG, "因病", "2023-06-03", "慰问金", 300, None, None, None],
        [6, "赵六", make_id("31011519770707455"), None, "2023-06-03", "慰问金", 300],
        [7, "张三", ZHANG, "因病", "2023-06-04", "慰问金", -50, None, None, None],
        [8, "张三", ZHANG, "因病", "2023/5/3", "慰问金", "500.00", None, None, None],
        ["合计", None, None, None, None, None, 1120],
    ], title="2023 年帮扶台账", merge_title=10)
    result = import_file(db, admin, path)
    assert result.kind.code == "ledger"
    status = {r.row: r.status for r in result.rows}
    assert status == {3: "ok", 4: "ok", 5: "ok", 6: "error", 7: "error", 8: "error",
                      9: "error", 10: "duplicate"}
    codes = {r.row: [e.code for e in r.errors] for r in result.rejected}
    assert codes == {6: ["import.name_mismatch"], 7: ["import.no_open_case"],
                     8: ["import.member_unknown"],
                     # a negative amount is a 冲正 row: nothing of 50 yuan to reverse
                     9: ["import.reversal_no_original"]}
    with db.reader() as s:
        entries = {(e.kind, e.amount_fen, e.entry_date, e.handled_by)
                   for e in s.query(LedgerEntry)}
    assert entries == {("condolence", 50000, date(2023, 5, 3), "小王"),
                       ("medical_mutual_aid", 12000, date(2023, 5, 4), "站长"),
                       ("home_visit", 0, date(2023, 6, 1), "站长")}
    again = import_file(db, admin, path)
    assert (again.imported, len(again.skipped)) == (0, 4)
    assert _count(db_path, "ledger_entries") == 3


def test_ledger_preview_with_the_database_is_a_rolled_back_import(db, db_path, admin,
                                                                  two_files, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [
        ["姓名", "身份证号", "帮扶日期", "帮扶类型", "金额"],
        ["张三", ZHANG, "2023-05-03", "慰问金", 500],
        ["王五", WANG, "2023-05-03", "慰问金", 500],
    ])
    preview = preview_file(path, db=db, actor=admin)
    assert [r.status for r in preview.rows] == ["ok", "error"]
    assert preview.rows[0].cleaned["amount_fen"] == 50000
    assert _count(db_path, "ledger_entries") == 0


# --------------------------------------------------------------------------- visits


def test_visit_diary(db, db_path, admin, tmp_path):
    with db.session(admin) as s:
        enterprises.register_enterprise(s, {"name": "葵涌制衣厂", "credit_code": CODE_A})
        enterprises.register_enterprise(s, {"name": "大鹏海鲜酒楼"})
    path = write_xlsx(tmp_path / "走访.xlsx", [
        ["走访日期", "企业名称", "统一社会信用代码", "走访类型", "走访人", "经营状况",
         "异常情况", "涉及职工人数", "走访情况", "处理措施", "跟进期限"],
        ["2023-05-03", "葵涌制衣厂有限公司", CODE_A, "日常", "小王、小李", "正常", None, None,
         "生产正常", None, None],
        [45050, "大鹏海鲜酒楼", None, "重点监管走访", "小王", "异常", "欠薪、裁员", 12,
         "拖欠两个月工资", "约谈负责人", "2023-05-20"],
        ["2023-05-05", "没登记的厂", None, "日常走访", "小王", None, None, None, None, None,
         None],
        ["2023-05-06", "大鹏海鲜酒楼", None, "日常走访", "小王", "异常", None, None, None, None,
         None],
        ["2023/5/3", "葵涌制衣厂", None, "日常走访", "小李", None, None, None, None, None,
         None],
    ], title="企业走访日志", merge_title=11, blank_after_title=True)
    result = import_file(db, admin, path)
    assert result.kind.code == "visits" and result.header_row == 3
    assert [r.status for r in result.rows] == ["ok", "ok", "error", "ok", "duplicate"]
    assert [e.code for e in result.rows[2].errors] == ["import.enterprise_unknown"]
    # abnormal without a finding: imported as 其他 (other), with a warning on the row
    assert [w.code for w in result.rows[3].warnings] == ["import.flags_other"]
    with db.reader() as s:
        visits = sorted((v.visit_date, v.kind, v.flags or "") for v in s.query(Visit))
    assert visits == [(date(2023, 5, 3), "routine", ""),
                      (date(2023, 5, 4), "watch", "wage_arrears,layoffs"),
                      (date(2023, 5, 6), "routine", "other")]
    assert import_file(db, admin, path).imported == 0
    assert _count(db_path, "visits") == 3


# --------------------------------------------------------------------------- events


def test_events(db, db_path, admin, tmp_path):
    path = write_xlsx(tmp_path / "活动.xlsx", [
        ["活动日期", "活动类型", "活动名称", "活动地点", "服务人次", "其中农民工人次", "备注"],
        ["2023-05-03", "法律服务", "劳动法进企业", "葵涌制衣厂", "120人次", 100, None],
        ["2023.6.1", "提素", "技能培训", None, 40, None, None],
        ["2023-06-02", "普惠", "观影", None, 10, 20, None],
    ])
    result = import_file(db, admin, path)
    assert result.kind.code == "events"
    assert [r.status for r in result.rows] == ["ok", "ok", "error"]
    assert [e.code for e in result.rows[2].errors] == ["event.migrants_exceed"]
    with db.reader() as s:
        assert {(e.kind, e.person_times) for e in s.query(Event)} == {("legal", 120),
                                                                   ("training", 40)}
    assert import_file(db, admin, path).imported == 0
    assert _count(db_path, "events") == 2


def test_each_layout_is_recognised(tmp_path):
    layouts = {
        "members": ["序号", "姓名", "性别", "民族", "公民身份号码", "出生日期", "联系电话",
                    "工作单位", "入会时间", "会员证号", "是否农民工", "备注"],
        "hardship": ["困难类别", "姓名", "民族", "性别", "政治面貌", "身份证号", "健康状况",
                     "工作单位", "家庭人口", "人均收入"],
        "ledger": ["序号", "姓名", "身份证号", "困难类别", "帮扶日期", "帮扶类型", "金额（元）",
                   "资金来源", "经办人", "备注"],
        "visits": ["走访日期", "企业名称", "统一社会信用代码", "走访类型", "走访人", "经营状况",
                   "异常情况", "涉及职工人数", "走访情况", "处理措施", "跟进期限"],
        "events": ["活动日期", "活动类型", "活动名称", "地点", "服务人次"],
        "enterprises": ["企业名称", "统一社会信用代码", "地址", "联系人", "联系电话"],
    }
    for kind, head in layouts.items():
        path = write_xlsx(tmp_path / f"{kind}.xlsx", [head], title="标题", merge_title=4)
        assert read_file(path).kind.code == kind, kind
