"""OAuth 2: client applications, authorisation codes and access tokens (stored hashed)."""
