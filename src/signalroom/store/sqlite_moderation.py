"""The SQLite side of moderation: a deployment's rules, and people's verdicts on posts.

Functions over an open connection, called by :class:`~signalroom.store.sqlite.SqliteStore`
inside its own read or write transactions (schema: migration 0006). The post row always
holds the verdict in force; an override row remembers who decided and what the pipeline
had said. A re-check after the rules change never touches a post a person decided.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

import msgspec

from signalroom.errors import ConflictError, NotFoundError, ValidationError
from signalroom.models import (
    MODERATION_VERDICTS,
    RULE_ACTIONS,
    RULE_KINDS,
    EnrichedPost,
    Moderation,
    ModerationOverride,
    ModerationRule,
    ModerationRuleDraft,
    ModerationVerdict,
)
from signalroom.nlp.moderation_rules import normalise_rule_value

MAX_PERSON_CHARS: Final = 80
MAX_NOTE_CHARS: Final = 500
MAX_RULES: Final = 10_000

_strings = msgspec.json.Decoder(tuple[str, ...])
_json = msgspec.json.Encoder()
_RULE_COLUMNS: Final = "id, kind, action, value, created_by, created_at, note"


def _person(value: str, field: str) -> str:
    person = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(person) <= MAX_PERSON_CHARS:
        raise ValidationError(f"must be 1..{MAX_PERSON_CHARS} characters", field=field)
    return person


def _note(value: str) -> str:
    note = value.strip() if isinstance(value, str) else ""
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(f"must be at most {MAX_NOTE_CHARS} characters", field="note")
    return note


def _rule(row: tuple[object, ...]) -> ModerationRule:
    return msgspec.convert(dict(zip(_RULE_COLUMNS.split(", "), row, strict=True)), ModerationRule)


def list_rules(conn: sqlite3.Connection) -> list[ModerationRule]:
    rows = conn.execute(
        f"SELECT {_RULE_COLUMNS} FROM moderation_rules ORDER BY kind, action, value"  # noqa: S608
    ).fetchall()
    return [_rule(row) for row in rows]


def add_rule(conn: sqlite3.Connection, draft: ModerationRuleDraft, now: float) -> ModerationRule:
    if draft.kind not in RULE_KINDS:
        raise ValidationError(f"must be one of {', '.join(RULE_KINDS)}", field="kind")
    if draft.action not in RULE_ACTIONS:
        raise ValidationError(f"must be one of {', '.join(RULE_ACTIONS)}", field="action")
    value = normalise_rule_value(draft.kind, draft.value)
    by = _person(draft.created_by, "created_by")
    note = _note(draft.note)
    (count,) = conn.execute("SELECT count(*) FROM moderation_rules").fetchone()
    if count >= MAX_RULES:
        raise ConflictError(f"a deployment holds at most {MAX_RULES} moderation rules")
    try:
        cursor = conn.execute(
            "INSERT INTO moderation_rules (kind, action, value, note, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (draft.kind, draft.action, value, note, by, now),
        )
    except sqlite3.IntegrityError as err:
        if "UNIQUE" not in str(err):
            raise
        raise ConflictError(
            f"there is already a rule to {draft.action} the {draft.kind} {value!r}"
        ) from err
    rule_id = cursor.lastrowid
    assert rule_id is not None
    return ModerationRule(
        id=rule_id,
        kind=draft.kind,
        action=draft.action,
        value=value,
        created_by=by,
        created_at=now,
        note=note,
    )


def delete_rule(conn: sqlite3.Connection, rule_id: int) -> None:
    if conn.execute("DELETE FROM moderation_rules WHERE id = ?", (rule_id,)).rowcount == 0:
        raise NotFoundError(f"no moderation rule with id {rule_id}")


def set_override(
    conn: sqlite3.Connection,
    post_id: str,
    verdict: ModerationVerdict,
    by: str,
    now: float,
    note: str,
) -> None:
    """A person decides the post's verdict (the first override keeps the model's)."""
    if verdict not in MODERATION_VERDICTS:
        raise ValidationError(f"must be one of {', '.join(MODERATION_VERDICTS)}", field="verdict")
    person, text = _person(by, "by"), _note(note)
    row = conn.execute(
        "SELECT moderation_verdict, moderation_reasons, moderation_score FROM posts WHERE id = ?",
        (post_id,),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no post with id {post_id!r}")
    conn.execute(
        "INSERT INTO moderation_overrides (post_id, verdict, decided_by, decided_at, note, "
        "model_verdict, model_reasons, model_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (post_id) DO UPDATE SET verdict = excluded.verdict, "
        "decided_by = excluded.decided_by, decided_at = excluded.decided_at, note = excluded.note",
        (post_id, verdict, person, now, text, *row),
    )
    reasons = _json.encode([f"decided by {person}" + (f": {text}" if text else "")]).decode()
    conn.execute(
        "UPDATE posts SET moderation_verdict = ?, moderation_reasons = ? WHERE id = ?",
        (verdict, reasons, post_id),
    )


def clear_override(conn: sqlite3.Connection, post_id: str) -> None:
    """Give the post back the verdict the pipeline had given it."""
    row = conn.execute(
        "SELECT model_verdict, model_reasons, model_score FROM moderation_overrides "
        "WHERE post_id = ?",
        (post_id,),
    ).fetchone()
    if row is None:
        if conn.execute("SELECT 1 FROM posts WHERE id = ?", (post_id,)).fetchone() is None:
            raise NotFoundError(f"no post with id {post_id!r}")
        return
    conn.execute("DELETE FROM moderation_overrides WHERE post_id = ?", (post_id,))
    conn.execute(
        "UPDATE posts SET moderation_verdict = ?, moderation_reasons = ?, moderation_score = ? "
        "WHERE id = ?",
        (*row, post_id),
    )


def update_verdicts(
    conn: sqlite3.Connection, changes: Sequence[tuple[str, Moderation]]
) -> list[str]:
    """Store re-checked verdicts; returns the ids whose verdict or reasons changed. Posts a
    person decided keep that decision."""
    changed: list[str] = []
    for post_id, moderation in changes:
        cursor = conn.execute(
            "UPDATE posts SET moderation_verdict = :verdict, moderation_reasons = :reasons, "
            "moderation_score = :score WHERE id = :id "
            "AND (moderation_verdict != :verdict OR moderation_reasons != :reasons) "
            "AND id NOT IN (SELECT post_id FROM moderation_overrides)",
            {
                "verdict": moderation.verdict,
                "reasons": _json.encode(list(moderation.reasons)).decode(),
                "score": moderation.score,
                "id": post_id,
            },
        )
        if cursor.rowcount:
            changed.append(post_id)
    return changed


def attach_overrides(
    conn: sqlite3.Connection, items: list[EnrichedPost], ids_json: bytes
) -> list[EnrichedPost]:
    """``items`` with the overrides of those a person decided (``ids_json``: their ids)."""
    overrides = {
        row[0]: ModerationOverride(
            post_id=row[0],
            verdict=row[1],
            decided_by=row[2],
            decided_at=row[3],
            note=row[4],
            model=Moderation(verdict=row[5], reasons=_strings.decode(row[6]), score=row[7]),
        )
        for row in conn.execute(
            "SELECT post_id, verdict, decided_by, decided_at, note, model_verdict, "
            "model_reasons, model_score FROM moderation_overrides "
            "WHERE post_id IN (SELECT value FROM json_each(?))",
            (ids_json,),
        )
    }
    if not overrides:
        return items
    return [
        msgspec.structs.replace(item, moderation_override=overrides[item.post.id])
        if item.post.id in overrides
        else item
        for item in items
    ]
