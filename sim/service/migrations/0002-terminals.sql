-- Merchant terminals (the certificate patent's second embodiment): each pays into one merchant
-- account and proves itself with a token the service keeps only as a SHA-256 hash. A transfer a
-- terminal asked for names it; one asked on the web page has none.

CREATE TABLE terminals (
    id          TEXT PRIMARY KEY,
    account     TEXT NOT NULL REFERENCES accounts (number),
    token_hash  BLOB NOT NULL
);

ALTER TABLE transfers ADD COLUMN terminal_id TEXT REFERENCES terminals (id);
