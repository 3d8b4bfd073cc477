// What the payment server keeps durably, as one small interface that a database engine implements
// (sqlite-storage.ts: SQLite, the embedded default; postgres-storage.ts: PostgreSQL, for several
// server processes on one database). The server's ports (ledger-ports.ts, provision.ts) talk only
// to this, so an engine adds a class, not changes to the server.
//
// Contract for every engine:
// - A promise returned by a write resolves only once the write is committed (durable): an answer
//   built on it may leave the server. Writes that nothing waits for (the pending payment, a new
//   re-authentication identity) are committed no later than the next awaited write.
// - decide() is idempotent by transaction ID through the ledger's primary key; approvals take
//   consecutive sequence numbers under a UNIQUE constraint.
// - Errors that an operator must act on are StorageError with one readable line.

import type { Payment } from "../../src/payment/payment"
import type { PaymentResult } from "../../src/payment/result"

export interface CardRecord {
    cardId: string
    /** The card number: only the server knows it; terminals and logs never see it. */
    pan: string
    holder: string
    status: "active" | "blocked"
    currency: number
    /** Minor units. */
    balance: number
    /** Largest single payment, in minor units. */
    limit: number
}

export interface AucRecord {
    k: string
    opc: string
    /**
     * The highest SEQ_HE (TS 33.102 annex C) reserved so far. Vectors use SEQ values from a block
     * reserved durably ahead, so an SQN is never issued twice, even across a crash, without a
     * write per vector.
     */
    seq: number
    /**
     * IND value this server node uses (annex C.3.2: one IND per issuing node). SQLite keeps it per
     * card (one server per database); PostgreSQL answers the IND the process claimed at start-up.
     */
    ind: number
}

/** A terminal: a RADIUS client known by source address, with its own shared secret. */
export interface ClientRecord {
    address: string
    secret: string
    terminalId: string
}

export type LedgerState = "provisional" | "final" | "reversed"

export interface LedgerRecord {
    txid: string
    cardId: string
    /** The encoded payment, hex. */
    payment: string
    amount: number
    currency: number
    result: PaymentResult
    /** provisional until the card acknowledges the MAC-protected result; then final, or reversed. */
    state: LedgerState
    at: number
}

export interface ReauthRecord {
    cardId: string
    method: number
    counter: number
    kEncr: string
    kAut: string
    reauthKey: string
}

/** One of the server's secret keys (the pseudonym key: sim/server/pseudonym-codec.ts), by index. */
export interface ServerKey {
    index: number
    /** 32 bytes. Never logged. */
    key: Buffer
}

export interface StorageStats {
    /** Commits since open (each one durable write; several payments share one under group commit). */
    commits: number
    /** Writes carried by those commits. */
    writes: number
}

/** The outcome of the rules for one payment on one card: approve, or decline with a result. */
export type Decision = { approve: true } | { approve: false; result: PaymentResult }

/** An EAP session kept in the database between two requests of its exchange. */
export interface SessionRow {
    /** The RADIUS State that names it (hex). */
    key: string
    /** The RADIUS client address that began it (per-terminal limits). */
    client: string
    /** The transaction ID of the payment it carries, or null. */
    txid: string | null
    /** The session's state (ServerSessionSnapshot, encoded by sim/server/session-codec.ts). */
    snapshot: string
    /** Raised by each stored step: a step computed from an older version is refused. */
    version: number
    /** ms since the epoch. */
    expiresAt: number
}

/**
 * EAP sessions in the database, for several server processes on one database: a terminal's next
 * request may reach any process, which continues the session from here. Every write is committed
 * before its promise resolves (before the answer that depends on it leaves).
 */
export interface SessionTable {
    /** Adds a session unless it carries a payment and its client already has `maxWithPayment` such sessions; false when refused. */
    insert(row: SessionRow, maxWithPayment: number): Promise<boolean>
    /** The session, unless unknown or expired at `now`. */
    load(key: string, now: number): Promise<SessionRow | null>
    /** Stores version `version + 1`; false when the stored version is no longer `version` (another process continued or ended it first). */
    update(key: string, version: number, snapshot: string, expiresAt: number): Promise<boolean>
    /** Removes the session only at version `version`; false when another process replaced or removed it first. */
    removeAt(key: string, version: number): Promise<boolean>
    /** Every session of a transaction, expired or not (a retransmitted first request may have begun two). */
    ofTransaction(txid: string): Promise<SessionRow[]>
    /** Removes sessions that expired before `now`; resolves with how many. */
    removeExpired(now: number): Promise<number>
    /**
     * Reverses, in one commit, every provisional approval created before `before` whose exchange
     * has no session left to continue it, restoring its card's balance; resolves with how many.
     */
    reverseAbandoned(before: number, reversal: PaymentResult): Promise<number>
    /**
     * The same rule for one transaction without the wait (a status inquiry: its terminal relays
     * nothing more for it): reverses its approval if still provisional and no session of it is
     * left, restoring the balance, in one commit; resolves with 1, or 0 when nothing was reversed.
     */
    reverseAbandonedPayment(txid: string, reversal: PaymentResult): Promise<number>
    count(): Promise<number>
}

