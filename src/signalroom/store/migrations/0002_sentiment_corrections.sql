-- A person's sentiment verdict on a post. The post row carries the corrected label and
-- score (so filters, pages and rollups read the correction); this table remembers who
-- made it, when, and what the model had said, for display and as training data.
-- Deleted with its post (retention): export corrections before they age out.
CREATE TABLE sentiment_corrections (
    post_id TEXT NOT NULL PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    label TEXT NOT NULL CHECK (label IN ('negative', 'neutral', 'positive')),
    corrected_by TEXT NOT NULL CHECK (length(corrected_by) BETWEEN 1 AND 80),
    corrected_at REAL NOT NULL,
    model_label TEXT NOT NULL CHECK (model_label IN ('negative', 'neutral', 'positive')),
    model_score REAL NOT NULL
) WITHOUT ROWID, STRICT;

CREATE INDEX sentiment_corrections_at ON sentiment_corrections (corrected_at, post_id);
