"""``POST /api/ingest/{source}`` on a real uvicorn, a real SQLite store and the real
pipeline (real models): signed requests in the three body shapes, per-item results,
rejects kept with their raw bytes, one transaction per request, and every refusal in the
API's error shape."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalroom.bus.memory import MemoryBroadcaster
from signalroom.clock import ManualClock
from signalroom.config import PipelineConfig
from signalroom.models import TopicDraft
from signalroom.nlp import Enricher
from signalroom.pipeline.runner import Pipeline
from signalroom.secrets import SecretResolver
from signalroom.sources.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSettings, sign
from signalroom.store.base import PostQuery, WriteBatch, WriteResult
from signalroom.store.sqlite import SqliteStore
from signalroom.web.ingest import IngestSink, ingest_router, split_body
from tests.web.builders import NOW
from tests.web.live_server import LiveServer

KEY = "0123456789abcdef0123456789abcdef"
CONFIG = PipelineConfig(batch_size=50, batch_wait_ms=5)
SOURCES = {
    "crm": WebhookSettings(secret="env:CRM_KEY", max_batch_items=200),
    "small": WebhookSettings(secret="env:CRM_KEY", max_body_bytes=1024),
    "keyless": WebhookSettings(secret="env:NOT_SET"),
}


@pytest.fixture(scope="module")
def model() -> Enricher:
    return Enricher.load()


class RecordingStore(SqliteStore):
    """The real store, recording each batch it commits and able to hold writes back (a
    slow disk), so tests can see transactions and fill the pipeline's queues."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[WriteBatch] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.committed = threading.Event()

    def write_batch(self, batch: WriteBatch) -> WriteResult:
        if batch.posts or batch.rejects:
            self.entered.set()
            assert self.gate.wait(timeout=30), "the test never opened the gate"
        result = super().write_batch(batch)
        if batch.posts or batch.rejects:
            self.batches.append(batch)
            self.committed.set()
        return result


@dataclass
class Node:
    server: LiveServer
    pipeline: Pipeline
    store: RecordingStore
    client: httpx.Client

    def post(
        self,
        body: bytes,
        *,
        source: str = "crm",
        content_type: str = "application/json",
        timestamp: float = NOW,
        key: str = KEY,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {
            "Content-Type": content_type,
            TIMESTAMP_HEADER: str(int(timestamp)),
            SIGNATURE_HEADER: sign(body, int(timestamp), key.encode()),
        }
        sent.update(headers or {})
        return self.client.post(f"/api/ingest/{source}", content=body, headers=sent)


def start_node(
    tmp_path: Path, clock: ManualClock, model: Enricher, **pipeline_options: Any
) -> tuple[Node, Future[None]]:
    store = RecordingStore.open(tmp_path / "ingest.db", clock=clock)
    assert isinstance(store, RecordingStore)
    store.create_topic(TopicDraft(name="Acme", query="acme"), NOW)
    server = LiveServer(store, MemoryBroadcaster(), clock)
    pipeline = Pipeline(store, server.broadcaster, model, clock, CONFIG, **pipeline_options)
    sink: IngestSink = pipeline  # the protocol the lead wires the runner through
    server.app.include_router(ingest_router(sink, SOURCES, SecretResolver({"CRM_KEY": KEY}), clock))
    server.start()
    running = asyncio.run_coroutine_threadsafe(pipeline.run([], until_stopped=True), server.loop)

    async def is_running() -> bool:
        return bool(pipeline.health()["state"] == "running")

    server.wait_until(is_running)
    client = httpx.Client(base_url=server.base, timeout=20)
    return Node(server, pipeline, store, client), running


def stop_node(node: Node, running: Future[None]) -> None:
    node.store.gate.set()
    node.client.close()
    node.server.loop.call_soon_threadsafe(node.pipeline.stop)
    running.result(timeout=20)
    node.server.stop()
    node.store.close()


@pytest.fixture
def node(tmp_path: Path, model: Enricher) -> Iterator[Node]:
    started, running = start_node(tmp_path, ManualClock(NOW), model)
    yield started
    stop_node(started, running)


def post(n: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(n),
        "author": {"handle": f"user{n}", "followers": n},
        "text": text if text is not None else f"the new acme phone number {n} is great",
        "created_at": NOW - 60 + n,
    }
    body.update(extra)
    return body


def encode(value: object) -> bytes:
    return json.dumps(value).encode()


def stored_ids(store: SqliteStore) -> list[str]:
    return sorted(item.post.id for item in store.query_posts(PostQuery(limit=1000)).items)


def test_ingest_stores_one_signed_post(node: Node) -> None:
    response = node.post(encode(post(1)))

    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0, "unmatched": 0, "rejected": []}
    stored = node.store.get_post("webhook:1")
    assert stored.post.author.handle == "user1"
    assert stored.topics == (node.store.list_topics()[0].id,)
    assert stored.enrichment.lang == "en"


