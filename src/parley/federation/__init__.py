"""ActivityPub federation: the adapter that speaks to other servers (AS2 words only here)."""
