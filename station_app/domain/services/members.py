"""Members (会员/职工): register, update, status changes, the bulk path, search."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import false, func, or_, select, text
from sqlalchemy.orm import Session

from station_app.domain.choices import MEMBER_STATUS, label
from station_app.domain.ids import DISTRICT_CODE, station_id_for
from station_app.domain.models import Enterprise, Member, MemberNameKey, Station
from station_app.domain.pinyin import (
    COMMON,
    GIVEN,
    OTHER,
    normalize_query,
    prefix_upper_bound,
    sort_prefixes,
)
from station_app.domain.services.common import NotFound, get_or_404, today
from station_app.domain.services.corrections import permit
from station_app.domain.services.stations import clean_station_code
from station_app.domain.validation import (
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    is_blank,
    mask_id_number,
    normalize_text,
    parse_bool,
    parse_choice,
    parse_date,
    parse_id_number,
    parse_name,
    parse_phone,
    parse_text,
    register_messages,
)
from station_app.storage.capture import bulk_insert, bulk_keying

register_messages({
    "member.none_for_id": (
        "本数据库中没有身份证号为 {id} 的{which}会员：请核对号码，或用 station-admin member find "
        "查找",
        "no {which}member with the ID number {id} in this database: check the number, or "
        "look for them with station-admin member find",
    ),
    "member.several_for_id": (
        "身份证号 {id} 有 {count} 条会员记录：{rows}。请改用其中一条记录的编号",
        "the ID number {id} has {count} member rows: {rows}. Give the id of one of them "
        "instead",
    ),
})

EDITABLE = (
    "name", "id_number", "ethnicity", "phone", "employer_id", "employer_name", "card_no",
    "join_date", "migrant_worker", "notes",
)


@dataclass
class Cleaned:
    values: dict[str, Any]
    warnings: list[FieldError] = field(default_factory=list)



def clean_member(data: Mapping[str, Any], *, on: date | None = None) -> Cleaned:
    """Validate member fields (raw form or sheet values). Raises one ValidationError."""
    on = on or today()
    c = ErrorCollector()
    v: dict[str, Any] = {}
    v["name"] = c.check("name", parse_name, data.get("name"))
    idn = c.check("id_number", parse_id_number, data.get("id_number"), today=on)
    if idn is not None:
        v["id_number"], v["birth_date"], v["gender"] = idn.number, idn.birth_date, idn.gender
    v["phone"] = None if is_blank(data.get("phone")) else c.check("phone", parse_phone, data.get("phone"))
    v["ethnicity"] = c.check("ethnicity", parse_text, data.get("ethnicity"), field="ethnicity", max_len=20)
    v["employer_name"] = c.check(
        "employer_name", parse_text, data.get("employer_name"), field="employer_name", max_len=200
    )
    v["employer_id"] = data.get("employer_id") or None
    v["card_no"] = c.check("card_no", parse_text, data.get("card_no"), field="card_no", max_len=40)
    v["notes"] = c.check("notes", parse_text, data.get("notes"), field="notes", max_len=2000)
    v["join_date"] = (
        None
        if is_blank(data.get("join_date"))
        else c.check("join_date", parse_date, data.get("join_date"), field="join_date",
                     not_future=True, today=on)
    )
    if v["join_date"] and idn is not None and v["join_date"] < idn.birth_date:
        c.add("join_date", "date.before", other=idn.birth_date.isoformat())
    mw = data.get("migrant_worker")
    v["migrant_worker"] = False if is_blank(mw) else c.check(
        "migrant_worker", parse_bool, mw, field="migrant_worker"
    )
    c.raise_if_any()
    return Cleaned(v, c.warnings)


def _active_with_id(session: Session, station_id: str, id_number: str, *,
                    exclude: str | None = None) -> Member | None:
    q = select(Member).where(
        Member.station_id == station_id,
        Member.id_number == id_number,
        Member.status == "active",
        Member.deleted == false(),
    )
    if exclude:
        q = q.where(Member.id != exclude)
    return session.execute(q.limit(1)).scalar_one_or_none()


class DuplicateMember(ValidationError):
    """The ID number is already registered to an active member; ``existing_id`` says whom."""

    def __init__(self, existing: Member):
        self.existing_id = existing.id
        super().__init__([FieldError("id_number", "member.duplicate", {"name": existing.name})])

    def __reduce__(self):
        return (ValidationError, (self.errors,))


def _check_employer(session: Session, employer_id: str | None) -> None:
    if employer_id:
        get_or_404(session, Enterprise, employer_id, "employer")


def register_member(session: Session, data: Mapping[str, Any]) -> Member:
    """Register a member of this station. A duplicate active ID → ``DuplicateMember``."""
    permit(session, "member.create")
    cleaned = clean_member(data)
    station_id = session.info["ctx"].station_id
    existing = _active_with_id(session, station_id, cleaned.values["id_number"])
    if existing is not None:
        raise DuplicateMember(existing)
    _check_employer(session, cleaned.values["employer_id"])
    member = Member(**cleaned.values, status="active", status_date=cleaned.values["join_date"])
    session.add(member)
    session.flush()
    session.info.setdefault("warnings", []).extend(cleaned.warnings)
    return member


def update_member(session: Session, member_id: str, data: Mapping[str, Any]) -> Member:
    """Change a member's fields; fields absent from ``data`` keep their values."""
    permit(session, "member.edit")
    member = get_or_404(session, Member, member_id, "member")
    merged = {k: getattr(member, k) for k in EDITABLE}
    merged.update({k: v for k, v in data.items() if k in EDITABLE})
    cleaned = clean_member(merged)
    if member.status == "active":
        other = _active_with_id(
            session, member.station_id, cleaned.values["id_number"], exclude=member.id
        )
        if other is not None:
            raise DuplicateMember(other)
    _check_employer(session, cleaned.values["employer_id"])
    for k, v in cleaned.values.items():
        if getattr(member, k) != v:
            setattr(member, k, v)
    session.flush()
    return member


