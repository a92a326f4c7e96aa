-- Times are unix milliseconds (BIGINT), as Clerk sends them, so the same
-- queries run unchanged on SQLite and PostgreSQL.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,  -- Clerk user id (user_...)
    email         TEXT,
    first_name    TEXT,
    last_name     TEXT,
    image_url     TEXT,
    role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    plan          TEXT NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro')),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    deleted_at    BIGINT,                     -- tombstone: Clerk deleted the user
    last_event_at BIGINT                      -- timestamp of the last Clerk event applied
);

CREATE INDEX users_email ON users (email);

CREATE TABLE posts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX posts_author_newest ON posts (author_id, created_at DESC, id DESC);
