-- The certification authority: people registered at the desk, the CMP transactions that enrol
-- them, the certificates issued (and revoked), and the latest CRL.

CREATE TABLE registrations (
    reference   TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    -- The one-time secret keys the password-based MAC, so it is kept as typed (the file is 0600
    -- in a 0700 folder); it is erased once the reference has enrolled.
    secret      TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('registered', 'issued', 'enrolled')),
    created_at  INTEGER NOT NULL
);

CREATE TABLE certificates (
    serial      TEXT PRIMARY KEY,          -- lower-case hex, no leading zeros
    reference   TEXT REFERENCES registrations (reference),
    subject     TEXT NOT NULL,
    der         BLOB NOT NULL,
    not_before  INTEGER NOT NULL,          -- ms since the epoch
    not_after   INTEGER NOT NULL,
    -- issued: sent in an ip, confirmation awaited; good: confirmed; revoked.
    status      TEXT NOT NULL CHECK (status IN ('issued', 'good', 'revoked')),
    revoked_at  INTEGER,
    reason      INTEGER                    -- CRLReason (RFC 5280 5.3.1)
);

CREATE TABLE transactions (
    transaction_id  BLOB PRIMARY KEY,
    reference       TEXT NOT NULL REFERENCES registrations (reference),
    state           TEXT NOT NULL CHECK (state IN ('waiting', 'confirmed', 'rejected')),
    -- The senderNonce of the CA's last message: the client's next one must carry it as recipNonce.
    nonce           BLOB NOT NULL,
    serial          TEXT NOT NULL REFERENCES certificates (serial),
    cert_req_id     INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE crl (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    number      INTEGER NOT NULL,
    revocations INTEGER NOT NULL,          -- how many revoked certificates it lists
    this_update INTEGER NOT NULL,
    der         BLOB NOT NULL
);
