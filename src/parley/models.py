"""Imports every domain's tables so that metadata (Alembic, tests) sees the whole schema."""

from parley.accounts.models import Account, RecoveryCode, User, WebSessionRecord
from parley.announcements.models import (
    Announcement,
    AnnouncementDismissal,
    AnnouncementReaction,
)
from parley.cards.models import PreviewCard
from parley.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationPost,
)
from parley.discovery.models import SuggestionDismissal
from parley.featured.models import Endorsement, PostPin
from parley.federation.models import (
    ActorKey,
    FederatedQuote,
    Peer,
    PollUpdate,
    ReceivedActivity,
    RemoteActor,
)
from parley.federation.thread_refreshes import ThreadRefresh
from parley.filters.models import Filter, FilterKeyword, FilterStatus
from parley.jobs.models import Job
from parley.lists.models import List, ListEntry, ListMember
from parley.media.models import CustomEmoji, MediaAttachment
from parley.moderation.models import Report, ServerRule
from parley.notifications.models import (
    Marker,
    Notification,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
)
from parley.oauth.models import AccessToken, Application, AuthorizationCode
from parley.polls.models import Poll, PollVote
from parley.posts.models import (
    Bookmark,
    IdempotencyKey,
    Like,
    Mention,
    Post,
    PostEdit,
    PostTag,
    Tag,
)
from parley.posts.thread_mutes import ThreadMute
from parley.push.models import PushServerKey, PushSubscription
from parley.social.models import Block, DomainBlock, Follow, Mute
from parley.social.notes import AccountNote
from parley.store.database import Base
from parley.tags.models import FeaturedTag, TagFollow
from parley.timelines.models import TimelineEntry
from parley.waiting.models import WaitingDismissal

metadata = Base.metadata

__all__ = [
    "AccessToken",
    "Account",
    "AccountNote",
    "ActorKey",
    "Announcement",
    "AnnouncementDismissal",
    "AnnouncementReaction",
    "Application",
    "AuthorizationCode",
    "Block",
    "Bookmark",
    "Conversation",
    "ConversationParticipant",
    "ConversationPost",
    "CustomEmoji",
    "DomainBlock",
    "Endorsement",
    "FeaturedTag",
    "FederatedQuote",
    "Filter",
    "FilterKeyword",
    "FilterStatus",
    "Follow",
    "IdempotencyKey",
    "Job",
    "Like",
    "List",
    "ListEntry",
    "ListMember",
    "Marker",
    "MediaAttachment",
    "Mention",
    "Mute",
    "Notification",
    "NotificationPermission",
    "NotificationPolicy",
    "NotificationRequest",
    "Peer",
    "Poll",
    "PollUpdate",
    "PollVote",
    "Post",
    "PostEdit",
    "PostPin",
    "PostTag",
    "PreviewCard",
    "PushServerKey",
    "PushSubscription",
    "ReceivedActivity",
    "RecoveryCode",
    "RemoteActor",
    "Report",
    "ServerRule",
    "SuggestionDismissal",
    "Tag",
    "TagFollow",
    "ThreadMute",
    "ThreadRefresh",
    "TimelineEntry",
    "User",
    "WaitingDismissal",
    "WebSessionRecord",
    "metadata",
]
