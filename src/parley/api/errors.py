"""Maps domain errors and framework errors to Mastodon's {"error": "..."} JSON."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from parley.api.responses import FastJSON
from parley.errors import ParleyError

log = logging.getLogger("parley.api")

_STATUS_MESSAGES = {
    401: "The access token is invalid",
    403: "This action is not allowed",
    404: "Record not found",
    405: "Method not allowed",
}


def error_response(status: int, message: str) -> FastJSON:
    headers = {"WWW-Authenticate": 'Bearer realm="Parley"'} if status == 401 else None
    return FastJSON({"error": message}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as JSON with the right status; 5xx are logged, never detailed."""

    @app.exception_handler(ParleyError)
    async def _domain(_request: Request, exc: ParleyError) -> FastJSON:
        return error_response(exc.status_code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> FastJSON:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'][1:]) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
        return error_response(422, f"Validation failed: {details}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> FastJSON:
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code not in (
            404, 405) else _STATUS_MESSAGES.get(exc.status_code, "Error")
        return error_response(exc.status_code, message)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _exc: ClientDisconnect) -> FastJSON:
        # The client went away while sending its body (a load generator stopping, a phone
        # losing signal): nothing was written and nobody is left to read an answer.
        log.info("client disconnected during %s %s", request.method, request.url.path)
        return error_response(400, "The client disconnected before the request was read")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> FastJSON:
        log.exception("unhandled error on %s %s", request.method, request.url.path,
                      exc_info=exc)
        return error_response(500, "Internal server error")
