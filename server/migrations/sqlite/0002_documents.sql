-- The knowledge base: collections, documents, their tags, and the edges between documents.

-- A collection groups documents, like a book or a category. Its id is a slug of its title.
CREATE TABLE collections (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- The collection's own front-matter block as written (JSON list of [key, value]), kept so
    -- that export gives back the file it came from.
    front_matter TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE documents (
    -- A slug: the front matter's `id`, else derived from the file name.
    id TEXT PRIMARY KEY,
    -- Where the file was in the imported tree; export writes it back there, so relative links
    -- between notes keep working.
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
    draft INTEGER NOT NULL DEFAULT 0,
    collection_id TEXT REFERENCES collections (id),
    -- The Markdown body, and how the file around it looked (JSON: syntax, every front-matter
    -- key in order including the ones Lore does not interpret, the nested layout's parts).
    body TEXT NOT NULL,
    layout TEXT NOT NULL,
    -- Rendered once per change, so reading a note never renders Markdown.
    html TEXT NOT NULL,
    headings TEXT NOT NULL,
    -- Which version of the renderer made `html`: when Lore's rendering changes, start-up renders
    -- the older documents again instead of serving stale HTML.
    render_version INTEGER NOT NULL,
    -- SHA-256 of the imported file: re-importing an unchanged file touches nothing.
    content_hash TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE INDEX documents_by_collection ON documents (collection_id);
CREATE INDEX documents_by_sort_date ON documents (sort_date);

CREATE TABLE document_tags (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (document_id, position)
);

CREATE INDEX document_tags_by_tag ON document_tags (tag);

-- Relationships from front matter and links from bodies. `target_id` need not name an existing
-- document: targets that do not exist are the wanted pages, kept rather than dropped.
CREATE TABLE edges (
    source_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('prerequisite', 'successor', 'related', 'link')),
    position INTEGER NOT NULL,
    target_id TEXT NOT NULL,
    -- The reference as written (an id or a relative path like ../networking/http.md).
    target_ref TEXT NOT NULL,
    PRIMARY KEY (source_id, kind, position)
);

CREATE INDEX edges_by_target ON edges (target_id);

-- Bumped by every write to the knowledge base. Replicas compare it to decide whether the
-- responses they cache are still current (see server/src/cache.rs).
ALTER TABLE lore_instance ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
