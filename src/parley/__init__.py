"""Parley: a conversation-first microblogging server with the Mastodon client API."""
