-- Sources added from the console or the API: each is a [[sources]] table as JSON (the same
-- keys the configuration file takes; secrets only by reference), kept until removed. Sources
-- in the configuration file are not stored here: the file stays theirs.
CREATE TABLE source_tables (
    name TEXT NOT NULL PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    body TEXT NOT NULL CHECK (json_valid(body)),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
) WITHOUT ROWID, STRICT;
