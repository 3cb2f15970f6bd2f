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
