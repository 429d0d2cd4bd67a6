-- Storyline schema version 4 (SQLite): entities, quotes, dates and keyphrases (enrichment).
--
-- `entities` holds one row per canonical entity, keyed by (kind, key) where key is the
-- folded canonical name (storyline.enrich.name_key). `entity_aliases` maps every folded
-- surface form seen ("biden", "president joe biden") to entities, for look-ups by name.
-- `article_entities` links articles to entities (the entity page: articles over time,
-- co-occurring entities); events and storylines join through articles once they exist.
-- Counts are computed from article_entities (indexed), so they never drift. Deleting an
-- article deletes what enrichment stored for it.

CREATE TABLE entities (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('person', 'org', 'place', 'other')),
    key      TEXT NOT NULL CHECK (key <> ''),
    name     TEXT NOT NULL,
    UNIQUE (kind, key)
);

CREATE TABLE entity_aliases (
    key       TEXT NOT NULL,
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    alias     TEXT NOT NULL,
    PRIMARY KEY (key, entity_id)
) WITHOUT ROWID;

CREATE INDEX entity_aliases_entity ON entity_aliases (entity_id);

CREATE TABLE article_entities (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    entity_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    mentions   INTEGER NOT NULL CHECK (mentions >= 1),
    first      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, entity_id)
) WITHOUT ROWID;

CREATE INDEX article_entities_entity ON article_entities (entity_id, article_id);

-- One row per enriched article: which recogniser ran, and when (re-enrichment replaces all).
CREATE TABLE article_enrichment (
    article_id  TEXT PRIMARY KEY NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    recogniser  TEXT NOT NULL,
    keyphrases  TEXT NOT NULL DEFAULT '[]',
    enriched_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE quotes (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    speaker    TEXT,
    entity_id  INTEGER REFERENCES entities (id) ON DELETE SET NULL,
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;

CREATE INDEX quotes_entity ON quotes (entity_id) WHERE entity_id IS NOT NULL;

-- Time expressions: `value` is TIMEX3-like ('2024-08-21', '2024-W34', '2024-08', '2024'),
-- '' when a relative expression could not be resolved.
CREATE TABLE article_dates (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    value      TEXT NOT NULL,
    relative   INTEGER NOT NULL CHECK (relative IN (0, 1)),
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;

CREATE INDEX article_dates_value ON article_dates (value) WHERE value <> '';
