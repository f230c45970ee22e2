-- A note's search index row is written once per write, filters included.
--
-- Since 0013 a row's `filters` come from the note's tags, which are written after the note: a
-- created note's row was inserted by the insert trigger without its tags, and a save that
-- changed the text and the tags was indexed by the update trigger and then again for its
-- filters. Each version of a row is a new set of GIN entries, one for every word of the note:
-- a long note's save wrote some thousands twice.
--
-- Now:
-- - A new note's row is inserted by Lore once its tags are written (`index_written` in
--   `store/postgres/mod.rs`), or with the words Lore built (an import's, 0010): the insert
--   trigger goes.
-- - A stored note's tags are written before the note, so the update trigger, which indexes
--   the notes whose searched text changed, writes their filters in the same new version.
--   Lore then writes the filters of a stored note whose text did not change but whose tags or
--   collection did (the only write such a note gets), and of no other.
DROP TRIGGER documents_search_after_insert ON documents;
DROP FUNCTION lore_search_after_insert();

CREATE OR REPLACE FUNCTION lore_search_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_index s
    SET meta = changed.meta,
        words = lore_words_vector(changed.meta, changed.plain_text),
        filters = lore_search_filters(changed.collection_id, ARRAY(
            SELECT t.tag FROM document_tags t
            WHERE t.document_id = changed.id ORDER BY t.position))
    FROM (SELECT i.seq, i.id, i.collection_id, i.plain_text,
                 lore_meta_vector(i.title, i.search_tags, i.description) AS meta
          FROM inserted i
          JOIN (SELECT seq, title, search_tags, description, plain_text FROM inserted
                EXCEPT ALL
                SELECT seq, title, search_tags, description, plain_text FROM deleted
               ) AS new_text USING (seq)
         ) AS changed
    WHERE s.seq = changed.seq;
    RETURN NULL;
END $$;
