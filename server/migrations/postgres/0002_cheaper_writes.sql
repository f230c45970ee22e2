-- Writes that cost what they write, found by importing 10,000 notes (`cargo xtask bench`).
--
-- 1. Keeping the vocabulary costs time in proportion to the notes a statement writes, whatever
--    the size of the base and whatever plan PostgreSQL keeps. 0001 did not, twice:
--
--    - After every statement, inserts included, it removed words no note holds any more with
--      `term = ANY (words)`: each row of `vocabulary` was tested against every word of the
--      statement's rows (hundreds of thousands for a 500-note chunk), so each chunk of an
--      import took longer than the one before, 40 s for the last ones of a 10,000-note import.
--      Only a statement that takes words away can leave a count at zero, and its words are
--      now looked up once each.
--    - After an update, it paired old and new rows by joining the transition tables. PL/pgSQL
--      keeps a trigger's plan for the session, so the plan made for the first, small statement
--      (a nested loop) was used for an import's update of 10,000 notes: 80 s. Set difference
--      (`EXCEPT ALL`, which sorts or hashes, never loops) finds the rows whose words changed.

CREATE OR REPLACE FUNCTION lore_vocabulary_count(delta BIGINT, words TEXT[]) RETURNS void
    LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO vocabulary (term, documents)
    SELECT word, delta * count(*) FROM unnest(words) AS word GROUP BY word ORDER BY word
    ON CONFLICT (term) DO UPDATE SET documents = vocabulary.documents + excluded.documents;
    DELETE FROM vocabulary
    WHERE delta < 0 AND documents <= 0
      AND term IN (SELECT DISTINCT word FROM unnest(words) AS word);
END;

CREATE OR REPLACE FUNCTION lore_vocabulary_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lore_vocabulary_count(-1, ARRAY(
        SELECT unnest(tsvector_to_array(search)) FROM (
            SELECT seq, search FROM deleted EXCEPT ALL SELECT seq, search FROM inserted
        ) AS changed));
    PERFORM lore_vocabulary_count(1, ARRAY(
        SELECT unnest(tsvector_to_array(search)) FROM (
            SELECT seq, search FROM inserted EXCEPT ALL SELECT seq, search FROM deleted
        ) AS changed));
    RETURN NULL;
END $$;

-- 2. A note's search vector is computed when its words change, not on every update. As a
--    generated column it was computed again for every UPDATE of the row, whatever the columns
--    set: moving a note to its new revision or storing new HTML folded and parsed the whole
--    note again. A trigger on the four columns it reads computes the same vector.
ALTER TABLE documents ALTER COLUMN search DROP EXPRESSION;

CREATE FUNCTION lore_document_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector('simple', lore_search_text(NEW.title)), 'A')
        || setweight(to_tsvector('simple', lore_search_text(NEW.search_tags)), 'B')
        || setweight(to_tsvector('simple', lore_search_text(coalesce(NEW.description, ''))), 'C')
        || setweight(to_tsvector('simple', lore_search_text(NEW.body)), 'D');
    RETURN NEW;
END $$;

CREATE TRIGGER documents_search BEFORE INSERT OR UPDATE OF title, search_tags, description, body
    ON documents FOR EACH ROW EXECUTE FUNCTION lore_document_search();

-- 3. Notes, their HTML and their revisions are compressed with LZ4 rather than PostgreSQL's
--    default pglz, which took three times as long to store the same text (65 ms more per 500
--    notes). Older files stay as they are until rewritten; a server built without LZ4 keeps
--    pglz.
DO $$
BEGIN
    ALTER TABLE documents ALTER COLUMN body SET COMPRESSION lz4,
                          ALTER COLUMN html SET COMPRESSION lz4;
    ALTER TABLE revisions ALTER COLUMN source SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no LZ4; notes stay compressed with pglz';
END $$;
