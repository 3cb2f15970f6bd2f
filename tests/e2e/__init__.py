"""End-to-end tests against a live server."""
