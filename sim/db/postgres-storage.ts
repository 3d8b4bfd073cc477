// The payment server's storage on PostgreSQL (pg), for several server processes on one database.
//
// Group commit, as on SQLite: every write is one statement; the writes queued while the previous
// batch was in flight go to the server together, as one multi-statement query (one round trip, one
// transaction, one WAL flush), and each write's promise resolves once that commit returns
// (PostgreSQL's default synchronous_commit: on disk). When a statement fails, the batch is rolled
// back and its writes run again one by one, so that only the failing one is refused. Reads are
// batched the same way (without a transaction). Values are written into the statements as
// literals (numbers checked, strings and bytes escaped): a multi-statement query takes no
// parameters. What the processes share:
// - the IND (TS 33.102 annex C.3.2): each process claims a free one at start-up, recorded in the
//   nodes table and held by a session-level advisory lock that PostgreSQL releases when the
//   process (or its connection) dies; AucRecord.ind answers that IND;
// - the SEQ of each card: blocks are reserved by one atomic UPDATE ... RETURNING, so no SEQ, and
//   hence no SQN, is issued twice whichever process issues it, even across crashes (the IND only
//   spares the card resynchronisations when processes use their blocks out of order);
// - approval numbers, from one sequence (UNIQUE in the ledger), and the ledger, idempotent by its
//   primary key: a decision reads the card and the transaction ID's ledger row, applies the rules,
//   and writes the approval in one statement that debits the card only if its row is still as
//   read (compare-and-set; otherwise it reads again, and after three misses decides under the
//   card's row lock), so two decisions, in any processes, never both spend the same balance, and a
//   second one for the same transaction ID finds the first's;
// - EAP sessions (eap_sessions, the `sessions` table interface), so that any process continues
//   any exchange.
// The terminals are read into memory and refreshed every second: the RADIUS servers look a
// client's secret up synchronously for each datagram.

import { hostname } from "node:os"
import { randomBytes } from "node:crypto"
import pg from "pg"
import { RC_APPROVED, RC_DUPLICATE, type PaymentResult } from "../../src/payment/result"
import type { Payment } from "../../src/payment/payment"
import { migratePostgres, PG_LOCK_CLASS } from "./migrate"
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
    type SessionRow,
    type SessionTable,
    type StorageStats,
} from "./storage"
import { cardOf, ledgerRecordOf, resultOf, type CardRow, type LedgerRow } from "./rows"

export interface PostgresOptions {
    /** Claim an IND for this process (a server); provisioning and tools do not. */
    node?: boolean
    /** Connections in the pool (default 10). */
    poolSize?: number
    /** How long to wait for a connection to the server (default 5 s). */
    connectTimeoutMs?: number
    log?: (line: string) => void
}

/** Only the server's address and database, for messages: never the password. */
export function describeUrl(url: string): string {
    try {
        const u = new URL(url)
        const host = u.hostname || u.searchParams.get("host") || "localhost"
        return `${u.username ? decodeURIComponent(u.username) + "@" : ""}${host}:${u.port || 5432}${u.pathname}`
    } catch {
        return "(unparsable URL)"
    }
}

export function isPostgresUrl(s: string): boolean {
    return /^postgres(ql)?:\/\//.test(s)
}

/** PostgreSQL's SQLSTATE (or Node's socket error code) of an exception, or undefined. */
export function pgCode(e: unknown): string | undefined {
    const code = (e as { code?: unknown } | null)?.code
    return typeof code === "string" ? code : undefined
}

