"""Which status and message each error leaves with: the one mapping from exceptions (the
domain's ParleyError, the framework's, a vanished client, a database out of reach or out of
space, a bug) to (status, message). Each adapter renders the pair in its own format (API
JSON, HTML pages); a 503 always says when to retry (Retry-After)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from parley.errors import ParleyError, Unavailable
from parley.store.faults import store_failure

log = logging.getLogger("parley.http")

# status, message -> the adapter's response.
Renderer = Callable[[int, str], Response]

STATUS_MESSAGES = {
    401: "The access token is invalid",
    403: "This action is not allowed",
    404: "Record not found",
    405: "Method not allowed",
}
DISCONNECTED = "The client disconnected before the request was read"
INTERNAL = "Internal server error"


def _validation_message(exc: RequestValidationError) -> str:
    details = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'][1:]) or 'body'}: {err['msg']}"
        for err in exc.errors()
    )
    return f"Validation failed: {details}"


def failure(exc: BaseException) -> tuple[int, str]:
    """(status, message) for an exception; anything unforeseen is a 500 whose details stay
    in the log."""
    if isinstance(exc, ParleyError):
        return exc.status_code, exc.message
    if isinstance(exc, RequestValidationError):
        return 422, _validation_message(exc)
    if isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        if isinstance(exc.detail, str) and status not in (404, 405):
            return status, exc.detail
        return status, STATUS_MESSAGES.get(status, "Error")
    if isinstance(exc, ClientDisconnect):
        return 400, DISCONNECTED
    if isinstance(exc, MultiPartException):
        # A malformed form body. Starlette turns it into a 400 only for requests that carry
        # its app in their scope: the mapping should not depend on how a request was made.
        return 400, exc.message
    store = store_failure(exc)
    if store is not None:
        return store.status_code, store.message
    return 500, INTERNAL


def with_retry_after(response: Response) -> Response:
    """A 503 tells the client when to try again."""
    if response.status_code == Unavailable.status_code:
        response.headers["Retry-After"] = str(Unavailable.retry_after_s)
    return response


def render_failure(exc: BaseException, method: str, path: str, render: Renderer) -> Response:
    """The response for `exc`, logged (see log_failure)."""
    return with_retry_after(render(*log_failure(exc, method, path)))


def log_failure(exc: BaseException, method: str, path: str) -> tuple[int, str]:
    """`failure(exc)`, logged as it deserves: bugs with their traceback; the database out
    of reach or out of space in one line (a state of the store, not a bug); a client that
    went away while sending its body (a load generator stopping, a phone losing signal)
    quietly: nothing was written and nobody is left to read an answer."""
    status, message = failure(exc)
    if isinstance(exc, ClientDisconnect):
        log.info("client disconnected during %s %s", method, path)
    elif store_failure(exc) is not None:
        log.warning("%s %s answered %s: %s", method, path, status, _first_line(exc))
    elif status >= 500:
        log.error("unhandled error on %s %s", method, path, exc_info=exc)
    return status, message


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def install_error_handlers(app: FastAPI, render: Renderer) -> None:
    """Every error FastAPI's routes raise leaves through `render` with its mapped status."""

    async def handle(request: Request, exc: Exception) -> Response:
        return render_failure(exc, request.method, request.url.path, render)

    for kind in (ParleyError, RequestValidationError, StarletteHTTPException, ClientDisconnect,
                 Exception):
        app.add_exception_handler(kind, handle)
