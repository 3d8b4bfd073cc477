-- Pseudonyms become stateless (sim/server/pseudonym-codec.ts): each carries its card ID encrypted
-- under a server key, so the pseudonyms table goes. The server's keys, by index (32 random bytes
-- each), created by the first server process to start; the others read the same. Never logged
-- nor exported.

DROP TABLE pseudonyms;

CREATE TABLE server_keys (
    key_index  integer PRIMARY KEY CHECK (key_index BETWEEN 0 AND 255),
    key        bytea NOT NULL CHECK (octet_length(key) = 32),
    created_at bigint NOT NULL
);
