"""List, ListMember and ListEntry tables: a list, who is in it, and its timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base

REPLIES_POLICIES = ("followed", "list", "none")


class List(Base):
    """A named list of followed accounts; exclusive keeps its members' posts out of home."""

    __tablename__ = "lists"
    __table_args__ = (Index("ix_lists_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    # Which replies to others reach the list: to anyone followed, to members, or none.
    replies_policy: Mapped[str] = mapped_column(String(16), default="list")
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ListMember(Base):
    """account_id is in list_id; the id pages the member list."""

    __tablename__ = "list_members"
    __table_args__ = (
        PrimaryKeyConstraint("list_id", "account_id"),
        # Fan-out finds the lists an author is in.
        Index("ix_list_members_account_id_list_id", "account_id", "list_id"),
    )

    id: Mapped[int] = mapped_column()
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ListEntry(Base):
    """A post (or repost) in a list's timeline; the PK is the page's range index."""

    __tablename__ = "list_entries"
    __table_args__ = (
        PrimaryKeyConstraint("list_id", "post_id"),
        Index("ix_list_entries_list_id_author_id", "list_id", "author_id"),
    )

    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # The member whose post/repost put this here: removing a member is one delete.
    author_id: Mapped[int] = mapped_column()
