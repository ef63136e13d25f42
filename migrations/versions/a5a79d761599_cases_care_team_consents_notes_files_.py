"""cases: care team, consents, notes, files, access log, case codes; case of follow-ups and meetings

Revision ID: a5a79d761599
Revises: 1050d554ed35
Create Date: 2026-11-25 18:33:57.812702

"""
from alembic import op
import sqlalchemy as sa

from kosodate.core import append_only


# revision identifiers, used by Alembic.
revision = 'a5a79d761599'
down_revision = '1050d554ed35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_code_counters',
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_case_code_counters_council_id_councils')),
    sa.PrimaryKeyConstraint('council_id', 'year', name=op.f('pk_case_code_counters'))
    )
    op.create_table('case_conference_agenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_case_conference_agenda_council_id_councils')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_conference_agenda'))
    )
    with op.batch_alter_table('case_conference_agenda', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_conference_agenda_council_id'), ['council_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('child_name', sa.String(length=100), nullable=False),
    sa.Column('child_kana', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('main_hospital_id', sa.Integer(), nullable=True),
    sa.Column('expected_discharge_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('inpatient', 'discharge_planning', 'home', 'closed', name='casestatus', native_enum=False, length=32), nullable=False),
    sa.Column('lead_agency_id', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('purged_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_cases_council_id_councils')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cases_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_agency_id'], ['agencies.id'], name=op.f('fk_cases_lead_agency_id_agencies')),
    sa.ForeignKeyConstraint(['main_hospital_id'], ['agencies.id'], name=op.f('fk_cases_main_hospital_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('code', name=op.f('uq_cases_code')),
    sa.UniqueConstraint('council_id', 'year', 'number', name=op.f('uq_cases_council_id_year_number'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_council_id'), ['council_id'], unique=False)

    op.create_table('case_access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('page', 'note', 'attachment', 'meeting', 'access_log', 'export', name='accesskind', native_enum=False, length=32), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('shown', sa.Boolean(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_case_access_log_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_access_log_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_access_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_access_log'))
    )
    with op.batch_alter_table('case_access_log', schema=None) as batch_op:
        batch_op.create_index('ix_case_access_log_case_occurred', ['case_id', 'occurred_at'], unique=False)
    # PostgreSQL refuses every UPDATE and DELETE of the access log
    append_only.install(op, 'case_access_log')

    op.create_table('case_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('guardian_name', sa.String(length=100), nullable=False),
    sa.Column('relationship_to_child', sa.String(length=30), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_consents_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_case_consents_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_consents'))
    )
    with op.batch_alter_table('case_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_consents_case_id'), ['case_id'], unique=False)

    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_case_notes_agency_id_agencies')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases')),
    sa.ForeignKeyConstraint(['corrects_id'], ['case_notes.id'], name=op.f('fk_case_notes_corrects_id_case_notes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_notes_corrects_id'), ['corrects_id'], unique=False)

    op.create_table('case_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('hospital', 'home_doctor', 'visiting_nurse', 'consultation', 'education', 'government', 'welfare', 'other', name='carerole', native_enum=False, length=32), nullable=False),
    sa.Column('contact_person', sa.String(length=200), nullable=False),
    sa.Column('emergency_reason', sa.Text(), nullable=False),
    sa.Column('emergency', sa.Boolean(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_case_team_added_by_id_users')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_case_team_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_team_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_team')),
    sa.UniqueConstraint('case_id', 'agency_id', name=op.f('uq_case_team_case_id_agency_id'))
    )
    with op.batch_alter_table('case_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_team_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_team_case_id'), ['case_id'], unique=False)

    op.create_table('case_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['consent_id'], ['case_consents.id'], name=op.f('fk_case_attachments_consent_id_case_consents')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_case_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_case_attachments_stored_name'))
    )
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_attachments_case_id'), ['case_id'], unique=False)

    op.create_table('case_consent_agencies',
    sa.Column('consent_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_case_consent_agencies_agency_id_agencies')),
    sa.ForeignKeyConstraint(['consent_id'], ['case_consents.id'], name=op.f('fk_case_consent_agencies_consent_id_case_consents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consent_id', 'agency_id', name=op.f('pk_case_consent_agencies'))
    )
    op.create_table('case_note_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['note_id'], ['case_notes.id'], name=op.f('fk_case_note_versions_note_id_case_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_case_note_versions_saved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note_versions')),
    sa.UniqueConstraint('note_id', 'version', name=op.f('uq_case_note_versions_note_id_version'))
    )
    with op.batch_alter_table('councils', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_prefix', sa.String(length=10), server_default='', nullable=False))

    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_followups_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_followups_case_id_cases'), 'cases', ['case_id'], ['id'])

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meetings_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_meetings_case_id_cases'), 'cases', ['case_id'], ['id'])



def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_case_id_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_meetings_case_id'))
        batch_op.drop_column('case_id')

    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_followups_case_id_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_followups_case_id'))
        batch_op.drop_column('case_id')

    with op.batch_alter_table('councils', schema=None) as batch_op:
        batch_op.drop_column('case_prefix')

    op.drop_table('case_note_versions')
    op.drop_table('case_consent_agencies')
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_attachments_case_id'))

    op.drop_table('case_attachments')
    with op.batch_alter_table('case_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_team_case_id'))
        batch_op.drop_index(batch_op.f('ix_case_team_agency_id'))

    op.drop_table('case_team')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_corrects_id'))
        batch_op.drop_index(batch_op.f('ix_case_notes_case_id'))

    op.drop_table('case_notes')
    with op.batch_alter_table('case_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_consents_case_id'))

    op.drop_table('case_consents')
    append_only.uninstall(op, 'case_access_log')
    with op.batch_alter_table('case_access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_case_access_log_case_occurred')

    op.drop_table('case_access_log')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_council_id'))

    op.drop_table('cases')
    with op.batch_alter_table('case_conference_agenda', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_conference_agenda_council_id'))

    op.drop_table('case_conference_agenda')
    op.drop_table('case_code_counters')