def change_status(session: Session, member_id: str, status: str, on: Any,
                  reason: Any = None) -> Member:
    """在会/转出/退会/去世 with the date it took effect. A ``reason``, when given, is
    added to the member's notes ("退会 2023-05-10：…"; the members table has no column
    of its own for it), so the change and its reason are audited together."""
    permit(session, "member.status")
    member = get_or_404(session, Member, member_id, "member")
    c = ErrorCollector()
    new = c.check("status", parse_choice, status, field="status", choices=MEMBER_STATUS)
    when = c.check("status_date", parse_date, on, field="status_date", not_future=True)
    why = c.check("reason", parse_text, reason, field="reason", max_len=500)
    c.raise_if_any()
    if new == member.status:
        raise ValidationError(
            [FieldError("status", "member.status_same", {"status": label(MEMBER_STATUS, new)})]
        )
    if member.join_date and when < member.join_date:
        raise ValidationError(
            [FieldError("status_date", "member.status_date_before_join",
                        {"join": member.join_date.isoformat()})]
        )
    if new == "active":
        other = _active_with_id(session, member.station_id, member.id_number, exclude=member.id)
        if other is not None:
            raise ValidationError(
                [FieldError("status", "member.reactivate_duplicate", {"name": other.name})]
            )
    member.status, member.status_date = new, when
    if why:
        line = f"{MEMBER_STATUS[new][0]} {when.isoformat()}：{why}"
        notes = f"{member.notes}\n{line}" if member.notes else line
        member.notes = c.check("notes", parse_text, notes, field="notes", max_len=2000)
        c.raise_if_any()
    session.flush()
    return member


