-- Two costs of an import's one PostgreSQL process, found by loading the rows of an import of
-- the benchmark's 10,000 notes with `COPY` alone, each change on its own (`cargo xtask bench`;
-- README, "PostgreSQL import"). An import's writes all go through that one process, so what it
-- spends is the import's time.
--
-- 1. A note's Markdown, HTML and plain text and a revision's file are stored as they are, out
--    of line, instead of compressed with LZ4 (0002, 0009): storing the corpus's notes and
--    revisions took 1.28-1.32 s compressed and 0.94-0.97 s as they are. LZ4 made them 28%
--    smaller (the HTML 38%, the rest 22-24%): the corpus's base takes 310 MB instead of 266,
--    and 271 MB on SQLite, the other engine, which compresses nothing. Reading a note no longer
--    decompresses it. Values stored before stay compressed until they are written again.
ALTER TABLE documents ALTER COLUMN body SET STORAGE EXTERNAL,
                      ALTER COLUMN html SET STORAGE EXTERNAL,
                      ALTER COLUMN plain_text SET STORAGE EXTERNAL;
ALTER TABLE revisions ALTER COLUMN source SET STORAGE EXTERNAL;

-- 2. A note written under an id brings back the links a rename had pointed elsewhere (0004):
--    the only links that statement looks for are those whose target is not their reference,
--    a sixth of them in that corpus (the relationships written as paths; a link in the text
--    names its target's id). Indexing only those, storing the links took 0.61-0.66 s instead
--    of 0.75-0.77 s.
DROP INDEX edges_by_reference;
CREATE INDEX edges_pointed_elsewhere ON edges (target_ref) WHERE target_id <> target_ref;
