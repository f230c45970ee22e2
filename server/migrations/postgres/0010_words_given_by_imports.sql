-- An import's notes come with their search index rows and the vocabulary's counts, built by
-- Lore (`store::postgres::words`) on its own cores instead of by the one backend process that
-- runs the import's statements: folding, parsing and counting 10,000 notes' words took some
-- 6 s of that process. Lore sets `lore.search_words_given` for the statements that write such
-- notes, and writes their rows and counts itself once they are in; the two insert triggers
-- that would build them do not fire meanwhile. Every other write (a save, a rename, notes an
-- import writes again, whose rows the update triggers keep) is still indexed and counted here.
DROP TRIGGER documents_search_after_insert ON documents;
CREATE TRIGGER documents_search_after_insert AFTER INSERT ON documents
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT
    WHEN (current_setting('lore.search_words_given', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION lore_search_after_insert();

DROP TRIGGER search_index_vocabulary_after_insert ON search_index;
CREATE TRIGGER search_index_vocabulary_after_insert AFTER INSERT ON search_index
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT
    WHEN (current_setting('lore.search_words_given', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION lore_vocabulary_after_insert();