def test_ingest_batch_reports_each_item_and_keeps_raw_rejects(node: Node) -> None:
    bad = b'{"id": "2", "text": "acme without an author", "created_at": 1}'
    body = (
        b'{"items": ['
        + encode(post(1))
        + b", "
        + bad
        + b", "
        + encode(post(1))
        + b", "
        + encode(post(3, text="nothing to see here"))
        + b"]}"
    )

    response = node.post(body)

    assert response.status_code == 207
    assert response.json() == {
        "accepted": 1,
        "duplicates": 1,
        "unmatched": 1,
        "rejected": [{"index": 1, "reason": "author: missing"}],
    }
    assert stored_ids(node.store) == ["webhook:1"]
    (reject,) = node.store.list_rejects(source="webhook")
    assert reject.payload == bad  # the item's bytes exactly as sent
    assert reject.reason == "author: missing"


def test_ingest_commits_one_request_in_one_transaction(node: Node) -> None:
    items = [post(n) for n in range(120)] + [{"id": "x"}]

    response = node.post(encode({"items": items}))

    assert response.json()["accepted"] == 120
    # The pipeline's batches hold 50 items; a request is never split across them.
    (batch,) = node.store.batches
    assert len(batch.posts) == 120
    assert len(batch.rejects) == 1


def test_ingest_reads_jsonl_skipping_blank_lines(node: Node) -> None:
    lines = [encode(post(1)), b"", b"{broken", encode(post(2)) + b"\r", b"   "]

    response = node.post(b"\n".join(lines), content_type="application/x-ndjson")

    assert response.status_code == 207
    body = response.json()
    assert body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [1]
    assert body["rejected"][0]["reason"].startswith("not JSON")
    assert [r.payload for r in node.store.list_rejects()] == [b"{broken"]
    assert stored_ids(node.store) == ["webhook:1", "webhook:2"]


def test_ingest_resent_batch_is_counted_as_duplicates(node: Node) -> None:
    body = encode({"items": [post(1), post(2)]})
    assert node.post(body).json()["accepted"] == 2

    again = node.post(body)

    assert again.status_code == 200
    assert again.json() == {"accepted": 0, "duplicates": 2, "unmatched": 0, "rejected": []}
    assert stored_ids(node.store) == ["webhook:1", "webhook:2"]


def test_ingest_is_422_when_every_item_is_rejected_and_keeps_them(node: Node) -> None:
    response = node.post(encode({"items": [{"id": "1"}, post(2, created_at="yesterday")]}))

    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "rejected"
    assert body["accepted"] == 0
    assert body["rejected"] == [
        {"index": 0, "reason": "author: missing"},
        {"index": 1, "reason": "created_at: not a date: 'yesterday'"},
    ]
    assert len(node.store.list_rejects()) == 2
    assert stored_ids(node.store) == []


def test_ingest_single_bad_post_is_422(node: Node) -> None:
    response = node.post(encode(post(1, url="javascript:alert(1)")))

    assert response.status_code == 422
    assert response.json()["rejected"][0]["reason"].startswith("url: not an http(s) URL")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": "another key entirely, not ours!"}, "does not match"),
        ({"timestamp": NOW - 301}, "away from the server's clock"),
        ({"timestamp": NOW + 301}, "away from the server's clock"),
        ({"headers": {SIGNATURE_HEADER: "v1=abc"}}, "no sha256= entry"),
        ({"headers": {TIMESTAMP_HEADER: "yesterday"}}, "whole epoch seconds"),
        ({"headers": {TIMESTAMP_HEADER: ""}}, "are required"),
    ],
)
def test_ingest_refuses_a_bad_signature_with_401(
    node: Node, change: dict[str, Any], message: str
) -> None:
    response = node.post(encode(post(1)), **change)

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert message in error["message"]
    assert stored_ids(node.store) == []
    assert node.store.list_rejects() == []


