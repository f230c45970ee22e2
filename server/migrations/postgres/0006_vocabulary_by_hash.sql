-- The vocabulary's statement triggers count words where the planner can see how many there are.
--
-- Until now they passed every word of every note changed as one array to
-- `lore_vocabulary_count`, which grouped it inside the function. The planner cannot see an array
-- parameter's size (it guesses ten elements), so it chose to sort: for an import statement of
-- 3,000 notes, 2.9 million words sorted on disk, 2.2 s of the 3.4 s the statement took. Counted
-- in the trigger, over the transition table, they are grouped in a hash (0.8 s), and only the
-- counts, some 30,000 words, go on to be written, in word order as before, so that two writers
-- never wait on each other in a cycle.

-- Adds `counts` (negative for notes gone) to `words`, sorted; a word no note holds any more
-- leaves the vocabulary.
CREATE FUNCTION lore_vocabulary_add(words TEXT[], counts BIGINT[]) RETURNS void
    LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO vocabulary (term, documents)
    SELECT word, n FROM unnest(words, counts) AS counted (word, n) ORDER BY word
    ON CONFLICT (term) DO UPDATE SET documents = vocabulary.documents + excluded.documents;
    -- Joined, and compared in the column's collation, so that each word is found by the
    -- primary key (`term = ANY (words)` reads the whole vocabulary once per word).
    DELETE FROM vocabulary USING unnest(words, counts) AS counted (word, n)
    WHERE counted.n < 0 AND documents <= 0 AND term = counted.word COLLATE "C";
END;

CREATE OR REPLACE FUNCTION lore_vocabulary_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    terms TEXT[];
    deltas BIGINT[];
BEGIN
    SELECT array_agg(word ORDER BY word), array_agg(n ORDER BY word) INTO terms, deltas
    FROM (SELECT word, count(*) AS n
          FROM inserted, unnest(tsvector_to_array(inserted.words)) AS word
          GROUP BY word) AS counted;
    PERFORM lore_vocabulary_add(terms, deltas);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION lore_vocabulary_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    terms TEXT[];
    deltas BIGINT[];
BEGIN
    SELECT array_agg(word ORDER BY word), array_agg(-n ORDER BY word) INTO terms, deltas
    FROM (SELECT word, count(*) AS n
          FROM deleted, unnest(tsvector_to_array(deleted.words)) AS word
          GROUP BY word) AS counted;
    PERFORM lore_vocabulary_add(terms, deltas);
    RETURN NULL;
END $$;

-- Only the notes whose words changed count, and a word a note keeps through an edit nets to zero
-- and is left alone.
CREATE OR REPLACE FUNCTION lore_vocabulary_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    terms TEXT[];
    deltas BIGINT[];
BEGIN
    SELECT array_agg(word ORDER BY word), array_agg(n ORDER BY word) INTO terms, deltas
    FROM (SELECT word, sum(n) AS n
          FROM (SELECT seq, words, 1 AS n FROM (
                    SELECT seq, words FROM inserted EXCEPT ALL SELECT seq, words FROM deleted
                ) AS added
                UNION ALL
                SELECT seq, words, -1 FROM (
                    SELECT seq, words FROM deleted EXCEPT ALL SELECT seq, words FROM inserted
                ) AS removed) AS changed,
               unnest(tsvector_to_array(changed.words)) AS word
          GROUP BY word) AS counted
    WHERE n <> 0;
    PERFORM lore_vocabulary_add(terms, deltas);
    RETURN NULL;
END $$;

DROP FUNCTION lore_vocabulary_count(BIGINT, TEXT[]);

-- Spelling suggestions now come from the vocabulary read whole and kept in memory, by the same
-- rule as SQLite's (2 ms to read 29,000 words; the trigram index took 6-26 ms a misspelled
-- word): the trigram index only slowed every write of a new word.
DROP INDEX vocabulary_by_trigram;
