-- Key phrases, SimHash fingerprint and near-duplicate group of each post (enrichment v2).
-- keywords: a JSON array of strings, best first. simhash: the 64-bit fingerprint read as a
-- signed two's-complement integer; 0 means none (a text too short, or a post stored before
-- this migration, which therefore never joins a group). dup_group: the id of the first post
-- of the post's near-duplicate group (that first post holds its own id once a copy
-- arrived), NULL when it has none.
ALTER TABLE posts ADD COLUMN keywords TEXT NOT NULL DEFAULT '[]';
ALTER TABLE posts ADD COLUMN simhash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN dup_group TEXT;

-- A group's posts, newest first; most posts have no group, so only grouped ones are indexed.
CREATE INDEX posts_dup_group_newest ON posts (dup_group, created_at, id)
    WHERE dup_group IS NOT NULL;
