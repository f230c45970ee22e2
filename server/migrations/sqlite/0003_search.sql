-- Full-text search, in the database tier: every replica searches the same index and none
-- rebuilds it.

-- The tags of a document as one line of text, for the index (the `document_tags` rows stay the
-- source of truth; import writes both).
ALTER TABLE documents ADD COLUMN search_tags TEXT NOT NULL DEFAULT '';

UPDATE documents SET search_tags = coalesce(
    (SELECT group_concat(tag, ' ') FROM document_tags t WHERE t.document_id = documents.id), '');

-- An external-content FTS5 index over `documents`: the text is stored once, in `documents`,
-- and snippets are cut from it. Columns in ranking order: title, tags, description, body (the
-- weights are given per query). The body is the Markdown itself, so code blocks are searched
-- too. `unicode61` folds case and, with remove_diacritics 2, accents; prefixes of 2 to 4
-- characters are indexed so search-as-you-type stays fast.
CREATE VIRTUAL TABLE documents_fts USING fts5 (
    title,
    search_tags,
    description,
    body,
    content = 'documents',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

INSERT INTO documents_fts (rowid, title, search_tags, description, body)
SELECT rowid, title, search_tags, coalesce(description, ''), body FROM documents;

-- Keep the index in step with every change to `documents` (FTS5's external-content pattern:
-- an entry is removed by "inserting" a 'delete' command with the old values).
CREATE TRIGGER documents_fts_after_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, search_tags, description, body)
    VALUES (new.rowid, new.title, new.search_tags, coalesce(new.description, ''), new.body);
END;

CREATE TRIGGER documents_fts_after_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, search_tags, description, body)
    VALUES ('delete', old.rowid, old.title, old.search_tags, coalesce(old.description, ''), old.body);
END;

CREATE TRIGGER documents_fts_after_update AFTER UPDATE OF title, search_tags, description, body ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, search_tags, description, body)
    VALUES ('delete', old.rowid, old.title, old.search_tags, coalesce(old.description, ''), old.body);
    INSERT INTO documents_fts (rowid, title, search_tags, description, body)
    VALUES (new.rowid, new.title, new.search_tags, coalesce(new.description, ''), new.body);
END;

-- The index's vocabulary (term, documents, occurrences), for "did you mean" on misspellings.
CREATE VIRTUAL TABLE documents_vocabulary USING fts5vocab (documents_fts, 'row');
