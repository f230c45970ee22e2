-- Search reads a note as its reader sees it, and finds the note whose title is the query.
--
-- `plain_text` is the note's text without Markdown syntax, URLs or raw HTML (the renderer
-- makes it beside the HTML). `search_index` held the Markdown's words, so URLs' words matched,
-- and snippets were cut from the Markdown: `[reverse proxy](proxy.md)` where the page shows
-- "reverse proxy". Until a note is rendered again (Lore does that at start-up for every note an
-- older renderer made), its plain text is its Markdown, as before, so the index stays right.
ALTER TABLE documents ADD COLUMN plain_text TEXT NOT NULL DEFAULT '';
UPDATE documents SET plain_text = body;

CREATE OR REPLACE FUNCTION lore_search_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_index (seq, meta, words)
    SELECT seq, meta, lore_words_vector(meta, plain_text)
    FROM (SELECT seq, plain_text, lore_meta_vector(title, search_tags, description) AS meta
          FROM inserted) AS added
    ORDER BY seq;
    RETURN NULL;
END $$;

-- As in 0003: only notes whose searched text changed, found by set difference.
CREATE OR REPLACE FUNCTION lore_search_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_index s
    SET meta = changed.meta, words = lore_words_vector(changed.meta, changed.plain_text)
    FROM (SELECT seq, plain_text, lore_meta_vector(title, search_tags, description) AS meta
          FROM (SELECT seq, title, search_tags, description, plain_text FROM inserted
                EXCEPT ALL
                SELECT seq, title, search_tags, description, plain_text FROM deleted) AS new_text
         ) AS changed
    WHERE s.seq = changed.seq;
    RETURN NULL;
END $$;

-- A note whose title is the query comes first in search: found by its title in lower case.
CREATE INDEX documents_by_title ON documents (lower(title));
