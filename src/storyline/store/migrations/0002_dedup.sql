-- Storyline schema version 2 (SQLite): duplicates, syndication and revisions.
--
-- The near-duplicate index is MinHash LSH (Broder 1997; banding as in Leskovec, Rajaraman
-- and Ullman, Mining of Massive Datasets, ch. 3) kept in tables, so it survives restarts and
-- grows one article at a time: `dedup_fingerprints` holds one row per article (its
-- signatures), `dedup_bands` one row per (band bucket, article). A check is one indexed
-- lookup of the new article's band buckets. See docs/dedup.md.

-- One row per fingerprinted article; `fp` is the order articles were seen in.
-- No foreign key to articles: the index can be filled on its own (benchmarks, batch runs);
-- the trigger below removes an article's row when the article is deleted.
CREATE TABLE dedup_fingerprints (
    fp            INTEGER PRIMARY KEY,
    article_id    TEXT NOT NULL UNIQUE CHECK (article_id <> ''),
    source_id     TEXT,
    url_key       TEXT,
    canonical_key TEXT,
    text_hash     TEXT,
    tokens        INTEGER NOT NULL,
    shingles      INTEGER NOT NULL,
    signature     BLOB,
    facts         INTEGER NOT NULL,
    fact_sketch   BLOB,
    title_key     TEXT NOT NULL,
    published     TEXT,
    seen          TEXT NOT NULL,
    group_id      TEXT NOT NULL,
    wire          TEXT,
    wire_source   INTEGER NOT NULL DEFAULT 0 CHECK (wire_source IN (0, 1))
);

CREATE INDEX dedup_fingerprints_url ON dedup_fingerprints (url_key) WHERE url_key IS NOT NULL;
CREATE INDEX dedup_fingerprints_canonical ON dedup_fingerprints (canonical_key)
    WHERE canonical_key IS NOT NULL;
CREATE INDEX dedup_fingerprints_text ON dedup_fingerprints (text_hash)
    WHERE text_hash IS NOT NULL;
CREATE INDEX dedup_fingerprints_group ON dedup_fingerprints (group_id);

-- LSH buckets: `bucket` is a 64-bit hash of (band number, the band's MinHash values).
-- Rows of a deleted fingerprint may linger; lookups join dedup_fingerprints and skip them.
CREATE TABLE dedup_bands (
    bucket INTEGER NOT NULL,
    fp     INTEGER NOT NULL,
    PRIMARY KEY (bucket, fp)
) WITHOUT ROWID;

-- Matches found when an article was checked (best first), with the score and the signal
-- that decided them: what `storyline dedup explain` shows, and what per-user scopes re-read.
CREATE TABLE dedup_matches (
    article_id TEXT NOT NULL,
    other_id   TEXT NOT NULL,
    score      REAL NOT NULL,
    signal     TEXT NOT NULL,
    PRIMARY KEY (article_id, other_id)
) WITHOUT ROWID;

CREATE INDEX dedup_matches_other ON dedup_matches (other_id);

-- Versions of an article edited at the same URL (revisions), version 1 the first seen.
CREATE TABLE article_versions (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL CHECK (version >= 1),
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    url        TEXT,
    published  TEXT,
    seen       TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
) WITHOUT ROWID;

-- Dedup scope per user ('' = the local user) and source ('' = the default for all sources).
CREATE TABLE dedup_scope (
    user_id   TEXT NOT NULL DEFAULT '',
    source_id TEXT NOT NULL DEFAULT '',
    mode      TEXT NOT NULL CHECK (mode IN ('global', 'category', 'off')),
    PRIMARY KEY (user_id, source_id)
) WITHOUT ROWID;

-- Settings of the index itself (the fingerprint scheme it was built with).
CREATE TABLE dedup_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER dedup_article_delete AFTER DELETE ON articles BEGIN
    DELETE FROM dedup_fingerprints WHERE article_id = old.id;
    DELETE FROM dedup_matches WHERE article_id = old.id OR other_id = old.id;
END;
