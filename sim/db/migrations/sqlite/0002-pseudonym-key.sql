-- Pseudonyms become stateless (sim/server/pseudonym-codec.ts): each carries its card ID encrypted
-- under a server key, so the pseudonyms table goes. The server's keys, by index (32 random bytes
-- each), created at the first start; never logged nor exported.

DROP TABLE pseudonyms;

CREATE TABLE server_keys (
    key_index  INTEGER PRIMARY KEY CHECK (key_index BETWEEN 0 AND 255),
    key        BLOB NOT NULL CHECK (length(key) = 32),
    created_at INTEGER NOT NULL
) STRICT;
