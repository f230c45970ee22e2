-- An import's notes come with their search index rows and the vocabulary's counts, built by
-- Lore (`store::postgres::words`) on its own cores instead of by the one backend process that
-- runs the import's statements: folding, parsing and counting 10,000 notes' words took some
-- 6 s of that process. Lore sets `lore.search_words_given` for the statements that write such
-- notes, and writes their rows and counts itself once they are in. Every other write (a save,
-- a rename, notes an import writes again, whose rows the update triggers keep) is still
-- indexed and counted here.
CREATE OR REPLACE FUNCTION lore_search_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('lore.search_words_given', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO search_index (seq, meta, words)
    SELECT seq, meta, lore_words_vector(meta, plain_text)
    FROM (SELECT seq, plain_text, lore_meta_vector(title, search_tags, description) AS meta
          FROM inserted) AS added
    ORDER BY seq;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION lore_vocabulary_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    terms TEXT[];
    deltas BIGINT[];
BEGIN
    IF current_setting('lore.search_words_given', true) = 'on' THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(word ORDER BY word), array_agg(n ORDER BY word) INTO terms, deltas
    FROM (SELECT word, count(*) AS n
          FROM inserted, unnest(tsvector_to_array(inserted.words)) AS word
          GROUP BY word) AS counted;
    PERFORM lore_vocabulary_add(terms, deltas);
    RETURN NULL;
END $$;
