-- Storyline schema version 1 (SQLite).
--
-- Applied in one transaction by storyline.store.migrate; never edit a released migration,
-- add 0002_....sql instead. Datetimes are ISO-8601 UTC text ("2024-05-01T12:00:00.000000+00:00",
-- always this shape, so text order is time order). Lists and dicts are JSON text.

CREATE TABLE sources (
    id            TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
    kind          TEXT NOT NULL CHECK (kind IN ('feed', 'page', 'file', 'warc')),
    url           TEXT NOT NULL,
    title         TEXT,
    language      TEXT,
    category      TEXT,
    etag          TEXT,
    last_modified TEXT,
    paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    last_polled   TEXT,
    last_error    TEXT
);

-- seq is the insertion order and the full-text index's rowid; id is the stable article id.
-- No foreign key to sources: articles from files and batch inputs may name no stored source.
CREATE TABLE articles (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE CHECK (id <> ''),
    title           TEXT NOT NULL,
    text            TEXT NOT NULL,
    source_id       TEXT,
    url             TEXT,
    canonical_url   TEXT,
    lead            TEXT,
    published       TEXT,
    published_how   TEXT,
    fetched         TEXT,
    author          TEXT,
    site_name       TEXT,
    language        TEXT,
    origin          TEXT,
    credits         TEXT NOT NULL DEFAULT '[]',
    boilerplate     TEXT NOT NULL DEFAULT '[]',
    fingerprints    TEXT NOT NULL DEFAULT '{}',
    duplicate_of    TEXT,
    syndicated_from TEXT,
    entities        TEXT NOT NULL DEFAULT '[]',
    vector_id       INTEGER,
    stored_at       TEXT NOT NULL
);

CREATE INDEX articles_source_seq ON articles (source_id, seq);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_canonical_url ON articles (canonical_url);
CREATE INDEX articles_duplicate_of ON articles (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- Teasers from "Similar news"/"Related" blocks, kept apart from the body text.
CREATE TABLE related_links (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    snippet    TEXT,
    url        TEXT,
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;

CREATE INDEX related_links_url ON related_links (url) WHERE url IS NOT NULL;

-- Full-text index over title and text. External content: the text is stored once, in
-- articles, and the triggers below keep the index in step with it inside the same transaction.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title,
    text,
    content = 'articles',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
    INSERT INTO articles_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
END;

-- Boilerplate learning: per source, how many distinct documents were observed, which ones
-- (so observing a document twice counts once), and per line hash in how many it occurred.
CREATE TABLE line_stat_sources (
    source_id TEXT PRIMARY KEY NOT NULL,
    documents INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE line_stat_documents (
    source_id TEXT NOT NULL,
    doc_key   TEXT NOT NULL,
    PRIMARY KEY (source_id, doc_key)
) WITHOUT ROWID;

CREATE TABLE line_stat_lines (
    source_id TEXT NOT NULL,
    line_hash TEXT NOT NULL,
    documents INTEGER NOT NULL,
    PRIMARY KEY (source_id, line_hash)
) WITHOUT ROWID;
