-- A deployment's own moderation rules (block/allow a word, phrase, author or domain) and a
-- person's verdict on single posts. The post row carries the verdict in force (so the
-- screens' "safe only" filter reads one column); an override remembers who decided, when,
-- and what the pipeline had said, so it can be undone. Deleted with its post (retention).
CREATE TABLE moderation_rules (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('word', 'phrase', 'author', 'domain')),
    action TEXT NOT NULL CHECK (action IN ('block', 'allow')),
    value TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 200),
    note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_by TEXT NOT NULL CHECK (length(created_by) BETWEEN 1 AND 80),
    created_at REAL NOT NULL,
    UNIQUE (kind, action, value)
) STRICT;

CREATE TABLE moderation_overrides (
    post_id TEXT NOT NULL PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    verdict TEXT NOT NULL CHECK (verdict IN ('safe', 'review', 'block')),
    decided_by TEXT NOT NULL CHECK (length(decided_by) BETWEEN 1 AND 80),
    decided_at REAL NOT NULL,
    note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    model_verdict TEXT NOT NULL CHECK (model_verdict IN ('safe', 'review', 'block')),
    model_reasons TEXT NOT NULL,
    model_score REAL NOT NULL
) WITHOUT ROWID, STRICT;

-- The review queue lists posts held for a person, newest first.
CREATE INDEX posts_held_newest ON posts (created_at, id) WHERE moderation_verdict != 'safe';
