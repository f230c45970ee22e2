-- Lore's schema on PostgreSQL: the same tables as SQLite's migrations 0001-0004 reach, written
-- at once, with what PostgreSQL does differently.
--
-- - Full-text search is a weighted `tsvector` column (title A, tags B, description C, body D)
--   with a GIN index, instead of an FTS5 table kept by triggers. Its text is folded the way
--   SQLite's `unicode61 remove_diacritics 2` tokenizer reads a note: lower case, accents
--   removed, anything but letters and digits a separator. Queries are built from the same
--   words (see `store/postgres/search.rs`), so both engines find the same notes.
-- - Spelling suggestions need the words of the index with how many notes hold each (SQLite
--   reads them from fts5vocab): `vocabulary`, kept by statement triggers, searched by trigram
--   (pg_trgm).
-- - `seq` orders notes by when they entered the base, as SQLite's rowid does.
--
-- Run by sqlx under an advisory lock, so replicas that start together migrate once.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- `unaccent` is only STABLE (its dictionary could change); a generated column needs an
-- IMMUTABLE function. Lore never changes the dictionary, so this wrapper says so.
CREATE FUNCTION lore_search_text(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)), '[^[:alnum:]]+', ' ', 'g');

-- A query's lexemes folded the same way (its words are lower case already).
CREATE FUNCTION lore_fold_query(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN public.unaccent('public.unaccent'::regdictionary, $1);

CREATE TABLE lore_instance (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- RFC 3339, UTC: when this database was first initialised.
    created_at TEXT NOT NULL,
    -- Every committed write adds one: replicas compare it to know their caches are current.
    revision BIGINT NOT NULL DEFAULT 0
);

INSERT INTO lore_instance (id, created_at)
VALUES (1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));

CREATE TABLE collections (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- The collection's own front-matter block as written (JSON), so export gives it back.
    front_matter TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    -- Where the file was in the imported tree; export writes it back there.
    source_path TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT,
    author TEXT,
    -- Dates and version exactly as written (`1.0` stays `1.0`).
    created_at TEXT,
    updated_at TEXT,
    version TEXT,
    -- updated_at, else created_at: ISO dates sort correctly as text.
    sort_date TEXT,
    draft BOOLEAN NOT NULL DEFAULT false,
    collection_id TEXT REFERENCES collections (id),
    body TEXT NOT NULL,
    -- How the file around the body looked (JSON, the documents module's Layout).
    layout TEXT NOT NULL,
    -- Rendered once per change, so reading a note never renders Markdown.
    html TEXT NOT NULL,
    headings TEXT NOT NULL,
    render_version BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    search_tags TEXT NOT NULL DEFAULT '',
    -- The revision the note is at; a save names the one it was made on.
    revision BIGINT NOT NULL DEFAULT 0,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', lore_search_text(title)), 'A')
        || setweight(to_tsvector('simple', lore_search_text(search_tags)), 'B')
        || setweight(to_tsvector('simple', lore_search_text(coalesce(description, ''))), 'C')
        || setweight(to_tsvector('simple', lore_search_text(body)), 'D')
    ) STORED
);

CREATE INDEX documents_by_collection ON documents (collection_id);
CREATE INDEX documents_by_sort_date ON documents (sort_date);
CREATE INDEX documents_by_seq ON documents (seq);
CREATE INDEX documents_search ON documents USING gin (search);

CREATE TABLE document_tags (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE ON UPDATE CASCADE,
    position INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (document_id, position)
);

CREATE INDEX document_tags_by_tag ON document_tags (tag);

CREATE TABLE edges (
    source_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('prerequisite', 'successor', 'related', 'link')),
    position INTEGER NOT NULL,
    target_id TEXT NOT NULL,
    -- The reference as written (an id or a relative path like ../networking/http.md).
    target_ref TEXT NOT NULL,
    PRIMARY KEY (source_id, kind, position)
);

CREATE INDEX edges_by_target ON edges (target_id);

-- Every revision of every note, the whole file each time; not tied to `documents` by a key,
-- since the history outlives a note moved to the trash.
CREATE TABLE revisions (
    document_id TEXT NOT NULL,
    number BIGINT NOT NULL,
    source TEXT NOT NULL,
    source_path TEXT NOT NULL,
    author TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (document_id, number)
);

CREATE TABLE deleted_documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source_path TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    deleted_by TEXT NOT NULL
);

CREATE TABLE redirects (
    old_id TEXT PRIMARY KEY,
    new_id TEXT NOT NULL
);
CREATE INDEX redirects_by_new_id ON redirects (new_id);

-- The words of the index and how many notes hold each, for spelling suggestions.
CREATE TABLE vocabulary (
    term TEXT COLLATE "C" PRIMARY KEY,
    documents BIGINT NOT NULL
);
CREATE INDEX vocabulary_by_trigram ON vocabulary USING gin (term gin_trgm_ops);

-- Kept per statement, from the rows it changed: an import of thousands of notes updates each
-- word once, in word order (so two writers never wait on each other in a cycle).
CREATE FUNCTION lore_vocabulary_count(delta BIGINT, words TEXT[]) RETURNS void
    LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO vocabulary (term, documents)
    SELECT word, delta * count(*) FROM unnest(words) AS word GROUP BY word ORDER BY word
    ON CONFLICT (term) DO UPDATE SET documents = vocabulary.documents + excluded.documents;
    DELETE FROM vocabulary WHERE documents <= 0 AND term = ANY (words);
END;

CREATE FUNCTION lore_vocabulary_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lore_vocabulary_count(1, ARRAY(
        SELECT unnest(tsvector_to_array(search)) FROM inserted));
    RETURN NULL;
END $$;

CREATE FUNCTION lore_vocabulary_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lore_vocabulary_count(-1, ARRAY(
        SELECT unnest(tsvector_to_array(search)) FROM deleted));
    RETURN NULL;
END $$;

-- Only the rows whose words changed count: most updates (a revision number, new HTML) leave
-- them alone. (A trigger with transition tables cannot list columns to fire on.)
CREATE FUNCTION lore_vocabulary_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lore_vocabulary_count(-1, ARRAY(
        SELECT unnest(tsvector_to_array(d.search)) FROM deleted d JOIN inserted i USING (seq)
        WHERE d.search IS DISTINCT FROM i.search));
    PERFORM lore_vocabulary_count(1, ARRAY(
        SELECT unnest(tsvector_to_array(i.search)) FROM deleted d JOIN inserted i USING (seq)
        WHERE d.search IS DISTINCT FROM i.search));
    RETURN NULL;
END $$;

CREATE TRIGGER documents_vocabulary_after_insert AFTER INSERT ON documents
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_vocabulary_after_insert();
CREATE TRIGGER documents_vocabulary_after_delete AFTER DELETE ON documents
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_vocabulary_after_delete();
CREATE TRIGGER documents_vocabulary_after_update AFTER UPDATE ON documents
    REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_vocabulary_after_update();