def find_member(session: Session, key: Any, *, active: bool | None = None) -> Member:
    """A member a command names: by the row's id, or by 身份证号 — the one row with that
    ID number in this database (``active``: True only active rows, False only rows that
    left; None any, an active row before the others). Several rows (the same person at
    two stations of a district, or registered again after leaving) are an error listing
    them, so the command is given the row's id instead."""
    text = normalize_text(key)
    if len(text) == 36 and text.count("-") == 4:
        return get_or_404(session, Member, text, "member")
    idn = parse_id_number(text).number
    q = select(Member).where(Member.id_number == idn, Member.deleted == false())
    if active is True:
        q = q.where(Member.status == "active")
    elif active is False:
        q = q.where(Member.status != "active")
    rows = list(session.execute(q.order_by(Member.station_id, Member.id)).scalars())
    if active is None and len(rows) > 1:
        live = [m for m in rows if m.status == "active"]
        rows = live if len(live) == 1 else rows
    which = (Localized("在会", "active ") if active is True else
             Localized("已离会", "former ") if active is False else Localized("", ""))
    if not rows:
        raise NotFound([FieldError("id_number", "member.none_for_id",
                                   {"id": idn, "which": which})])
    if len(rows) > 1:
        codes = dict(session.execute(select(Station.id, Station.code).where(
            Station.id.in_({m.station_id for m in rows}))).all())
        rows.sort(key=lambda m: (codes.get(m.station_id, ""), m.status != "active", m.id))
        raise ValidationError([FieldError("id_number", "member.several_for_id", {
            "id": mask_id_number(idn), "count": len(rows),
            "rows": Localized(*("; ".join(
                f"{codes.get(m.station_id, '?')} {m.name} "
                f"{label(MEMBER_STATUS, m.status, lang)} {m.id}" for m in rows)
                for lang in ("zh", "en")))})])
    return rows[0]


def find_active_by_id_number(session: Session, id_number: str) -> Member | None:
    station_id = session.info["ctx"].station_id if "ctx" in session.info else None
    q = select(Member).where(
        Member.id_number == id_number, Member.status == "active", Member.deleted == false()
    )
    if station_id:
        q = q.where(Member.station_id == station_id)
    return session.execute(q.limit(1)).scalar_one_or_none()


# --------------------------------------------------------------------------- bulk path


@dataclass
class BulkResult:
    inserted: list[str] = field(default_factory=list)
    # (index in the input, the error) for every rejected row
    rejected: list[tuple[int, ValidationError]] = field(default_factory=list)
    warnings: list[tuple[int, FieldError]] = field(default_factory=list)
    # indices of rows left out because they are already there (``skip_existing``)
    skipped: list[int] = field(default_factory=list)


