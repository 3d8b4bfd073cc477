-- The payment server's tables on PostgreSQL: the same records as the SQLite schema, plus what
-- several server processes on one database share: the IND each process holds (TS 33.102 annex
-- C.3.2), the EAP sessions any process may continue, and one sequence of approval numbers.
-- Amounts are whole minor units of at most 12 digits (ISO 8583); currencies are ISO 4217 numeric
-- codes. Times are ms since the epoch.

CREATE TABLE cards (
    card_id    text PRIMARY KEY,
    pan        text NOT NULL UNIQUE,
    holder     text NOT NULL,
    status     text NOT NULL CHECK (status IN ('active', 'blocked')),
    currency   integer NOT NULL CHECK (currency BETWEEN 1 AND 999),
    balance    bigint NOT NULL CHECK (balance BETWEEN 0 AND 999999999999),
    max_amount bigint NOT NULL CHECK (max_amount BETWEEN 0 AND 999999999999)
);

-- Milenage K and OPc (hex) and the SEQ reserved so far by any process (TS 33.102 annex C). The IND
-- is not per card: each process uses the one it holds in nodes.
CREATE TABLE auc (
    card_id text PRIMARY KEY REFERENCES cards (card_id),
    k       text NOT NULL,
    opc     text NOT NULL,
    seq     bigint NOT NULL CHECK (seq >= 0)
);

-- One row per IND a server process has held; a process holds its IND through a session-level
-- advisory lock, which PostgreSQL releases when the process or its connection dies.
CREATE TABLE nodes (
    ind        integer PRIMARY KEY CHECK (ind BETWEEN 0 AND 31),
    node_id    text NOT NULL,
    host       text NOT NULL,
    pid        integer NOT NULL,
    started_at bigint NOT NULL
);

-- Terminals: RADIUS clients by source address.
CREATE TABLE clients (
    address     text PRIMARY KEY,
    secret      text NOT NULL,
    terminal_id text NOT NULL
);

-- Pseudonyms a card may still present (the newest few; ordinal gives their order).
CREATE TABLE pseudonyms (
    pseudonym text PRIMARY KEY,
    card_id   text NOT NULL,
    ordinal   bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX pseudonyms_by_card ON pseudonyms (card_id, ordinal);

-- One re-authentication identity per card, used once.
CREATE TABLE reauth (
    reauth_id  text PRIMARY KEY,
    card_id    text NOT NULL UNIQUE,
    method     integer NOT NULL,
    counter    integer NOT NULL,
    k_encr     text NOT NULL,
    k_aut      text NOT NULL,
    reauth_key text NOT NULL
);

-- A terminal's payment stored before authentication (figure 7), until it is decided.
CREATE TABLE pending (
    txid        text PRIMARY KEY,
    terminal_id text NOT NULL,
    payment     bytea NOT NULL,
    created_at  bigint NOT NULL
);
CREATE INDEX pending_by_age ON pending (created_at);

-- EAP sessions between two requests of an exchange (the snapshot holds session keys: as secret as
-- K). version rises with each step, so that of two processes continuing the same step only one
-- stores its answer.
CREATE TABLE eap_sessions (
    key        text PRIMARY KEY,
    client     text NOT NULL,
    txid       text,
    snapshot   text NOT NULL,
    version    integer NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX eap_sessions_by_client ON eap_sessions (client) WHERE txid IS NOT NULL;
CREATE INDEX eap_sessions_by_txid ON eap_sessions (txid);
CREATE INDEX eap_sessions_by_expiry ON eap_sessions (expires_at);

-- Approval numbers for every process: a sequence hands each number out once (never rolled back).
CREATE SEQUENCE approval_numbers;

-- One row per transaction ID (the primary key makes a decision idempotent). An approval takes the
-- next approval_seq (UNIQUE, kept when the approval is reversed); its six-digit approval number is
-- that sequence modulo a million.
CREATE TABLE ledger (
    txid            text PRIMARY KEY,
    card_id         text NOT NULL,
    payment         bytea NOT NULL,
    amount          bigint NOT NULL CHECK (amount BETWEEN 0 AND 999999999999),
    currency        integer NOT NULL CHECK (currency BETWEEN 1 AND 999),
    response_code   text NOT NULL,
    approval_seq    bigint UNIQUE,
    approval_number text NOT NULL,
    reason          text NOT NULL,
    state           text NOT NULL CHECK (state IN ('provisional', 'final', 'reversed')),
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL,
    ordinal         bigint GENERATED ALWAYS AS IDENTITY,
    CHECK (approval_number = '' OR (approval_seq IS NOT NULL AND approval_number = lpad((approval_seq % 1000000)::text, 6, '0')))
);
CREATE INDEX ledger_provisional ON ledger (created_at) WHERE state = 'provisional';
