"""The records a station and the district keep, as SQLAlchemy 2.0 typed models.

Every syncable table carries the sync shape (see docs/ARCHITECTURE.md):

- ``id``: UUIDv7 text, born where the row is born (or derived, see ``ids``);
- ``station_id``: the owner, which never changes;
- ``hlc``: the hybrid logical clock stamp of the last change, fixed-width sortable text;
- ``deleted``: a tombstone; syncable rows are never removed.

Stamping happens in one place, the session hook in ``storage.capture``; nothing here sets
those columns. Money is integer fen. Dates are calendar dates; timestamps are UTC text.

(No ``from __future__ import annotations`` here: the ``Mapped[...]`` annotations are
evaluated as the classes are made, so SQLAlchemy need not evaluate some 200 strings —
about 10 ms of every process that loads the models.)
"""

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    event,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(36)
HLC = String(40)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# ``info`` of a column derived from its row's other columns (a sort key, a reversed phone
# number): each database computes it (``storage.capture``), sync never carries it.
DERIVED = {"derived": True}


class Syncable:
    """Mixin: the sync shape. ``__append_only__`` tables refuse updates and deletes."""

    __syncable__ = True
    __append_only__ = False
    # Shared tables: a station may write rows it does not own (enterprises, listings).
    __shared__ = False

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    station_id: Mapped[str] = mapped_column(ID, index=True)
    # not indexed: nothing looks rows up by stamp (the outbox and the change log say what
    # changed), and every write would pay for the B-tree (revision 0007)
    hlc: Mapped[str] = mapped_column(HLC)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# --------------------------------------------------------------------------- reference


class Station(Syncable, Base):
    """社区工联会. Owned by the district; its id is derived from its code."""

    __tablename__ = "stations"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    street: Mapped[str | None] = mapped_column(String(100))  # 办事处
    is_key: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Enterprise(Syncable, Base):
    """企业. Shared between stations; with a credit code its id is derived from the code."""

    __tablename__ = "enterprises"
    __shared__ = True

    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(100))
    headcount: Mapped[int | None] = mapped_column(Integer)
    union_established: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    union_chair: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    area_station_id: Mapped[str | None] = mapped_column(ID, index=True)
    notes: Mapped[str | None] = mapped_column(Text)


class WatchListEntry(Syncable, Base):
    """劳资隐患重点监管 history: one row per listing or removal, never edited."""

    __tablename__ = "watch_list_entries"
    __append_only__ = True
    __shared__ = True

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # listed / unlisted
    reason: Mapped[str] = mapped_column(Text)
    entry_date: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str | None] = mapped_column(String(50))

    __table_args__ = (CheckConstraint("action IN ('listed', 'unlisted')", name="action"),)


class Target(Syncable, Base):
    """年度目标: a value for a metric of the catalogue, for a year, a station or the district."""

    __tablename__ = "targets"

    year: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(60))
    scope_station_id: Mapped[str | None] = mapped_column(ID)
    value: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_targets_year_metric", "year", "metric", "scope_station_id"),)


# --------------------------------------------------------------------------- members


# One active registration per ID number and station: a partial unique index, its
# predicate written for each database. The PostgreSQL one is attached when a PostgreSQL
# database is used (``use_dialect``, below), so that a process on SQLite files never loads
# SQLAlchemy's PostgreSQL dialect (about 30 ms of every command line's start).
ACTIVE_ID_NUMBER = Index(
    "uq_members_active_id_number",
    "station_id",
    "id_number",
    unique=True,
    sqlite_where=text("status = 'active' AND deleted = 0"),
)
# The rows with a leaving status (退会, 去世, 转出: a few percent of a roll), for the
# membership figures of a year: a small index, untouched by the registration of members
# (revision 0009). The figures' selects carry the same ``status != 'active'`` term.
LEAVING = Index("ix_members_leaving", "status", "status_date", "deleted", "id_number",
                "station_id", sqlite_where=text("status != 'active'"))
