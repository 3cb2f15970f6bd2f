"""Media tables: media_attachments (one uploaded file, its stored versions and what is known
about it, attached to at most one post) and custom_emojis (other servers' emoji images)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base

TYPES = ("image", "gifv", "video", "audio", "unknown")
PROCESSING, DONE, FAILED = "processing", "done", "failed"


class MediaAttachment(Base):
    """An upload. `post_id` is set when a post takes it (`position`: its place there); until
    then only its owner sees it, and an unattached one is removed after a day.

    Storage keys name files in media/storage.py: `file_key` the original (as served),
    `small_key` the preview (a poster frame for video), `thumbnail_key` a preview the owner
    uploaded instead, `upload_key` the raw upload a job has yet to process. `meta` is
    Mastodon's meta object (original/small sizes, duration, fps)."""

    __tablename__ = "media_attachments"
    __table_args__ = (
        Index("ix_media_attachments_post_id_position", "post_id", "position"),
        Index("ix_media_attachments_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(16), default="unknown")
    state: Mapped[str] = mapped_column(String(16), default=PROCESSING)
    file_key: Mapped[str | None] = mapped_column(String(255), default=None)
    small_key: Mapped[str | None] = mapped_column(String(255), default=None)
    thumbnail_key: Mapped[str | None] = mapped_column(String(255), default=None)
    upload_key: Mapped[str | None] = mapped_column(String(255), default=None)
    file_size: Mapped[int | None] = mapped_column(default=None)
    content_type: Mapped[str | None] = mapped_column(String(64), default=None)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    blurhash: Mapped[str | None] = mapped_column(String(64), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    focus_x: Mapped[float | None] = mapped_column(Float, default=None)
    focus_y: Mapped[float | None] = mapped_column(Float, default=None)
    remote_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def stored_keys(self) -> list[str]:
        """Every stored file of this attachment."""
        return [key for key in (self.file_key, self.small_key, self.thumbnail_key,
                                self.upload_key) if key]


class CustomEmoji(Base):
    """A custom emoji of another server: the image its posts and profiles show for
    `:shortcode:` (Mastodon keeps them by shortcode and domain). `image_key` names the copy
    stored here (media/emoji.py), once fetched."""

    __tablename__ = "custom_emojis"
    __table_args__ = (
        UniqueConstraint("domain", "shortcode", name="uq_custom_emojis_domain_shortcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shortcode: Mapped[str] = mapped_column(String(100))
    domain: Mapped[str] = mapped_column(String(255))
    image_remote_url: Mapped[str] = mapped_column(String(2048))
    image_key: Mapped[str | None] = mapped_column(String(255), default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