def test_ingest_refuses_a_body_changed_after_signing(node: Node) -> None:
    body = encode(post(1))
    headers = {
        TIMESTAMP_HEADER: str(int(NOW)),
        SIGNATURE_HEADER: sign(body, int(NOW), KEY.encode()),
    }
    tampered = body.replace(b"great", b"awful")

    response = node.client.post(
        "/api/ingest/crm",
        content=tampered,
        headers={"Content-Type": "application/json", **headers},
    )

    assert response.status_code == 401


def test_ingest_accepts_either_key_while_rotating(node: Node) -> None:
    body = encode(post(1))
    rotating = ", ".join(
        [
            sign(body, int(NOW), b"the old key, being retired......"),
            sign(body, int(NOW), KEY.encode()),
        ]
    )

    response = node.post(body, headers={SIGNATURE_HEADER: rotating})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field", "message"),
    [
        (b"{not json", "application/json", 400, "body", "not JSON"),
        (b"[1, 2]", "application/json", 400, "body", "got array"),
        (b'{"items": {"id": 1}}', "application/json", 400, "items", "must be a list"),
        (b'{"items": []}', "application/json", 400, "body", "no items"),
        (b"\n\n", "application/x-ndjson", 400, "body", "no items"),
        (b"id=1", "application/x-www-form-urlencoded", 415, "headers", "not accepted"),
    ],
)
def test_ingest_refuses_a_malformed_body(
    node: Node, body: bytes, content_type: str, status: int, field: str, message: str
) -> None:
    response = node.post(body, content_type=content_type)

    assert response.status_code == status
    error = response.json()["error"]
    assert error["field"] == field
    assert message in error["message"]
    assert node.store.list_rejects() == []


def test_ingest_refuses_too_many_items_with_413(node: Node) -> None:
    response = node.post(encode({"items": [post(n) for n in range(201)]}))

    assert response.status_code == 413
    assert response.json()["error"]["message"].startswith("the batch has 201 items; at most 200")
    assert stored_ids(node.store) == []


def test_ingest_refuses_a_body_over_the_limit_with_413(node: Node) -> None:
    response = node.post(encode(post(1, text="acme " * 300)), source="small")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_ingest_unknown_source_is_404(node: Node) -> None:
    response = node.post(encode(post(1)), source="nobody")

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "no webhook source named 'nobody'",
        "field": None,
        "offset": None,
    }


def test_ingest_source_without_its_key_is_503(node: Node) -> None:
    response = node.post(encode(post(1)), source="keyless")

    assert response.status_code == 503
    assert "no usable key" in response.json()["error"]["message"]
    assert "NOT_SET" not in response.text  # the configuration is for the log, not the caller


def test_ingest_is_503_with_retry_after_while_the_pipeline_is_busy(
    tmp_path: Path, model: Enricher
) -> None:
    node, running = start_node(
        tmp_path, ManualClock(NOW), model, max_pending_submissions=1, submit_wait_s=0.2
    )
    try:
        node.store.gate.clear()  # the disk stalls
        first: list[httpx.Response] = []
        sender = threading.Thread(target=lambda: first.append(node.post(encode(post(1)))))
        sender.start()
        assert node.store.entered.wait(timeout=10)

        busy = node.post(encode(post(2)))

        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "5"
        assert busy.json()["error"]["code"] == "unavailable"
        node.store.gate.set()
        sender.join(timeout=20)
        assert first[0].json()["accepted"] == 1
        assert node.post(encode(post(2))).json()["accepted"] == 1
    finally:
        stop_node(node, running)


def test_ingest_resend_after_a_commit_timeout_is_a_duplicate(
    tmp_path: Path, model: Enricher
) -> None:
    node, running = start_node(tmp_path, ManualClock(NOW), model, commit_wait_s=0.2)
    try:
        node.store.gate.clear()
        body = encode({"items": [post(1), post(2)]})

        late = node.post(body)

        assert late.status_code == 503
        assert "not committed in time" in late.json()["error"]["message"]
        node.store.gate.set()
        assert node.store.committed.wait(timeout=10)
        again = node.post(body)
        assert again.json() == {"accepted": 0, "duplicates": 2, "unmatched": 0, "rejected": []}
        assert stored_ids(node.store) == ["webhook:1", "webhook:2"]
    finally:
        stop_node(node, running)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["application/json", "application/x-ndjson"]))
def test_split_body_never_fails_unexpectedly(body: bytes, content_type: str) -> None:
    from signalroom.web.ingest import _RefusedError

    status = 200
    payloads: list[bytes] = []
    try:
        payloads = split_body(body, content_type)
    except _RefusedError as refused:
        status = refused.response.status_code
    assert status == 400 or payloads
    assert all(p.strip() for p in payloads)
