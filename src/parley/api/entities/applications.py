"""Application and CredentialApplication entities."""

from __future__ import annotations

from typing import Any

from parley.lib.urls import web_url
from parley.oauth.models import Application


def application_entity(app: Application, vapid_key: str) -> dict[str, Any]:
    """The app; `vapid_key` is the server's Web Push key (push/keys.py), as Mastodon shows."""
    uris = app.redirect_uris.split("\n")
    return {
        "id": str(app.id),
        "name": app.name,
        "website": web_url(app.website),
        "scopes": app.scopes.split(),
        "redirect_uri": uris[0] if len(uris) == 1 else "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": vapid_key,
    }


def credential_application_entity(app: Application, vapid_key: str) -> dict[str, Any]:
    return {**application_entity(app, vapid_key), "client_id": app.client_id,
            "client_secret": app.client_secret, "client_secret_expires_at": 0}


def status_application(app: Application | None) -> dict[str, Any] | None:
    """The `application` of a status: only name and website, as Mastodon shows it."""
    return None if app is None else {"name": app.name, "website": web_url(app.website)}
