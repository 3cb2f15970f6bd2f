"""Settings: the one reader of PARLEY_* environment variables."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-secret-change-me"
VERSION = "0.1.0"
SOURCE_URL = "https://github.com/parley-social/parley"  # where the code lives


class Settings(BaseSettings):
    """Everything an operator can set, read from the environment (prefix PARLEY_)."""

    model_config = SettingsConfigDict(env_prefix="PARLEY_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    base_url: str = "http://localhost:3000"
    registrations: Literal["open", "approval", "closed"] = "open"
    secret_key: str = DEVELOPMENT_SECRET
    max_characters: int = 500
    # Options a poll may have (Mastodon's default; advertised in the instance configuration).
    poll_max_options: int = 4
    instance_title: str = "Parley"
    instance_description: str = "A conversation-first microblogging server."
    contact_email: str = ""
    redis_url: str = ""
    # Namespace of Parley's keys and channels in Redis, so instances can share one server.
    redis_prefix: str = "parley"
    worker_concurrency: int = 4
    worker_poll_interval: float = 0.1
    # Seconds a stopping worker (SIGTERM) lets its running jobs finish before it cancels them
    # and puts them back (a fan-out batch takes well under one; senders of SIGTERM usually
    # wait 10 s or more before SIGKILL).
    worker_stop_grace: float = 5.0
    fanout_batch_size: int = 5000
    # Accounts with at least this many followers are "broadcast": their posts are merged into
    # home reads instead of written into every follower's home (0: always fan out).
    broadcast_threshold: int = 50_000
    # Home timelines keep about this many newest entries (older pages fall back to a query).
    home_cap: int = 800
    # Seconds between keep-alive comments on idle event streams (proxies drop silent ones).
    streaming_heartbeat: float = 15.0
    # Fetch pages (verifying profile links) and send Web Push messages on this machine's own
    # network (loopback, private ranges): off, so a user-given URL cannot probe the server's
    # network (tests: on).
    fetch_private_addresses: bool = False
    # Who may read the servers this one blocks (/api/v1/instance/domain_blocks), as
    # Mastodon's "show domain blocks" setting: nobody (the default), signed-in users, all.
    show_domain_blocks: Literal["disabled", "users", "all"] = "disabled"
    sql_echo: bool = False
    # ActivityPub federation (federation/): on by default; off makes the server an island
    # again (no actor documents, no inbox, nothing delivered).
    federation: bool = True
    # Peers over plain HTTP and on this machine's own network (loopback, private ranges):
    # for tests and local use only; production federates over HTTPS with public peers.
    federation_insecure_peers: bool = False
    # "Authorized fetch" (Mastodon's secure mode): GETs of ActivityStreams documents must be
    # signed, and servers this one blocks get nothing.
    authorized_fetch: bool = False
    # A CA bundle (PEM file) outgoing federation TLS verifies against; empty: the system's.
    federation_ca_bundle: str = ""
    # Mastodon's rate limits (http/ratelimit.py); off only where one client is everyone
    # (the test suite's and the benchmark's clients all come from 127.0.0.1).
    rate_limits: bool = True
    # The reverse proxies whose X-Forwarded-For names the client (Mastodon's TRUSTED_PROXY_IP):
    # addresses or networks, comma-separated ("*": any). The client address keys the rate
    # limits, the sign-up and sign-in gates (IP blocks) and the session list; from anyone
    # else the header is ignored, so a client cannot choose its own address.
    trusted_proxies: str = "127.0.0.1,::1"
    # Where media files live (media/storage.py): the data directory's media/ folder, served
    # by Parley at /media/..., or an S3-compatible bucket (scale mode: every process sees
    # the same files), served from s3_public_url (a CDN or the bucket's own address).
    media_storage: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_public_url: str = ""
    # The ACL processed files get (Mastodon's default): empty for buckets that refuse ACLs
    # and are made readable by a bucket policy or a CDN instead.
    s3_acl: str = "public-read"

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        parsed = urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("PARLEY_BASE_URL must be an http(s) URL such as http://localhost:3000")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("PARLEY_SECRET_KEY must be set to a secret value in production")
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL as given, defaulting to a SQLite file in the data directory
        (what it means, drivers included, is store/dialect's to say)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'parley.sqlite3'}"

    @property
    def domain(self) -> str:
        """The host[:port] this instance is known by, as in acct handles."""
        return urlsplit(self.base_url).netloc

    @property
    def streaming_url(self) -> str:
        scheme = "wss" if self.base_url.startswith("https") else "ws"
        return f"{scheme}://{self.domain}"
