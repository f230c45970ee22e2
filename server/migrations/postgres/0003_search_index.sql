-- Search reads a narrow table of its own, so a query touches only as much as it finds.
--
-- In 0001 each note's word list was a column of `documents`, whose rows also hold the note's
-- text and HTML: about five rows to a page. A search for a common word visited the rows of
-- every note holding it (2,000 pages for a word in 3,000 of 10,000 notes) only to learn their
-- order, and telling the tiers apart (every word in the title, the tags, the description)
-- unpacked each note's whole word list, 5 KB on average: 50-100 ms for one query.
--
-- `search_index` holds a row per note: its key, `meta` (the words of its title, tags and
-- description, weighted A, B, C; small enough to stay in the row) and `words` (those and the
-- body's, weighted D, kept out of line). About 200 rows fit a page, so the notes holding any
-- word are found and ordered by reading a few dozen pages; tiers are asked of `meta`; only the
-- few notes a page shows have their whole word list read, to score them.
--
-- `documents` keeps it in step with statement triggers, so an import of thousands of notes
-- fills it, and counts its vocabulary, in a few statements.

DROP TRIGGER documents_vocabulary_after_insert ON documents;
DROP TRIGGER documents_vocabulary_after_delete ON documents;
DROP TRIGGER documents_vocabulary_after_update ON documents;
DROP TRIGGER documents_search ON documents;
DROP FUNCTION lore_document_search();

-- Snippets mark the words of a note's own text that the query matched, so `ts_headline` must
-- read them folded as the index holds them: unaccented, then lower case.
CREATE TEXT SEARCH CONFIGURATION lore_headline (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION lore_headline
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH public.unaccent, pg_catalog.simple;

CREATE TABLE search_index (
    seq BIGINT PRIMARY KEY,
    meta tsvector NOT NULL,
    words tsvector NOT NULL
);
ALTER TABLE search_index ALTER COLUMN words SET STORAGE EXTERNAL;
CREATE INDEX search_index_meta ON search_index USING gin (meta);
CREATE INDEX search_index_words ON search_index USING gin (words);

-- The title, tags and description's words, folded as the query is.
CREATE FUNCTION lore_meta_vector(title text, tags text, description text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN setweight(to_tsvector('simple', lore_search_text(coalesce(title, ''))), 'A')
        || setweight(to_tsvector('simple', lore_search_text(coalesce(tags, ''))), 'B')
        || setweight(to_tsvector('simple', lore_search_text(coalesce(description, ''))), 'C');

-- Those and the body's.
CREATE FUNCTION lore_words_vector(meta tsvector, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN meta || setweight(to_tsvector('simple', lore_search_text(coalesce(body, ''))), 'D');

CREATE FUNCTION lore_search_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_index (seq, meta, words)
    SELECT seq, meta, lore_words_vector(meta, body)
    FROM (SELECT seq, body, lore_meta_vector(title, search_tags, description) AS meta
          FROM inserted) AS added
    ORDER BY seq;
    RETURN NULL;
END $$;

-- Only notes whose searched text changed (most updates move a revision number or store HTML).
-- Found by set difference, never by joining the transition tables: PL/pgSQL keeps a trigger's
-- plan for the session, and a join planned for a small first statement loops on a large one.
CREATE FUNCTION lore_search_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_index s
    SET meta = changed.meta, words = lore_words_vector(changed.meta, changed.body)
    FROM (SELECT seq, body, lore_meta_vector(title, search_tags, description) AS meta
          FROM (SELECT seq, title, search_tags, description, body FROM inserted
                EXCEPT ALL
                SELECT seq, title, search_tags, description, body FROM deleted) AS new_text
         ) AS changed
    WHERE s.seq = changed.seq;
    RETURN NULL;
END $$;

CREATE FUNCTION lore_search_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_index WHERE seq IN (SELECT seq FROM deleted);
    RETURN NULL;
END $$;

CREATE TRIGGER documents_search_after_insert AFTER INSERT ON documents
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_search_after_insert();
CREATE TRIGGER documents_search_after_update AFTER UPDATE ON documents
    REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_search_after_update();
CREATE TRIGGER documents_search_after_delete AFTER DELETE ON documents
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_search_after_delete();

-- The notes stored so far (their words are counted in `vocabulary` already).
INSERT INTO search_index (seq, meta, words)
SELECT seq, meta, lore_words_vector(meta, body)
FROM (SELECT seq, body, lore_meta_vector(title, search_tags, description) AS meta
      FROM documents) AS stored;

ALTER TABLE documents DROP COLUMN search;

-- The vocabulary now counts the words of `search_index`.
CREATE OR REPLACE FUNCTION lore_vocabulary_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lore_vocabulary_count(1, ARRAY(
        SELECT unnest(tsvector_to_array(words)) FROM inserted));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION lore_vocabulary_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lore_vocabulary_count(-1, ARRAY(
        SELECT unnest(tsvector_to_array(words)) FROM deleted));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION lore_vocabulary_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lore_vocabulary_count(-1, ARRAY(
        SELECT unnest(tsvector_to_array(words)) FROM (
            SELECT seq, words FROM deleted EXCEPT ALL SELECT seq, words FROM inserted
        ) AS changed));
    PERFORM lore_vocabulary_count(1, ARRAY(
        SELECT unnest(tsvector_to_array(words)) FROM (
            SELECT seq, words FROM inserted EXCEPT ALL SELECT seq, words FROM deleted
        ) AS changed));
    RETURN NULL;
END $$;

CREATE TRIGGER search_index_vocabulary_after_insert AFTER INSERT ON search_index
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_vocabulary_after_insert();
CREATE TRIGGER search_index_vocabulary_after_delete AFTER DELETE ON search_index
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_vocabulary_after_delete();
CREATE TRIGGER search_index_vocabulary_after_update AFTER UPDATE ON search_index
    REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION lore_vocabulary_after_update();
