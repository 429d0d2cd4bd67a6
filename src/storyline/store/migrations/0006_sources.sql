-- Storyline schema version 6 (SQLite): polling state of sources, and feed item identity.
--
-- source_poll: one row per polled source (feeds): the adaptive interval in seconds, when the
-- next poll is due, errors in a row, the last status line shown to the user, how many
-- articles it brought, and the per-source settings as JSON ({"full_text": "auto", ...}).
--
-- feed_items: every identity key an item of a feed was seen with (its GUID, its URL, its
-- title and day), pointing at the article stored for it. An item whose GUID, URL or title
-- changes still matches on another key, and its new keys are added, so it is not stored twice.

CREATE TABLE source_poll (
    source_id  TEXT PRIMARY KEY NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    settings   TEXT NOT NULL DEFAULT '{}',
    interval_s REAL NOT NULL CHECK (interval_s > 0),
    next_poll  TEXT,
    failures   INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_ok    TEXT,
    status     TEXT,
    stored     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX source_poll_next ON source_poll (next_poll);

CREATE TABLE feed_items (
    source_id  TEXT NOT NULL,
    item_key   TEXT NOT NULL,
    article_id TEXT NOT NULL,
    seen       TEXT NOT NULL,
    PRIMARY KEY (source_id, item_key)
) WITHOUT ROWID;

CREATE INDEX feed_items_article ON feed_items (article_id);
