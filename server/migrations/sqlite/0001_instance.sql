-- The first row Lore writes: proof that this database belongs to a Lore instance and that its
-- schema was migrated. `/api/ready` reads it, so "ready" means "the schema is in place", not
-- merely "a file opened". `id = 1` is enforced so there is only ever one row.
CREATE TABLE lore_instance (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- RFC 3339, UTC: when this database was first initialised.
    created_at TEXT NOT NULL
);

INSERT INTO lore_instance (id, created_at) VALUES (1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
