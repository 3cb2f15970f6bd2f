"""Plain-language descriptions of OAuth scopes for the consent page."""

from __future__ import annotations

TOP_LEVEL = {
    "read": "Read everything in your account: posts, notifications, lists and settings",
    "write": "Post, like, repost and change everything in your account for you",
    "follow": "Follow, block and mute accounts for you",
    "push": "Receive push notifications",
    "profile": "See your basic profile only",
    "admin:read": "Read moderation data of the whole server",
    "admin:write": "Take moderation actions on the whole server",
}
NOUNS = {"statuses": "posts", "favourites": "likes", "accounts": "account and profile",
         "email_domain_blocks": "e-mail domain blocks", "ip_blocks": "IP blocks",
         "domain_blocks": "domain blocks", "domain_allows": "allowed domains",
         "canonical_email_blocks": "blocked e-mail addresses"}


def describe_scope(scope: str) -> str:
    if scope in TOP_LEVEL:
        return TOP_LEVEL[scope]
    parent, _, child = scope.rpartition(":")
    noun = NOUNS.get(child, child.replace("_", " "))
    if parent.startswith("admin:"):
        verb = "Read" if parent == "admin:read" else "Moderate"
        return f"{verb} the server's {noun}"
    verb = "See" if parent == "read" else "Change"
    return f"{verb} your {noun}"


def describe_scopes(scopes: list[str]) -> list[tuple[str, str]]:
    """(scope, description) pairs in the order they were requested."""
    return [(scope, describe_scope(scope)) for scope in scopes]
