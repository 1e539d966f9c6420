"""The visit diary through the import wizard: a sheet with no 异常情况 column, its abnormal
rows ready with the warning that they are imported as 其他, and the dispute row's
涉及职工人数 stored as the workers served."""

from __future__ import annotations

from openpyxl import Workbook
from sqlalchemy import select

from station_app.domain.models import Visit
from station_app.domain.services import enterprises


def test_abnormal_rows_are_ready_with_a_warning(qtbot, window, db, ctx, tmp_path):
    with db.session(ctx.actor) as s:
        enterprises.register_enterprise(s, {"name": "大鹏海鲜酒楼"})
    wb = Workbook()
    ws = wb.active
    ws.append(["企业走访日志"])
    ws.merge_cells("A1:F1")
    ws.append(["走访日期", "企业名称", "走访类型", "走访人", "经营状况", "涉及职工人数"])
    ws.append(["2025-05-06", "大鹏海鲜酒楼", "日常走访", "小王", "异常", None])
    ws.append(["2025-05-07", "大鹏海鲜酒楼", "劳资纠纷处置", "小王", "正常", 30])
    wb.save(tmp_path / "走访.xlsx")
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "走访.xlsx"))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert dialog.result.kind.code == "visits" and len(dialog.result.valid) == 2
    assert "1 of the ready rows have a warning" in dialog.summary.text()
    assert dialog.rows.rowCount() == 1
    assert dialog.rows.item(0, 0).text() == "3" and dialog.rows.item(0, 1).text() == "ready"
    warning = dialog.rows.item(0, 3).text()
    assert "异常情况" in warning and "其他" in warning
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=10_000)
    assert dialog.imported.imported == 2
    with db.reader() as s:
        rows = sorted(s.execute(select(Visit.visit_date, Visit.kind, Visit.flags,
                                       Visit.workers_involved, Visit.workers_served)).all())
    assert [tuple(r[1:]) for r in rows] == [("routine", "other", None, 0),
                                           ("dispute", None, 30, 30)]
