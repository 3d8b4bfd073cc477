// The payment server's storage on SQLite (better-sqlite3): one database file in the data folder,
// WAL, synchronous=FULL (a commit is on disk when it returns), a busy timeout for other processes
// (provisioning beside a running server, an operator's query).
//
// Group commit: writes are queued and those of one event-loop turn run in one SQLite transaction,
// committed from setImmediate, each inside its own savepoint (a write that fails rolls back alone).
// Their promises resolve only after that commit returns, so no answer leaves before its record is
// on disk. better-sqlite3 is synchronous: reads see what is committed, and a write sees the writes
// queued before it in the same turn (they run in order inside the one transaction).
//
// Writes that nothing waits for (a new re-authentication identity, a pending payment stored or
// dropped) do not start a commit of their own: they go with the next awaited write, or after
// BACKGROUND_COMMIT_MS when none comes. A commit of only such writes runs with
// synchronous=NORMAL: its WAL frames are written, so a killed process loses nothing, but not
// synced; the next awaited commit syncs the WAL and them with it. Under an authentication-only
// load, where no payment commits, that saves an fsync for every few exchanges. What a power loss
// or a crash in that window can drop is only what the protocol recovers from: the card's next
// re-authentication identity is unknown, and the card authenticates in full.

import Database from "better-sqlite3"
import { RC_APPROVED, RC_DUPLICATE, type PaymentResult } from "../../src/payment/result"
import type { Payment } from "../../src/payment/payment"
import { migrations } from "./migrate"
import { openDurableSqlite } from "./durable-sqlite"
import {
    DuplicateCardError,
    StorageError,
    type AucRecord,
    type CardRecord,
    type ClientRecord,
    type Decision,
    type LedgerRecord,
    type ReauthRecord,
    type ServerKey,
    type ServerStorage,
    type StorageStats,
} from "./storage"
import { cardOf, ledgerRecordOf, resultOf, type CardRow, type LedgerRow } from "./rows"

export interface SqliteOptions {
    /** How long a statement waits for another process's write lock before failing (default 5 s). */
    busyTimeoutMs?: number
}

interface QueuedWrite {
    run: () => unknown
    background: boolean
    resolve: (v: any) => void
    reject: (e: unknown) => void
}

/** How long a write that nothing waits for may wait for an awaited one to commit with. */
const BACKGROUND_COMMIT_MS = 50

/** SQLite's error code of an exception from better-sqlite3 ("SQLITE_BUSY", ...), or undefined. */
export function sqliteCode(e: unknown): string | undefined {
    const code = (e as { code?: unknown } | null)?.code
    return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined
}

/** An operator's one-line message for a failure opening or writing `file`, or null when it is not one of those. */
function explain(e: unknown, file: string): string | null {
    const code = sqliteCode(e)
    if (code === undefined) return null
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return `database ${file} is busy: another process holds its write lock (an open transaction in another program?)`
    if (code.startsWith("SQLITE_READONLY") || code === "SQLITE_PERM" || code.startsWith("SQLITE_CANTOPEN")) return `cannot write database ${file}: the data folder or the file is read-only or not accessible to this user`
    if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) return `database ${file} is damaged or not a SQLite database: restore it from a backup`
    if (code === "SQLITE_FULL") return `database ${file}: the disk is full`
    if (code.startsWith("SQLITE_IOERR")) return `database ${file}: I/O error (${code})`
    return null
}

export class SqliteStorage implements ServerStorage {
    readonly description: string
    /** One server per database (the data folder's lock): its EAP sessions stay in its memory. */
    readonly sessions = null
    private queue: QueuedWrite[] = []
    private commits = 0
    private writes = 0
    /** A commit is due from setImmediate (an awaited write is queued). */
    private commitScheduled = false
    /** The commit that takes background writes when no awaited write comes first. */
    private backgroundTimer: NodeJS.Timeout | null = null
    private closed = false
    private readonly s

