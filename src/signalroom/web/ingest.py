"""``POST /api/ingest/{source}``: posts pushed by other systems, in the generic post format.

A request names a configured webhook source, is signed with that source's key (see
:mod:`signalroom.sources.webhook`), and carries one post object, a ``{"items": [...]}``
batch, or JSONL (``application/x-ndjson``). Its items go to an :class:`IngestSink` (the
running pipeline) as one unit; the answer comes once they are committed, in one
transaction: ``{"accepted", "duplicates", "unmatched", "rejected": [{"index", "reason"}]}``
with 200 (none rejected), 207 (some) or 422 (all; the rejects are kept all the same).

Refusals of the request itself use the API's one error shape: 404 unknown source, 401 bad
or stale signature, 413 too large, 415 not JSON or JSONL, 400 malformed body, 503 with
``Retry-After`` when the pipeline is busy. Must not normalize, store or import the
pipeline: it splits the body into raw items and hands them over, nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, Protocol

import msgspec
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from signalroom.clock import Clock
from signalroom.errors import AuthError
from signalroom.models import RawItem
from signalroom.secrets import SecretResolver
from signalroom.sources.webhook import (
    KIND,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSettings,
    verify,
)

log = logging.getLogger(__name__)

JSONL_TYPES: Final = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)
JSON_TYPES: Final = frozenset({"application/json", ""})
MAX_CONCURRENT_REQUESTS: Final = 16
"""Ingest requests held at once; more get 503 at once (bounds memory to this many bodies)."""
RETRY_AFTER_S: Final = 5

IngestErrorCode = Literal[
    "bad_request",
    "not_found",
    "unauthorized",
    "too_large",
    "unsupported_media_type",
    "rejected",
    "unavailable",
]

_envelope: Final = msgspec.json.Decoder(dict[str, msgspec.Raw])
_item_list: Final = msgspec.json.Decoder(list[msgspec.Raw])


class IngestOutcome(Protocol):
    """What became of a request's items once committed (the pipeline's ``SubmitResult``)."""

    @property
    def accepted(self) -> int: ...

    @property
    def duplicates(self) -> int: ...

    @property
    def unmatched(self) -> int: ...

    @property
    def rejected(self) -> Sequence[tuple[int, str]]:
        """``(index, reason)`` per rejected item."""
        ...


class IngestSink(Protocol):
    """Where a request's items go: the running pipeline (``Pipeline.submit``)."""

    async def submit(self, items: Sequence[RawItem], source_name: str) -> IngestOutcome:
        """Commit the items as one unit and say what became of each. Raises TimeoutError
        when they cannot be taken or committed in time (the client should retry)."""
        ...


