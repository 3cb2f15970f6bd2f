"""The domains as a process runs them: their event subscribers and their job kinds, installed
by the composition roots (app.create_app, the cli's worker and commands) at start.

The order of SUBSCRIBERS is the order in which an event's durable subscribers run in its
transaction: notifications before the conversation and the fan-out job of a new post, as
they were written before events carried them.
"""

from __future__ import annotations

import threading
from itertools import chain

from parley import events
from parley.accounts import links as account_jobs
from parley.accounts import remote_images as account_images
from parley.api.push_messages import push_message
from parley.cards import jobs as card_jobs
from parley.cards import subscribers as cards
from parley.config import Settings
from parley.conversations import direct as conversations
from parley.featured import service as featured
from parley.federation import actors_gone as federation_gone
from parley.federation import chores as federation_chores
from parley.federation import delivery as federation_delivery
from parley.federation import featured_out as federation_featured
from parley.federation import flags_out as federation_flags
from parley.federation import interactions_out as federation_interactions
from parley.federation import moves_out as federation_moves
from parley.federation import outbox as federation
from parley.federation import polls_out as federation_polls
from parley.federation import profiles_out as federation_profiles
from parley.federation import quotes_sent as federation_quotes
from parley.federation import receive as federation_receive
from parley.federation import threads_in as federation_threads
from parley.jobs.registry import JobRegistry, build_registry
from parley.jobs.worker import Worker
from parley.lists import fanout as lists
from parley.media import emoji as media_emoji
from parley.media import jobs as media_jobs
from parley.media import remote as media_remote
from parley.notifications import subscribers as notifications
from parley.polls import service as polls
from parley.posts import media as post_media
from parley.posts import scheduled as scheduled_posts
from parley.push import delivery as push
from parley.push import subscribers as push_subscribers
from parley.social import moves as social_moves
from parley.store.database import Database
from parley.timelines import broadcast, tag_jobs
from parley.timelines import jobs as timeline_jobs
from parley.timelines import subscribers as timelines

SUBSCRIBERS = (notifications.SUBSCRIBERS, conversations.SUBSCRIBERS, lists.SUBSCRIBERS,
               featured.SUBSCRIBERS, timelines.SUBSCRIBERS,
               cards.SUBSCRIBERS, post_media.SUBSCRIBERS, push_subscribers.SUBSCRIBERS,
               social_moves.SUBSCRIBERS, federation.SUBSCRIBERS,
               federation_interactions.SUBSCRIBERS, federation_polls.SUBSCRIBERS,
               federation_featured.SUBSCRIBERS, federation_flags.SUBSCRIBERS,
               federation_moves.SUBSCRIBERS, federation_quotes.SUBSCRIBERS,
               federation_profiles.SUBSCRIBERS)
JOBS = (timeline_jobs.JOBS, lists.JOBS, tag_jobs.JOBS, scheduled_posts.JOBS, account_jobs.JOBS,
        account_images.JOBS, polls.JOBS, card_jobs.JOBS, media_jobs.JOBS, media_remote.JOBS,
        media_emoji.JOBS, push.JOBS, social_moves.JOBS, federation.JOBS,
        federation_delivery.JOBS, federation_receive.JOBS, federation_chores.JOBS,
        federation_gone.JOBS, federation_threads.JOBS, federation_polls.JOBS,
        federation_flags.JOBS, federation_profiles.JOBS)

_lock = threading.Lock()


def install() -> None:
    """Subscribe every domain's subscribers (once per process: they are the same for every
    app it runs; installing again changes nothing)."""
    with _lock:
        events.subscribe_all(chain.from_iterable(SUBSCRIBERS))
        push.install_renderer(push_message)  # push messages in the client protocol's words


def job_registry() -> JobRegistry:
    """Every job kind of every domain; a worker starting first records the accounts over
    the broadcast threshold (a bulk-loaded or upgraded database; one INSERT ... SELECT) and
    makes sure media's hourly sweep and federation's hourly prune are queued."""
    return build_registry(chain.from_iterable(JOBS), on_start=[
        broadcast.record_over_threshold, media_jobs.schedule_sweep,
        federation_chores.schedule_prune])


def new_worker(db: Database, settings: Settings) -> Worker:
    """A job worker for this process, with the domains installed (jobs record events too:
    a scheduled post's fan-out and notifications)."""
    install()
    return Worker(db, settings, job_registry())
