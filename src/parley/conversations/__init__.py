"""Conversations: threads as people take part in them, and direct-message conversations."""
