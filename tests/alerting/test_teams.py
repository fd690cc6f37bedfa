"""Teams: names, members, channels kept as secret references, and the signed webhook."""

from __future__ import annotations

import msgspec
import pytest

from signalroom.alerting.teams import Member, SignedWebhook, Team, check_targets
from signalroom.errors import ValidationError


def test_team_delivery_channels_list_apprise_references_then_the_webhook() -> None:
    team = Team(
        name="comms lead",
        members=(Member(name="Bo", contact="+44 20 7946 0000"),),
        channels=("env:SLACK_COMMS", "file:/run/secrets/mail"),
        webhook=SignedWebhook(url="https://hooks.example.test/in", key="env:HOOK_KEY"),
    )
    assert team.delivery_channels == (
        "env:SLACK_COMMS",
        "file:/run/secrets/mail",
        "webhook:comms lead",
    )
    assert Team(name="social").delivery_channels == ()


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Team(name=""), "name"),
        (lambda: Team(name="a/b"), "name"),
        (lambda: Team(name="x", channels=("slack://token-pasted-inline",)), "channels[0]"),
        (lambda: Team(name="x", channels=("env:A", "env:A")), "channels"),
        (lambda: Team(name="x", channels=("env:",)), "channels[0]"),
        (lambda: Member(name=" "), "name"),
        (lambda: SignedWebhook(url="ftp://x", key="env:K"), "url"),
        (lambda: SignedWebhook(url="https://x", key="hunter2"), "key"),
    ],
)
def test_team_refuses_malformed_parts_naming_the_field(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


def test_team_is_validated_when_decoded_from_json() -> None:
    raw = b'{"name": "x", "channels": ["mailto://me:password@example.test"]}'
    with pytest.raises(ValidationError):
        msgspec.json.decode(raw, type=Team)


def test_check_targets_names_an_unknown_team() -> None:
    check_targets(("social",), {"social", "comms"}, "levels[0].targets")
    with pytest.raises(ValidationError, match="unknown team 'legal'"):
        check_targets(("social", "legal"), {"social"}, "levels[1].targets")
