"""Imports every domain's tables so that metadata (Alembic, tests) sees the whole schema."""

from parley.accounts.models import Account, User
from parley.db import Base
from parley.jobs.models import Job
from parley.notifications.models import Notification
from parley.oauth.models import AccessToken, Application, AuthorizationCode
from parley.posts.models import Bookmark, IdempotencyKey, Like, Mention, Post, PostTag, Tag
from parley.social.models import Follow
from parley.timelines.models import TimelineEntry

metadata = Base.metadata

__all__ = [
    "AccessToken", "Account", "Application", "AuthorizationCode", "Bookmark", "Follow",
    "IdempotencyKey", "Job", "Like", "Mention", "Notification", "Post", "PostTag", "Tag",
    "TimelineEntry", "User", "metadata",
]