/** An operator's one-line message for a failure reaching or using the database, or null when it is not one of those. */
function explain(e: unknown, where: string): string | null {
    const code = pgCode(e)
    const message = (e as Error)?.message ?? String(e)
    if (code === "ECONNREFUSED") return `cannot reach PostgreSQL at ${where}: connection refused (is the server running?)`
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot reach PostgreSQL at ${where}: unknown host`
    if (code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH" || /timeout/i.test(message)) return `cannot reach PostgreSQL at ${where}: ${message}`
    if (code === "28P01" || code === "28000") return `PostgreSQL at ${where} refused the login: ${message}`
    if (code === "3D000") return `PostgreSQL at ${where}: ${message}`
    if (code === "42501") return `PostgreSQL at ${where}: ${message} (the server's database user needs its own tables)`
    if (code === "53100") return `PostgreSQL at ${where}: the disk is full`
    if (code === "ECONNRESET" || code === "EPIPE" || code?.startsWith("08") || code?.startsWith("57P") || /Connection terminated/.test(message)) return `lost the connection to PostgreSQL at ${where}: ${message}`
    return null
}

/** bigint (int8) as a number: every bigint here (amounts, SEQ, times, counts) is below 2^53. */
const TYPES = {
    getTypeParser: ((oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text"))) as typeof pg.types.getTypeParser,
}

// Reversal of provisional approvals (all, or those abandoned) with their cards' balances restored, in one statement.
const reverseWhere = (where: string) => `
    WITH r AS (
        UPDATE ledger SET state = 'reversed', response_code = $1, approval_number = $2, reason = $3, updated_at = $4
        WHERE state = 'provisional' ${where} RETURNING card_id, amount),
    t AS (SELECT card_id, sum(amount)::bigint AS total, count(*) AS n FROM r GROUP BY card_id),
    c AS (UPDATE cards SET balance = cards.balance + t.total FROM t WHERE cards.card_id = t.card_id)
    SELECT coalesce(sum(n), 0)::bigint AS n FROM t`

const SQL = {
    addCard: `WITH c AS (INSERT INTO cards (card_id, pan, holder, status, currency, balance, max_amount) VALUES ($1, $2, $3, $4, $5, $6, $7))
        INSERT INTO auc (card_id, k, opc, seq) VALUES ($1, $8, $9, $10)`,
    card: "SELECT * FROM cards WHERE card_id = $1",
    cardForUpdate: "SELECT * FROM cards WHERE card_id = $1 FOR UPDATE",
    auc: "SELECT k, opc, seq FROM auc WHERE card_id = $1",
    cardWithAuc: "SELECT cards.*, k, opc, seq FROM cards JOIN auc USING (card_id) WHERE card_id = $1",
    reserveSeq: "UPDATE auc SET seq = seq + $1 WHERE card_id = $2 RETURNING seq",
    raiseSeq: "UPDATE auc SET seq = greatest(seq, $1) WHERE card_id = $2",
    putClient: "INSERT INTO clients (address, secret, terminal_id) VALUES ($1, $2, $3) ON CONFLICT (address) DO UPDATE SET secret = excluded.secret, terminal_id = excluded.terminal_id",
    clients: "SELECT address, secret, terminal_id FROM clients",
    addServerKey: "INSERT INTO server_keys (key_index, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_index) DO NOTHING",
    serverKeys: "SELECT key_index, key FROM server_keys ORDER BY key_index",
    takeReauth: "DELETE FROM reauth WHERE reauth_id = $1 RETURNING card_id, method, counter, k_encr, k_aut, reauth_key",
    putReauth: `INSERT INTO reauth (reauth_id, card_id, method, counter, k_encr, k_aut, reauth_key) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (card_id) DO UPDATE SET reauth_id = excluded.reauth_id, method = excluded.method, counter = excluded.counter, k_encr = excluded.k_encr, k_aut = excluded.k_aut, reauth_key = excluded.reauth_key`,
    reauthIdsOf: "SELECT reauth_id FROM reauth WHERE card_id = $1",
    putPending: "INSERT INTO pending (txid, terminal_id, payment, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (txid) DO UPDATE SET terminal_id = excluded.terminal_id, payment = excluded.payment, created_at = excluded.created_at",
    deletePending: "DELETE FROM pending WHERE txid = $1",
    expirePending: "DELETE FROM pending WHERE created_at < $1",
    ledgerRow: "SELECT * FROM ledger WHERE txid = $1",
    // Debits only a card row still as the rules saw it; no row (no number taken) when it changed.
    approve: `WITH debit AS (UPDATE cards SET balance = balance - $4
                WHERE card_id = $2 AND balance = $9 AND status = $10 AND currency = $11 AND max_amount = $12 RETURNING card_id),
            n AS (SELECT nextval('approval_numbers') AS seq FROM debit),
            gone AS (DELETE FROM pending WHERE txid = $1 AND EXISTS (SELECT 1 FROM debit))
        INSERT INTO ledger (txid, card_id, payment, amount, currency, response_code, approval_seq, approval_number, reason, state, created_at, updated_at)
        SELECT $1, $2, $3, $4, $5, $6, n.seq, lpad((n.seq % 1000000)::text, 6, '0'), $7, 'provisional', $8, $8 FROM n
        RETURNING approval_number`,
    decline: `WITH gone AS (DELETE FROM pending WHERE txid = $1)
        INSERT INTO ledger (txid, card_id, payment, amount, currency, response_code, approval_seq, approval_number, reason, state, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, 'final', $9, $9)`,
    finalizeAck: "UPDATE ledger SET state = 'final', updated_at = $3 WHERE txid = $1 AND card_id = $2 AND state = 'provisional'",
    finalizeReverse: `WITH r AS (UPDATE ledger SET state = 'reversed', response_code = $3, approval_number = $4, reason = $5, updated_at = $6
            WHERE txid = $1 AND card_id = $2 AND state = 'provisional' RETURNING card_id, amount)
        UPDATE cards SET balance = cards.balance + r.amount FROM r WHERE cards.card_id = r.card_id`,
    reverseProvisional: reverseWhere(""),
    // Under a transaction-level advisory lock: one process at a time (the others reverse nothing this time).
    reverseAbandoned: reverseWhere("AND created_at < $5 AND NOT EXISTS (SELECT 1 FROM eap_sessions s WHERE s.txid = ledger.txid) AND (SELECT pg_try_advisory_xact_lock($6, $7))"),
    // One transaction's: the row lock of its ledger row makes a second reversal find it no longer provisional.
    reverseAbandonedPayment: reverseWhere("AND txid = $5 AND NOT EXISTS (SELECT 1 FROM eap_sessions s WHERE s.txid = ledger.txid)"),
    ledger: "SELECT * FROM ledger ORDER BY created_at, ordinal",
    counts: "SELECT (SELECT count(*) FROM cards) AS cards, (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM ledger) AS ledger, (SELECT count(*) FROM pending) AS pending",
    insertSession: `INSERT INTO eap_sessions (key, client, txid, snapshot, version, expires_at)
        SELECT $1, $2, $3, $4, $5, $6
        WHERE $3::text IS NULL OR (SELECT count(*) FROM eap_sessions WHERE client = $2 AND txid IS NOT NULL AND expires_at > $7) < $8`,
    loadSession: "SELECT key, client, txid, snapshot, version, expires_at FROM eap_sessions WHERE key = $1 AND expires_at > $2",
    updateSession: "UPDATE eap_sessions SET snapshot = $3, version = version + 1, expires_at = $4 WHERE key = $1 AND version = $2",
    removeSessionAt: "DELETE FROM eap_sessions WHERE key = $1 AND version = $2",
    sessionsOfTransaction: "SELECT key, client, txid, snapshot, version, expires_at FROM eap_sessions WHERE txid = $1",
    removeExpiredSessions: "DELETE FROM eap_sessions WHERE expires_at < $1",
    countSessions: "SELECT count(*) AS n FROM eap_sessions",
    lockNode: "SELECT pg_try_advisory_lock($1, $2) AS ok",
    claimNode: "INSERT INTO nodes (ind, node_id, host, pid, started_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ind) DO UPDATE SET node_id = excluded.node_id, host = excluded.host, pid = excluded.pid, started_at = excluded.started_at",
} as const

type Statement = keyof typeof SQL

/** The advisory lock object that lets one process at a time reverse abandoned approvals (processes do not queue behind each other's sweeps). */
const SWEEP_LOCK = 101
/** Statements per batch at most. */
const MAX_BATCH = 256
/** Batched attempts of a decision whose card row changes between its read and its write, before it takes the card's row lock. */
const OPTIMISTIC_ATTEMPTS = 3

/** A value as an SQL literal: integers, strings (escaped), bytes, booleans, null. */
export function literal(v: unknown): string {
    if (v === null || v === undefined) return "NULL"
    if (typeof v === "number") {
        if (!Number.isSafeInteger(v)) throw new RangeError(`not a safe integer for SQL: ${v}`)
        return String(v)
    }
    if (typeof v === "boolean") return v ? "TRUE" : "FALSE"
    if (Buffer.isBuffer(v)) return `decode('${v.toString("hex")}', 'hex')`
    if (typeof v === "string") {
        if (v.includes("\0")) throw new RangeError("NUL in an SQL string")
        return "E'" + v.replace(/\\/g, "\\\\").replace(/'/g, "''") + "'"
    }
    throw new TypeError(`no SQL literal for ${typeof v}`)
}

/** `text` with $1, $2, ... replaced by the values as literals. */
export function bind(text: string, values: unknown[]): string {
    return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]))
}

interface Queued {
    text: string
    resolve: (r: pg.QueryResult) => void
    reject: (e: unknown) => void
}

/**
 * Statements queued while the previous batch is in flight, sent together as one multi-statement
 * query on one connection: one round trip, and, for writes, one transaction (PostgreSQL runs a
 * multi-statement query as one). When it fails, each statement runs again alone.
 */
class Batcher {
    private queue: Queued[] = []
    private running: Promise<void> | null = null

    constructor(
        private readonly pool: pg.Pool,
        private readonly wrap: (e: unknown) => unknown,
        private readonly committed: (n: number) => void,
    ) {}

    run(text: string): Promise<pg.QueryResult> {
        return new Promise((resolve, reject) => {
            this.queue.push({ text, resolve, reject })
            if (this.running === null) this.running = this.drain()
        })
    }

    /** Resolves once nothing is queued or in flight. */
    async idle(): Promise<void> {
        while (this.running !== null) await this.running
    }

    private async drain(): Promise<void> {
        // One turn of the event loop first: what the same turn queues goes in the same batch.
        await new Promise((r) => setImmediate(r))
        while (this.queue.length > 0) {
            const batch = this.queue.splice(0, MAX_BATCH)
            await this.send(batch)
        }
        this.running = null
    }

    private async send(batch: Queued[]): Promise<void> {
        let c: pg.PoolClient
        try {
            c = await this.pool.connect()
        } catch (e) {
            for (const q of batch) q.reject(this.wrap(e))
            return
        }
        let broken: Error | undefined
        try {
            const r = (await c.query(batch.map((q) => q.text).join(";\n"))) as unknown as pg.QueryResult | pg.QueryResult[]
            const results = Array.isArray(r) ? r : [r]
            this.committed(batch.length)
            batch.forEach((q, i) => q.resolve(results[i]))
        } catch (e) {
            if (!(e instanceof pg.DatabaseError) || batch.length === 1) {
                if (!(e instanceof pg.DatabaseError)) broken = e as Error
                for (const q of batch) q.reject(this.wrap(e))
                return
            }
            // One statement failed and the whole batch was rolled back: each alone, so that only it fails.
            for (const q of batch) {
                try {
                    q.resolve((await c.query(q.text)) as unknown as pg.QueryResult)
                    this.committed(1)
                } catch (e2) {
                    if (!(e2 instanceof pg.DatabaseError)) broken = e2 as Error
                    q.reject(this.wrap(e2))
                }
            }
        } finally {
            c.release(broken)
        }
    }
}
const IND_COUNT = 32
const CLIENT_REFRESH_MS = 1000
const NODE_RETRY_MS = 2000

export class PostgresStorage implements ServerStorage {
    description: string
    readonly sessions: SessionTable
    /** The IND this process claimed (0 when it claimed none: it issues no vectors). */
    ind = 0
    private clientCache = new Map<string, ClientRecord>()
    private commits = 0
    private writes = 0
    private closed = false
    private readonly timers: NodeJS.Timeout[] = []
    /** The connection holding this process's IND lock, or null while it is being regained. */
    private nodeClient: pg.Client | null = null
    private readonly log: (line: string) => void
    private readonly reads: Batcher
    private readonly writeBatches: Batcher

    private constructor(
        private readonly pool: pg.Pool,
        private readonly url: string,
        private readonly where: string,
        private readonly options: PostgresOptions,
    ) {
        this.description = `PostgreSQL ${where}`
        this.log = options.log ?? (() => {})
        this.sessions = new PgSessions(this)
        const wrap = (e: unknown) => this.wrap(e)
        this.reads = new Batcher(pool, wrap, () => {})
        this.writeBatches = new Batcher(pool, wrap, (n) => {
            this.commits++
            this.writes += n
        })
    }

    /**
     * Connects to the database at `url` and brings its schema up to date; with `node`, claims an
     * IND for this process. Refuses an unreachable database, a schema newer than this code, and
     * more than 32 server processes, each with a StorageError of one line.
     */
    static async open(url: string, options: PostgresOptions = {}): Promise<PostgresStorage> {
        const where = describeUrl(url)
        const timeout = options.connectTimeoutMs ?? 5000
        const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: timeout, keepAlive: true, types: TYPES })
        // A connection that dies (database restarted, network lost) must not end the process: the
        // query on it fails, and the pool opens a new one for the next.
        pool.on("error", () => {})
        pool.on("connect", (c) => c.on("error", () => {}))
        const store = new PostgresStorage(pool, url, where, options)
        try {
            const c = await pool.connect()
            try {
                await migratePostgres(c, where)
            } finally {
                c.release()
            }
            await store.refreshClients()
            if (options.node) await store.claimNode()
        } catch (e) {
            await store.close().catch(() => {})
            throw store.wrap(e)
        }
        const refresh = setInterval(() => void store.refreshClients().catch(() => {}), CLIENT_REFRESH_MS)
        refresh.unref()
        store.timers.push(refresh)
        return store
    }

    /** An error as the StorageError an operator reads, when it is one of those. */
    wrap(e: unknown): unknown {
        if (e instanceof StorageError) return e
        const message = explain(e, this.where)
        return message !== null ? new StorageError(message) : e
    }

    /** A read, batched with the others of this turn. */
    async q(statement: Statement, values: unknown[]): Promise<pg.QueryResult> {
        if (this.closed) throw new StorageError(`database ${this.where} is closed`)
        return await this.reads.run(bind(SQL[statement], values))
    }

    /** A write (one statement), committed with this turn's batch when it resolves. */
    async write(statement: Statement, values: unknown[]): Promise<pg.QueryResult> {
        if (this.closed) throw new StorageError(`database ${this.where} is closed`)
        return await this.writeBatches.run(bind(SQL[statement], values))
    }

    private async refreshClients(): Promise<void> {
        const rows = (await this.q("clients", [])).rows as { address: string; secret: string; terminal_id: string }[]
        this.clientCache = new Map(rows.map((r) => [r.address, { address: r.address, secret: r.secret, terminalId: r.terminal_id }]))
    }

    /** Takes the lowest IND no running process holds; throws when all 32 are held. */
    private async claimNode(): Promise<void> {
        const c = await this.nodeConnection()
        for (let ind = 0; ind < IND_COUNT; ind++) {
            if (!(await c.query(SQL.lockNode, [PG_LOCK_CLASS, ind])).rows[0].ok) continue
            await c.query(SQL.claimNode, [ind, randomBytes(8).toString("hex"), hostname(), process.pid, Date.now()])
            this.ind = ind
            this.description = `PostgreSQL ${this.where}, IND ${ind}`
            this.holdNode(c)
            return
        }
        await c.end()
        throw new StorageError(`all ${IND_COUNT} IND values (TS 33.102 annex C.3.2) are held by running servers on ${this.where}: at most ${IND_COUNT} server processes share one database`)
    }

    private async nodeConnection(): Promise<pg.Client> {
        const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000, keepAlive: true })
        c.on("error", () => {})
        try {
            await c.connect()
        } catch (e) {
            await c.end().catch(() => {})
            throw e
        }
        return c
    }

    /**
     * Keeps the IND lock's connection; when it is lost, the process goes on with its IND (its
     * SEQs stay unique: they come from the shared per-card counter) and takes the lock again as
     * soon as it can.
     */
    private holdNode(c: pg.Client): void {
        this.nodeClient = c
        c.once("end", () => {
            if (this.closed || this.nodeClient !== c) return
            this.nodeClient = null
            this.log(`lost the connection holding IND ${this.ind}; taking it again when the database is back`)
            const retry = setInterval(async () => {
                if (this.closed) return clearInterval(retry)
                let again: pg.Client | null = null
                try {
                    again = await this.nodeConnection()
                    if (!(await again.query(SQL.lockNode, [PG_LOCK_CLASS, this.ind])).rows[0].ok) throw new Error("held")
                } catch {
                    await again?.end().catch(() => {})
                    return
                }
                clearInterval(retry)
                if (this.closed) return void again.end().catch(() => {})
                this.log(`IND ${this.ind} held again`)
                this.holdNode(again)
            }, NODE_RETRY_MS)
            retry.unref()
            this.timers.push(retry)
        })
    }

    async addCard(card: CardRecord, auc: AucRecord): Promise<void> {
        try {
            await this.write("addCard", [card.cardId, card.pan, card.holder, card.status, card.currency, card.balance, card.limit, auc.k, auc.opc, auc.seq])
        } catch (e) {
            const constraint = (e as { constraint?: string }).constraint
            // (auc's key is the card ID too: whichever insert of the statement meets it first)
            if (pgCode(e) === "23505" && (constraint === "cards_pkey" || constraint === "auc_pkey")) throw new DuplicateCardError(`card ${card.cardId} already exists`)
            if (pgCode(e) === "23505" && constraint === "cards_pan_key") throw new DuplicateCardError("that card number is already issued to another card")
            throw e
        }
    }

    async card(cardId: string): Promise<CardRecord | null> {
        const r = (await this.q("card", [cardId])).rows[0] as CardRow | undefined
        return r ? cardOf(r) : null
    }

    async auc(cardId: string): Promise<AucRecord | null> {
        const r = (await this.q("auc", [cardId])).rows[0] as { k: string; opc: string; seq: number } | undefined
        return r ? { k: r.k, opc: r.opc, seq: r.seq, ind: this.ind } : null
    }

    async cardWithAuc(cardId: string): Promise<{ card: CardRecord; auc: AucRecord } | null> {
        const r = (await this.q("cardWithAuc", [cardId])).rows[0] as (CardRow & { k: string; opc: string; seq: number }) | undefined
        return r ? { card: cardOf(r), auc: { k: r.k, opc: r.opc, seq: r.seq, ind: this.ind } } : null
    }

    async reserveSeq(cardId: string, block: number): Promise<{ next: number; limit: number }> {
        const r = await this.write("reserveSeq", [block, cardId])
        if (r.rowCount === 0) throw new Error(`no AuC record for card ${cardId}`)
        const seq = r.rows[0].seq as number
        return { next: seq - block + 1, limit: seq }
    }

    async raiseSeq(cardId: string, seq: number): Promise<void> {
        await this.write("raiseSeq", [seq, cardId])
    }

    async putClient(client: ClientRecord): Promise<void> {
        await this.write("putClient", [client.address, client.secret, client.terminalId])
        this.clientCache.set(client.address, { ...client })
    }

    /** From memory, refreshed from the database every second (terminals another process registered appear within it). */
    client(address: string): ClientRecord | null {
        return this.clientCache.get(address) ?? null
    }

    /**
     * Inserted unless present, then read, each committed on its own: of processes starting at once
     * on a new database, one inserts and every one reads that key. Bound as parameters rather than
     * batched as literals, so that the key is not in the statement's text.
     */
    async serverKeys(initial: ServerKey): Promise<ServerKey[]> {
        if (this.closed) throw new StorageError(`database ${this.where} is closed`)
        try {
            await this.pool.query(SQL.addServerKey, [initial.index, initial.key, Date.now()])
            this.commits++
            this.writes++
            return (await this.pool.query(SQL.serverKeys)).rows.map((r) => ({ index: r.key_index as number, key: r.key as Buffer }))
        } catch (e) {
            throw this.wrap(e)
        }
    }

    /** Read and removed in one statement: of two processes taking the same ID, one gets it. */
    async takeReauth(reauthId: string): Promise<ReauthRecord | null> {
        const r = (await this.write("takeReauth", [reauthId])).rows[0]
        return r ? { cardId: r.card_id, method: r.method, counter: r.counter, kEncr: r.k_encr, kAut: r.k_aut, reauthKey: r.reauth_key } : null
    }

    async putReauth(reauthId: string, r: ReauthRecord): Promise<void> {
        await this.write("putReauth", [reauthId, r.cardId, r.method, r.counter, r.kEncr, r.kAut, r.reauthKey])
    }

    async reauthIdsOf(cardId: string): Promise<string[]> {
        return (await this.q("reauthIdsOf", [cardId])).rows.map((r) => r.reauth_id as string)
    }

    async storePending(txid: string, terminalId: string, payment: Buffer, at: number): Promise<void> {
        await this.write("putPending", [txid, terminalId, payment, at])
    }

    async dropPending(txid: string): Promise<void> {
        await this.write("deletePending", [txid])
    }

    async expirePending(before: number): Promise<number> {
        return (await this.write("expirePending", [Math.min(before, Number.MAX_SAFE_INTEGER)])).rowCount ?? 0
    }

    /**
     * Optimistic first, batched with the other writes: read, apply the rules, write if the card is
     * still as read. A card that keeps changing under it (many decisions on one card at once) is
     * then decided under its row lock, in a transaction of its own, which always succeeds.
     */
    async decide(txid: string, cardId: string, payment: Payment, encoded: Buffer, rules: (card: CardRecord | null, payment: Payment) => Decision): Promise<PaymentResult> {
        for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
            const [cardRows, ledgerRows] = await Promise.all([this.q("card", [cardId]), this.q("ledgerRow", [txid])])
            try {
                const result = await this.decideFrom(cardRows.rows[0], ledgerRows.rows[0], txid, cardId, payment, encoded, rules, (statement, values) => this.write(statement, values))
                if (result !== null) return result
            } catch (e) {
                // The same transaction ID decided at once elsewhere: read again, and its row answers.
                if (!(pgCode(e) === "23505" && (e as { constraint?: string }).constraint === "ledger_pkey")) throw e
            }
        }
        return await this.locked(async (c) => {
            const run = async (statement: Statement, values: unknown[]) => (await c.query(bind(SQL[statement], values))) as pg.QueryResult
            const row = (await run("cardForUpdate", [cardId])).rows[0]
            const previous = (await run("ledgerRow", [txid])).rows[0]
            const result = await this.decideFrom(row, previous, txid, cardId, payment, encoded, rules, run)
            if (result === null) throw new Error("a locked card changed")
            return result
        })
    }

    /** The answer for a transaction ID given its card and ledger rows as read; null when the card changed before the write. */
    private async decideFrom(
        row: CardRow | undefined,
        previous: LedgerRow | undefined,
        txid: string,
        cardId: string,
        payment: Payment,
        encoded: Buffer,
        rules: (card: CardRecord | null, payment: Payment) => Decision,
        write: (statement: Statement, values: unknown[]) => Promise<pg.QueryResult>,
    ): Promise<PaymentResult | null> {
        if (previous) {
            // The same transaction again (a retransmission, a retry after a lost answer): same answer.
            if (previous.card_id === cardId && previous.payment.equals(encoded) && previous.state !== "reversed") return resultOf(previous)
            return { responseCode: RC_DUPLICATE, approvalNumber: "", reason: "duplicate transaction ID" }
        }
        const decision = rules(row ? cardOf(row) : null, payment)
        const now = Date.now()
        if (decision.approve) {
            if (!row) throw new Error(`the rules approved a payment on unknown card ${cardId}`)
            const r = await write("approve", [txid, cardId, encoded, payment.amount, payment.currency, RC_APPROVED, "approved", now, row.balance, row.status, row.currency, row.max_amount])
            if (r.rowCount === 0) return null
            return { responseCode: RC_APPROVED, approvalNumber: r.rows[0].approval_number as string, reason: "approved" }
        }
        const d = decision.result
        await write("decline", [txid, cardId, encoded, payment.amount, payment.currency, d.responseCode, d.approvalNumber, d.reason, now])
        return d
    }

    /** A transaction of its own on one connection, committed when it resolves. */
    private async locked<R>(run: (c: pg.PoolClient) => Promise<R>): Promise<R> {
        if (this.closed) throw new StorageError(`database ${this.where} is closed`)
        let c: pg.PoolClient
        try {
            c = await this.pool.connect()
        } catch (e) {
            throw this.wrap(e)
        }
        let broken = false
        try {
            await c.query("BEGIN")
            const r = await run(c)
            await c.query("COMMIT")
            this.commits++
            this.writes++
            return r
        } catch (e) {
            await c.query("ROLLBACK").catch(() => (broken = true))
            throw this.wrap(e)
        } finally {
            c.release(broken)
        }
    }

    async finalize(txid: string, cardId: string, acknowledged: boolean, reversal: PaymentResult): Promise<void> {
        if (acknowledged) await this.write("finalizeAck", [txid, cardId, Date.now()])
        else await this.write("finalizeReverse", [txid, cardId, reversal.responseCode, reversal.approvalNumber, reversal.reason, Date.now()])
    }

    async reverseProvisional(reversal: PaymentResult): Promise<number> {
        return (await this.write("reverseProvisional", [reversal.responseCode, reversal.approvalNumber, reversal.reason, Date.now()])).rows[0].n as number
    }

    async reverseAbandonedPayment(txid: string, reversal: PaymentResult): Promise<number> {
        return (await this.write("reverseAbandonedPayment", [reversal.responseCode, reversal.approvalNumber, reversal.reason, Date.now(), txid])).rows[0].n as number
    }

    /** Run by every process's sweep; the one that takes the sweep lock reverses, the others skip. */
    async reverseAbandoned(before: number, reversal: PaymentResult): Promise<number> {
        const cutoff = Math.min(before, Number.MAX_SAFE_INTEGER)
        return (await this.write("reverseAbandoned", [reversal.responseCode, reversal.approvalNumber, reversal.reason, Date.now(), cutoff, PG_LOCK_CLASS, SWEEP_LOCK])).rows[0].n as number
    }

    async ledger(): Promise<LedgerRecord[]> {
        return ((await this.q("ledger", [])).rows as LedgerRow[]).map(ledgerRecordOf)
    }

    async outcome(txid: string): Promise<LedgerRecord | null> {
        const r = (await this.q("ledgerRow", [txid])).rows[0] as LedgerRow | undefined
        if (!r) return null
        return ledgerRecordOf(r)
    }

    async counts(): Promise<{ cards: number; clients: number; ledger: number; pending: number }> {
        return (await this.q("counts", [])).rows[0] as { cards: number; clients: number; ledger: number; pending: number }
    }

    stats(): StorageStats {
        return { commits: this.commits, writes: this.writes }
    }

    async close(): Promise<void> {
        if (this.closed) return
        this.closed = true
        await this.writeBatches.idle()
        await this.reads.idle()
        for (const t of this.timers) clearInterval(t)
        const node = this.nodeClient
        this.nodeClient = null
        // Ending the connection releases the IND's advisory lock for the next process.
        await node?.end().catch(() => {})
        await this.pool.end().catch(() => {})
    }
}

