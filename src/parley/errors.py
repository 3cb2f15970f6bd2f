"""Domain exceptions, mapped to wire formats at each edge (API JSON, HTML, ActivityPub)."""

from __future__ import annotations


class ParleyError(Exception):
    """Base of every error a domain service raises on purpose."""

    status_code = 400
    default_message = "Bad request"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


class NotFound(ParleyError):
    status_code = 404
    default_message = "Record not found"


class Unauthorized(ParleyError):
    status_code = 401
    default_message = "The access token is invalid"


class Forbidden(ParleyError):
    status_code = 403
    default_message = "This action is not allowed"


class Invalid(ParleyError):
    status_code = 422
    default_message = "Validation failed"


class TooLarge(ParleyError):
    status_code = 413
    default_message = "Request body too large"


class Conflict(ParleyError):
    status_code = 409
    default_message = "Conflict"


class RateLimited(ParleyError):
    status_code = 429
    default_message = "Too many requests"


class Unavailable(ParleyError):
    """The database cannot be reached right now (restarting, network down): try again soon."""

    status_code = 503
    default_message = "Parley cannot reach its database right now: try again in a moment"
    retry_after_s = 5


class OutOfSpace(ParleyError):
    """The disk under the database or the media files is full: nothing was written."""

    status_code = 507
    default_message = "The server is out of storage space: nothing was saved"
