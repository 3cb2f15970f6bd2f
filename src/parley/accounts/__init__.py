"""Accounts: people (local and remote), their profiles and local credentials."""
