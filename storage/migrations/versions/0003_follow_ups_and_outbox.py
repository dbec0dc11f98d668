"""follow-ups, outbox, quiet hours, digest, cadence

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('not_before', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_ref_id'), ['ref_id'], unique=False)
        batch_op.create_index('ix_outbox_status_not_before', ['status', 'not_before'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('due_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('exact', sa.Boolean(), nullable=False),
    sa.Column('remind_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('repeat_unit', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('repeat_every', sa.Integer(), nullable=True),
    sa.Column('origin_interaction_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reminder_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('reminder_message_id', sa.BigInteger(), nullable=True),
    sa.Column('done_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origin_interaction_id'], ['interaction.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_follow_up_owner_status_due', ['owner_id', 'status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_remind_at'), ['remind_at'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiet_start', sa.Integer(), server_default='1260', nullable=False))
        batch_op.add_column(sa.Column('quiet_end', sa.Integer(), server_default='480', nullable=False))
        batch_op.add_column(sa.Column('digest_on', sa.Boolean(), server_default=sa.text('(true)'), nullable=False))
        batch_op.add_column(sa.Column('digest_at', storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('unreachable_at', storage.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('telegram_language', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.create_index(batch_op.f('ix_app_user_digest_at'), ['digest_at'], unique=False)

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cadence_vip', sa.Integer(), server_default='14', nullable=False))
        batch_op.add_column(sa.Column('cadence_quality', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('cadence_regular', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('cadence_prospect', sa.Integer(), server_default='30', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('cadence_prospect')
        batch_op.drop_column('cadence_regular')
        batch_op.drop_column('cadence_quality')
        batch_op.drop_column('cadence_vip')

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_digest_at'))
        batch_op.drop_column('telegram_language')
        batch_op.drop_column('unreachable_at')
        batch_op.drop_column('digest_at')
        batch_op.drop_column('digest_on')
        batch_op.drop_column('quiet_end')
        batch_op.drop_column('quiet_start')

    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_remind_at'))
        batch_op.drop_index('ix_follow_up_owner_status_due')
        batch_op.drop_index(batch_op.f('ix_follow_up_customer_id'))

    op.drop_table('follow_up')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_not_before')
        batch_op.drop_index(batch_op.f('ix_outbox_message_ref_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_chat_id'))

    op.drop_table('outbox_message')
