"""Lists: named groups of followed accounts, each with its own timeline."""
