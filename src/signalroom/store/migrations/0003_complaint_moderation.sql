-- Complaint flag and moderation verdict of each post (enrichment v2). Posts stored before
-- this migration read as not a complaint and safe, which is what the pipeline said then.
ALTER TABLE posts ADD COLUMN complaint INTEGER NOT NULL DEFAULT 0 CHECK (complaint IN (0, 1));
ALTER TABLE posts ADD COLUMN complaint_score REAL NOT NULL DEFAULT 0.0;
ALTER TABLE posts ADD COLUMN moderation_verdict TEXT NOT NULL DEFAULT 'safe'
    CHECK (moderation_verdict IN ('safe', 'review', 'block'));
ALTER TABLE posts ADD COLUMN moderation_reasons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE posts ADD COLUMN moderation_score REAL NOT NULL DEFAULT 0.0;

-- The "latest complaints" widget lists complaints newest first.
CREATE INDEX posts_complaints_newest ON posts (created_at, id) WHERE complaint = 1;
