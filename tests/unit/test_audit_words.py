"""The audit log in words (walk finding: 操作 "follow-up-closed走访记录", 详情 "字段：closed_date",
"字段：作废时间、void_by、void_by_name、作废原因"): every action the services write and every
field a change can touch is shown in words, in Chinese and in English."""

from __future__ import annotations

import json
import re
from pathlib import Path

from station_app.domain.models import AuditRecord, Base
from station_app.domain.services import exposure
from station_app.storage.capture import utc_now_text

ROOT = Path(__file__).resolve().parents[2] / "station_app"
# an ASCII identifier: two letters or more, or a word joined by _ or -
IDENT = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)+|[A-Za-z]{2,}")
# what the services write as an audit record's action (literal or a named constant)
WRITES = re.compile(r"""(?:_audit(?:_kept|_outcome)?\(\s*session,\s*|action=)"([a-z-]+)\"""")


def written_actions() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        found |= set(WRITES.findall(path.read_text(encoding="utf-8")))
    from station_app.domain.services import imports

    return found | {imports.IMPORT, imports.UNDO, "insert", "update", "delete"}


def test_the_scan_finds_the_actions_the_services_write():
    acts = written_actions()
    assert {"follow-up-closed", "review-note", "sync-retry", "sync-discard", "login",
            "user-locked", "clock", "import", "import-undo"} <= acts


def _records() -> list[AuditRecord]:
    """One record of every action the services write, of every table a change can touch,
    with every column of the table changed."""
    shown = set(written_actions()) - set(exposure._NOT_SHOWN)
    rows: list[AuditRecord] = []
    tables = [t for t in Base.metadata.sorted_tables if t.name in exposure.TABLE_WORDS]
    details = {
        "follow-up-closed": [{"outcome": "已解决"}, {"revisit": "x"}],
        "review-note": [{"outcome": "情况好转"}],
        "sync-retry": [{"reason": "字段不合规"}],
        "sync-discard": [{}],
        "import": [{"source": "名册.xlsx", "kind": "members",
                    "added": {"members": ["a", "b"], "enterprises": ["c"]},
                    "updated": {"members": 3}}],
        "import-undo": [{"source": "名册.xlsx", "rows": 3}],
        "clock": [{"before": "0", "after": "1", "restamped": 4}],
        "user-locked": [{"username": "李明", "until": utc_now_text()}],
        "user-unlocked": [{"username": "李明", "by": "王芳"}],
        "user-add": [{"username": "李明", "role": "clerk"}],
        "user-active": [{"active": True}, {"active": False}],
    }
    for action in sorted(shown):
        if action in ("insert", "update", "delete"):
            for t in tables:
                changes = {c.key: [None, 1] for c in t.columns}
                rows.append(AuditRecord(at=utc_now_text(), actor="admin", action=action,
                                        table_name=t.name, row_id="r",
                                        detail=json.dumps(changes)))
            continue
        for d in details.get(action, [{"username": "李明"}]):
            for table in ("visits", "hardship_cases", "members", None):
                rows.append(AuditRecord(at=utc_now_text(), actor="admin", action=action,
                                        table_name=table, row_id="r",
                                        detail=json.dumps(d, ensure_ascii=False)))
    return rows


def test_every_action_and_field_is_in_words(db, admin):
    with db.session(admin) as s:
        s.add_all(_records())
    with db.reader(admin) as s:
        zh = exposure.audit_lines(s, lang="zh", limit=100_000)
        en = exposure.audit_lines(s, lang="en", limit=100_000)
    assert len(zh) > 100
    # (the sentence "从 Excel 导入", the workbook's own name and people's user names are
    # words, not codes)
    def codes_in(text: str) -> bool:
        for word in ("Excel", "名册.xlsx", "admin", "clerk"):
            text = text.replace(word, "")
        return bool(IDENT.search(text))

    bad = sorted({f"{line.what} | {line.detail}" for line in zh
                  if codes_in(line.what + " " + line.detail)})
    assert not bad, "\n".join(bad[:20])
    # in English: no column (closed_date) and no action's code (follow-up-closed)
    actions = {a for a in written_actions() if "-" in a}
    bad_en = sorted({f"{line.what} | {line.detail}" for line in en
                     if re.search(r"\b[a-z]+_[a-z_]+\b", line.what + " " + line.detail)
                     or any(a in line.what for a in actions)})
    assert not bad_en, "\n".join(bad_en[:20])


def test_a_voided_sign_off_names_its_fields():
    lines = exposure._fields({"void_at": [None, "x"], "void_by": [None, "li"],
                              "void_by_name": [None, "李"], "void_reason": [None, "r"],
                              "hlc": ["a", "b"]}, "zh")
    assert lines == "作废时间、作废人账号、作废人、作废原因"
