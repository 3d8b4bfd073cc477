-- Vending machines that upload their sales logs (POST /vending/sales): each proves itself with a
-- token the service keeps only as a SHA-256 hash, as the terminals do.

CREATE TABLE vending_machines (
    id          TEXT PRIMARY KEY,
    token_hash  BLOB NOT NULL
);
