"""About this server: usage statistics, weekly activity and its contact person."""
