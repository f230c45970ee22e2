-- Editing: every save is a revision, deleted notes go to a trash, renamed ids redirect.

-- The history of every note, one row per save or import. `document_id` follows the note through
-- renames and outlives its deletion, so a note restored from the trash keeps its history.
-- `source` is the whole Markdown file as it was: restoring a revision is importing it again.
CREATE TABLE revisions (
    document_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_path TEXT NOT NULL,
    author TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (document_id, number)
);

-- The revision a note is at: a save names the one it was based on and is refused when it moved.
ALTER TABLE documents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- Documents that existed before this migration get their file as revision 1, so that every
-- note has a history to diff against and restore.
UPDATE documents SET revision = 1;
-- (Their revision rows are written by the server at start-up: only it can turn a stored layout
-- back into the file; see `backfill_revisions`.)

-- Deleted notes. Their content is their last revision; restoring one imports it again.
CREATE TABLE deleted_documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source_path TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    deleted_by TEXT NOT NULL
);

-- Ids that notes were renamed away from, and the id each one is now. Links written with an old
-- id keep working.
CREATE TABLE redirects (
    old_id TEXT PRIMARY KEY,
    new_id TEXT NOT NULL
);
CREATE INDEX redirects_by_new_id ON redirects (new_id);
