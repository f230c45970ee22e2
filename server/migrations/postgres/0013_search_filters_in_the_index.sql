-- A search filtered by tag or collection is answered by the search index itself.
--
-- Until now the notes that pass the filters were read first (a tag's notes mapped to their keys
-- through `documents`: 3 ms for 700 notes), and every tier's matches, gathered from the whole
-- base, were then intersected with them: `index` in one collection of twenty read the 3,454
-- notes holding the word, from 500 pages of `search_index`, to keep 175. Now each note's filters
-- are terms beside its words (`filters`), and each GIN index holds them with the words, so a
-- filtered tier is one index scan that intersects the two lists of keys (that tier: 0.3 ms).
--
-- `lore_search_filters` is the one definition of those terms: `c:` and the collection's id,
-- `t:` and each tag; a value over 256 bytes as `C:` or `T:` and its SHA-256, since a GIN entry
-- must fit in a third of a page. Lore asks it for a search's filters (`store/postgres/search.rs`)
-- and for the notes it writes (`NOTE_FILTERS` in `store/postgres/mod.rs`, after their tags);
-- here, for the notes stored so far. (Stable, not immutable: `convert_to` reads the database's
-- encoding.)
CREATE FUNCTION lore_search_filters(collection TEXT, tags TEXT[]) RETURNS TEXT[]
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN ARRAY(
        SELECT CASE WHEN octet_length(value) <= 256 THEN kind || ':' || value
                    ELSE upper(kind) || ':' || encode(sha256(convert_to(value, 'UTF8')), 'hex')
               END
        FROM (SELECT 'c', collection WHERE collection IS NOT NULL
              UNION ALL
              SELECT 't', tag FROM unnest(tags) AS tag) AS given (kind, value));

ALTER TABLE search_index ADD COLUMN filters TEXT[] NOT NULL DEFAULT '{}';

-- The indexes are made again after the rows are written, not kept up to date through it; and
-- the vocabulary's trigger, which would compare every note's words before and after for a
-- change that leaves them as they were, is off meanwhile.
DROP INDEX search_index_meta;
DROP INDEX search_index_words;
ALTER TABLE search_index DISABLE TRIGGER search_index_vocabulary_after_update;
UPDATE search_index s
SET filters = lore_search_filters(d.collection_id, ARRAY(
    SELECT t.tag FROM document_tags t WHERE t.document_id = d.id ORDER BY t.position))
FROM documents d
WHERE d.seq = s.seq;
ALTER TABLE search_index ENABLE TRIGGER search_index_vocabulary_after_update;

CREATE INDEX search_index_meta ON search_index USING gin (meta, filters);
CREATE INDEX search_index_words ON search_index USING gin (words, filters);
