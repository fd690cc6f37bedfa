"""The ``signalroom`` command: parse arguments, call the system, render the answer.

Thin on purpose: no logic lives here that a test or the API would also need. Exit codes:
0 success, 1 a failure (the message says what to do next), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from signalroom import __version__
from signalroom.config import Config, StoreConfig, default_data_dir, describe, load_config
from signalroom.errors import ConfigError, QueryError, SignalroomError

Handler = Callable[[argparse.Namespace, TextIO], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return handler(args, sys.stdout)
    except ConfigError as err:
        print(
            f"error: {err}\n(check the setting named above; see docs/configuration.md)",
            file=sys.stderr,
        )
        return 2
    except _UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except SignalroomError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signalroom",
        description="Signalroom: a self-hosted social media command center.",
    )
    parser.add_argument("--version", action="version", version=f"signalroom {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="run the whole system on a generated live scenario (no network needed)"
    )
    _node_options(demo)
    demo.add_argument(
        "--rate", type=float, metavar="POSTS_PER_S", help="generated posts per second (default 20)"
    )
    demo.add_argument("--seed", type=int, metavar="N", help="scenario seed (default 7)")
    demo.add_argument(
        "--no-browser", action="store_true", help="do not open the wall screen in a browser"
    )
    demo.set_defaults(handler=_demo)

    serve = commands.add_parser("serve", help="run the system on the configured sources")
    _node_options(serve)
    serve.set_defaults(handler=_serve)

    query = commands.add_parser(
        "query", help="check a topic query or try it on posts"
    ).add_subparsers(title="query commands", metavar="COMMAND")
    check = query.add_parser("check", help="print a query's normalised form, or its error")
    check.add_argument("query", metavar="QUERY")
    check.set_defaults(handler=_query_check)
    match = query.add_parser("match", help="print true/false per post of a JSONL file")
    match.add_argument("query", metavar="QUERY")
    match.add_argument("posts", metavar="POSTS.jsonl", type=Path)
    match.set_defaults(handler=_query_match)

    rejects = commands.add_parser(
        "rejects", help="items that could not become posts"
    ).add_subparsers(title="rejects commands", metavar="COMMAND")
    rejects_list = rejects.add_parser("list", help="list rejected items, newest first")
    _store_options(rejects_list)
    rejects_list.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    rejects_list.add_argument("--source", help="only this source kind")
    rejects_list.add_argument("--json", action="store_true", help="one JSON object per line")
    rejects_list.set_defaults(handler=_rejects_list)

    topics = commands.add_parser("topics", help="the topics being listened to").add_subparsers(
        title="topics commands", metavar="COMMAND"
    )
    topics_list = topics.add_parser("list", help="list topics")
    _store_options(topics_list)
    topics_list.add_argument("--json", action="store_true", help="one JSON object per line")
    topics_list.set_defaults(handler=_topics_list)

    alerts = commands.add_parser(
        "alerts", help="alerts: list, acknowledge, resolve, and back-test detector settings"
    ).add_subparsers(title="alerts commands", metavar="COMMAND")
    alerts_list = alerts.add_parser("list", help="list alerts, newest change first")
    _store_options(alerts_list)
    alerts_list.add_argument(
        "--state",
        choices=("active", "open", "acknowledged", "resolved", "all"),
        default="active",
        help="which alerts (default: active, i.e. open or acknowledged)",
    )
    alerts_list.add_argument("--topic", metavar="TOPIC", help="only this topic (id or name)")
    alerts_list.add_argument("--limit", type=int, default=50, metavar="N", help="at most N")
    alerts_list.add_argument("--json", action="store_true", help="one JSON object per line")
    alerts_list.set_defaults(handler=_alerts_list)
    for verb, what in (
        ("ack", "acknowledge: escalation stops"),
        ("resolve", "resolve: it is over"),
    ):
        command = alerts.add_parser(verb, help=f"{what}")
        _store_options(command)
        command.add_argument("alert_id", metavar="ALERT_ID")
        command.add_argument("--by", required=True, metavar="NAME", help="who is acting")
        command.add_argument("--note", default="", metavar="TEXT", help="why (kept in the audit)")
        command.set_defaults(handler=_alerts_act, verb=verb)
    backtest = alerts.add_parser(
        "backtest", help="replay stored rollups: how many alerts would a setting have raised?"
    )
    _store_options(backtest)
    backtest.add_argument("--topic", required=True, metavar="TOPIC", help="topic id or name")
    backtest.add_argument(
        "--detector",
        choices=("spike", "sentiment", "keyword"),
        default="spike",
        help="which detector (default spike)",
    )
    backtest.add_argument(
        "--since", default="30d", metavar="WHEN", help="ISO 8601 time or a span ago: 30d, 12h"
    )
    backtest.add_argument("--until", metavar="WHEN", help="ISO 8601 time (default now)")
    backtest.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a detector setting to try (repeatable); others are the topic's current ones",
    )
    backtest.add_argument("--json", action="store_true", help="print one JSON object")
    backtest.set_defaults(handler=_alerts_backtest)

    imports = commands.add_parser(
        "import", help="import posts from a JSONL or CSV file through the pipeline (resumable)"
    )
    _store_options(imports)
    imports.add_argument("file", metavar="FILE", type=Path, help="a .jsonl or .csv file")
    imports.add_argument(
        "--format", choices=("jsonl", "csv"), help="the file's format (default: from its extension)"
    )
    imports.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="CSV: fill a post field from this column (repeatable; see docs/ingest.md)",
    )
    imports.add_argument(
        "--source-name", metavar="NAME", help="checkpoint key (default: file:ABSOLUTE_PATH)"
    )
    imports.add_argument(
        "--restart", action="store_true", help="ignore the checkpoint: read the file from the start"
    )
    imports.set_defaults(handler=_import)

    sources = commands.add_parser(
        "sources", help="the configured sources ([[sources]] in the config file)"
    ).add_subparsers(title="sources commands", metavar="COMMAND")
    sources_list = sources.add_parser(
        "list", help="list the sources: the config file's and those added from the console"
    )
    sources_list.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    sources_list.add_argument(
        "--data-dir", type=Path, metavar="DIR", help="data directory (for sources added there)"
    )
    sources_list.set_defaults(handler=_sources_list)
    sources_test = sources.add_parser(
        "test", help="check at once whether a configured source works, and why not"
    )
    sources_test.add_argument("name", metavar="NAME", help="the source's name")
    sources_test.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    sources_test.add_argument(
        "--data-dir", type=Path, metavar="DIR", help="data directory (for the topics)"
    )
    sources_test.set_defaults(handler=_sources_test)

    corrections = commands.add_parser(
        "corrections", help="people's sentiment corrections"
    ).add_subparsers(title="corrections commands", metavar="COMMAND")
    export = corrections.add_parser(
        "export", help="write corrections as JSONL training data ({text, label, lang, ...})"
    )
    _store_options(export)
    export.add_argument(
        "output", metavar="FILE.jsonl", type=Path, help="where to write; - for stdout"
    )
    export.add_argument(
        "--since", metavar="TIME", help="only corrections made at or after (ISO 8601)"
    )
    export.set_defaults(handler=_corrections_export)

    config = commands.add_parser("config", help="the effective configuration").add_subparsers(
        title="config commands", metavar="COMMAND"
    )
    config_show = config.add_parser("show", help="print the effective configuration as JSON")
    config_show.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    config_show.set_defaults(handler=_config_show)

    evaluate = commands.add_parser(
        "eval", help="score the models on labelled data (see docs/evaluation.md)"
    ).add_subparsers(title="eval commands", metavar="COMMAND")
    for kind, what in (
        ("sentiment", 'lines {"text", "label"[, "lang"]}: macro recall, accuracy, posts/s'),
        ("language", 'lines {"text", "lang"}: accuracy, posts/s'),
        ("moderation", 'lines {"text", "label"} (1 = offensive): macro-F1, accuracy, posts/s'),
        ("complaint", 'lines {"text", "label"} (1 = complaint): macro-F1, accuracy, posts/s'),
    ):
        command = evaluate.add_parser(kind, help=f"{kind} on a JSONL file: {what}")
        command.add_argument("file", metavar="FILE.jsonl", type=Path)
        command.add_argument("--json", action="store_true", help="print one JSON object")
        command.set_defaults(handler=_eval, kind=kind)

    detect = evaluate.add_parser(
        "detect", help="the default spike detector on NAB-format series, NAB-scored"
    )
    detect.add_argument("data_dir", metavar="DATA_DIR", type=Path)
    detect.add_argument("windows", metavar="WINDOWS.json", type=Path)
    detect.add_argument("--json", action="store_true", help="print one JSON object")
    detect.add_argument(
        "--results-dir", type=Path, metavar="DIR", help="also write per-file anomaly scores"
    )
    detect.set_defaults(handler=_eval_detect)

    bench = commands.add_parser("bench", help="measure speed and memory").add_subparsers(
        title="bench commands", metavar="COMMAND"
    )
    bench_pipeline = bench.add_parser(
        "pipeline", help="push N generated posts through the pipeline"
    )
    bench_pipeline.add_argument(
        "--posts", type=int, default=200_000, help="how many (default 200000)"
    )
    bench_pipeline.add_argument("--json", action="store_true", help="print one JSON object")
    bench_pipeline.set_defaults(handler=_bench_pipeline)
    bench_match = bench.add_parser("match", help="match generated posts against N generated topics")
    bench_match.add_argument(
        "--topics", type=int, default=2000, help="how many topics (default 2000)"
    )
    bench_match.add_argument(
        "--posts", type=int, default=20_000, help="how many posts (default 20000)"
    )
    bench_match.add_argument("--json", action="store_true", help="print one JSON object")
    bench_match.set_defaults(handler=_bench_match)
    return parser


def _node_options(parser: argparse.ArgumentParser) -> None:
    _store_options(parser)
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, metavar="N", help="port of the console and screens (default 8765)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", help="TOML configuration file")
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help="where the database lives")


def _config(args: argparse.Namespace, base: Config | None = None, **extra: Any) -> Config:
    overrides: dict[str, Any] = {"store.data_dir": getattr(args, "data_dir", None)}
    overrides["web.host"] = getattr(args, "host", None)
    overrides["web.port"] = getattr(args, "port", None)
    overrides.update(extra)
    return load_config(getattr(args, "config", None), overrides=overrides, base=base)


def _run_node(config: Config, demo: bool, open_browser: bool, out: TextIO) -> int:
    from signalroom.service import NodeUrls, run_node

    def ready(urls: NodeUrls) -> None:
        print(
            f"Signalroom is live.\n  wall screen: {urls.screen}\n  console:     {urls.console}",
            file=out,
        )
        print(
            f"  data:        {config.store.data_dir}\nPress Ctrl+C to stop.", file=out, flush=True
        )

    try:
        asyncio.run(run_node(config, demo=demo, open_browser=open_browser, on_ready=ready))
    except OSError as err:
        print(
            f"error: cannot start the web server: {err}\n(is the port taken? try --port)",
            file=sys.stderr,
        )
        return 1
    print("Signalroom stopped.", file=out)
    return 0


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    base = Config(store=StoreConfig(data_dir=default_data_dir("demo")))
    config = _config(args, base, **{"demo.rate_per_s": args.rate, "demo.seed": args.seed})
    return _run_node(config, demo=True, open_browser=not args.no_browser, out=out)


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    return _run_node(_config(args), demo=False, open_browser=False, out=out)


def _query_check(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.query import format_query, parse_query

    try:
        print(format_query(parse_query(args.query)), file=out)
    except QueryError as err:
        print(f"error: {err.message} at {err.offset}", file=out)
        return 1
    return 0


def _query_match(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.query import compile_query, match_json_line, parse_query

    try:
        compiled = compile_query(parse_query(args.query))
    except QueryError as err:
        print(f"error: {err.message} at {err.offset}", file=out)
        return 1
    try:
        with args.posts.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.strip():
                    print(match_json_line(compiled, line), file=out)
    except OSError as err:
        print(f"error: cannot read {args.posts}: {err.strerror}", file=sys.stderr)
        return 1
    return 0


def _open_existing_store(config: Config) -> Any:
    from signalroom.service import open_existing_store

    return open_existing_store(config)


def _rejects_list(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.clock import to_iso

    if args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return 2
    store = _open_existing_store(_config(args))
    try:
        rejects = store.list_rejects(limit=args.limit, source=args.source)
    finally:
        store.close()
    for reject in rejects:
        payload = reject.payload.decode("utf-8", errors="replace")
        if args.json:
            row = {
                "id": reject.id,
                "source": reject.source,
                "reason": reject.reason,
                "received_at": to_iso(reject.received_at),
                "payload": payload,
            }
            print(json.dumps(row, ensure_ascii=False), file=out)
        else:
            shown = payload if len(payload) <= 120 else payload[:117] + "..."
            print(
                f"{to_iso(reject.received_at)}  {reject.source:<10} {reject.reason}\n    {shown}",
                file=out,
            )
    if not rejects and not args.json:
        print("no rejected items", file=out)
    return 0


def _corrections_export(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.clock import parse_instant, to_iso

    since = None
    if args.since is not None:
        try:
            since = parse_instant(args.since)
        except ValueError:
            print(f"error: --since: not a time: {args.since!r} (use ISO 8601)", file=sys.stderr)
            return 2
    store = _open_existing_store(_config(args))
    try:
        corrections = store.list_corrections(limit=10_000_000, since=since)
    finally:
        store.close()
    lines = [
        json.dumps(
            {
                "text": "\n".join(part for part in (item.post.title, item.post.text) if part),
                "label": correction.label,
                "lang": item.enrichment.lang,
                "model_label": correction.model_label,
                "corrected_by": correction.corrected_by,
                "corrected_at": to_iso(correction.corrected_at),
                "id": item.post.id,
            },
            ensure_ascii=False,
        )
        for correction, item in corrections
    ]
    if str(args.output) == "-":
        for line in lines:
            print(line, file=out)
    else:
        try:
            args.output.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        except OSError as err:
            print(f"error: cannot write {args.output}: {err.strerror}", file=sys.stderr)
            return 1
        print(f"wrote {len(lines)} corrections to {args.output}", file=out)
    return 0


def _topics_list(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.wire import topic_json

    store = _open_existing_store(_config(args))
    try:
        topics = store.list_topics()
    finally:
        store.close()
    for topic in topics:
        if args.json:
            print(json.dumps(topic_json(topic), ensure_ascii=False), file=out)
        else:
            print(f"{topic.id:>4}  {topic.kind:<10} {topic.name:<24} {topic.query}", file=out)
    return 0


def _when(text: str, now: float, flag: str) -> float:
    from signalroom.clock import parse_instant

    spans = {"m": 60, "h": 3600, "d": 86400}
    value = text.strip().lower()
    if value[-1:] in spans and value[:-1].replace(".", "", 1).isdigit():
        return now - float(value[:-1]) * spans[value[-1]]
    try:
        return parse_instant(text)
    except ValueError:
        raise _UsageError(f"{flag}: not a time: {text!r} (use ISO 8601 or 30d, 12h, 90m)") from None


class _UsageError(SignalroomError):
    """Bad arguments: the command prints the message and exits 2."""


def _topic_id(store: Any, text: str) -> int:
    topics = store.list_topics()
    for topic in topics:
        if str(topic.id) == text.strip() or topic.name.casefold() == text.strip().casefold():
            return int(topic.id)
    names = ", ".join(f"{t.id} {t.name}" for t in topics) or "none"
    raise _UsageError(f"--topic: no topic {text!r} (topics: {names})")


def _alerts_list(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.clock import to_iso
    from signalroom.service import alert_stores

    with alert_stores(_config(args)) as (store, alerts):
        topic = None if args.topic is None else _topic_id(store, args.topic)
        names = {t.id: t.name for t in store.list_topics()}
        state = None if args.state in ("active", "all") else args.state
        active = True if args.state == "active" else None
        records = alerts.list_alerts(
            state=state, active=active, topic_id=topic, limit=max(1, args.limit)
        )
    for record in records:
        alert = record.alert
        if args.json:
            from signalroom.web.alert_wire import alert_json

            print(json.dumps(alert_json(record, names.get(alert.topic_id))), file=out)
            continue
        who = f" by {alert.acknowledged_by}" if alert.acknowledged_by else ""
        print(
            f"{alert.id}  {alert.state}{who}  {alert.severity}  "
            f"{names.get(alert.topic_id, alert.topic_id)}  {alert.detector}  "
            f"opened {to_iso(alert.opened_at)}\n    {alert.latest.reason}",
            file=out,
        )
    if not records and not args.json:
        print(f"No {args.state} alerts.", file=out)
    return 0


def _alerts_act(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.clock import SystemClock
    from signalroom.monitor.engine import AlertEngine
    from signalroom.service import alert_stores, engine_settings

    config = _config(args)
    with alert_stores(config) as (store, alerts):
        engine = AlertEngine(store, alerts, SystemClock(), engine_settings(config))
        act = engine.acknowledge if args.verb == "ack" else engine.resolve
        alert = act(args.alert_id, args.by, args.note)
    print(f"{alert.id}: {alert.state} by {args.by}", file=out)
    return 0


def _alerts_backtest(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.clock import SystemClock, to_iso
    from signalroom.errors import ValidationError
    from signalroom.monitor.backtest import backtest_topic
    from signalroom.monitor.settings import tried_settings
    from signalroom.service import alert_stores, engine_settings

    config = _config(args)
    now = SystemClock().now()
    since = _when(args.since, now, "--since")
    until = now if args.until is None else _when(args.until, now, "--until")
    values: dict[str, Any] = {}
    for pair in args.set:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise _UsageError(f"--set: expected NAME=VALUE, got {pair!r}")
        values[name.strip()] = _setting_value(raw.strip())
    with alert_stores(config) as (store, alerts):
        topic_id = _topic_id(store, args.topic)
        try:
            settings = tried_settings(alerts.list_overrides(topic_id), args.detector, values)
        except ValidationError as err:
            raise _UsageError(f"--set: {err}") from err
        engine = engine_settings(config)
        result = backtest_topic(
            store,
            topic_id,
            args.detector,
            since,
            until,
            settings=settings,
            lateness_s=engine.lateness_s,
            alert_settings=engine.alerts,
        )
    if args.json:
        print(
            json.dumps(
                {
                    "topic_id": topic_id,
                    "detector": args.detector,
                    "since": to_iso(since),
                    "until": to_iso(until),
                    "minutes": result.minutes,
                    "findings": len(result.findings),
                    "distinct_alerts": result.distinct_alerts,
                    "alerts": [
                        {
                            "onset": to_iso(a.onset),
                            "opened_at": to_iso(a.opened_at),
                            "observed": a.observed,
                            "expected": a.expected,
                            "severity": a.severity,
                            "reason": a.reason,
                            "resolved_at": None if a.resolved_at is None else to_iso(a.resolved_at),
                        }
                        for a in result.alerts
                    ],
                }
            ),
            file=out,
        )
        return 0
    print(
        f"{args.detector} on topic {topic_id}, {to_iso(since)} .. {to_iso(until)} "
        f"({result.minutes} minutes): {result.distinct_alerts} alerts "
        f"from {len(result.findings)} findings",
        file=out,
    )
    for a in result.alerts:
        print(f"  {to_iso(a.opened_at)}  {a.severity:<8} {a.reason}", file=out)
    return 0


def _setting_value(raw: str) -> Any:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        raise _UsageError(f"--set: {raw!r} is not a number, true or false") from None


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.errors import SourceError, ValidationError
    from signalroom.nlp import Enricher
    from signalroom.pipeline.importer import format_summary, parse_mapping, run_import
    from signalroom.service import open_store

    config = _config(args)
    try:
        mapping = parse_mapping(args.map)
    except ValidationError as err:
        print(f"error: {err}\n(see docs/ingest.md)", file=sys.stderr)
        return 2
    store = open_store(config)
    try:
        summary = run_import(
            args.file,
            store,
            Enricher.load(config.nlp.expected),
            file_format=args.format,
            mapping=mapping,
            source_name=args.source_name,
            restart=args.restart,
            config=config.pipeline,
            progress=sys.stderr,
        )
    except ValidationError as err:
        print(f"error: {err}\n(see docs/ingest.md)", file=sys.stderr)
        return 2
    except SourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(format_summary(summary), file=out)
    return 0 if summary.complete else 1


def _sources_list(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.service import source_tables
    from signalroom.sources.registry import CONNECTORS, parse_sources

    config = _config(args)
    tables = source_tables(config)
    if not tables:
        print("No sources yet. Add [[sources]] tables to the config file, or add them", file=out)
        print("from the console (see docs/sources.md). Kinds:", file=out)
        for kind, connector in sorted(CONNECTORS.items()):
            print(f"  {kind:<12} {connector.summary}", file=out)
        return 0
    parse_sources(config.sources)  # a bad table in the file is an error here too
    for table, origin in tables:
        try:
            (spec,) = parse_sources([table])
        except ConfigError as err:
            print(f"{table.get('name')!s:<24} {table.get('kind')!s:<12} invalid: {err}", file=out)
            continue
        state = "enabled" if spec.enabled else "disabled"
        where = "config file" if origin == "config" else "added in the console"
        print(f"{spec.name:<24} {spec.kind:<12} {state:<9} {where}", file=out)
    return 0


def _sources_test(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.service import check_source

    result = asyncio.run(check_source(_config(args), args.name))
    print(f"{'ok' if result.ok else 'failed'}: {args.name}: {result.detail}", file=out)
    return 0 if result.ok else 1


def _config_show(args: argparse.Namespace, out: TextIO) -> int:
    print(json.dumps(describe(_config(args)), indent=2), file=out)
    return 0


def _eval(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.evaluation.classify import (
        evaluate_binary,
        evaluate_language,
        evaluate_sentiment,
    )
    from signalroom.evaluation.report import format_report

    kind = args.kind
    if kind == "sentiment":
        result = evaluate_sentiment(args.file)
    elif kind == "language":
        result = evaluate_language(args.file)
    else:
        result = evaluate_binary(args.file, kind)
    print(json.dumps(result) if args.json else format_report(result, kind), file=out)
    return 0


def _eval_detect(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.evaluation.detect import format_detect_report, run_detect

    report = run_detect(args.data_dir, args.windows, args.results_dir)
    if args.json:
        print(json.dumps(dict(report.scores)), file=out)
    else:
        print(format_detect_report(report), file=out)
    return 0


def _bench_pipeline(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.evaluation.bench import run_pipeline_bench

    if args.posts < 1:
        print("error: --posts must be at least 1", file=sys.stderr)
        return 2
    result = run_pipeline_bench(args.posts)
    if args.json:
        print(json.dumps(result), file=out)
    else:
        print(
            f"{result['posts']} posts in {result['seconds']} s: {result['posts_per_s']:.0f} posts/s\n"
            f"stored {result['stored']}, unmatched {result['unmatched']}, rejected {result['rejected']}\n"
            f"ingest-to-stored latency p50 {result['p50_latency_ms']} ms, p99 {result['p99_latency_ms']} ms\n"
            f"peak RSS {result['peak_rss_mb']} MB",
            file=out,
        )
    return 0


def _bench_match(args: argparse.Namespace, out: TextIO) -> int:
    from signalroom.evaluation.match_bench import run_match_bench

    if args.topics < 1 or args.posts < 1:
        print("error: --topics and --posts must be at least 1", file=sys.stderr)
        return 2
    result = run_match_bench(topics=args.topics, posts=args.posts)
    if args.json:
        print(json.dumps(result), file=out)
    else:
        print(
            f"{int(result['topics'])} topics compiled in {result['compile_s']:.2f} s; "
            f"{int(result['posts'])} posts matched at {result['posts_per_s']:.0f} posts/s",
            file=out,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
