"""`signalroom alerts list|ack|resolve|backtest` on a data directory holding a real alert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signalroom.cli import main
from tests.monitor.harness import System, open_system
from tests.monitor.test_engine import burst, run


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A keyword alert on the risk topic, raised by the real engine, then closed."""
    s: System = open_system(tmp_path)
    try:
        s.engine.warm_up()
        run(s, 3)
        burst(s)
        run(s, 3)
    finally:
        s.close()
    return tmp_path


def test_alerts_list_ack_and_resolve(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "list", "--data-dir", str(data_dir), "--json"]) == 0
    (alert,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (alert["state"], alert["detector"], alert["topic_name"]) == (
        "open",
        "keyword",
        "Acme recalls",
    )
    alert_id = alert["id"]

    assert main(["alerts", "ack", alert_id, "--by", "Ana", "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.strip() == f"{alert_id}: acknowledged by Ana"
    assert main(["alerts", "ack", alert_id, "--by", "Ana", "--data-dir", str(data_dir)]) == 1
    assert "already acknowledged" in capsys.readouterr().err

    assert main(["alerts", "list", "--data-dir", str(data_dir)]) == 0
    listed = capsys.readouterr().out
    assert f"{alert_id}  acknowledged by Ana  warning  Acme recalls  keyword" in listed

    args = ["alerts", "resolve", alert_id, "--by", "Ben", "--note", "false alarm"]
    assert main([*args, "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    assert main(["alerts", "list", "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.strip() == "No active alerts."
    assert main(["alerts", "list", "--state", "resolved", "--data-dir", str(data_dir)]) == 0
    assert alert_id in capsys.readouterr().out


def test_alerts_backtest_counts_what_a_setting_would_raise(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["alerts", "backtest", "--data-dir", str(data_dir), "--topic", "acme recalls"]
    since = ["--since", "2023-11-13T00:00:00Z", "--until", "2023-11-15T00:00:00Z"]
    assert main([*base, "--detector", "keyword", *since, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["distinct_alerts"] == 1
    assert found["alerts"][0]["observed"] == 5
    assert main([*base, "--detector", "keyword", *since, "--set", "min_count=50", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["distinct_alerts"] == 0


def test_alerts_backtest_refuses_bad_usage(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["alerts", "backtest", "--data-dir", str(data_dir)]
    assert main([*base, "--topic", "nope"]) == 2
    assert "no topic 'nope'" in capsys.readouterr().err
    assert main([*base, "--topic", "1", "--since", "yesterday"]) == 2
    assert "--since: not a time" in capsys.readouterr().err
    assert main([*base, "--topic", "1", "--detector", "keyword", "--set", "loudness=3"]) == 2
    assert "loudness" in capsys.readouterr().err