class _RefusedError(Exception):
    """The request is refused as a whole; ``response`` says why, in the error shape."""

    def __init__(
        self,
        status: int,
        code: IngestErrorCode,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.response = ingest_error(status, code, message, field=field, headers=headers)


def ingest_error(
    status: int,
    code: IngestErrorCode,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """The API's one error shape, ``{"error": {"code", "message", "field", "offset"}}``,
    with the ingest codes (and ``extra`` top-level keys, the per-item results of a 422)."""
    body: dict[str, Any] = {
        "error": {"code": code, "message": message, "field": field, "offset": None}
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def ingest_router(
    sink: IngestSink,
    sources: Mapping[str, WebhookSettings],
    secrets: SecretResolver,
    clock: Clock,
) -> APIRouter:
    """The ingest endpoint for the configured webhook sources (name → settings)."""
    router = APIRouter()
    slots = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)

    @router.post("/api/ingest/{source}", tags=["ingest"], response_model=None)
    async def ingest(source: str, request: Request) -> Response:
        settings = sources.get(source)
        if settings is None:
            return ingest_error(404, "not_found", f"no webhook source named {source!r}")
        if slots.locked():
            return _busy("too many ingest requests at once")
        async with slots:
            try:
                return await _ingest(source, settings, request, sink, secrets, clock)
            except _RefusedError as refused:
                return refused.response

    return router


async def _ingest(
    source: str,
    settings: WebhookSettings,
    request: Request,
    sink: IngestSink,
    secrets: SecretResolver,
    clock: Clock,
) -> Response:
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        raise _RefusedError(
            401,
            "unauthorized",
            f"sign the request: {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required",
            field="headers",
        )
    body = await _read_body(request, settings.max_body_bytes)
    key = await _key(source, settings, secrets)
    try:
        verify(body, timestamp=timestamp, signature=signature, key=key, now=clock.now())
    except AuthError as err:
        log.info("ingest %s: refused a request: %s", source, err)
        raise _RefusedError(401, "unauthorized", str(err), field="headers") from err
    payloads = split_body(body, request.headers.get("content-type", ""))
    if len(payloads) > settings.max_batch_items:
        raise _RefusedError(
            413,
            "too_large",
            f"the batch has {len(payloads)} items; at most {settings.max_batch_items} "
            "per request: split it",
            field="items",
        )
    received_at = clock.now()
    items = [RawItem(source=KIND, payload=payload, received_at=received_at) for payload in payloads]
    try:
        outcome = await sink.submit(items, source)
    except TimeoutError as err:
        log.warning("ingest %s: %d items not taken: %s", source, len(items), err)
        return _busy(f"{err}; retry (a resent item is counted as a duplicate, never twice)")
    results = {
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "unmatched": outcome.unmatched,
        "rejected": [{"index": index, "reason": reason} for index, reason in outcome.rejected],
    }
    if len(outcome.rejected) == len(items):
        return ingest_error(
            422,
            "rejected",
            "every item was rejected (kept as rejects); see rejected for the reasons",
            extra=results,
        )
    return JSONResponse(results, status_code=207 if outcome.rejected else 200)


def split_body(body: bytes, content_type: str) -> list[bytes]:
    """The raw bytes of each item of a request body (exactly as sent, so a reject keeps
    them). Raises _RefusedError for a body that is not one of the three accepted shapes."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type in JSONL_TYPES:
        lines = (line.removesuffix(b"\r") for line in body.split(b"\n"))
        payloads = [line for line in lines if line.strip()]
    elif media_type in JSON_TYPES:
        payloads = _split_json(body)
    else:
        raise _RefusedError(
            415,
            "unsupported_media_type",
            f"Content-Type {media_type!r} is not accepted: send application/json (one post "
            'or {"items": [...]}) or application/x-ndjson (one post per line)',
            field="headers",
        )
    if not payloads:
        raise _RefusedError(400, "bad_request", "the body holds no items", field="body")
    return payloads


def _split_json(body: bytes) -> list[bytes]:
    try:
        top = _envelope.decode(body)
    except msgspec.ValidationError as err:
        raise _RefusedError(
            400,
            "bad_request",
            'the body must be one post object or {"items": [...]} '
            f"({str(err).replace('`', '').lower()})",
            field="body",
        ) from err
    except msgspec.DecodeError as err:
        detail = str(err).removeprefix("JSON is malformed: ")
        detail = detail[:1].lower() + detail[1:]
        raise _RefusedError(
            400, "bad_request", f"the body is not JSON: {detail}", field="body"
        ) from err
    items = top.get("items")
    if items is None:
        return [body]
    try:
        return [bytes(item) for item in _item_list.decode(items)]
    except msgspec.ValidationError as err:
        raise _RefusedError(400, "bad_request", "items must be a list", field="items") from err


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


async def _key(source: str, settings: WebhookSettings, secrets: SecretResolver) -> bytes:
    # Resolved per request, so that a rotated secret applies without a restart; a file:
    # reference reads a file, which must not block the loop.
    try:
        return (await run_in_threadpool(secrets.resolve, settings.secret)).encode()
    except AuthError as err:
        log.error("ingest %s cannot check signatures: %s", source, err)
        raise _RefusedError(
            503,
            "unavailable",
            f"webhook source {source!r} has no usable key on the server; see its log",
        ) from err


def _too_large(limit: int) -> _RefusedError:
    return _RefusedError(
        413, "too_large", f"the body is larger than {limit} bytes: split it", field="body"
    )


def _busy(message: str) -> JSONResponse:
    return ingest_error(503, "unavailable", message, headers={"Retry-After": str(RETRY_AFTER_S)})
