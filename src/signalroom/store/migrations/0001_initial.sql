-- Signalroom's SQLite schema, version 1.
--
-- Instants are UTC epoch seconds (REAL); rollup buckets are whole epoch seconds (INTEGER).
-- List-valued columns (media, hashtags, mentions, links) hold JSON arrays of strings.
-- The migration runner executes one statement at a time: end every statement at the end
-- of a line.

CREATE TABLE topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a deleted topic's id never comes back
    name TEXT NOT NULL UNIQUE,
    query TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('brand', 'competitor', 'campaign', 'risk')),
    color TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
) STRICT;

CREATE TABLE posts (
    id TEXT NOT NULL PRIMARY KEY,  -- source:native_id
    source TEXT NOT NULL,
    native_id TEXT NOT NULL,
    url TEXT NOT NULL,
    author_handle TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_followers INTEGER NOT NULL,
    text TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    received_at REAL NOT NULL,
    likes INTEGER NOT NULL,
    reposts INTEGER NOT NULL,
    replies INTEGER NOT NULL,
    quotes INTEGER NOT NULL,
    reply_to TEXT,
    quote_of TEXT,
    repost_of TEXT,
    media TEXT NOT NULL,
    lang_hint TEXT,
    lang TEXT NOT NULL,
    lang_confidence REAL NOT NULL,
    sentiment_label TEXT NOT NULL CHECK (sentiment_label IN ('negative', 'neutral', 'positive')),
    sentiment_score REAL NOT NULL,
    hashtags TEXT NOT NULL,
    mentions TEXT NOT NULL,
    links TEXT NOT NULL,
    reach INTEGER NOT NULL,
    model_version TEXT NOT NULL
) STRICT;

-- Newest first, and keyset pages on (created_at, id).
CREATE INDEX posts_newest ON posts (created_at, id);
CREATE INDEX posts_sentiment_newest ON posts (sentiment_label, created_at, id);
CREATE INDEX posts_lang_newest ON posts (lang, created_at, id);
CREATE INDEX posts_source_newest ON posts (source, created_at, id);

-- created_at repeats the post's so a topic's posts are listed newest first from the index.
CREATE TABLE post_topics (
    post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (post_id, topic_id)
) WITHOUT ROWID, STRICT;

CREATE INDEX post_topics_newest ON post_topics (topic_id, created_at, post_id);

CREATE TABLE rollups (
    topic_id INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    bucket_start INTEGER NOT NULL,  -- the minute, floored, in epoch seconds
    volume INTEGER NOT NULL,
    negative INTEGER NOT NULL,
    neutral INTEGER NOT NULL,
    positive INTEGER NOT NULL,
    sentiment_sum REAL NOT NULL,
    reach INTEGER NOT NULL,
    PRIMARY KEY (topic_id, bucket_start)
) WITHOUT ROWID, STRICT;

CREATE TABLE rejects (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    payload BLOB NOT NULL,
    received_at REAL NOT NULL
) STRICT;

CREATE INDEX rejects_newest ON rejects (received_at, id);
CREATE INDEX rejects_source_newest ON rejects (source, received_at, id);

CREATE TABLE checkpoints (
    source TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
) STRICT;

-- Row counts kept by the writer in the same transactions, so stats() need not count.
CREATE TABLE tallies (
    name TEXT NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID, STRICT;

INSERT INTO tallies (name, value) VALUES ('posts', 0), ('rejects', 0);
