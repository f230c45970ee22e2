-- Search reads a note as its reader sees it, and finds the note whose title is the query.
--
-- `plain_text` is the note's text without Markdown syntax, URLs or raw HTML (the renderer
-- makes it beside the HTML). The full-text index's last column was the Markdown itself, so a
-- snippet showed `[reverse proxy](proxy.md)` where the page shows "reverse proxy", and URLs'
-- words matched. Until a note is rendered again (Lore does that at start-up for every note an
-- older renderer made), its plain text is its Markdown, as before.
ALTER TABLE documents ADD COLUMN plain_text TEXT NOT NULL DEFAULT '';
UPDATE documents SET plain_text = body;

DROP TRIGGER documents_fts_after_insert;
DROP TRIGGER documents_fts_after_delete;
DROP TRIGGER documents_fts_after_update;
DROP TABLE documents_vocabulary;
DROP TABLE documents_fts;

-- As in 0003, with the plain text as the last column.
CREATE VIRTUAL TABLE documents_fts USING fts5 (
    title,
    search_tags,
    description,
    plain_text,
    content = 'documents',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

INSERT INTO documents_fts (rowid, title, search_tags, description, plain_text)
SELECT rowid, title, search_tags, coalesce(description, ''), plain_text FROM documents;

CREATE TRIGGER documents_fts_after_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, search_tags, description, plain_text)
    VALUES (new.rowid, new.title, new.search_tags, coalesce(new.description, ''), new.plain_text);
END;

CREATE TRIGGER documents_fts_after_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, search_tags, description, plain_text)
    VALUES ('delete', old.rowid, old.title, old.search_tags, coalesce(old.description, ''), old.plain_text);
END;

CREATE TRIGGER documents_fts_after_update AFTER UPDATE OF title, search_tags, description, plain_text ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, search_tags, description, plain_text)
    VALUES ('delete', old.rowid, old.title, old.search_tags, coalesce(old.description, ''), old.plain_text);
    INSERT INTO documents_fts (rowid, title, search_tags, description, plain_text)
    VALUES (new.rowid, new.title, new.search_tags, coalesce(new.description, ''), new.plain_text);
END;

CREATE VIRTUAL TABLE documents_vocabulary USING fts5vocab (documents_fts, 'row');

-- A note whose title is the query comes first in search: found by its title in lower case.
CREATE INDEX documents_by_title ON documents (lower(title));
