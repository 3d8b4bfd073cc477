-- The payment server's tables: the AuC and card registry, terminals, identities, pending payments
-- and the ledger. Amounts are whole minor units of at most 12 digits (ISO 8583); currencies are
-- ISO 4217 numeric codes.

CREATE TABLE cards (
    card_id   TEXT PRIMARY KEY,
    pan       TEXT NOT NULL UNIQUE,
    holder    TEXT NOT NULL,
    status    TEXT NOT NULL CHECK (status IN ('active', 'blocked')),
    currency  INTEGER NOT NULL CHECK (currency BETWEEN 1 AND 999),
    balance   INTEGER NOT NULL CHECK (balance BETWEEN 0 AND 999999999999),
    max_amount INTEGER NOT NULL CHECK (max_amount BETWEEN 0 AND 999999999999)
) STRICT;

-- Milenage K and OPc (hex) and the SEQ reserved so far (TS 33.102 annex C).
CREATE TABLE auc (
    card_id TEXT PRIMARY KEY REFERENCES cards (card_id),
    k       TEXT NOT NULL,
    opc     TEXT NOT NULL,
    seq     INTEGER NOT NULL CHECK (seq >= 0),
    ind     INTEGER NOT NULL CHECK (ind BETWEEN 0 AND 31)
) STRICT;

-- Terminals: RADIUS clients by source address.
CREATE TABLE clients (
    address     TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    terminal_id TEXT NOT NULL
) STRICT;

-- Pseudonyms a card may still present (the newest few; rowid gives their order).
CREATE TABLE pseudonyms (
    pseudonym TEXT PRIMARY KEY,
    card_id   TEXT NOT NULL
) STRICT;
CREATE INDEX pseudonyms_by_card ON pseudonyms (card_id);

-- One re-authentication identity per card, used once.
CREATE TABLE reauth (
    reauth_id  TEXT PRIMARY KEY,
    card_id    TEXT NOT NULL UNIQUE,
    method     INTEGER NOT NULL,
    counter    INTEGER NOT NULL,
    k_encr     TEXT NOT NULL,
    k_aut      TEXT NOT NULL,
    reauth_key TEXT NOT NULL
) STRICT;

-- A terminal's payment stored before authentication (figure 7), until it is decided.
CREATE TABLE pending (
    txid        TEXT PRIMARY KEY,
    terminal_id TEXT NOT NULL,
    payment     BLOB NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX pending_by_age ON pending (created_at);

-- One row per transaction ID (the primary key makes a decision idempotent). An approval takes the
-- next approval_seq (UNIQUE, kept when the approval is reversed); its six-digit approval number is
-- that sequence modulo a million.
CREATE TABLE ledger (
    txid            TEXT PRIMARY KEY,
    card_id         TEXT NOT NULL,
    payment         BLOB NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount BETWEEN 0 AND 999999999999),
    currency        INTEGER NOT NULL CHECK (currency BETWEEN 1 AND 999),
    response_code   TEXT NOT NULL,
    approval_seq    INTEGER UNIQUE,
    approval_number TEXT NOT NULL,
    reason          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('provisional', 'final', 'reversed')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (approval_number = '' OR (approval_seq IS NOT NULL AND approval_number = printf('%06d', approval_seq % 1000000)))
) STRICT;
CREATE INDEX ledger_provisional ON ledger (state) WHERE state = 'provisional';
