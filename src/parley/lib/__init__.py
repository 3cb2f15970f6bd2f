"""Domain-free helpers: ids, time formatting, text parsing, HTML."""