    private constructor(
        private readonly db: Database.Database,
        private readonly file: string,
    ) {
        this.description = `SQLite ${file}`
        const p = (sql: string) => db.prepare(sql)
        this.s = {
            insertCard: p("INSERT INTO cards (card_id, pan, holder, status, currency, balance, max_amount) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            insertAuc: p("INSERT INTO auc (card_id, k, opc, seq, ind) VALUES (?, ?, ?, ?, ?)"),
            card: p("SELECT * FROM cards WHERE card_id = ?"),
            cardOfPan: p("SELECT card_id FROM cards WHERE pan = ?"),
            auc: p("SELECT k, opc, seq, ind FROM auc WHERE card_id = ?"),
            cardWithAuc: p("SELECT cards.*, k, opc, seq, ind FROM cards JOIN auc USING (card_id) WHERE card_id = ?"),
            reserveSeq: p("UPDATE auc SET seq = seq + ? WHERE card_id = ? RETURNING seq"),
            raiseSeq: p("UPDATE auc SET seq = max(seq, ?) WHERE card_id = ?"),
            putClient: p("INSERT INTO clients (address, secret, terminal_id) VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE SET secret = excluded.secret, terminal_id = excluded.terminal_id"),
            client: p("SELECT address, secret, terminal_id AS terminalId FROM clients WHERE address = ?"),
            addServerKey: p("INSERT INTO server_keys (key_index, key, created_at) VALUES (?, ?, ?) ON CONFLICT (key_index) DO NOTHING"),
            serverKeys: p("SELECT key_index AS \"index\", key FROM server_keys ORDER BY key_index"),
            reauth: p("SELECT card_id AS cardId, method, counter, k_encr AS kEncr, k_aut AS kAut, reauth_key AS reauthKey FROM reauth WHERE reauth_id = ?"),
            deleteReauth: p("DELETE FROM reauth WHERE reauth_id = ?"),
            deleteReauthOfCard: p("DELETE FROM reauth WHERE card_id = ?"),
            insertReauth: p("INSERT INTO reauth (reauth_id, card_id, method, counter, k_encr, k_aut, reauth_key) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            reauthIdsOf: p("SELECT reauth_id FROM reauth WHERE card_id = ?").pluck(),
            putPending: p("INSERT INTO pending (txid, terminal_id, payment, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (txid) DO UPDATE SET terminal_id = excluded.terminal_id, payment = excluded.payment, created_at = excluded.created_at"),
            deletePending: p("DELETE FROM pending WHERE txid = ?"),
            expirePending: p("DELETE FROM pending WHERE created_at < ?"),
            creditProvisional: p(
                "UPDATE cards SET balance = balance + (SELECT sum(amount) FROM ledger WHERE ledger.card_id = cards.card_id AND state = 'provisional') WHERE card_id IN (SELECT card_id FROM ledger WHERE state = 'provisional')",
            ),
            reverseProvisional: p("UPDATE ledger SET state = 'reversed', response_code = ?, approval_number = ?, reason = ?, updated_at = ? WHERE state = 'provisional'"),
            ledgerRow: p("SELECT * FROM ledger WHERE txid = ?"),
            nextApproval: p("SELECT coalesce(max(approval_seq), 0) + 1 FROM ledger").pluck(),
            debit: p("UPDATE cards SET balance = balance - ? WHERE card_id = ?"),
            credit: p("UPDATE cards SET balance = balance + ? WHERE card_id = ?"),
            insertLedger: p(
                "INSERT INTO ledger (txid, card_id, payment, amount, currency, response_code, approval_seq, approval_number, reason, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ),
            setLedgerState: p("UPDATE ledger SET state = ?, response_code = ?, approval_number = ?, reason = ?, updated_at = ? WHERE txid = ?"),
            ledger: p("SELECT * FROM ledger ORDER BY created_at, rowid"),
            counts: p("SELECT (SELECT count(*) FROM cards) AS cards, (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM ledger) AS ledger, (SELECT count(*) FROM pending) AS pending"),
        }
    }

    /**
     * Opens (creating when absent) the database `file` and brings its schema up to date. Refuses a
     * schema newer than this code knows, and any file it cannot use, with a StorageError.
     */
    static open(file: string, options: SqliteOptions = {}): SqliteStorage {
        try {
            return new SqliteStorage(openDurableSqlite(file, migrations("sqlite"), options.busyTimeoutMs), file)
        } catch (e) {
            const message = explain(e, file)
            if (message !== null) throw new StorageError(message)
            throw e
        }
    }

    /**
     * Queues a write for this turn's group commit; resolves with its result once committed. A
     * `background` write waits for the next commit, at most BACKGROUND_COMMIT_MS.
     */
    private write<R>(run: () => R, background = false): Promise<R> {
        if (this.closed) return Promise.reject(new StorageError(`database ${this.file} is closed`))
        return new Promise<R>((resolve, reject) => {
            this.queue.push({ run, background, resolve, reject })
            if (!background && !this.commitScheduled) {
                this.commitScheduled = true
                setImmediate(() => this.commit())
            } else if (background && this.backgroundTimer === null && !this.commitScheduled) {
                this.backgroundTimer = setTimeout(() => this.commit(), BACKGROUND_COMMIT_MS)
            }
        })
    }

    /**
     * Runs every queued write in one transaction and settles their promises after the commit. When
     * a write throws, the transaction is rolled back and the batch runs again with each write in
     * its own savepoint, so that only the failing one is refused (savepoints cost two statements
     * per write: not spent on the common path where nothing fails).
     */
    private commit(): void {
        this.commitScheduled = false
        if (this.backgroundTimer !== null) clearTimeout(this.backgroundTimer)
        this.backgroundTimer = null
        const batch = this.queue
        if (batch.length === 0) return
        this.queue = []
        let outcomes: { ok: boolean; value: unknown }[]
        const sync = batch.some((w) => !w.background)
        try {
            if (!sync) this.db.pragma("synchronous = NORMAL")
            try {
                outcomes = this.runBatch(batch, false)
            } catch (e) {
                if (sqliteCode(e) !== undefined && !sqliteCode(e)!.startsWith("SQLITE_CONSTRAINT")) throw e
                outcomes = this.runBatch(batch, true)
            }
        } catch (e) {
            const message = explain(e, this.file)
            const error = message !== null ? new StorageError(message) : e
            for (const w of batch) w.reject(error)
            return
        } finally {
            if (!sync) this.db.pragma("synchronous = FULL")
        }
        this.commits++
        this.writes += batch.length
        batch.forEach((w, i) => (outcomes[i].ok ? w.resolve(outcomes[i].value) : w.reject(outcomes[i].value)))
    }

    /** One transaction over the batch; with `isolated`, each write in a savepoint and its error kept as its outcome. */
    private runBatch(batch: QueuedWrite[], isolated: boolean): { ok: boolean; value: unknown }[] {
        return this.db
            .transaction(() =>
                batch.map((w) => {
                    if (!isolated) return { ok: true, value: w.run() }
                    try {
                        return { ok: true, value: this.db.transaction(w.run)() }
                    } catch (e) {
                        return { ok: false, value: e }
                    }
                }),
            )
            .immediate()
    }

    async addCard(card: CardRecord, auc: AucRecord): Promise<void> {
        await this.write(() => {
            if (this.s.card.get(card.cardId)) throw new DuplicateCardError(`card ${card.cardId} already exists`)
            if (this.s.cardOfPan.get(card.pan)) throw new DuplicateCardError("that card number is already issued to another card")
            this.s.insertCard.run(card.cardId, card.pan, card.holder, card.status, card.currency, card.balance, card.limit)
            this.s.insertAuc.run(card.cardId, auc.k, auc.opc, auc.seq, auc.ind)
        })
    }

    async card(cardId: string): Promise<CardRecord | null> {
        const r = this.s.card.get(cardId) as CardRow | undefined
        return r ? cardOf(r) : null
    }

    async auc(cardId: string): Promise<AucRecord | null> {
        return (this.s.auc.get(cardId) as AucRecord | undefined) ?? null
    }

    async cardWithAuc(cardId: string): Promise<{ card: CardRecord; auc: AucRecord } | null> {
        const r = this.s.cardWithAuc.get(cardId) as (CardRow & AucRecord) | undefined
        return r ? { card: cardOf(r), auc: { k: r.k, opc: r.opc, seq: r.seq, ind: r.ind } } : null
    }

    reserveSeq(cardId: string, block: number): Promise<{ next: number; limit: number }> {
        return this.write(() => {
            const seq = this.s.reserveSeq.pluck().get(block, cardId) as number | undefined
            if (seq === undefined) throw new Error(`no AuC record for card ${cardId}`)
            return { next: seq - block + 1, limit: seq }
        })
    }

    async raiseSeq(cardId: string, seq: number): Promise<void> {
        await this.write(() => this.s.raiseSeq.run(seq, cardId))
    }

    async putClient(client: ClientRecord): Promise<void> {
        await this.write(() => this.s.putClient.run(client.address, client.secret, client.terminalId))
    }

    client(address: string): ClientRecord | null {
        return (this.s.client.get(address) as ClientRecord | undefined) ?? null
    }

    /** Stored and read in one transaction, under the write lock: of two processes on a new database, the first one's key is kept. */
    serverKeys(initial: ServerKey): Promise<ServerKey[]> {
        return this.write(() => {
            this.s.addServerKey.run(initial.index, initial.key, Date.now())
            return this.s.serverKeys.all() as ServerKey[]
        })
    }

    async takeReauth(reauthId: string): Promise<ReauthRecord | null> {
        const r = this.s.reauth.get(reauthId) as ReauthRecord | undefined
        if (!r) return null
        // Removed with the next commit (nothing waits for it): a second use in this turn is refused by the session's counter check.
        void this.write(() => this.s.deleteReauth.run(reauthId)).catch(() => {})
        return r
    }

    async putReauth(reauthId: string, r: ReauthRecord): Promise<void> {
        await this.write(() => {
            this.s.deleteReauthOfCard.run(r.cardId)
            this.s.insertReauth.run(reauthId, r.cardId, r.method, r.counter, r.kEncr, r.kAut, r.reauthKey)
        }, true)
    }

    async reauthIdsOf(cardId: string): Promise<string[]> {
        return this.s.reauthIdsOf.all(cardId) as string[]
    }

    async storePending(txid: string, terminalId: string, payment: Buffer, at: number): Promise<void> {
        await this.write(() => this.s.putPending.run(txid, terminalId, payment, at), true)
    }

    async dropPending(txid: string): Promise<void> {
        await this.write(() => this.s.deletePending.run(txid), true)
    }

    expirePending(before: number): Promise<number> {
        return this.write(() => this.s.expirePending.run(Math.min(before, Number.MAX_SAFE_INTEGER)).changes)
    }

    decide(txid: string, cardId: string, payment: Payment, encoded: Buffer, rules: (card: CardRecord | null, payment: Payment) => Decision): Promise<PaymentResult> {
        return this.write(() => {
            const previous = this.s.ledgerRow.get(txid) as LedgerRow | undefined
            if (previous) {
                // The same transaction again (a retransmission, a retry after a lost answer): same answer.
                if (previous.card_id === cardId && previous.payment.equals(encoded) && previous.state !== "reversed") return resultOf(previous)
                return { responseCode: RC_DUPLICATE, approvalNumber: "", reason: "duplicate transaction ID" }
            }
            const row = this.s.card.get(cardId) as CardRow | undefined
            const decision = rules(row ? cardOf(row) : null, payment)
            const now = Date.now()
            let result: PaymentResult
            let seq: number | null = null
            if (decision.approve) {
                seq = this.s.nextApproval.get() as number
                result = { responseCode: RC_APPROVED, approvalNumber: String(seq % 1_000_000).padStart(6, "0"), reason: "approved" }
                this.s.debit.run(payment.amount, cardId)
            } else {
                result = decision.result
            }
            this.s.insertLedger.run(txid, cardId, encoded, payment.amount, payment.currency, result.responseCode, seq, result.approvalNumber, result.reason, decision.approve ? "provisional" : "final", now, now)
            this.s.deletePending.run(txid)
            return result
        })
    }

    async finalize(txid: string, cardId: string, acknowledged: boolean, reversal: PaymentResult): Promise<void> {
        await this.write(() => {
            const rec = this.s.ledgerRow.get(txid) as LedgerRow | undefined
            if (!rec || rec.card_id !== cardId || rec.state !== "provisional") return
            const now = Date.now()
            if (acknowledged) {
                this.s.setLedgerState.run("final", rec.response_code, rec.approval_number, rec.reason, now, txid)
                return
            }
            this.s.credit.run(rec.amount, cardId)
            this.s.setLedgerState.run("reversed", reversal.responseCode, reversal.approvalNumber, reversal.reason, now, txid)
        })
    }

    reverseProvisional(reversal: PaymentResult): Promise<number> {
        return this.write(() => {
            this.s.creditProvisional.run()
            return this.s.reverseProvisional.run(reversal.responseCode, reversal.approvalNumber, reversal.reason, Date.now()).changes
        })
    }

    async ledger(): Promise<LedgerRecord[]> {
        return (this.s.ledger.all() as LedgerRow[]).map(ledgerRecordOf)
    }

    async outcome(txid: string): Promise<LedgerRecord | null> {
        const r = this.s.ledgerRow.get(txid) as LedgerRow | undefined
        if (!r) return null
        return ledgerRecordOf(r)
    }

    async counts(): Promise<{ cards: number; clients: number; ledger: number; pending: number }> {
        this.commit() // an operator's count includes the writes still waiting for a commit
        return this.s.counts.get() as { cards: number; clients: number; ledger: number; pending: number }
    }

    stats(): StorageStats {
        return { commits: this.commits, writes: this.writes }
    }

    async close(): Promise<void> {
        if (this.closed) return
        this.commit()
        this.closed = true
        this.db.close()
    }
}
