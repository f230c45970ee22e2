-- Attachments (#15): the images, PDFs, audio and video beside the notes.
--
-- They live in the database, like the notes, so every replica serves every file. A file's
-- bytes are stored once per content (`attachment_blobs`, keyed by their SHA-256), however many
-- paths hold them; `attachments` says which content is at which path. Bytes no path holds any
-- more are deleted by the write that let them go.
CREATE TABLE attachment_blobs (
    hash TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);

CREATE TABLE attachments (
    -- Where the file is in the imported tree, `/`-separated, as export writes it back.
    path TEXT PRIMARY KEY,
    hash TEXT NOT NULL REFERENCES attachment_blobs (hash),
    size INTEGER NOT NULL,
    -- The media type it is served as, from its extension.
    content_type TEXT NOT NULL,
    added_at TEXT NOT NULL
);

CREATE INDEX attachments_by_hash ON attachments (hash);

-- The names each note's links look up (see `store::records`): the files it shows (`name:` and
-- the file name, lower-cased; `missing:` and the reference as written, for one that is not
-- there) and the notes its wikilinks name (`wiki:` and the name). A note is rendered again when
-- a file or a note of a name it looks up arrives, changes or goes; the wanted pages list the
-- missing files.
CREATE TABLE link_names (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE ON UPDATE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (document_id, name)
);

CREATE INDEX link_names_by_name ON link_names (name);