def bulk_register_members(
    session: Session, rows: Iterable[Mapping[str, Any]], *, batch_size: int = 5000,
    skip_existing: bool = False,
) -> BulkResult:
    """Register many members with the same validation as ``register_member``.

    Valid rows are inserted through the capture bulk path (stamped, queued, audited);
    invalid rows and duplicates are returned in ``rejected`` with their errors. With
    ``skip_existing`` an ID number already active in the station is skipped silently (a
    re-import of the same sheet adds nothing twice).
    """
    permit(session, "member.create")
    station_id = session.info["ctx"].station_id
    result = BulkResult()
    on = today()
    pending: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}

    def flush_batch() -> None:
        if not pending:
            return
        ids = [v["id_number"] for _, v in pending]
        existing: dict[str, str] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            existing.update(
                session.execute(
                    select(Member.id_number, Member.name).where(
                        Member.station_id == station_id,
                        Member.status == "active",
                        Member.deleted == false(),
                        Member.id_number.in_(chunk),
                    )
                ).all()
            )
        fresh = []
        for idx, v in pending:
            if v["id_number"] in existing:
                if skip_existing:
                    result.skipped.append(idx)
                else:
                    result.rejected.append(
                        (idx, ValidationError([FieldError(
                            "id_number", "member.duplicate", {"name": existing[v["id_number"]]}
                        )]))
                    )
                continue
            fresh.append(v)
        result.inserted.extend(bulk_insert(session, Member, fresh))
        pending.clear()

    with bulk_keying(session):  # each distinct name keyed once, whatever its batch
        for idx, data in enumerate(rows):
            try:
                cleaned = clean_member(data, on=on)
            except ValidationError as exc:
                result.rejected.append((idx, exc))
                continue
            v = cleaned.values
            result.warnings.extend((idx, w) for w in cleaned.warnings)
            first = seen.get(v["id_number"])
            if first is not None:
                result.rejected.append(
                    (idx, ValidationError([FieldError(
                        "id_number", "member.duplicate_in_file", {"row": first + 1}
                    )]))
                )
                continue
            seen[v["id_number"]] = idx
            v.update(status="active", status_date=v["join_date"], station_id=station_id)
            pending.append((idx, v))
            if len(pending) >= batch_size:
                flush_batch()
        flush_batch()
    if len(result.inserted) >= 5000 and session.bind.dialect.name == "sqlite":
        # fresh statistics so the planner keeps choosing the selective indexes (sampled:
        # a few milliseconds instead of a pass over every index)
        session.execute(text("PRAGMA analysis_limit=1000"))
        session.execute(text("ANALYZE"))
    return result


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class MemberHit:
    id: str
    name: str
    id_number: str
    phone: str | None
    status: str
    rank: int
    sort_key: str | None = None  # the name's pinyin sort key (``members.name_sort``)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def cursor(self) -> tuple[int, str, str]:
        """Where the next page starts (``search_members(after=…)``): the tier, the sort
        key and the id of this hit."""
        return (self.rank, self.sort_key or "", self.id)


_DIGITS = re.compile(r"^[0-9]+[xX]?$")
TAIL_DIGITS = 4  # a phone's last digits are looked for from this many


def _contains(session: Session, column, text: str):
    """Substring test without LIKE (so % and _ are plain characters)."""
    if session.bind.dialect.name == "postgresql":
        return func.strpos(column, text) > 0
    return func.instr(column, text) > 0


def _starts(column, text: str):
    """``column`` starts with ``text``, as an index range (no LIKE, so no escaping)."""
    return (column >= text) & (column < prefix_upper_bound(text))


def _name_starts(word: str):
    """Names starting with ``word``, as ranges of the sort index where it is known which
    sort keys such names have (``pinyin.sort_prefixes``): the hits come out in pinyin
    order from ``ix_members_name_sort`` without reading the others."""
    condition = _starts(Member.name, word)
    prefixes = sort_prefixes(word)
    if prefixes:
        condition = condition & or_(*(_starts(Member.name_sort, p) for p in prefixes))
    return condition


def _keyed(q: str, rank: int, *, exact: bool):
    """The names with a pinyin key of this rank equal to (``exact``) or starting with
    ``q``."""
    key = MemberNameKey.key == q if exact else _starts(MemberNameKey.key, q)
    return select(MemberNameKey.name).where(key, MemberNameKey.rank == rank)


