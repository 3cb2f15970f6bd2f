"""Polls: a post's question, its options, the votes, and the job that closes it."""
