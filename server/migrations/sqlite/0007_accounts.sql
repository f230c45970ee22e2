-- Accounts (#14): who may do what. Everything a replica needs to recognise a user lives here,
-- never in a server's memory, so any replica answers any request and a sign-out, a password or
-- role change or a removal takes effect on the next request, wherever it lands.
--
-- Times are Unix seconds (INTEGER): sessions and tokens are compared with "now" on every
-- request, and a number compares the same way in both engines.

-- Names are lowercase (`[a-z0-9._-]`, checked by the server), so a plain unique key is the whole
-- rule: no collation can make `Ann` and `ann` two accounts. The password is an argon2id PHC
-- string: the parameters travel with the hash, so they can be raised later without a migration.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    created_at INTEGER NOT NULL
);

-- A session is the SHA-256 of a 256-bit random token; the token itself is only ever in the
-- browser's HttpOnly cookie, so a copy of this table signs no one in. `expires_at` slides
-- forward as the session is used (at most one write a day, not one per request).
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- API tokens for scripts: stored as a hash like sessions, with the first and last characters
-- kept so their owner can tell them apart. `last_used_at` is written at most once a minute.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- Failed sign-ins, one row each, counted under `name:<user>` and under `address:<client>`: counted in
-- the database so the limit holds however many replicas an attacker spreads guesses over.
CREATE TABLE sign_in_failures (
    subject TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (subject, failed_at);

-- One-time codes of the set-up links `lore serve` prints while the base has no user (each
-- replica prints its own); the first admin made with one of them removes them all.
CREATE TABLE setup_codes (
    code_hash TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