_POSTGRESQL_WHERE = {ACTIVE_ID_NUMBER: "status = 'active' AND deleted = false",
                     LEAVING: "status != 'active'"}


class Member(Syncable, Base):
    """会员/职工. Active at most once per station (a partial unique index)."""

    __tablename__ = "members"

    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(20))  # 民族
    phone: Mapped[str | None] = mapped_column(String(30))
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    employer_name: Mapped[str | None] = mapped_column(String(200))
    card_no: Mapped[str | None] = mapped_column(String(40))
    join_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")
    status_date: Mapped[date | None] = mapped_column(Date)
    migrant_worker: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    notes: Mapped[str | None] = mapped_column(Text)
    # A transfer creates a new row at the destination; it points at the source row.
    transferred_from_id: Mapped[str | None] = mapped_column(ID)
    # Derived from the row, never synced (``DERIVED``; ``domain.derived``, revision 0013):
    # the name's pinyin sort key and the phone's digits reversed.
    name_sort: Mapped[str | None] = mapped_column(String(700), info=DERIVED)
    phone_tail: Mapped[str | None] = mapped_column(String(30), info=DERIVED)

    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'transferred', 'left', 'deceased')", name="status"
        ),
        # (column, id, deleted): the list pages through them in (column, id) order and the
        # search scans them, never the table (revision 0003).
        Index("ix_members_name", "name", "id", "deleted"),
        Index("ix_members_id_number", "id_number", "id", "deleted"),
        Index("ix_members_phone", "phone", "id", "deleted"),
        # pinyin order (the name beside its key: a search by the name's first characters
        # reads it here) and a phone's last digits (revision 0013)
        Index("ix_members_name_sort", "name_sort", "name", "id", "deleted"),
        Index("ix_members_phone_tail", "phone_tail", "id", "deleted"),
        ACTIVE_ID_NUMBER,
        # the membership figures count persons (distinct ID numbers) over a district:
        # one scan of this covering index in ID-number order (revision 0009)
        Index("ix_members_person", "id_number", "deleted", "status", "status_date",
              "join_date", "migrant_worker", "station_id"),
        LEAVING,
    )


class MemberNameKey(Base):
    """Pinyin keys (full and initials) of each distinct member name; local, derived from
    the names, never synced. Members sharing a name share its keys; a search finds names
    by key, then members by name. Keys of a name nobody carries any more find nobody."""

    __tablename__ = "member_name_keys"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    # pinyin.COMMON (the usual reading), GIVEN (the given name alone) or OTHER (a rarer
    # reading): a search lists better ranks first (revision 0013)
    rank: Mapped[int] = mapped_column(Integer, default=2, server_default=text("2"))

    __table_args__ = ({"sqlite_with_rowid": False},)


# --------------------------------------------------------------------------- hardship


