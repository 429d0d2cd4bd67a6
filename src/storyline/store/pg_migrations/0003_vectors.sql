-- Storyline schema version 3 (PostgreSQL): cached story vectors, as in
-- ../migrations/0003_vectors.sql. `vector` is `dim` little-endian float32 values in a bytea
-- (no pgvector: the application's vector index loads them, exactly as from SQLite).
-- Document frequencies come from the articles' tsvector index (no vocabulary table needed).

CREATE TABLE article_vectors (
    model      TEXT COLLATE "C" NOT NULL CHECK (model <> ''),
    article_id TEXT COLLATE "C" NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    dim        INTEGER NOT NULL CHECK (dim > 0),
    vector     BYTEA NOT NULL CHECK (length(vector) = 4 * dim),
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (model, article_id)
);

CREATE INDEX article_vectors_article ON article_vectors (article_id);
