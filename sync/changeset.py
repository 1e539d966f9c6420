"""The wire format of sync: a versioned changeset, validated strictly before use.

A changeset is what one station sends in one batch (or what the district sends back):

    {"version": 1, "station_id": "…", "node": "…", "batch_id": "…",
     "rows": {"members": [{"id": …, "station_id": …, "hlc": …, "deleted": false,
                           "name": …, …, "_base": "<hlc before the change>" | null}, …],
              …}}

Every row carries every column of its table (so a row is a whole version, never a patch),
values as JSON: text, integers, booleans, dates as ``YYYY-MM-DD``, null. ``_base`` is the
stamp the sender's version was made on (see ``OutboxEntry.base_hlc``): the district tells
a fast-forward from a concurrent edit with it.

``from_wire`` refuses anything it does not fully understand — an unknown version, table
or column, a wrong type, an over-long text, a malformed id or stamp, too many rows —
with a ``ChangesetError`` that names the place; nothing of such a changeset is applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, Text

from station_app.domain.models import MODEL_BY_TABLE, Syncable

VERSION = 1
MAX_ROWS = 20_000  # per changeset (a client grows its batches up to this; see sync.client)
MAX_TEXT = 20_000  # characters in one Text value
# Whole numbers are stored in 32-bit columns (PostgreSQL's INTEGER): beyond these a value
# could not be stored, so it is refused as malformed, naming its place
MIN_INT, MAX_INT = -2**31, 2**31 - 1
# Parents before children, so foreign keys hold while a batch applies; a syncable table not
# named here (a new one) comes last.
_ORDER = (
    "stations", "enterprises", "watch_list_entries", "targets", "members", "hardship_cases",
    "household_members", "ledger_entries", "visits", "events", "event_members",
    "signed_reports",
)
APPLY_ORDER = tuple(t for t in _ORDER if t in MODEL_BY_TABLE) + tuple(
    t for t in MODEL_BY_TABLE if t not in _ORDER)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HLC_RE = re.compile(r"^\d{13}-\d{5}-[0-9A-Za-z]{1,24}$")
NODE_RE = re.compile(r"^[0-9A-Za-z]{1,24}$")


class ChangesetError(ValueError):
    """A changeset that cannot be accepted; ``status`` is the HTTP answer it deserves."""

    status = 422

    def __init__(self, where: str, problem: str):
        self.where, self.problem = where, problem
        super().__init__(f"{where}: {problem}")


class UnsupportedVersion(ChangesetError):
    status = 426  # Upgrade Required

    def __init__(self, version: Any):
        super().__init__("version", f"changeset version {version!r} is not understood here "
                                    f"(this side speaks {VERSION}); update the app")


@dataclass
class Changeset:
    station_id: str
    node: str
    batch_id: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    version: int = VERSION

    def count(self) -> int:
        return sum(len(v) for v in self.rows.values())

    def halves(self) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
        """The rows split in two (in order), for finding the rows a refused batch
        stumbles on: each half goes again as a batch of its own."""
        flat = [(t, r) for t in self.rows for r in self.rows[t]]
        parts: tuple[dict, dict] = ({}, {})
        for n, (t, r) in enumerate(flat):
            parts[n >= len(flat) // 2].setdefault(t, []).append(r)
        return parts

    def keys(self) -> list[tuple[str, str, str]]:
        """(table, row id, hlc) of every row: what an acknowledgement covers."""
        return [(t, r["id"], r["hlc"]) for t in APPLY_ORDER for r in self.rows.get(t, ())]


# --------------------------------------------------------------------------- rows


def wire_columns(model: type[Syncable]) -> list:
    """The columns a row carries on the wire: all but those derived from the row
    (``models.DERIVED``: a sort key, a reversed phone number), which each side computes."""
    return [c for c in model.__table__.columns if not c.info.get("derived")]


_columns = wire_columns


def row_to_wire(model: type[Syncable], values: Any, base: str | None = None) -> dict[str, Any]:
    """A model instance (or a mapping of its columns) as a wire row."""
    get = values.get if isinstance(values, dict) else (lambda k: getattr(values, k))
    out: dict[str, Any] = {}
    for col in _columns(model):
        v = get(col.key)
        if isinstance(v, date):
            v = v.isoformat()
        out[col.key] = v
    out["_base"] = base
    return out


def _checker(col) -> Any:
    """A function ``check(value, where)`` for one column: the value as Python, or a
    ``ChangesetError`` naming the place. Built once per column (a push validates every
    value of every row, so the type dispatch is not repeated per value)."""
    t = col.type
    required = not col.nullable and col.key != "id"

    def missing(where: str) -> None:
        if required:
            raise ChangesetError(where, "a value is required")

    if isinstance(t, Boolean):
        def check(value: Any, where: str) -> Any:
            if value.__class__ is bool:
                return value
            if value is None:
                return missing(where)
            raise ChangesetError(where, "must be true or false")
    elif isinstance(t, Integer):
        def check(value: Any, where: str) -> Any:
            if value.__class__ is int and MIN_INT <= value <= MAX_INT:
                return value
            if value is None:
                return missing(where)
            if value.__class__ is int:
                raise ChangesetError(where, f"{value} is out of range: a whole number from "
                                            f"{MIN_INT} to {MAX_INT}")
            raise ChangesetError(where, "must be a whole number")
    elif isinstance(t, Date):
        def check(value: Any, where: str) -> Any:
            if value is None:
                return missing(where)
            if not isinstance(value, str):
                raise ChangesetError(where, "must be a date YYYY-MM-DD")
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ChangesetError(where, f"{value!r} is not a date YYYY-MM-DD") from None
    elif isinstance(t, String | Text):
        limit = t.length or MAX_TEXT

        def check(value: Any, where: str) -> Any:
            if value.__class__ is str and len(value) <= limit:
                return value
            if value is None:
                return missing(where)
            if not isinstance(value, str):
                raise ChangesetError(where, "must be text")
            if len(value) > limit:
                raise ChangesetError(where, f"longer than {limit} characters")
            return value
    else:  # pragma: no cover - every column type of the models is handled above
        raise TypeError(f"unsupported column type {t!r}")
    return check


_STR, _DATE, _BOOL, _INT = range(4)


@dataclass(frozen=True)
class _TableSpec:
    checkers: tuple[tuple[str, Any], ...]  # (column, check): the exact rules, and messages
    fast: tuple[tuple[str, int, int, bool], ...]  # (column, kind, text limit, nullable)
    dates: tuple[str, ...]
    columns: frozenset[str]  # with "_base"
    quick: Any = None  # the generated quick check (see _quick_check)


_SPECS: dict[str, _TableSpec] = {}


def _spec(table: str) -> _TableSpec:
    spec = _SPECS.get(table)
    if spec is None:
        cols = list(_columns(MODEL_BY_TABLE[table]))
        fast = []
        for c in cols:
            t = c.type
            kind = (_BOOL if isinstance(t, Boolean) else _INT if isinstance(t, Integer)
                    else _DATE if isinstance(t, Date) else _STR)
            limit = (t.length or MAX_TEXT) if kind == _STR else 0
            fast.append((c.key, kind, limit, bool(c.nullable) or c.key == "id"))
        spec = _SPECS[table] = _TableSpec(
            checkers=tuple((c.key, _checker(c)) for c in cols), fast=tuple(fast),
            dates=tuple(c.key for c in cols if isinstance(c.type, Date)),
            columns=frozenset(c.key for c in cols) | {"_base"},
            quick=_quick_check(tuple(fast)))
    return spec


def date_columns(table: str) -> tuple[str, ...]:
    """The columns of ``table`` that hold dates (``YYYY-MM-DD`` on the wire)."""
    return _spec(table).dates


def _values_look_right(spec: _TableSpec, data: dict[str, Any]) -> bool:
    """The common case without a call per value: every value has its column's JSON type
    (and texts their length). False sends the row to the exact checkers, which convert it
    or say what is wrong."""
    return spec.quick(data)


def _quick_check(fast: tuple[tuple[str, int, int, bool], ...]):
    """The quick check of one table as one generated function, a straight line of type
    tests with the column names and limits written in (from the models, never from the
    input): a push checks every value of every row, and a loop over the columns with its
    branches costs three times as much."""
    lines = ["def quick(d):"]
    for key, kind, limit, nullable in fast:
        test = {
            _STR: f"v.__class__ is not str or len(v) > {limit}",
            _DATE: "v.__class__ is not str",
            _BOOL: "v.__class__ is not bool",
            _INT: f"v.__class__ is not int or not {MIN_INT} <= v <= {MAX_INT}",
        }[kind]
        lines.append(f"    v = d[{key!r}]")
        if nullable:
            lines.append(f"    if v is not None and ({test}):")
        else:
            lines.append(f"    if {test}:")
        lines.append("        return False")
    lines.append("    return True")
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)  # noqa: S102 - source built above from the models
    return namespace["quick"]


def row_from_wire(table: str, data: Any, where: str) -> dict[str, Any]:
    """A validated row as Python values (dates as ``date``), plus its ``_base``."""
    spec = _spec(table)
    if not isinstance(data, dict):
        raise ChangesetError(where, "a row must be an object")
    if data.keys() != spec.columns:
        unknown = set(data) - spec.columns
        if unknown:
            raise ChangesetError(where, f"unknown column(s) {sorted(unknown)}")
        missing = spec.columns - set(data) - {"_base"}
        if missing:
            raise ChangesetError(where, f"missing column(s) {sorted(missing)}")
    if _values_look_right(spec, data):
        out = dict(data)  # the keys are the columns (and "_base", set again below)
        for key in spec.dates:
            if out[key] is not None:
                try:
                    out[key] = date.fromisoformat(out[key])
                except ValueError:
                    raise ChangesetError(f"{where}.{key}",
                                         f"{out[key]!r} is not a date YYYY-MM-DD") from None
    else:
        out = {}
        for key, check in spec.checkers:
            try:
                out[key] = check(data[key], where)
            except ChangesetError as exc:
                raise ChangesetError(f"{where}.{key}", exc.problem) from None
    if not isinstance(out["id"], str) or not (UUID_RE.match(out["id"])):
        raise ChangesetError(f"{where}.id", "must be a UUID")
    if not UUID_RE.match(out["station_id"]):
        raise ChangesetError(f"{where}.station_id", "must be a UUID")
    if not HLC_RE.match(out["hlc"]):
        raise ChangesetError(f"{where}.hlc", "is not a clock stamp")
    base = data.get("_base")
    if base is not None and (not isinstance(base, str) or not HLC_RE.match(base)):
        raise ChangesetError(f"{where}._base", "is not a clock stamp")
    out["_base"] = base
    return out


# --------------------------------------------------------------------------- changesets


def to_wire(cs: Changeset) -> dict[str, Any]:
    return {"version": cs.version, "station_id": cs.station_id, "node": cs.node,
            "batch_id": cs.batch_id, "rows": cs.rows}


def from_wire(data: Any, *, max_rows: int = MAX_ROWS) -> Changeset:
    """Validate a decoded JSON changeset completely; raise ``ChangesetError`` otherwise."""
    if not isinstance(data, dict):
        raise ChangesetError("changeset", "must be an object")
    if data.get("version") != VERSION:
        raise UnsupportedVersion(data.get("version"))
    for key in ("station_id", "batch_id"):
        if not isinstance(data.get(key), str) or not UUID_RE.match(data[key]):
            raise ChangesetError(key, "must be a UUID")
    if not isinstance(data.get("node"), str) or not NODE_RE.match(data["node"]):
        raise ChangesetError("node", "must be 1–24 letters or digits")
    rows = data.get("rows")
    if not isinstance(rows, dict):
        raise ChangesetError("rows", "must be an object of tables")
    unknown = set(rows) - set(MODEL_BY_TABLE)
    if unknown:
        raise ChangesetError("rows", f"unknown table(s) {sorted(unknown)}")
    total = sum(len(v) for v in rows.values() if isinstance(v, list))
    if total > max_rows:
        raise ChangesetError("rows", f"{total} rows; at most {max_rows} per changeset")
    clean: dict[str, list[dict[str, Any]]] = {}
    for table in APPLY_ORDER:
        if table not in rows:
            continue
        if not isinstance(rows[table], list):
            raise ChangesetError(f"rows.{table}", "must be a list")
        seen: set[str] = set()
        clean[table] = []
        for i, row in enumerate(rows[table]):
            value = row_from_wire(table, row, f"rows.{table}[{i}]")
            if value["id"] in seen:
                raise ChangesetError(f"rows.{table}[{i}].id", "appears twice in the changeset")
            seen.add(value["id"])
            clean[table].append(value)
    return Changeset(station_id=data["station_id"], node=data["node"],
                     batch_id=data["batch_id"], rows=clean)


# --------------------------------------------------------------------------- the contract


def json_schema() -> dict[str, Any]:
    """The changeset as a JSON Schema (2020-12, as OpenAPI 3.1 takes it), made from the
    models: what ``from_wire`` accepts, for clients and fuzzers (the service's
    ``/v1/openapi.json``). ``from_wire`` remains the judge (dates must be real ones, ids
    unique within a table …)."""
    uuid_s = {"type": "string", "pattern": UUID_RE.pattern}
    hlc_s = {"type": "string", "pattern": HLC_RE.pattern, "maxLength": 40}
    tables: dict[str, Any] = {}
    for table in APPLY_ORDER:
        props: dict[str, Any] = {}
        for col in _columns(MODEL_BY_TABLE[table]):
            t = col.type
            if col.key in ("id", "station_id"):
                schema: dict[str, Any] = dict(uuid_s)
            elif col.key == "hlc":
                schema = dict(hlc_s)
            elif isinstance(t, Boolean):
                schema = {"type": "boolean"}
            elif isinstance(t, Integer):
                schema = {"type": "integer", "minimum": MIN_INT, "maximum": MAX_INT}
            elif isinstance(t, Date):
                schema = {"type": "string", "format": "date"}
            else:
                schema = {"type": "string", "maxLength": t.length or MAX_TEXT}
            if col.nullable and col.key != "id":
                schema = {"anyOf": [schema, {"type": "null"}]}
            props[col.key] = schema
        props["_base"] = {"anyOf": [hlc_s, {"type": "null"}]}
        tables[table] = {"type": "array", "maxItems": MAX_ROWS, "items": {
            "type": "object", "properties": props, "additionalProperties": False,
            "required": [c.key for c in _columns(MODEL_BY_TABLE[table])]}}
    return {
        "title": "Changeset", "type": "object", "additionalProperties": False,
        "required": ["version", "station_id", "node", "batch_id", "rows"],
        "properties": {
            "version": {"const": VERSION},
            "station_id": uuid_s,
            "node": {"type": "string", "pattern": NODE_RE.pattern},
            "batch_id": uuid_s,
            "rows": {"type": "object", "properties": tables, "additionalProperties": False},
        },
    }