class HardshipCase(Syncable, Base):
    """困难职工档案: one file per household, opened for the household head."""

    __tablename__ = "hardship_cases"

    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))  # 困难类别
    level: Mapped[str] = mapped_column(String(20))
    household_size: Mapped[int] = mapped_column(Integer)
    monthly_income_per_capita_fen: Mapped[int | None] = mapped_column(Integer)  # 人均收入
    registered_date: Mapped[date] = mapped_column(Date)
    last_review_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    exit_date: Mapped[date | None] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(Text)
    # 困难职工档案表 fields
    political_status: Mapped[str | None] = mapped_column(String(30))  # 政治面貌
    health: Mapped[str | None] = mapped_column(String(50))  # 健康状况
    disability_category: Mapped[str | None] = mapped_column(String(50))  # 残疾类别
    model_worker_type: Mapped[str | None] = mapped_column(String(50))  # 劳模类型
    housing_type: Mapped[str | None] = mapped_column(String(50))  # 住房类型
    employer_name: Mapped[str | None] = mapped_column(String(200))  # 工作单位
    employer_nature: Mapped[str | None] = mapped_column(String(50))  # 单位性质
    enterprise_status: Mapped[str | None] = mapped_column(String(50))  # 企业状况
    single_parent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    own_monthly_income_fen: Mapped[int | None] = mapped_column(Integer)  # 本人月收入
    household_annual_income_fen: Mapped[int | None] = mapped_column(Integer)  # 家庭年总收入
    hukou_area: Mapped[str | None] = mapped_column(String(100))  # 户口所在地区划
    medical_insurance: Mapped[str | None] = mapped_column(String(50))  # 医保状况
    zero_employment: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )  # 是否零就业家庭
    primary_cause: Mapped[str | None] = mapped_column(String(100))  # 主要致困原因
    secondary_cause: Mapped[str | None] = mapped_column(String(100))  # 次要致困原因
    bank_name: Mapped[str | None] = mapped_column(String(100))  # 开户银行
    bank_account: Mapped[str | None] = mapped_column(String(40))  # 卡号
    filed_by: Mapped[str | None] = mapped_column(String(50))  # 建档人
    reviewed_by: Mapped[str | None] = mapped_column(String(50))  # 审核人
    entered_by: Mapped[str | None] = mapped_column(String(50))  # 录入人
    # No longer written (revision 0012): the sign-offs are rows of their own (``SignOff``,
    # the station's; ``CaseUpperSignOff``, the district's), their data moved there. Kept
    # in the schema because older stations' rows still carry them (sync refuses a row
    # with an unknown column).
    grassroots_signed_by: Mapped[str | None] = mapped_column(String(50))
    grassroots_signed_date: Mapped[date | None] = mapped_column(Date)
    upper_signed_by: Mapped[str | None] = mapped_column(String(50))
    upper_signed_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    member: Mapped[Member] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("status IN ('open', 'exited', 'cancelled')", name="status"),
        CheckConstraint("household_size >= 1", name="household_size"),
    )


class HouseholdMember(Syncable, Base):
    """A row of the household on a hardship file (the head is the case's member)."""

    __tablename__ = "household_members"

    case_id: Mapped[str] = mapped_column(ForeignKey("hardship_cases.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(20))  # 与户主关系
    id_number: Mapped[str | None] = mapped_column(String(18))
    age: Mapped[int | None] = mapped_column(Integer)
    health: Mapped[str | None] = mapped_column(String(50))
    school_or_work: Mapped[str | None] = mapped_column(String(100))  # 就学/就业情况


class LedgerEntry(Syncable, Base):
    """帮扶记录, the 台账. Append-only: a mistake is corrected by a reversal (冲正)."""

    __tablename__ = "ledger_entries"
    __append_only__ = True

    case_id: Mapped[str] = mapped_column(ForeignKey("hardship_cases.id"), index=True)
    entry_date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    # 医疗互助保障: the calendar year the purchase covers (enrolment runs late in the
    # year before). Other kinds: NULL.
    cover_year: Mapped[int | None] = mapped_column(Integer)
    # 金秋助学: the student aided (one aid per student and year).
    beneficiary: Mapped[str | None] = mapped_column(String(50))
    funding_source: Mapped[str | None] = mapped_column(String(100))
    handled_by: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)
    reverses_id: Mapped[str | None] = mapped_column(
        ForeignKey("ledger_entries.id"), unique=True
    )

    __table_args__ = (Index("ix_ledger_entries_kind_date", "kind", "entry_date"),)


# --------------------------------------------------------------------------- visits


class Visit(Syncable, Base):
    """走访日志: a visit to an enterprise, or (district staff) to a station (站点调研)."""

    __tablename__ = "visits"

    visit_date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    target_station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"))
    visitors: Mapped[str] = mapped_column(String(200))
    workers_served: Mapped[int] = mapped_column(Integer, default=0)
    operating_status: Mapped[str] = mapped_column(String(10), default="normal")
    flags: Mapped[str | None] = mapped_column(String(200))  # comma-separated VISIT_FLAG codes
    workers_involved: Mapped[int | None] = mapped_column(Integer)
    findings: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[str | None] = mapped_column(Text)
    follow_up_due: Mapped[date | None] = mapped_column(Date)
    closed_date: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint(
            "(enterprise_id IS NULL) <> (target_station_id IS NULL)", name="one_target"
        ),
        CheckConstraint("operating_status IN ('normal', 'abnormal')", name="operating_status"),
        Index("ix_visits_station_date", "station_id", "visit_date"),
    )