def _tiers(session: Session, word: str) -> list:
    """Disjoint conditions on Member, best first, for one typed word.

    Tier by tier, the search reads an index in pinyin order and stops when the page is
    full, so a common query ("王", "zs") never sorts thousands of rows, and only a page not
    filled by the better tiers falls through to a substring scan — which reads a covering
    index, never the members table.
    """
    pinyin = normalize_query(word)
    if _DIGITS.match(word):
        w = word.upper()
        # Each tier selects ids from one covering index; the rows are read only for them.
        by_phone = select(Member.id).where(_starts(Member.phone, w))
        tiers = [
            Member.id_number == w,
            _starts(Member.id_number, w) & (Member.id_number != w),
            Member.id.in_(by_phone) & ~_starts(Member.id_number, w),
        ]
        if len(w) >= TAIL_DIGITS:
            # the last digits of a phone: a prefix of the reversed number (an index range)
            by_tail = select(Member.id).where(_starts(Member.phone_tail, w[::-1]))
            if w.isdigit():
                tiers.append(Member.id.in_(by_tail) & ~_starts(Member.id_number, w)
                             & Member.id.not_in(by_phone))
            # 4+ digits anywhere in the ID number (the last 4, a birth date): a scan
            inside = select(Member.id).where(_contains(session, Member.id_number, w),
                                             Member.deleted == false())
            tiers.append(Member.id.in_(inside) & ~_starts(Member.id_number, w)
                         & Member.id.not_in(by_phone) & Member.id.not_in(by_tail))
        return tiers
    if pinyin:
        # names by their keys, the usual reading first, then the given name alone, then
        # rarer readings; members by name (in pinyin order: ix_members_name_sort)
        exact, common = _keyed(pinyin, COMMON, exact=True), _keyed(pinyin, COMMON, exact=False)
        given_exact, given = (_keyed(pinyin, GIVEN, exact=True),
                              _keyed(pinyin, GIVEN, exact=False))
        other = _keyed(pinyin, OTHER, exact=False)
        name = Member.name
        return [
            name.in_(exact),
            name.in_(common) & name.not_in(exact),
            name.in_(given_exact) & name.not_in(common),
            name.in_(given) & name.not_in(common) & name.not_in(given_exact),
            name.in_(other) & name.not_in(common) & name.not_in(given),
        ]
    return [
        Member.name == word,
        _name_starts(word) & (Member.name != word),
        _contains(session, Member.name, word) & ~_starts(Member.name, word),
    ]


def _index_tiers(word: str) -> int:
    """How many of a word's tiers read an index range (the rest scan an index)."""
    if _DIGITS.match(word):
        return 4 if len(word) >= TAIL_DIGITS and word.isdigit() else 3
    if normalize_query(word):
        return 5
    return 2


def has_scan_tier(query: str) -> bool:
    """Whether the full search of ``query`` has a substring tier beyond the index-only
    ones (then a search with ``index_only=True`` may not be the whole answer)."""
    typed = normalize_text(query)
    if not typed or normalize_query(typed):
        return False
    first = typed.split(" ")[0]
    return not _DIGITS.match(first) or len(first) >= TAIL_DIGITS


def _after_key(after_sort: str, after_id: str):
    """Rows after (sort key, id) in the order (name_sort, name, id) — the sort key decides
    the name, so the name needs no place in the cursor; written as a range on the sort
    key (the index reads from there) and a test of the rest."""
    return (Member.name_sort >= after_sort) & or_(
        Member.name_sort > after_sort, Member.id > after_id)


IN_PINYIN_ORDER = (Member.name_sort, Member.name, Member.id)


def search_members(
    session: Session,
    query: str,
    *,
    limit: int = 50,
    after: tuple[int, str, str] | None = None,
    station_id: str | None = None,
    status: str | None = None,
    index_only: bool = False,
) -> list[MemberHit]:
    """Members matching every typed word, best first, keyset-paged.

    A word of digits matches ID-number digits (exact, prefix, then anywhere from 4
    digits) and phones (first digits, then from 4 digits the last ones); a word in Latin
    letters matches pinyin through the stored keys — the usual reading (full or
    initials) first, then the given name alone ("xiaoming" for 王小明), then rarer
    readings; anything else matches the name (exact, prefix, then substring; ``%`` and
    ``_`` are plain characters). Within a tier, pinyin order (``members.name_sort``).
    Pass the last hit's ``cursor`` as ``after`` for the next page. ``index_only`` skips
    the substring tiers (the only ones that scan): the search box shows those first hits
    at once and completes them with a second, full search (see ``has_scan_tier``).
    """
    typed = normalize_text(query)
    if not typed:
        return []
    words = [typed] if normalize_query(typed) else typed.split(" ")
    tiers = _tiers(session, words[0])
    if index_only:
        tiers = tiers[:_index_tiers(words[0])]
    filters = [Member.deleted == false()]
    for other in words[1:]:
        filters.append(or_(*_tiers(session, other)))
    if station_id:
        filters.append(Member.station_id == station_id)
    if status:
        filters.append(Member.status == status)
    hits: list[MemberHit] = []
    for rank in range(after[0] if after else 0, len(tiers)):
        q = select(Member.id, Member.name, Member.id_number, Member.phone, Member.status,
                   Member.name_sort).where(tiers[rank], *filters)
        if after is not None and rank == after[0]:
            q = q.where(_after_key(after[1], after[2]))
        q = q.order_by(*IN_PINYIN_ORDER).limit(limit - len(hits))
        hits.extend(MemberHit(r.id, r.name, r.id_number, r.phone, r.status, rank, r.name_sort)
                    for r in session.execute(q))
        if len(hits) >= limit:
            break
    return hits


