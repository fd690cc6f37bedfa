"""The ``signalroom`` command as a user runs it: outputs and exit codes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from signalroom.cli import main
from signalroom.clock import SystemClock
from signalroom.models import Reject
from signalroom.store.base import WriteBatch
from signalroom.store.sqlite import SqliteStore


def test_query_check_prints_the_normalised_form(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "check", "jaguar  OR #Jaguar"]) == 0
    assert capsys.readouterr().out.strip() == "jaguar OR #jaguar"


def test_query_check_prints_the_error_with_its_offset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "check", "autor:jaguar"]) == 1
    assert capsys.readouterr().out.strip() == "error: unknown field 'autor' at 0"


def test_query_match_answers_each_line_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        "\n".join(
            [
                json.dumps({"text": "The new Jaguar ad is great"}),
                "not json",
                json.dumps({"text": "a jaguar at the zoo"}),
                json.dumps(["a list"]),
                json.dumps({"text": "nothing", "title": "Jaguar ad wins award"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert main(["query", "match", "jaguar NEAR/2 ad NOT zoo", str(posts)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "true"
    assert lines[1].startswith("error: ")
    assert lines[2] == "false"
    assert lines[3].startswith("error: ")
    assert lines[4] == "true"


def test_query_match_fails_clearly_on_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "match", "jaguar", str(tmp_path / "nope.jsonl")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_rejects_list_shows_reason_and_payload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SqliteStore.open(tmp_path / "signalroom.db")
    store.write_batch(
        WriteBatch(rejects=(Reject("webhook", "author.handle: missing", b'{"id": "1"}', 1e9),))
    )
    store.close()

    assert main(["rejects", "list", "--data-dir", str(tmp_path), "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["source"] == "webhook"
    assert row["reason"] == "author.handle: missing"
    assert row["payload"] == '{"id": "1"}'

    assert main(["rejects", "list", "--data-dir", str(tmp_path)]) == 0
    assert "author.handle: missing" in capsys.readouterr().out


def test_rejects_list_without_data_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rejects", "list", "--data-dir", str(tmp_path / "none")]) == 1
    assert "no Signalroom data" in capsys.readouterr().err


def test_topics_list_prints_stored_topics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from signalroom.models import TopicDraft

    store = SqliteStore.open(tmp_path / "signalroom.db")
    store.create_topic(TopicDraft(name="Acme", query="acme"), SystemClock().now())
    store.close()
    assert main(["topics", "list", "--data-dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Acme"


def test_config_error_names_the_setting_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "signalroom.toml"
    config.write_text('[web]\nport = "eighty"\n', encoding="utf-8")
    assert main(["config", "show", "--config", str(config)]) == 2
    assert "web.port" in capsys.readouterr().err


def test_config_show_applies_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "signalroom.toml"
    config.write_text("[web]\nport = 9000\n", encoding="utf-8")
    assert main(["config", "show", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out)["web"]["port"] == 9000


def test_wrong_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["query", "check"])
    assert exit_info.value.code == 2
    assert main([]) == 2


def test_bench_pipeline_prints_the_contract_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "pipeline", "--posts", "300", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["posts"] == 300
    assert result["posts_per_s"] > 0
    assert result["p99_latency_ms"] >= result["p50_latency_ms"] > 0
    assert result["peak_rss_mb"] > 0
    assert result["stored"] + result["unmatched"] + result["rejected"] == 300


def test_corrections_export_writes_training_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from signalroom.models import TopicDraft
    from tests.store.builders import T0, make_post

    store = SqliteStore.open(tmp_path / "signalroom.db")
    topic = store.create_topic(TopicDraft(name="Acme", query="acme"), T0)
    store.write_batch(
        WriteBatch(
            posts=(
                make_post("a", topics=(topic.id,), label="negative", text="acme is fine"),
                make_post("b", topics=(topic.id,), label="positive", text="acme again"),
            )
        )
    )
    store.correct_sentiment("demo:a", "neutral", "Ana", now=T0 + 10)
    store.close()

    out = tmp_path / "corrections.jsonl"
    assert main(["corrections", "export", str(out), "--data-dir", str(tmp_path)]) == 0
    assert "wrote 1 corrections" in capsys.readouterr().out
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert row["text"] == "acme is fine"
    assert row["label"] == "neutral"
    assert row["model_label"] == "negative"
    assert row["corrected_by"] == "Ana"
    assert row["lang"] == "en"

    assert main(["corrections", "export", "-", "--data-dir", str(tmp_path), "--since", "x"]) == 2


def test_demo_on_a_taken_port_says_so_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(
            ["demo", "--no-browser", "--port", str(port), "--data-dir", str(tmp_path / "data")]
        )
    assert code == 1
    err = capsys.readouterr().err
    assert "cannot start the web server" in err
    assert "--port" in err
    assert not (tmp_path / "data" / "signalroom.db").exists()  # failed before touching data


SOURCES_TOML = """
[[sources]]
name = "bluesky"
kind = "bluesky"
base_url = "ws://127.0.0.1:{port}"
resolve_profiles = false

[[sources]]
name = "partner"
kind = "webhook"
secret = "env:SIGNALROOM_TEST_PARTNER_KEY"
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sources_list_and_test_say_what_works_and_why_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "signalroom.toml"
    config.write_text(SOURCES_TOML.format(port=_closed_port()), encoding="utf-8")
    data = tmp_path / "data"
    store = SqliteStore.open(data / "signalroom.db")
    table = {"name": "press", "kind": "rss", "feeds": [f"http://127.0.0.1:{_closed_port()}/f"]}
    store.put_source_table("press", table, 1_700_000_000.0)  # added in the console
    store.close()
    assert main(["sources", "list", "--config", str(config), "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "bluesky                  bluesky      enabled   config file",
        "partner                  webhook      enabled   config file",
        "press                    rss          enabled   added in the console",
    ]
    assert main(["sources", "test", "press", "--config", str(config), "--data-dir", str(data)]) == 1
    assert "press" in capsys.readouterr().out

    monkeypatch.delenv("SIGNALROOM_TEST_PARTNER_KEY", raising=False)
    assert main(["sources", "test", "partner", "--config", str(config)]) == 1
    assert "SIGNALROOM_TEST_PARTNER_KEY is not set" in capsys.readouterr().out
    monkeypatch.setenv("SIGNALROOM_TEST_PARTNER_KEY", "k3y")
    assert main(["sources", "test", "partner", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: partner:")
    assert "k3y" not in out

    assert main(["sources", "test", "bluesky", "--config", str(config)]) == 1
    assert "connection refused" in capsys.readouterr().out
    assert main(["sources", "test", "nope", "--config", str(config)]) == 1
    assert "no source named 'nope'" in capsys.readouterr().out


def test_a_bad_sources_table_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "signalroom.toml"
    config.write_text('[[sources]]\nname = "x"\nkind = "myspace"\n', encoding="utf-8")
    assert main(["sources", "list", "--config", str(config)]) == 2
    assert "sources.x.kind" in capsys.readouterr().err
