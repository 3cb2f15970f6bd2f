"""Unit tests of pure functions."""
