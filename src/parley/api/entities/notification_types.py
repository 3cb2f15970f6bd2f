"""Notification types in Mastodon's words: the one table between the types Parley stores
(notifications/models.py: like, repost, post) and what the Mastodon API says (favourite,
reblog, status), both ways, for entities, group keys and the type parameters."""

from __future__ import annotations

from collections.abc import Iterable

# Parley's word -> Mastodon's, where they differ; every other type is the same word.
TO_MASTODON = {"like": "favourite", "repost": "reblog", "post": "status"}
_FROM_MASTODON = {mastodon: parley for parley, mastodon in TO_MASTODON.items()}
# What a Parley-only word asked for through the API becomes: a type nothing has, so that
# `types[]=like` matches nothing, as any word Mastodon does not know.
_UNKNOWN = "mastodon-unknown:"


def mastodon_type(stored: str) -> str:
    return TO_MASTODON.get(stored, stored)


def parley_type(word: str) -> str:
    """The stored type a client's word names (an unknown word stays unknown)."""
    found = _FROM_MASTODON.get(word)
    if found is not None:
        return found
    return _UNKNOWN + word if word in TO_MASTODON else word


def parley_types(words: Iterable[str]) -> list[str]:
    return [parley_type(word) for word in words]


def mastodon_group_key(key: str) -> str:
    """A group key as clients see it: `<type>-<target>-<bucket>` in Mastodon's words."""
    head, sep, rest = key.partition("-")
    return mastodon_type(head) + sep + rest if head in TO_MASTODON else key


def parley_group_key(key: str) -> str:
    """The stored group key a client's key names."""
    head, sep, rest = key.partition("-")
    return parley_type(head) + sep + rest