# --------------------------------------------------------------------------- events


class Event(Syncable, Base):
    """活动: legal service, training (提素), inclusive service (普惠) …"""

    __tablename__ = "events"

    kind: Mapped[str] = mapped_column(String(16))
    event_date: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(200))
    person_times: Mapped[int] = mapped_column(Integer, default=0)
    migrant_person_times: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("migrant_person_times <= person_times", name="migrants_le_total"),
    )


class EventMember(Syncable, Base):
    """A member who took part in an event (optional)."""

    __tablename__ = "event_members"

    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)


# --------------------------------------------------------------------------- reports


class SignedReport(Syncable, Base):
    """A work report as it was signed: the figures and targets as of a date, who signed
    (user and display name) and when (UTC), a note. Append-only (database triggers, like
    the ledger): a signed report is never changed or deleted; signing again adds another.

    ``station_id`` is the owner, which is the report's scope: a station's own report
    (``scope`` "station", signed by its station admin, synced to the district) or the
    district's (``scope`` "district", owner the district, kept at the district only).
    ``content`` is the report as signed (JSON, ``domain.signoff.SignedContent``);
    ``digest`` its SHA-256 (revision 0011)."""

    __tablename__ = "signed_reports"
    __append_only__ = True

    as_of: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(10))  # district / station
    scope_code: Mapped[str | None] = mapped_column(String(32))  # the station's code
    scope_name: Mapped[str] = mapped_column(String(100))  # as the report named it
    content: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[str] = mapped_column(String(50))  # user name
    signed_by_name: Mapped[str] = mapped_column(String(100))  # display name
    signed_at: Mapped[str] = mapped_column(String(32))  # UTC
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("scope IN ('district', 'station')", name="scope"),
        Index("ix_signed_reports_scope_as_of", "station_id", "as_of"),
    )


# --------------------------------------------------------------------------- sign-offs


class ExportRecord(Syncable, Base):
    """An export or a print of personal data (个人信息): who, what, how many rows, the
    file's name without its folder, and whether ID numbers went out in full. The
    station's own rows go to the district (revision 0014); append-only, never deleted."""

    __tablename__ = "export_records"
    __append_only__ = True

    at: Mapped[str] = mapped_column(String(32))  # UTC
    actor: Mapped[str] = mapped_column(String(50))  # user name
    actor_name: Mapped[str] = mapped_column(String(100))  # display name
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))  # export / print
    what: Mapped[str] = mapped_column(String(20))  # exposure.WHAT
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(String(255))
    full_ids: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        CheckConstraint("action IN ('export', 'print')", name="action"),
        Index("ix_export_records_station_at", "station_id", "at"),
    )


class SignOff(Syncable, Base):
    """A station head's sign-off (审核签署) of a record: the grassroots union's block of a
    hardship file (``kind`` "case", ``case_id``), or a week's visit diary (``kind``
    "visit_week", ``iso_year`` and ``iso_week``). Who (user and display name), the date
    the block shows, when (UTC), a note, and ``content``: what was signed, as canonical
    JSON (``services.corrections``), so a change since shows what changed.

    A change to a signed record voids its sign-off: the row stays, with ``void_at``
    (UTC), ``void_by`` (user and display name) and ``void_reason`` (what changed); signing
    again adds a new row. The station's own rows, synced to the district (revision 0012).
    """

    __tablename__ = "signoffs"

    kind: Mapped[str] = mapped_column(String(12))  # case / visit_week
    case_id: Mapped[str | None] = mapped_column(ForeignKey("hardship_cases.id"), index=True)
    iso_year: Mapped[int | None] = mapped_column(Integer)
    iso_week: Mapped[int | None] = mapped_column(Integer)
    signed_by: Mapped[str] = mapped_column(String(50))  # user name
    signed_by_name: Mapped[str] = mapped_column(String(100))  # display name
    signed_date: Mapped[date] = mapped_column(Date)  # the date the block shows
    signed_at: Mapped[str] = mapped_column(String(32))  # UTC
    note: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)  # None: signed before revision 0012
    void_at: Mapped[str | None] = mapped_column(String(32))  # UTC
    void_by: Mapped[str | None] = mapped_column(String(50))
    void_by_name: Mapped[str | None] = mapped_column(String(100))
    void_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("kind IN ('case', 'visit_week')", name="kind"),
        Index("ix_signoffs_week", "station_id", "iso_year", "iso_week"),
    )


