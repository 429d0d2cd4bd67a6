-- Storyline schema version 6 (PostgreSQL): polling state of sources, and feed item identity,
-- as in ../migrations/0006_sources.sql.

CREATE TABLE source_poll (
    source_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    settings   TEXT NOT NULL DEFAULT '{}',
    interval_s DOUBLE PRECISION NOT NULL CHECK (interval_s > 0),
    next_poll  TEXT COLLATE "C",
    failures   INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_ok    TEXT COLLATE "C",
    status     TEXT,
    stored     BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX source_poll_next ON source_poll (next_poll);

CREATE TABLE feed_items (
    source_id  TEXT COLLATE "C" NOT NULL,
    item_key   TEXT COLLATE "C" NOT NULL,
    article_id TEXT COLLATE "C" NOT NULL,
    seen       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (source_id, item_key)
);

CREATE INDEX feed_items_article ON feed_items (article_id);