class PgSessions implements SessionTable {
    constructor(private readonly db: PostgresStorage) {}

    async insert(row: SessionRow, maxWithPayment: number): Promise<boolean> {
        const r = await this.db.write("insertSession", [row.key, row.client, row.txid, row.snapshot, row.version, row.expiresAt, Date.now(), maxWithPayment])
        return r.rowCount === 1
    }

    async load(key: string, now: number): Promise<SessionRow | null> {
        const r = (await this.db.q("loadSession", [key, now])).rows[0]
        return r ? { key: r.key, client: r.client, txid: r.txid, snapshot: r.snapshot, version: r.version, expiresAt: r.expires_at } : null
    }

    async update(key: string, version: number, snapshot: string, expiresAt: number): Promise<boolean> {
        return (await this.db.write("updateSession", [key, version, snapshot, expiresAt])).rowCount === 1
    }

    async removeAt(key: string, version: number): Promise<boolean> {
        return (await this.db.write("removeSessionAt", [key, version])).rowCount === 1
    }

    async ofTransaction(txid: string): Promise<SessionRow[]> {
        return (await this.db.q("sessionsOfTransaction", [txid])).rows.map((r) => ({ key: r.key, client: r.client, txid: r.txid, snapshot: r.snapshot, version: r.version, expiresAt: r.expires_at }))
    }

    async removeExpired(now: number): Promise<number> {
        return (await this.db.write("removeExpiredSessions", [Math.min(now, Number.MAX_SAFE_INTEGER)])).rowCount ?? 0
    }

    reverseAbandoned(before: number, reversal: PaymentResult): Promise<number> {
        return this.db.reverseAbandoned(before, reversal)
    }

    reverseAbandonedPayment(txid: string, reversal: PaymentResult): Promise<number> {
        return this.db.reverseAbandonedPayment(txid, reversal)
    }

    async count(): Promise<number> {
        return (await this.db.q("countSessions", [])).rows[0].n as number
    }
}
