"""The preview_cards table: one card per URL, what its page says about itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base

CARD_TYPES = ("link", "photo", "video", "rich")


class PreviewCard(Base):
    """A link's preview. Posts point at it (posts.card_id) only when its fetch succeeded;
    a failed fetch is kept (`error`) so that the same link is not fetched again at once.

    `image_url` is the remote image as the page names it; `image_key` the copy Parley stored
    (media storage, cards/: shrunk, without metadata; cards/images.py), the only one shown,
    with its `blurhash`. A link card's `width` and `height` are that stored image's (none:
    0), a video's or photo's what its oEmbed provider says, as in Mastodon."""

    __tablename__ = "preview_cards"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(16), default="link")
    title: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    author_name: Mapped[str] = mapped_column(Text, default="")
    author_url: Mapped[str] = mapped_column(String(2048), default="")
    provider_name: Mapped[str] = mapped_column(Text, default="")
    provider_url: Mapped[str] = mapped_column(String(2048), default="")
    html: Mapped[str] = mapped_column(Text, default="")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    image_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    image_key: Mapped[str | None] = mapped_column(String(255), default=None)
    image_description: Mapped[str] = mapped_column(Text, default="")
    blurhash: Mapped[str | None] = mapped_column(String(255), default=None)
    embed_url: Mapped[str] = mapped_column(String(2048), default="")
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          default=None)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    error: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
