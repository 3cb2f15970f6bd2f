"""Real time: a publish/subscribe broker (in-process or Redis) and the events it carries."""
