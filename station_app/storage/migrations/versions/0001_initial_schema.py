"""Initial schema: every entity of SPEC.md with the sync shape, and append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from station_app.storage.triggers import create_append_only_triggers, drop_append_only_triggers

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=50), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=True),
    sa.Column('row_id', sa.String(length=36), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_row', ['table_name', 'row_id'], unique=False)

    op.create_table('enterprises',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('headcount', sa.Integer(), nullable=True),
    sa.Column('union_established', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('union_chair', sa.String(length=50), nullable=True),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('area_station_id', sa.String(length=36), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprises')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_enterprises_credit_code'))
    )
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprises_area_station_id'), ['area_station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_hlc'), ['hlc'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_station_id'), ['station_id'], unique=False)

    op.create_table('events',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('person_times', sa.Integer(), nullable=False),
    sa.Column('migrant_person_times', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint('migrant_person_times <= person_times', name=op.f('ck_events_migrants_le_total')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_event_date'), ['event_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_hlc'), ['hlc'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_station_id'), ['station_id'], unique=False)

    op.create_table('local_state',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_local_state'))
    )
    op.create_table('outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_row', ['table_name', 'row_id'], unique=False)

    op.create_table('stations',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('street', sa.String(length=100), nullable=True),
    sa.Column('is_key', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stations')),
    sa.UniqueConstraint('code', name=op.f('uq_stations_code'))
    )
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stations_hlc'), ['hlc'], unique=False)
        batch_op.create_index(batch_op.f('ix_stations_station_id'), ['station_id'], unique=False)

    op.create_table('targets',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=60), nullable=False),
    sa.Column('scope_station_id', sa.String(length=36), nullable=True),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targets'))
    )
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_targets_hlc'), ['hlc'], unique=False)
        batch_op.create_index(batch_op.f('ix_targets_station_id'), ['station_id'], unique=False)
        batch_op.create_index('ix_targets_year_metric', ['year', 'metric', 'scope_station_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('display_name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.CheckConstraint("role IN ('clerk', 'station_admin', 'district_admin')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('members',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('ethnicity', sa.String(length=20), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('employer_id', sa.String(length=36), nullable=True),
    sa.Column('employer_name', sa.String(length=200), nullable=True),
    sa.Column('card_no', sa.String(length=40), nullable=True),
    sa.Column('join_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('migrant_worker', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('transferred_from_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("status IN ('active', 'transferred', 'left', 'deceased')", name=op.f('ck_members_status')),
    sa.ForeignKeyConstraint(['employer_id'], ['enterprises.id'], name=op.f('fk_members_employer_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_hlc'), ['hlc'], unique=False)
        batch_op.create_index('ix_members_id_number', ['id_number', 'deleted', 'id'], unique=False)
        batch_op.create_index('ix_members_name', ['name', 'deleted', 'id'], unique=False)
        batch_op.create_index('ix_members_phone', ['phone', 'deleted', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_station_id'), ['station_id'], unique=False)
        batch_op.create_index('uq_members_active_id_number', ['station_id', 'id_number'], unique=True, sqlite_where=sa.text("status = 'active' AND deleted = 0"), postgresql_where=sa.text("status = 'active' AND deleted = false"))

    op.create_table('visits',
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('enterprise_id', sa.String(length=36), nullable=True),
    sa.Column('target_station_id', sa.String(length=36), nullable=True),
    sa.Column('visitors', sa.String(length=200), nullable=False),
    sa.Column('workers_served', sa.Integer(), nullable=False),
    sa.Column('operating_status', sa.String(length=10), nullable=False),
    sa.Column('flags', sa.String(length=200), nullable=True),
    sa.Column('workers_involved', sa.Integer(), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('follow_up_due', sa.Date(), nullable=True),
    sa.Column('closed_date', sa.Date(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("operating_status IN ('normal', 'abnormal')", name=op.f('ck_visits_operating_status')),
    sa.CheckConstraint('(enterprise_id IS NULL) <> (target_station_id IS NULL)', name=op.f('ck_visits_one_target')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_visits_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['target_station_id'], ['stations.id'], name=op.f('fk_visits_target_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_hlc'), ['hlc'], unique=False)
        batch_op.create_index('ix_visits_station_date', ['station_id', 'visit_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_visit_date'), ['visit_date'], unique=False)

    op.create_table('watch_list_entries',
    sa.Column('enterprise_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=50), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("action IN ('listed', 'unlisted')", name=op.f('ck_watch_list_entries_action')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_watch_list_entries_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_list_entries'))
    )
    with op.batch_alter_table('watch_list_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_list_entries_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_watch_list_entries_hlc'), ['hlc'], unique=False)
        batch_op.create_index(batch_op.f('ix_watch_list_entries_station_id'), ['station_id'], unique=False)

    op.create_table('event_members',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_members_event_id_events')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_event_members_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_members'))
    )
    with op.batch_alter_table('event_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_members_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_members_hlc'), ['hlc'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_members_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_members_station_id'), ['station_id'], unique=False)

    op.create_table('hardship_cases',
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('monthly_income_per_capita_fen', sa.Integer(), nullable=True),
    sa.Column('registered_date', sa.Date(), nullable=False),
    sa.Column('last_review_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('exit_date', sa.Date(), nullable=True),
    sa.Column('exit_reason', sa.Text(), nullable=True),
    sa.Column('political_status', sa.String(length=30), nullable=True),
    sa.Column('health', sa.String(length=50), nullable=True),
    sa.Column('disability_category', sa.String(length=50), nullable=True),
    sa.Column('model_worker_type', sa.String(length=50), nullable=True),
    sa.Column('housing_type', sa.String(length=50), nullable=True),
    sa.Column('employer_name', sa.String(length=200), nullable=True),
    sa.Column('employer_nature', sa.String(length=50), nullable=True),
    sa.Column('enterprise_status', sa.String(length=50), nullable=True),
    sa.Column('single_parent', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('own_monthly_income_fen', sa.Integer(), nullable=True),
    sa.Column('household_annual_income_fen', sa.Integer(), nullable=True),
    sa.Column('hukou_area', sa.String(length=100), nullable=True),
    sa.Column('medical_insurance', sa.String(length=50), nullable=True),
    sa.Column('zero_employment', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('primary_cause', sa.String(length=100), nullable=True),
    sa.Column('secondary_cause', sa.String(length=100), nullable=True),
    sa.Column('bank_name', sa.String(length=100), nullable=True),
    sa.Column('bank_account', sa.String(length=40), nullable=True),
    sa.Column('filed_by', sa.String(length=50), nullable=True),
    sa.Column('reviewed_by', sa.String(length=50), nullable=True),
    sa.Column('entered_by', sa.String(length=50), nullable=True),
    sa.Column('grassroots_signed_by', sa.String(length=50), nullable=True),
    sa.Column('grassroots_signed_date', sa.Date(), nullable=True),
    sa.Column('upper_signed_by', sa.String(length=50), nullable=True),
    sa.Column('upper_signed_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'exited', 'cancelled')", name=op.f('ck_hardship_cases_status')),
    sa.CheckConstraint('household_size >= 1', name=op.f('ck_hardship_cases_household_size')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_hardship_cases_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hardship_cases'))
    )
    with op.batch_alter_table('hardship_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hardship_cases_hlc'), ['hlc'], unique=False)
        batch_op.create_index(batch_op.f('ix_hardship_cases_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hardship_cases_station_id'), ['station_id'], unique=False)

    op.create_table('household_members',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('health', sa.String(length=50), nullable=True),
    sa.Column('school_or_work', sa.String(length=100), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['hardship_cases.id'], name=op.f('fk_household_members_case_id_hardship_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_members'))
    )
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_members_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_members_hlc'), ['hlc'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_members_station_id'), ['station_id'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('cover_year', sa.Integer(), nullable=True),
    sa.Column('beneficiary', sa.String(length=50), nullable=True),
    sa.Column('funding_source', sa.String(length=100), nullable=True),
    sa.Column('handled_by', sa.String(length=50), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reverses_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('station_id', sa.String(length=36), nullable=False),
    sa.Column('hlc', sa.String(length=40), nullable=False),
    sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['hardship_cases.id'], name=op.f('fk_ledger_entries_case_id_hardship_cases')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_reverses_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_entries_reverses_id'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_entry_date'), ['entry_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_hlc'), ['hlc'], unique=False)
        batch_op.create_index('ix_ledger_entries_kind_date', ['kind', 'entry_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_station_id'), ['station_id'], unique=False)


    create_append_only_triggers(op.get_bind())


def downgrade() -> None:
    drop_append_only_triggers(op.get_bind())
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_station_id'))
        batch_op.drop_index('ix_ledger_entries_kind_date')
        batch_op.drop_index(batch_op.f('ix_ledger_entries_hlc'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_entry_date'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_case_id'))

    op.drop_table('ledger_entries')
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_members_station_id'))
        batch_op.drop_index(batch_op.f('ix_household_members_hlc'))
        batch_op.drop_index(batch_op.f('ix_household_members_case_id'))

    op.drop_table('household_members')
    with op.batch_alter_table('hardship_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hardship_cases_station_id'))
        batch_op.drop_index(batch_op.f('ix_hardship_cases_member_id'))
        batch_op.drop_index(batch_op.f('ix_hardship_cases_hlc'))

    op.drop_table('hardship_cases')
    with op.batch_alter_table('event_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_members_station_id'))
        batch_op.drop_index(batch_op.f('ix_event_members_member_id'))
        batch_op.drop_index(batch_op.f('ix_event_members_hlc'))
        batch_op.drop_index(batch_op.f('ix_event_members_event_id'))

    op.drop_table('event_members')
    with op.batch_alter_table('watch_list_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_list_entries_station_id'))
        batch_op.drop_index(batch_op.f('ix_watch_list_entries_hlc'))
        batch_op.drop_index(batch_op.f('ix_watch_list_entries_enterprise_id'))

    op.drop_table('watch_list_entries')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_visit_date'))
        batch_op.drop_index(batch_op.f('ix_visits_station_id'))
        batch_op.drop_index('ix_visits_station_date')
        batch_op.drop_index(batch_op.f('ix_visits_hlc'))
        batch_op.drop_index(batch_op.f('ix_visits_enterprise_id'))

    op.drop_table('visits')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('uq_members_active_id_number', sqlite_where=sa.text("status = 'active' AND deleted = 0"), postgresql_where=sa.text("status = 'active' AND deleted = false"))
        batch_op.drop_index(batch_op.f('ix_members_station_id'))
        batch_op.drop_index('ix_members_phone')
        batch_op.drop_index('ix_members_name')
        batch_op.drop_index('ix_members_id_number')
        batch_op.drop_index(batch_op.f('ix_members_hlc'))
        batch_op.drop_index(batch_op.f('ix_members_employer_id'))

    op.drop_table('members')
    op.drop_table('users')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index('ix_targets_year_metric')
        batch_op.drop_index(batch_op.f('ix_targets_station_id'))
        batch_op.drop_index(batch_op.f('ix_targets_hlc'))

    op.drop_table('targets')
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stations_station_id'))
        batch_op.drop_index(batch_op.f('ix_stations_hlc'))

    op.drop_table('stations')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_row')

    op.drop_table('outbox')
    op.drop_table('local_state')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_station_id'))
        batch_op.drop_index(batch_op.f('ix_events_hlc'))
        batch_op.drop_index(batch_op.f('ix_events_event_date'))

    op.drop_table('events')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_station_id'))
        batch_op.drop_index(batch_op.f('ix_enterprises_name'))
        batch_op.drop_index(batch_op.f('ix_enterprises_hlc'))
        batch_op.drop_index(batch_op.f('ix_enterprises_area_station_id'))

    op.drop_table('enterprises')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_row')

    op.drop_table('audit_log')
