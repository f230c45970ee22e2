-- Two costs of an import's one PostgreSQL process, found by loading the rows of an import of
-- the benchmark's 10,000 notes with `COPY` alone, each change on its own (`cargo xtask bench`;
-- README, "PostgreSQL import"). An import's writes all go through that one process, so what it
-- spends is the import's time.
--
-- 1. A note's Markdown, HTML and plain text and a revision's file are stored as they are, out
--    of line, instead of compressed with LZ4 (0002, 0009): storing them took 1.30 s instead of
--    0.99 s. LZ4 kept a quarter of their bytes (62% of the HTML, 76% of the rest); SQLite,
--    the other engine, keeps none, and the same notes take the room they take there. Reading a
--    note no longer decompresses it. Values stored before stay compressed until rewritten.
ALTER TABLE documents ALTER COLUMN body SET STORAGE EXTERNAL,
                      ALTER COLUMN html SET STORAGE EXTERNAL,
                      ALTER COLUMN plain_text SET STORAGE EXTERNAL;
ALTER TABLE revisions ALTER COLUMN source SET STORAGE EXTERNAL;

-- 2. A note written under an id brings back the links a rename had pointed elsewhere (0004):
--    the only links that statement looks for are those whose target is not their reference,
--    a sixth of them in that corpus (the relationships written as paths; a link in the text
--    names its target's id). Indexing only those made storing the links 0.11 s faster of 0.76.
DROP INDEX edges_by_reference;
CREATE INDEX edges_pointed_elsewhere ON edges (target_ref) WHERE target_id <> target_ref;
