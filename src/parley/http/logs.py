"""What the access log may hold: request lines without the secrets some clients put in the
query string (`?access_token=` on streaming URLs, as Mastodon's API allows)."""

from __future__ import annotations

import logging
import re

# Query parameters whose values are credentials.
_SECRET = re.compile(r"((?:^|[?&])(?:access_token|code|client_secret|password)=)[^&#]*",
                     re.IGNORECASE)


def redacted(target: str) -> str:
    """`target` (a path with its query) with every credential's value replaced."""
    return _SECRET.sub(r"\1[FILTERED]", target) if "=" in target else target


class RedactSecrets(logging.Filter):
    """For uvicorn's access logger, whose record args are (client, method, path, version,
    status): the path loses its credentials before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redacted(args[2]), *args[3:])
        return True


def install() -> None:
    logging.getLogger("uvicorn.access").addFilter(RedactSecrets())
