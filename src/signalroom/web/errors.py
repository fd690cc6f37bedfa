"""The one JSON error shape of the API, and the handlers that translate every failure into it.

Every 4xx and 5xx under ``/api`` is ``{"error": {"code", "message", "field", "offset"}}``.
Input errors are 400 (never FastAPI's 422) with ``field`` naming the parameter or body path.
A 5xx means a bug of ours (or a failing store): the client gets the shape, never a traceback.
Must not decide *what* is an error: routes raise, this module only translates.
"""

from __future__ import annotations

import html
import logging
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from signalroom.errors import (
    ConflictError,
    NotFoundError,
    QueryError,
    StoreError,
    ValidationError,
)

log = logging.getLogger(__name__)

ErrorCode = Literal[
    "bad_request",
    "invalid_query",
    "not_found",
    "conflict",
    "method_not_allowed",
    "unavailable",
    "internal",
]


class ApiError(Exception):
    """An error a route raises on purpose, already in HTTP terms."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.offset = offset


def bad_request(message: str, field: str | None) -> ApiError:
    return ApiError(400, "bad_request", message, field=field)


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    field: str | None = None,
    offset: int | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field, "offset": offset}}
    return JSONResponse(body, status_code=status)


def query_error(err: QueryError, field: str = "query") -> ApiError:
    return ApiError(400, "invalid_query", err.message, field=field, offset=err.offset)


# Phrases for pydantic's error types, so a user reads "name is required", not "Field required".
_PHRASES: dict[str, str] = {
    "missing": "is required",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "extra_forbidden": "is not a known field",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "literal_error": "is not one of the allowed values",
    "json_invalid": "is not valid JSON",
    "list_type": "must be a list",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


def describe_validation_error(exc: RequestValidationError) -> tuple[str, str]:
    """The first problem of a request as (message, field path)."""
    errors = exc.errors()
    if not errors:
        return "the request is malformed", "body"
    first: dict[str, Any] = dict(errors[0])
    loc = [str(part) for part in first.get("loc", ())]
    kind = str(first.get("type", ""))
    where, path = (loc[0], loc[1:]) if loc else ("body", [])
    if kind == "json_invalid" or (where == "body" and not path):
        field = "body"
    else:
        field = ".".join(path) or where
    if kind == "missing" and field == "body":
        return "a JSON body is required", field
    phrase = _PHRASES.get(kind)
    if phrase is None:
        detail = str(first.get("msg", "is invalid"))
        phrase = detail[:1].lower() + detail[1:]
    return f"{field} {phrase}", field


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure through the one error shape."""

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message, field=exc.field, offset=exc.offset)

    async def on_request_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        message, field = describe_validation_error(exc)
        return error_response(400, "bad_request", message, field=field)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ValidationError)
        return error_response(400, "bad_request", exc.message, field=exc.field)

    async def on_query_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, QueryError)
        return error_response(400, "invalid_query", exc.message, field="query", offset=exc.offset)

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return error_response(404, "not_found", str(exc))

    async def on_conflict(request: Request, exc: Exception) -> Response:
        return error_response(409, "conflict", str(exc))

    async def on_store_error(request: Request, exc: Exception) -> Response:
        log.error("store failed on %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, "unavailable", "the store is unavailable; try again shortly")

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not request.url.path.startswith("/api"):
            return _html_error(exc.status_code, exc.detail)
        if exc.status_code == 404:
            return error_response(
                404, "not_found", f"no such endpoint: {request.method} {request.url.path}"
            )
        if exc.status_code == 405:
            return error_response(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {request.url.path}",
            )
        code: ErrorCode = "bad_request" if exc.status_code < 500 else "internal"
        return error_response(exc.status_code, code, str(exc.detail))

    async def on_bug(request: Request, exc: Exception) -> Response:
        # Starlette re-raises after this handler, so the server logs the traceback; the
        # client gets the shape and nothing of our internals.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return error_response(500, "internal", "internal error (a bug in Signalroom; see its log)")

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(ValidationError, on_validation)
    app.add_exception_handler(QueryError, on_query_error)
    app.add_exception_handler(NotFoundError, on_not_found)
    app.add_exception_handler(ConflictError, on_conflict)
    app.add_exception_handler(StoreError, on_store_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_bug)


def _html_error(status: int, detail: str) -> HTMLResponse:
    title = "Page not found" if status == 404 else f"Error {status}"
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)} · Signalroom</title>"
        '<body style="font:18px system-ui,sans-serif;background:#0b1020;color:#e6ebf5;'
        'display:grid;place-items:center;height:100vh;margin:0">'
        f"<main><h1>{html.escape(title)}</h1><p>{html.escape(str(detail))}</p>"
        '<p><a style="color:#7cb4ff" href="/">Open the console</a></p></main>'
    )
    return HTMLResponse(page, status_code=status)
