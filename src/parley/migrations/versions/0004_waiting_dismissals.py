"""inbox_dismissals becomes waiting_dismissals (the domain is "Waiting for you", not an inbox)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 10:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_CONSTRAINTS = (
    ("pk_inbox_dismissals", "pk_waiting_dismissals"),
    ("fk_inbox_dismissals_account_id_accounts", "fk_waiting_dismissals_account_id_accounts"),
    ("fk_inbox_dismissals_post_id_posts", "fk_waiting_dismissals_post_id_posts"),
)


def _rename(old_table: str, new_table: str, *, forward: bool) -> None:
    op.rename_table(old_table, new_table)
    # SQLite keeps constraint names inside the table's SQL, where nothing looks them up.
    if op.get_bind().dialect.name == "postgresql":
        for old, new in _CONSTRAINTS:
            before, after = (old, new) if forward else (new, old)
            op.execute(f"ALTER TABLE {new_table} RENAME CONSTRAINT {before} TO {after}")


def upgrade() -> None:
    _rename("inbox_dismissals", "waiting_dismissals", forward=True)


def downgrade() -> None:
    _rename("waiting_dismissals", "inbox_dismissals", forward=False)
