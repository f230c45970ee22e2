-- The full-text index gathers the words of the notes a transaction writes in memory, and writes
-- them out as a segment each time this buffer fills. At FTS5's default of 1 MiB, a 10,000-note
-- import (33 MB of text, every word also indexed by its 2, 3 and 4 letter prefixes) wrote
-- hundreds of small segments and merged them again: 1.9 s of its index work. 32 MiB writes a
-- few large ones: 0.9 s. A write of a few notes never fills it, and the memory is used only
-- while a transaction writes.
INSERT INTO documents_fts (documents_fts, rank) VALUES ('hashsize', 33554432);
