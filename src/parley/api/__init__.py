"""The Mastodon client API adapter: Mastodon's words (status, favourite, reblog) live here only."""