# the columns a members list sorts by ("name": pinyin order); NULLs first
LIST_ORDERS = {"name": Member.name_sort, "id_number": Member.id_number,
               "phone": Member.phone, "join_date": Member.join_date,
               "status": Member.status}


def list_members_page(session: Session, *, order: str = "name", descending: bool = False,
                      after: tuple[Any, str] | None = None, limit: int | None = 500,
                      until: tuple[Any, str] | None = None, status: str | None = None,
                      station_id: str | None = None) -> list[tuple[Any, str]]:
    """One keyset page of the members list: the next ``limit`` (sort key, member id)
    pairs after ``after`` (None: from the start) — or all of them up to and including
    ``until`` — in the order of ``order`` (a key of ``LIST_ORDERS``; "name" is pinyin
    order, 安 before 丁, through ``ix_members_name_sort``), ties by id. Pass the last
    pair as ``after`` for the next page. Tombstoned members are left out."""
    col = LIST_ORDERS[order]
    filters = [Member.deleted == false()]
    if station_id:
        filters.append(Member.station_id == station_id)
    if status:
        filters.append(Member.status == status)
    q = select(col, Member.id).where(*filters)
    if after is not None:
        q = q.where(_list_after(col, after, descending))
    if until is not None:
        q = q.where(~_list_after(col, until, descending))
    if descending:
        q = q.order_by(col.desc().nulls_last(),
                       *([Member.name.desc()] if order == "name" else []), Member.id.desc())
    else:
        q = q.order_by(col.asc().nulls_first(),
                       *([Member.name] if order == "name" else []), Member.id)
    if limit is not None:
        q = q.limit(limit)
    return [(k, i) for k, i in session.execute(q)]


def _list_after(col, cursor: tuple[Any, str], descending: bool):
    """Rows after ``cursor`` (key, id) in the order ``col`` (NULL smallest), ``id``."""
    key, last_id = cursor
    if not descending:
        if key is None:
            return or_((col.is_(None)) & (Member.id > last_id), col.is_not(None))
        return (col >= key) & or_(col > key, Member.id > last_id)
    if key is None:
        return col.is_(None) & (Member.id < last_id)
    return or_((col <= key) & or_(col < key, Member.id < last_id), col.is_(None))


def transfer_member(session: Session, member_id: str, to_station_code: str, on: Any
                    ) -> Member:
    """District: move a member to another station (by its code). The row's owner never
    changes: the source row is marked 转出 with the date (the source pulls it back) and
    the destination gets a new row of its own, pointing at the source row (the
    destination pulls it)."""
    permit(session, "member.transfer")
    source = get_or_404(session, Member, member_id, "member")
    c = ErrorCollector()
    when = c.check("status_date", parse_date, on, field="status_date", not_future=True)
    if source.status != "active":
        c.add("status", "member.status_same", status=label(MEMBER_STATUS, source.status))
    code = c.check("station_code", clean_station_code, to_station_code) or ""
    to_station_id = station_id_for(code)
    if code and (code == DISTRICT_CODE or session.get(Station, to_station_id) is None):
        c.add("station_code", "station.unknown", station=code)
    elif source.station_id == to_station_id:
        c.add("station_code", "member.transfer_same_station")
    elif _active_with_id(session, to_station_id, source.id_number) is not None:
        c.add("id_number", "member.duplicate", name=source.name)
    c.raise_if_any()
    source.status, source.status_date = "transferred", when
    moved = Member(
        station_id=to_station_id, transferred_from_id=source.id, status="active",
        status_date=when,
        **{k: getattr(source, k) for k in (
            "name", "id_number", "gender", "birth_date", "ethnicity", "phone", "employer_id",
            "employer_name", "card_no", "join_date", "migrant_worker", "notes")})
    session.add(moved)
    session.flush()
    return moved


