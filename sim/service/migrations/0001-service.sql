-- The service provider (an online bank): its accounts, and the transfers its customers ask for,
-- each signed by the holder's card before it is performed.

CREATE TABLE accounts (
    number      TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    -- The holder's phone number (E.164, "+8210..."): the card asked to sign, the certificate's tel:.
    phone       TEXT NOT NULL,
    balance     INTEGER NOT NULL CHECK (balance >= 0)   -- KRW
);

CREATE TABLE transfers (
    id              TEXT PRIMARY KEY,
    from_account    TEXT NOT NULL REFERENCES accounts (number),
    to_account      TEXT NOT NULL REFERENCES accounts (number),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    phone           TEXT NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('certificate')),
    -- The canonical transaction history: the exact bytes the card shows and signs.
    history         BLOB NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('awaiting-signature', 'performed', 'refused', 'expired')),
    -- Why it was refused or expired; while awaiting, the last retryable failure.
    reason          TEXT,
    signer_subject  TEXT,
    signer_serial   TEXT,
    -- SHA-256 of the CMS that performed or refused it (never the CMS itself).
    signature_hash  TEXT,
    created_at      INTEGER NOT NULL,   -- ms since the epoch
    expires_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX transfers_awaiting ON transfers (expires_at) WHERE state = 'awaiting-signature';
