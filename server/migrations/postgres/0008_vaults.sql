-- Obsidian vaults (#15).
--
-- A wikilink names a note by its file name, in any case: `[[load balancer]]` is
-- `networking/Load Balancer.md`. `name_key` is that name without `.md`, lower-cased by Lore
-- (Unicode lower case, on which the two engines' `lower()` do not agree) and written with each
-- note, so a save looks up the notes its wikilinks name through this index instead of reading
-- every path. Notes stored before this migration get theirs when Lore starts.
ALTER TABLE documents ADD COLUMN name_key TEXT;
CREATE INDEX documents_by_name_key ON documents (name_key);

-- A note in the trash keeps its layout (which records the dialect it is written in, see
-- `Layout::flavor`), so it reads as before once restored. Trashed before this migration: '',
-- read as plain Markdown, as it was.
ALTER TABLE deleted_documents ADD COLUMN layout TEXT NOT NULL DEFAULT '';