def retire_duplicate(session: Session, member_id: str, keep_id: str, on: Any) -> Member:
    """District: one person active at two stations (they moved and both registered them).
    The row at the station they left is marked 转出 with the date, pointing nowhere new —
    the row they were registered with at the new station stays and now records where the
    member came from. Both stations pull the change of their own row."""
    permit(session, "member.retire_duplicate")
    retire = get_or_404(session, Member, member_id, "member")
    keep = get_or_404(session, Member, keep_id, "member")
    c = ErrorCollector()
    when = c.check("status_date", parse_date, on, field="status_date", not_future=True)
    if retire.id_number != keep.id_number or retire.id == keep.id:
        c.add("id_number", "member.not_duplicates")
    elif retire.station_id == keep.station_id:
        c.add("station_code", "member.transfer_same_station")
    for row in (retire, keep):
        if row.status != "active":
            c.add("status", "member.status_same", status=label(MEMBER_STATUS, row.status))
            break
    c.raise_if_any()
    retire.status, retire.status_date = "transferred", when
    if keep.transferred_from_id is None:
        keep.transferred_from_id = retire.id
    session.flush()
    return retire


def cross_station_duplicates(session: Session) -> list[tuple[str, list[Member]]]:
    """District: ID numbers active in more than one station, with the rows."""
    dup = (select(Member.id_number)
           .where(Member.status == "active", Member.deleted == false())
           .group_by(Member.id_number).having(func.count(func.distinct(Member.station_id)) > 1))
    rows = session.execute(
        select(Member).where(Member.id_number.in_(dup), Member.status == "active",
                             Member.deleted == false())
        .order_by(Member.id_number, Member.station_id)).scalars().all()
    out: dict[str, list[Member]] = {}
    for m in rows:
        out.setdefault(m.id_number, []).append(m)
    return list(out.items())


def member_ids_in_order(session: Session, *, station_id: str | None = None,
                        status: str | None = None) -> list[str]:
    """All member ids in pinyin order (the list view loads rows lazily by these ids)."""
    q = select(Member.id).where(Member.deleted == false())
    if station_id:
        q = q.where(Member.station_id == station_id)
    if status:
        q = q.where(Member.status == status)
    return list(session.execute(q.order_by(*IN_PINYIN_ORDER)).scalars())


__all__ = [
    "BulkResult", "DuplicateMember", "MemberHit", "bulk_register_members", "change_status",
    "clean_member", "find_active_by_id_number", "member_ids_in_order", "register_member",
    "search_members", "update_member", "has_scan_tier", "transfer_member",
    "list_members_page",
    "cross_station_duplicates",
]


# --------------------------------------------------------------------------- corrections


def delete_member(session: Session, member_id: str) -> Member:
    """Delete a member registered in error: a tombstone (kept, audited, carried by sync),
    only while nothing refers to the member — no hardship file, ledger entry or event
    attendance; otherwise refused naming what does (a member who left is recorded with
    ``change_status`` instead). The permission table's ``member.delete``: the clerk who
    registered them, the same ISO week, or a station admin."""
    from station_app.domain.services.corrections import facts_of, permit

    permit(session, "member.delete")
    member = get_or_404(session, Member, member_id, "member")
    permit(session, "member.delete", facts_of(session, "members", member))
    session.delete(member)
    session.flush()
    return member
