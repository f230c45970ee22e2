-- Attachments (#15): the images, PDFs, audio and video beside the notes.
--
-- They live in the database, like the notes, so every replica serves every file. A file's
-- bytes are stored once per content (`attachment_blobs`, keyed by their SHA-256), however many
-- paths hold them; `attachments` says which content is at which path. Bytes no path holds any
-- more are deleted by the write that let them go.
CREATE TABLE attachment_blobs (
    hash TEXT PRIMARY KEY,
    bytes BYTEA NOT NULL
);

CREATE TABLE attachments (
    -- Where the file is in the imported tree, `/`-separated, as export writes it back.
    path TEXT PRIMARY KEY,
    hash TEXT NOT NULL REFERENCES attachment_blobs (hash),
    size BIGINT NOT NULL,
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

-- Media are compressed already: PostgreSQL's attempt to compress them again is time lost.
ALTER TABLE attachment_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- 0005 added `plain_text` without giving it the LZ4 compression 0002 gave the other texts of a
-- note; pglz took some 0.7 s of a 10,000-note import's 18 s to store it.
DO $$
BEGIN
    ALTER TABLE documents ALTER COLUMN plain_text SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no LZ4; plain text stays compressed with pglz';
END $$;
