"""Broker channel names for Mastodon's streams, and which streams a request may open."""

from __future__ import annotations

from dataclasses import dataclass

from parley.errors import Invalid, Unauthorized
from parley.lib.ids import parse_id

PUBLIC = "timeline:public"
PUBLIC_LOCAL = "timeline:public:local"
PUBLIC_REMOTE = "timeline:public:remote"


def home(account_id: int) -> str:
    return f"timeline:{account_id}"


def home_owner(channel: str) -> int | None:
    """The account whose home channel this is, else None."""
    return parse_id(channel[9:]) if channel.startswith("timeline:") else None


def notifications(account_id: int) -> str:
    return f"timeline:{account_id}:notifications"


def direct(account_id: int) -> str:
    return f"timeline:direct:{account_id}"


def hashtag(name: str, *, local: bool = False) -> str:
    return f"timeline:hashtag:{name.lower()}" + (":local" if local else "")


def thread(thread_id: int) -> str:
    """Every new post of one conversation (the web UI's live thread view)."""
    return f"thread:{thread_id}"


def list_channel(list_id: int) -> str:
    return f"timeline:list:{list_id}"


def exclusions(account_id: int) -> str:
    """Internal to Parley: every signed-in streaming connection listens here and re-reads its
    blocks and mutes when told; nothing on it reaches a client."""
    return f"exclusions:{account_id}"


def followers_of(account_id: int) -> str:
    """A broadcast account's posts: no subscriber opens it; each process's hub resolves it to
    the home channels of the connected accounts that follow `account_id`."""
    return f"followers:{account_id}"


def followers_owner(channel: str) -> int | None:
    """The broadcast account of a followers_of channel, else None."""
    return parse_id(channel[10:]) if channel.startswith("followers:") else None


# (post id, after, upper): followers with after < id <= upper (None: unbounded).
Reach = tuple[int, int | None, int | None]


def reached(post_id: int, after: int | None, upper: int | None) -> str:
    """A fan-out batch: the post went into the homes of some of the author's followers with
    ids in (after, upper]. No subscriber opens it; each process's hub looks up which of its
    connected accounts in that range got the post and hands the event to their homes."""
    return f"reached:{post_id}:{'' if after is None else after}:{'' if upper is None else upper}"


def reach_of(channel: str) -> Reach | None:
    """The (post, after, upper) of a `reached` channel, else None."""
    if not channel.startswith("reached:"):
        return None
    post, after, upper = channel[8:].split(":")
    return int(post), int(after) if after else None, int(upper) if upper else None


@dataclass(frozen=True, slots=True)
class Stream:
    """A stream a client asked for: its Mastodon name (as echoed back) and broker channels."""

    name: list[str]
    channels: tuple[str, ...]
    context: str | None = None  # the filter context of its statuses (None: not filtered)


USER_STREAMS = ("user", "user:notification", "direct", "list")
PUBLIC_STREAMS = ("public", "public:local", "public:remote", "public:media",
                  "public:local:media", "public:remote:media", "hashtag", "hashtag:local")


def resolve(stream: str, viewer_id: int | None, *, tag: str | None = None,
            list_id: str | None = None) -> Stream:
    """The channels behind a Mastodon stream name; user streams need a signed-in viewer."""
    if stream in USER_STREAMS and viewer_id is None:
        raise Unauthorized("Missing access token")
    if stream == "user":
        return Stream([stream], (home(viewer_id or 0), notifications(viewer_id or 0)), "home")
    if stream == "user:notification":
        return Stream([stream], (notifications(viewer_id or 0),))
    if stream == "direct":
        return Stream([stream], (direct(viewer_id or 0),))
    if stream in ("hashtag", "hashtag:local"):
        clean = (tag or "").strip().lstrip("#")
        if not clean:
            raise Invalid("No tag for stream provided")
        return Stream([stream, clean], (hashtag(clean, local=stream.endswith("local")),),
                      "public")
    if stream.startswith("public"):
        base = stream.removesuffix(":media")
        channel = {"public": PUBLIC, "public:local": PUBLIC_LOCAL,
                   "public:remote": PUBLIC_REMOTE}.get(base)
        if channel is not None:
            return Stream([stream], (channel + (":media" if stream.endswith(":media") else ""),),
                          "public")
    if stream == "list":
        parsed = parse_id(list_id)
        if parsed is None:
            raise Invalid("No list for stream provided")
        return Stream([stream, str(parsed)], (list_channel(parsed),), "home")
    raise Invalid("Unknown stream type")
