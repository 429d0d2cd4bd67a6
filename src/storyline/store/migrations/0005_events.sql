-- Storyline schema version 5 (SQLite): events, storylines, merges and user corrections.
--
-- `article_events` says which event each clustered article joined (and with what score);
-- `events` and `storylines` hold what pages show (title, date, representative sentence,
-- counts) and are rewritten as clustering goes on. `cluster_merges` records every merge
-- (the periodic merge pass or a user), so nothing disappears silently. `cluster_corrections`
-- keeps user corrections in order; clustering reads them back and obeys them.
-- Deleting an article deletes its assignment.

CREATE TABLE storylines (
    id           TEXT PRIMARY KEY,
    label        TEXT NOT NULL,
    key_entities TEXT NOT NULL DEFAULT '[]',
    first_seen   TEXT,
    last_seen    TEXT,
    events       INTEGER NOT NULL DEFAULT 0,
    articles     INTEGER NOT NULL DEFAULT 0,
    closed       INTEGER NOT NULL DEFAULT 0,
    merged_into  TEXT,
    updated_at   TEXT NOT NULL
);

CREATE INDEX storylines_last_seen ON storylines (last_seen);

CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    storyline_id TEXT,
    title        TEXT NOT NULL,
    event_date   TEXT,
    first_seen   TEXT,
    last_seen    TEXT,
    articles     INTEGER NOT NULL DEFAULT 0,
    languages    TEXT NOT NULL DEFAULT '[]',
    publishers   TEXT NOT NULL DEFAULT '[]',
    closed       INTEGER NOT NULL DEFAULT 0,
    merged_into  TEXT,
    updated_at   TEXT NOT NULL
);

CREATE INDEX events_storyline ON events (storyline_id, event_date);
CREATE INDEX events_last_seen ON events (last_seen);

CREATE TABLE article_events (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    event_id   TEXT NOT NULL,
    score      REAL NOT NULL,
    seq        INTEGER NOT NULL,
    assigned_at TEXT NOT NULL
);

CREATE INDEX article_events_event ON article_events (event_id);
CREATE INDEX article_events_seq ON article_events (seq);

CREATE TABLE cluster_merges (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('event', 'storyline')),
    source  TEXT NOT NULL,
    target  TEXT NOT NULL,
    score   REAL NOT NULL,
    reason  TEXT NOT NULL,
    at      TEXT NOT NULL
);

CREATE TABLE cluster_corrections (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('merge', 'split', 'move')),
    article_id TEXT,
    event_id   TEXT,
    target     TEXT,
    at         TEXT NOT NULL
);
