"""Post, Mention, Tag, PostTag, Like, Bookmark, IdempotencyKey and ScheduledPost tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base

VISIBILITIES = ("public", "unlisted", "private", "direct")
# Visibilities whose posts may be reposted and counted in public counters.
DISTRIBUTABLE = ("public", "unlisted")


class Post(Base):
    """A post; a repost is a post with repost_of_id, a quote one with quote_of_id.

    thread_id is the id of the conversation's root so that a whole thread loads in one query.
    """

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_account_id_id", "account_id", "id"),
        Index("ix_posts_thread_id_id", "thread_id", "id"),
        Index("ix_posts_visibility_id", "visibility", "id"),
        # A link's posts (the link timeline); partial: most posts have no card.
        Index("ix_posts_card_id_id", "card_id", "id",
              sqlite_where=text("card_id IS NOT NULL"),
              postgresql_where=text("card_id IS NOT NULL")),
        UniqueConstraint("repost_of_id", "account_id", name="uq_posts_repost_of_id_account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    domain: Mapped[str | None] = mapped_column(String(255), default=None)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None, index=True
    )
    in_reply_to_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    thread_id: Mapped[int] = mapped_column()
    repost_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), default=None
    )
    quote_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None, index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="SET NULL"), default=None
    )
    replies_count: Mapped[int] = mapped_column(Integer, default=0)
    reposts_count: Mapped[int] = mapped_column(Integer, default=0)
    likes_count: Mapped[int] = mapped_column(Integer, default=0)
    quotes_count: Mapped[int] = mapped_column(Integer, default=0)
    # Who may quote this post (posts/quotes.py), and, on a quote, the state of its quote
    # (accepted, revoked): it outlives the quoted post, whose deletion empties quote_of_id.
    quote_policy: Mapped[str] = mapped_column(String(16), default="public",
                                              server_default="public")
    quote_state: Mapped[str | None] = mapped_column(String(16), default=None)
    # The link preview card (parley/cards' preview_cards), set once it is fetched: the read
    # model loads cards only for posts that have one.
    card_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The post's poll (polls.id), so that a page of posts without polls reads none; no
    # foreign key: the poll refers to its post (polls.post_id) and goes with it.
    poll_id: Mapped[int | None] = mapped_column(default=None)
    # How many attachments the post shows (posts/media.py): a page whose posts all have none
    # loads no media (posts/rows.py).
    media_count: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The attachments it shows, as the read model reads them with the post (posts/media_rows
    # media_document; posts/media.py keeps it in step with media_attachments).
    media_shown: Mapped[list[list[Any]] | None] = mapped_column(JSON, default=None)

    @property
    def is_local(self) -> bool:
        return self.domain is None


class Mention(Base):
    """An account mentioned in a post; also who may see a direct post."""

    __tablename__ = "mentions"
    __table_args__ = (
        PrimaryKeyConstraint("post_id", "account_id"),
        Index("ix_mentions_account_id_post_id", "account_id", "post_id"),
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))


class Tag(Base):
    """A hashtag; name is lower-cased for lookup, display_name keeps the first spelling."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PostTag(Base):
    """Which tags a post carries; (tag_id, post_id) serves tag timelines."""

    __tablename__ = "post_tags"
    __table_args__ = (
        PrimaryKeyConstraint("tag_id", "post_id"),
        Index("ix_post_tags_post_id", "post_id"),
    )

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))


class Like(Base):
    """A like (Mastodon: favourite); its id pages the favourites list."""

    __tablename__ = "likes"
    __table_args__ = (
        UniqueConstraint("account_id", "post_id", name="uq_likes_account_id_post_id"),
        Index("ix_likes_post_id_id", "post_id", "id"),
        Index("ix_likes_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Bookmark(Base):
    """A private bookmark of a post."""

    __tablename__ = "bookmarks"
    __table_args__ = (
        UniqueConstraint("account_id", "post_id", name="uq_bookmarks_account_id_post_id"),
        Index("ix_bookmarks_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdempotencyKey(Base):
    """Makes a retried POST /statuses with the same Idempotency-Key return the same post."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (PrimaryKeyConstraint("account_id", "key"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PostEdit(Base):
    """One version of an edited post: the original (dated when it was posted) and each edit."""

    __tablename__ = "post_edits"
    __table_args__ = (Index("ix_post_edits_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The attachments this version showed, in order, with their descriptions then:
    # [[media id, description], ...] (posts/media.py); None when it showed none.
    media: Mapped[list[Any] | None] = mapped_column(JSON, default=None)


class ScheduledPost(Base):
    """A post its author asked to publish later: the compose parameters, kept until then."""

    __tablename__ = "scheduled_posts"
    __table_args__ = (
        Index("ix_scheduled_posts_account_id_id", "account_id", "id"),
        Index("ix_scheduled_posts_account_id_scheduled_at", "account_id", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