class CaseUpperSignOff(Syncable, Base):
    """The upper union's sign-off (上级工会审核意见) of a hardship file: the district's own
    record (owner the district), never a field of the station's row, so no station's
    edit can overwrite it; the station whose file it is pulls it, and never writes it
    (``sync.rules.DISTRICT_TABLES``). The same columns as a station's sign-off: who,
    when, a note, ``content`` (the file as the district held it when signing: a change
    since shows as such), and ``void_*`` when the district withdraws it (revision 0012;
    the former columns ``hardship_cases.upper_signed_by/_date`` are no longer used)."""

    __tablename__ = "case_upper_signoffs"

    case_id: Mapped[str] = mapped_column(ForeignKey("hardship_cases.id"), index=True)
    signed_by: Mapped[str] = mapped_column(String(50))
    signed_by_name: Mapped[str] = mapped_column(String(100))
    signed_date: Mapped[date] = mapped_column(Date)
    signed_at: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    void_at: Mapped[str | None] = mapped_column(String(32))
    void_by: Mapped[str | None] = mapped_column(String(50))
    void_by_name: Mapped[str | None] = mapped_column(String(100))
    void_reason: Mapped[str | None] = mapped_column(Text)


# --------------------------------------------------------------------------- local only


class User(Base):
    """A person who logs in on this database. Local: never synced."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[str] = mapped_column(String(32))
    # a password someone else set (a new user, a reset): changed at the next login
    # (revision 0014)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())

    __table_args__ = (
        CheckConstraint("role IN ('clerk', 'station_admin', 'district_admin')", name="role"),
    )


class AuditRecord(Base):
    """Who did what to which row, when (UTC). Append-only at the database level."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(20))  # insert / update / delete / sync / login …
    table_name: Mapped[str | None] = mapped_column(String(40))
    row_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON

    __table_args__ = (Index("ix_audit_log_row", "table_name", "row_id"),)


class OutboxEntry(Base):
    """A change not yet acknowledged by the district: (table, row id, hlc).

    ``base_hlc`` is the stamp the row had before this change (None for a new row): the
    version the station last agreed on, which the district compares with its own to tell
    a fast-forward from a concurrent edit (revision 0004).
    """

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(ID)
    hlc: Mapped[str] = mapped_column(HLC)
    base_hlc: Mapped[str | None] = mapped_column(HLC)

    __table_args__ = (Index("ix_outbox_row", "table_name", "row_id"),)


