"""Finding people and topics: follow suggestions, the profile directory, trends."""
