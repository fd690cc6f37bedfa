-- Alerting's state: alerts with their evidence and audit trail, silences, teams, escalation
-- policies, the routing table, per-topic detector overrides, per-alert escalation states,
-- the notification outbox, and the monitor's progress marks.
--
-- Structured values (an alert, a policy, a team...) are kept whole as JSON in ``body`` and
-- read back through their msgspec types; the columns beside them exist to be filtered and
-- ordered on. Topic ids are not foreign keys: an alert's history outlives its topic.

CREATE TABLE alerts (
    id TEXT NOT NULL PRIMARY KEY,  -- <fingerprint>-<occurrence>
    fingerprint TEXT NOT NULL,
    occurrence INTEGER NOT NULL CHECK (occurrence >= 1),
    topic_id INTEGER NOT NULL,
    detector TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    updated_at REAL NOT NULL,
    body TEXT NOT NULL,
    evidence TEXT,
    UNIQUE (fingerprint, occurrence)
) STRICT;

CREATE INDEX alerts_newest ON alerts (updated_at, id);
CREATE INDEX alerts_state_newest ON alerts (state, updated_at, id);
CREATE INDEX alerts_topic_newest ON alerts (topic_id, updated_at, id);

CREATE TABLE alert_audit (
    id INTEGER PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('opened', 'updated', 'reopened', 'acknowledged', 'resolved')),
    note TEXT NOT NULL
) STRICT;

CREATE INDEX alert_audit_of ON alert_audit (alert_id, id);

-- One escalation per alert: a re-trigger replaces the state of the previous trigger.
CREATE TABLE escalations (
    alert_id TEXT NOT NULL PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('active', 'stopped', 'exhausted')),
    next_at REAL NOT NULL,
    body TEXT NOT NULL
) WITHOUT ROWID, STRICT;

CREATE INDEX escalations_due ON escalations (next_at, alert_id) WHERE status = 'active';

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,  -- <alert>/<trigger>/<step>/<team>/<channel index>
    alert_id TEXT NOT NULL,
    team TEXT NOT NULL,
    channel TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    ack_url TEXT NOT NULL,
    created_at REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    sent_at REAL
) STRICT;

CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_of_alert ON outbox (alert_id, id);
CREATE INDEX outbox_state ON outbox (state, id);

CREATE TABLE silences (
    id TEXT NOT NULL PRIMARY KEY,
    starts_at REAL NOT NULL,
    ends_at REAL NOT NULL,
    body TEXT NOT NULL
) WITHOUT ROWID, STRICT;

CREATE TABLE teams (
    name TEXT NOT NULL PRIMARY KEY,
    body TEXT NOT NULL
) WITHOUT ROWID, STRICT;

CREATE TABLE escalation_policies (
    name TEXT NOT NULL PRIMARY KEY,
    body TEXT NOT NULL
) WITHOUT ROWID, STRICT;

-- A single row: the routing table is one ordered document.
CREATE TABLE routing (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
) STRICT;

CREATE TABLE detector_overrides (
    topic_id INTEGER NOT NULL,
    detector TEXT NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    settings TEXT NOT NULL,  -- JSON object: setting name -> value
    updated_at REAL NOT NULL,
    PRIMARY KEY (topic_id, detector)
) WITHOUT ROWID, STRICT;

CREATE TABLE monitor_marks (
    name TEXT NOT NULL PRIMARY KEY,
    value REAL NOT NULL
) WITHOUT ROWID, STRICT;