class SyncConflict(Base):
    """A version that lost a last-writer-wins merge while both sides had changed the row
    since they last agreed: kept, with the winner, for a person to review. Local."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(ID)
    winner_hlc: Mapped[str] = mapped_column(HLC)
    loser_hlc: Mapped[str] = mapped_column(HLC)
    winner: Mapped[str] = mapped_column(Text)  # JSON of the row that stands
    loser: Mapped[str] = mapped_column(Text)  # JSON of the version that lost
    loser_source: Mapped[str] = mapped_column(String(10))  # "local" or "remote"
    detected_at: Mapped[str] = mapped_column(String(32))
    resolved_at: Mapped[str | None] = mapped_column(String(32))
    resolved_by: Mapped[str | None] = mapped_column(String(50))
    resolution: Mapped[str | None] = mapped_column(String(20))
    # the station whose change met the conflict (at the district: the pushing station);
    # None for conflicts recorded before revision 0008
    station_id: Mapped[str | None] = mapped_column(ID)

    __table_args__ = (Index("ix_sync_conflicts_row", "table_name", "row_id"),)


class SyncBatch(Base):
    """A changeset batch already applied here: a batch sent twice changes nothing."""

    __tablename__ = "sync_batches"

    batch_id: Mapped[str] = mapped_column(ID, primary_key=True)
    station_id: Mapped[str] = mapped_column(ID)
    node: Mapped[str] = mapped_column(String(40))
    applied_at: Mapped[str] = mapped_column(String(32))
    rows: Mapped[int] = mapped_column(Integer)
    # what binds the id to its rows (``sync.merge.batch_digest``), and the rows refused
    # then with their reasons (JSON): a batch sent again is answered as the first time
    # (revision 0010; None for batches applied before)
    digest: Mapped[str | None] = mapped_column(String(64))
    refused: Mapped[str | None] = mapped_column(Text)


class ChangeLog(Base):
    """District: every change to a syncable row, numbered in commit order, for pulls.

    Writers append under one lock (PostgreSQL: a transaction advisory lock; SQLite writes
    are serial anyway), so a number is only ever seen after every lower one committed and
    a puller that remembers the last number it saw never skips a row (revision 0005).
    """

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(ID)
    owner_id: Mapped[str] = mapped_column(ID)
    # who made the change: the pushing station, or the district itself; a station never
    # pulls back what it sent
    origin_id: Mapped[str] = mapped_column(ID)
    hlc: Mapped[str] = mapped_column(HLC)

    __table_args__ = (Index("ix_change_log_owner_seq", "owner_id", "seq"),)


class StationCredential(Base):
    """District: how an enrolled station proves itself (token and bundle key, hashed or
    secret), and its sync status. Local to the district; never synced."""

    __tablename__ = "station_credentials"

    station_id: Mapped[str] = mapped_column(ID, primary_key=True)
    token_hash: Mapped[str | None] = mapped_column(String(128))
    enrollment_hash: Mapped[str | None] = mapped_column(String(128))
    bundle_secret: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32))
    last_sync_at: Mapped[str | None] = mapped_column(String(32))
    # the pending enrollment code stops working then (UTC; revision 0010; None: a code
    # issued before codes expired)
    code_expires_at: Mapped[str | None] = mapped_column(String(32))


class LocalState(Base):
    """Key/value facts about this database: station, node id, clock, schema facts."""

    __tablename__ = "local_state"

    # 80: the district keeps keys per station ("bundle_cursor:<station id>", 50
    # characters), which PostgreSQL refused at 40 (revision 0012 widened it)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


SYNCABLE_MODELS: tuple[type[Syncable], ...] = (
    Station,
    Enterprise,
    WatchListEntry,
    Target,
    Member,
    HardshipCase,
    HouseholdMember,
    LedgerEntry,
    Visit,
    Event,
    EventMember,
    SignedReport,
    SignOff,
    CaseUpperSignOff,
    ExportRecord,
)

MODEL_BY_TABLE: dict[str, type[Syncable]] = {m.__tablename__: m for m in SYNCABLE_MODELS}



def use_dialect(name: str) -> None:
    """Attach the options the models declare for one database (the PostgreSQL predicates
    of partial indexes); idempotent. Called for every PostgreSQL engine
    (``storage.engine.make_engine``), by the migrations' environment, and before any
    ``CREATE`` of the tables (the listener below)."""
    if name == "postgresql":
        for index, predicate in _POSTGRESQL_WHERE.items():
            if index.dialect_options["postgresql"]["where"] is None:
                index.dialect_kwargs["postgresql_where"] = text(predicate)


event.listen(Base.metadata, "before_create",
             lambda _metadata, connection, **_kw: use_dialect(connection.dialect.name))

# Tables whose rows are never updated or deleted, enforced by triggers (see migrations).
APPEND_ONLY_TABLES = ("ledger_entries", "watch_list_entries", "audit_log",
                      "signed_reports", "export_records")
