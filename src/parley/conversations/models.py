"""Direct-message tables: Conversation, its participants and the posts that belong to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base


class Conversation(Base):
    """The direct posts of one thread among one set of people (author and mentioned).

    participant_key is a digest of the sorted participant ids, so a reply in the thread
    among the same people finds the same conversation; a reply that leaves someone out
    starts a conversation of its own (that person cannot see it), as in Mastodon.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("thread_id", "participant_key",
                         name="uq_conversations_thread_id_participant_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    thread_id: Mapped[int] = mapped_column()
    participant_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationParticipant(Base):
    """One person's view of a conversation: unread, removed from their list, latest post."""

    __tablename__ = "conversation_participants"
    __table_args__ = (
        PrimaryKeyConstraint("conversation_id", "account_id"),
        # The list of someone's conversations pages by its latest post.
        Index("ix_conversation_participants_account_id_last_post_id", "account_id",
              "last_post_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    unread: Mapped[bool] = mapped_column(Boolean, default=False)
    # Removed from this person's list; the next post in the conversation brings it back.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    last_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None)


class ConversationPost(Base):
    """Which conversation a direct post belongs to (each post to one at most)."""

    __tablename__ = "conversation_posts"
    __table_args__ = (
        Index("ix_conversation_posts_conversation_id_post_id", "conversation_id", "post_id"),
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"))