export interface ServerStorage {
    /** Engine name and where its data is, for the start-up banner. */
    readonly description: string
    /**
     * Where EAP sessions live between requests: null when one server process owns the database
     * (SQLite: the gateway keeps them in memory), a table when several processes share it.
     */
    readonly sessions: SessionTable | null

    addCard(card: CardRecord, auc: AucRecord): Promise<void>
    card(cardId: string): Promise<CardRecord | null>
    auc(cardId: string): Promise<AucRecord | null>
    /** The card and its AuC record in one read (each authentication vector needs both). */
    cardWithAuc(cardId: string): Promise<{ card: CardRecord; auc: AucRecord } | null>
    /** Reserves `block` SEQ values for the card; resolves with the first and last once durable. */
    reserveSeq(cardId: string, block: number): Promise<{ next: number; limit: number }>
    /** Raises the card's SEQ to at least `seq` (after a resynchronisation). */
    raiseSeq(cardId: string, seq: number): Promise<void>

    /** Registers a terminal (replacing one at the same address). */
    putClient(client: ClientRecord): Promise<void>
    /** The terminal at a source address. Synchronous: the RADIUS servers ask it per datagram. */
    client(address: string): ClientRecord | null

    /**
     * The server's keys (server_keys), after storing `initial` unless a key is already stored at
     * its index: the first process to start on a database stores its key, and every process, then
     * and later, gets that same one.
     */
    serverKeys(initial: ServerKey): Promise<ServerKey[]>
    /** Reads and removes a re-authentication identity (one use each). */
    takeReauth(reauthId: string): Promise<ReauthRecord | null>
    /** The card's one re-authentication identity, replacing its previous one. Not awaited. */
    putReauth(reauthId: string, record: ReauthRecord): Promise<void>
    reauthIdsOf(cardId: string): Promise<string[]>

    /** Figure 7: the terminal's payment, kept from before authentication until it is decided. Not awaited. */
    storePending(txid: string, terminalId: string, payment: Buffer, at: number): Promise<void>
    /** Removes a pending payment whose exchange ended undecided. Not awaited. */
    dropPending(txid: string): Promise<void>
    /** Removes pending payments stored before `before` (ms since the epoch); resolves with how many. */
    expirePending(before: number): Promise<number>
    /**
     * Decides a payment once, durably: a transaction ID already in the ledger gets its recorded
     * answer back when it is the same payment from the same card (a retransmission), a duplicate
     * decline otherwise. `rules` decides a new one from the card as it stands when the decision
     * is written (an approval is never written against a balance that changed since `rules` saw it).
     */
    decide(txid: string, cardId: string, payment: Payment, encoded: Buffer, rules: (card: CardRecord | null, payment: Payment) => Decision): Promise<PaymentResult>
    /** Makes a provisional approval final (acknowledged) or reverses it and restores the balance. */
    finalize(txid: string, cardId: string, acknowledged: boolean, reversal: PaymentResult): Promise<void>
    /** Reverses every provisional approval and restores its card's balance, in one commit; resolves with how many. */
    reverseProvisional(reversal: PaymentResult): Promise<number>

    ledger(): Promise<LedgerRecord[]>
    /** The ledger's record of one transaction ID as committed, or null when there is none (a status inquiry). */
    outcome(txid: string): Promise<LedgerRecord | null>
    counts(): Promise<{ cards: number; clients: number; ledger: number; pending: number }>
    stats(): StorageStats
    close(): Promise<void>
}

/** A condition an operator must act on (locked, newer schema, old format, unreadable folder): one line, no stack trace. */
export class StorageError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "StorageError"
    }
}

/** A card ID that is already in the registry. */
export class DuplicateCardError extends StorageError {}
