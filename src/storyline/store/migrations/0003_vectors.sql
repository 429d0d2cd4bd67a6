-- Storyline schema version 3 (SQLite): cached story vectors, and the search index's vocabulary.
--
-- One row per article and embedding model: `model` names the model and the text window it
-- embedded (e.g. 'multilingual-e5-small-q4/t64'), so vectors made differently are never
-- mixed. `vector` is `dim` little-endian float32 values (4 * dim bytes), unit length.
-- Deleting an article deletes its vectors.

CREATE TABLE article_vectors (
    model      TEXT NOT NULL CHECK (model <> ''),
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    dim        INTEGER NOT NULL CHECK (dim > 0),
    vector     BLOB NOT NULL CHECK (length(vector) = 4 * dim),
    created_at TEXT NOT NULL,
    PRIMARY KEY (model, article_id)
) WITHOUT ROWID;

CREATE INDEX article_vectors_article ON article_vectors (article_id);

-- Document frequencies of the full-text index's terms (a read-only view FTS5 computes from
-- the index; it stores nothing). The similarity model reads it for BM25's IDF.
CREATE VIRTUAL TABLE articles_fts_vocab USING fts5vocab (articles_fts, 'row');
