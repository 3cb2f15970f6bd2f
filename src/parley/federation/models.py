"""Federation's tables: actors' keys, what a remote actor's document told us, the health of
each peer server, the activities already received (so that each is handled once), and the
local polls whose new counts wait to be sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base


class ActorKey(Base):
    """An actor's RSA key: a local account's (its private half sealed with the server's
    secret), the instance actor's (account_id NULL), or a remote actor's public key as its
    document gave it. Signatures name keys by key_id."""

    __tablename__ = "actor_keys"

    key_id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True, default=None)
    public_key_pem: Mapped[str] = mapped_column(Text)
    private_key_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RemoteActor(Base):
    """Where a remote account's server takes and lists things (from its actor document,
    refreshed when stale): its inboxes and collections."""

    __tablename__ = "remote_actors"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    actor_type: Mapped[str] = mapped_column(String(32), default="Person")
    inbox_url: Mapped[str] = mapped_column(String(2048))
    shared_inbox_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    outbox_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    followers_url: Mapped[str | None] = mapped_column(String(2048), default=None, index=True)
    following_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    featured_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Its server answered 410 Gone or sent a Delete of the actor: nothing goes to it.
    gone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Peer(Base):
    """A server we deliver to, and how it answers: the circuit breaker. After repeated
    failures deliveries to it wait (`retry_at`); after days of them it is marked
    unreachable and tried again only now and then, until one delivery succeeds."""

    __tablename__ = "peers"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                              default=None)
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    unreachable_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                               default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                             default=None)


class ReceivedActivity(Base):
    """An incoming activity's id, kept for a while: a delivery that arrives twice (a peer's
    retry, two shared inboxes) is handled once."""

    __tablename__ = "received_activities"

    activity_id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                  index=True)


class PollUpdate(Base):
    """A local poll whose new counts are to be sent (its Update) at `due_at`: votes in the
    meantime join that one Update (federation/polls_out.py), so that a poll many vote in
    is sent at most once a minute."""

    __tablename__ = "poll_updates"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FederatedQuote(Base):
    """What federation keeps of a quote beyond its state (posts.quote_state, FEP-044f): the
    approval stamp (QuoteAuthorization) another server issued for it (a local quote of a
    remote post, or a remote quote we verified), and the QuoteRequest a remote quoter sent
    for a quote of a local post, answered by its id. Stamps issued here are not stored:
    their ids derive from the quote (quotes_out.stamp_uri)."""

    __tablename__ = "federated_quotes"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    # A Delete of the stamp (its author revoking the quote) finds the quote by it.
    authorization_uri: Mapped[str | None] = mapped_column(String(2048), default=None,
                                                          index=True)
    request_uri: Mapped[str | None] = mapped_column(String(2048), default=None)
