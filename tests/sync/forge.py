"""Rows and changesets as a broken or hostile station would send them: whole rows of any
table, with any owner, values as given (the rest valid, as the app would make them)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from station_app.domain.ids import enterprise_id_for, station_id_for, uuid7
from station_app.domain.models import MODEL_BY_TABLE
from station_app.domain.validation import credit_code_check_char, id_check_char
from station_app.storage.clock import Stamp, wall_ms
from sync.changeset import wire_columns

KY01, DP02 = station_id_for("KY01"), station_id_for("DP02")
_counter = itertools.count(1)


def stamp(node: str = "forge") -> str:
    return str(Stamp(wall_ms(), next(_counter) % 100_000, node))


def idn(n: int) -> str:
    """A valid ID number, a different one for every ``n`` (born 1980-01-01 on)."""
    born = date(1980, 1, 1) + timedelta(days=n // 1000)
    body = f"440305{born:%Y%m%d}{n % 1000:03d}"
    return body + id_check_char(body)


def credit(n: int) -> str:
    body = f"91440300MA5{n:06d}"
    return body + credit_code_check_char(body)


VALID: dict[str, dict[str, Any]] = {
    "stations": {"code": "EVIL", "name": "恶意站点", "is_key": True},
    "targets": {"year": 2026, "metric": "members_new", "value": 999_999},
    "enterprises": {"name": "测试企业", "union_established": False},
    "watch_list_entries": {"action": "listed", "reason": "欠薪", "entry_date": "2026-01-05"},
    "members": {"name": "张三", "id_number": idn(1), "gender": "M",
                "birth_date": "1980-01-01", "status": "active", "migrant_worker": False},
    "hardship_cases": {"category": "illness", "level": "deep", "household_size": 2,
                       "registered_date": "2026-01-05", "status": "open",
                       "single_parent": False, "zero_employment": False},
    "household_members": {"name": "李四", "relation": "spouse"},
    "ledger_entries": {"entry_date": "2026-02-01", "kind": "home_visit", "amount_fen": 0},
    "visits": {"visit_date": "2026-02-01", "kind": "routine", "visitors": "王芳",
               "workers_served": 0, "operating_status": "normal"},
    "events": {"kind": "legal", "event_date": "2026-02-01", "title": "普法讲座",
               "person_times": 10, "migrant_person_times": 2},
    "event_members": {},
    "signed_reports": {},  # (signed_report: a whole one, its digest right)
    "signoffs": {"kind": "visit_week", "iso_year": 2026, "iso_week": 5, "signed_by": "admin",
                 "signed_by_name": "站长", "signed_date": "2026-02-01",
                 "signed_at": "2026-02-01T02:00:00.000000Z"},
    "case_upper_signoffs": {"signed_by": "qu", "signed_by_name": "李主席",
                            "signed_date": "2026-02-01",
                            "signed_at": "2026-02-01T02:00:00.000000Z"},
    "export_records": {"at": "2026-02-01T02:00:00.000000Z", "actor": "clerk",
                       "actor_name": "小李", "actor_role": "clerk", "action": "export",
                       "what": "roster", "row_count": 3, "file_name": "roster.xlsx",
                       "full_ids": False},
}


def signed_report(scope: str = "station", **values: Any) -> dict[str, Any]:
    """The columns of a station's signed report as the app signs it, its digest right
    (``values`` change the content's figures, or the signature's fields)."""
    from station_app.domain.signoff import canonical, signature_digest

    content = {"version": 1, "as_of": "2026-01-05", "scope": scope, "station": "KY01",
               "name": "葵涌社区工联会", "values": {"training_events": 1, **values.pop("figures", {})},
               "paid_by_kind": {}, "targets": [], "sync": {"last_sync": None}}
    signature = {"signed_by": "admin", "signed_by_name": "站长",
                 "signed_at": "2026-01-05T02:00:00.000000Z", "note": None}
    signature.update(values)
    return {"as_of": "2026-01-05", "scope": scope, "scope_code": "KY01",
            "scope_name": "葵涌社区工联会", "content": canonical(content),
            "digest": signature_digest(content, **signature), **signature}


VALID["signed_reports"] = signed_report()


def row(table: str, station: str = KY01, **values: Any) -> dict[str, Any]:
    """A whole wire row of ``table`` owned by ``station``: valid unless ``values`` say
    otherwise (dates as text, as on the wire)."""
    out: dict[str, Any] = {c.key: None for c in wire_columns(MODEL_BY_TABLE[table])}
    out.update(id=uuid7(), station_id=station, hlc=stamp(), deleted=False, _base=None)
    out.update(VALID[table])
    if table == "members" and "id_number" in values and "gender" not in values:
        number = values["id_number"]
        out["gender"] = "M" if int(number[16]) % 2 else "F"
        out["birth_date"] = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    out.update(values)
    for key, value in list(out.items()):
        if isinstance(value, date):
            out[key] = value.isoformat()
    return out


def enterprise(station: str = KY01, n: int = 1, **values: Any) -> dict[str, Any]:
    code = credit(n)
    return row("enterprises", station, id=enterprise_id_for(code), credit_code=code,
               name=f"测试企业{n}", **values)


def changeset(station: str, *rows: tuple[str, dict[str, Any]], batch_id: str | None = None
              ) -> dict[str, Any]:
    """A wire changeset of ``(table, row)`` pairs."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, r in rows:
        tables.setdefault(table, []).append(r)
    return {"version": 1, "station_id": station, "node": "forge",
            "batch_id": batch_id or uuid7(), "rows": tables}
