"""Each kind's settings as the console's editor shows them: every field, in words, with its
default and the docstring written under it; nested tables with their own settings."""

from __future__ import annotations

import msgspec

from signalroom.sources.mastodon import MastodonSettings
from signalroom.sources.registry import CONNECTORS
from signalroom.sources.settings_doc import describe


def test_every_setting_of_every_kind_is_described() -> None:
    for kind, connector in CONNECTORS.items():
        described = describe(connector.settings)
        names = [f.encode_name for f in msgspec.structs.fields(connector.settings)]
        assert [d.name for d in described] == names, kind
        for setting in described:
            assert setting.type, (kind, setting.name)
            msgspec.json.encode(setting.default)  # JSON, for the API


def test_types_defaults_docs_and_nested_tables() -> None:
    by_name = {d.name: d for d in describe(MastodonSettings)}
    instances = by_name["instances"]
    assert (instances.type, instances.required, instances.default) == ("list of tables", True, None)
    nested = {f.name: f for f in instances.fields}
    assert nested["transport"].type == "one of 'sse', 'websocket'"
    assert nested["transport"].default == "sse"
    assert nested["streams"].type == "list of tables"
    assert nested["token"].doc.startswith("Secret reference (`env:NAME` or `file:/path`)")
    backfill = by_name["initial_backfill"]
    assert (backfill.type, backfill.default) == ("whole number", 20)
    assert backfill.doc.startswith("On a first start (no checkpoint)")
    assert by_name["heartbeat_timeout_s"].type == "number"
