// A durable embedded store for the payment server: named tables of JSON records in memory, every
// change a transaction written to an append-only journal and fsync'd before it is acknowledged.
// No database server, no native module: Node's fs only.
//
// Files in the data folder:
//   LOCK                     pid of the owning process (lock.ts)
//   journal-<gen>.log        frames (frames.ts); one frame = one group commit = one write, opened
//                            O_DSYNC (durable on return; write + fdatasync where there is no O_DSYNC);
//                            a frame's payload is [[seq, ops], ...], one entry per transaction
//   snapshot                 all tables as of a sequence number, and the journal gen that follows it
//   snapshot.tmp             a snapshot being written (removed on open)
//
// Ordering that makes a crash at any point lose nothing acknowledged:
// - A transaction's promise resolves only after the durable write (O_DSYNC, or write + fdatasync)
//   of its frame (and of all earlier frames: they are written in order, one at a time).
// - Compaction first creates journal gen+1 and fsyncs the directory, then switches writes to it, so
//   everything in older journals is already synced and nothing new goes there. The snapshot
//   (state at seq S, first journal gen+1) is then written in the background, renamed into place,
//   the directory fsync'd, and only then are older journals deleted.
// - On open: snapshot, then journals from its gen on, skipping transactions with seq <= S (so an
//   interrupted compaction replays nothing twice). Journals older than the snapshot's gen are
//   leftovers of a compaction interrupted before its deletions and are deleted.
// - Only the last frame of the last journal can be torn (its durable write never returned, so it was
//   never acknowledged): it is truncated with a warning. Damage anywhere else, a missing journal
//   or a gap in sequence numbers refuses to open.

import { mkdirSync, realpathSync } from "node:fs"
import { open, readdir, readFile, rm, type FileHandle } from "node:fs/promises"
import { join } from "node:path"
import { describeError, StoreClosedError, StoreCorruptionError, StoreFailedError, StoreLockedError } from "./errors"
import { encodeFrame, findValidFrame, JOURNAL_MAGIC, scanFrames } from "./frames"
import { openJournal, SYNC_ON_WRITE_FLAG, syncDir, writeAll } from "./fsio"
import { deepFreeze, frozenJsonCopy, NotJsonError, type Json } from "./json-value"
import { DirLock } from "./lock"
import { readSnapshot, SNAPSHOT_TMP, writeSnapshot, type Tables } from "./snapshot"

export type { Json } from "./json-value"

export interface JournalStoreOptions {
    /** Journal size in bytes that triggers a compaction (snapshot + new journal). Default 64 MiB. */
    compactBytes?: number
    /** Largest group-commit frame; a bigger backlog goes out in several write+fsync rounds. Default 4 MiB. */
    maxBatchBytes?: number
    /** Receives warnings (a torn tail discarded on open). Never given record contents. Default console.warn. */
    warn?: (message: string) => void
}

export interface StoreStats {
    /** Sequence number of the last transaction applied in memory. */
    seq: number
    /** Sequence number of the last transaction known to be on disk. */
    durableSeq: number
    /** Transactions with writes committed since open. */
    transactions: number
    /** Group commits since open: one durable journal write each. */
    batches: number
    /** Every sync since open: durable journal writes, snapshot and directory fsyncs. */
    fsyncs: number
    /** Bytes in the journal currently written to. */
    journalBytes: number
    /** Generation of the journal currently written to. */
    journalGen: number
    /** Compactions completed since open. */
    compactions: number
}

/** What a transaction body sees: the store plus its own uncommitted writes. */
export interface Tx {
    get<T = Json>(table: string, key: string): T | undefined
    has(table: string, key: string): boolean
    /** Stores a deep-frozen copy of value, which must be plain JSON (TypeError otherwise). */
    put(table: string, key: string, value: unknown): void
    /** Returns whether the key existed (as this transaction sees it). */
    delete(table: string, key: string): boolean
    values<T = Json>(table: string): T[]
}

type Op = ["p", string, string, Json] | ["d", string, string]

interface Pending {
    seq: number // 0 for a marker: a read-only transaction or flush() waiting for what came before
    json: string
    /** What the promise resolves with once the frame is durable (the body's result). */
    result: unknown
    resolve: (result: unknown) => void
    reject: (e: unknown) => void
}

const DELETED: unique symbol = Symbol("deleted")
type Slot = Json | typeof DELETED

const JOURNAL_NAME = /^journal-(\d+)\.log$/

export function journalFileName(gen: number): string {
    return `journal-${String(gen).padStart(10, "0")}.log`
}

/** Data folders open in this process (by real path): the LOCK file cannot tell us apart. */
const openDirs = new Set<string>()

function checkName(kind: string, name: unknown, allowEmpty: boolean): asserts name is string {
    if (typeof name !== "string" || (!allowEmpty && name === "")) throw new TypeError(`store: ${kind} must be a${allowEmpty ? "" : " non-empty"} string`)
}

class Transaction implements Tx {
    readonly writes = new Map<string, Map<string, Slot>>()
    live = true

    constructor(private readonly tables: Tables) {}

    private check(): void {
        if (!this.live) throw new Error("store: transaction used after its body returned")
    }

    private slot(table: string, key: string): Slot | undefined {
        return this.writes.get(table)?.get(key)
    }

    get<T = Json>(table: string, key: string): T | undefined {
        this.check()
        const w = this.slot(table, key)
        if (w !== undefined) return w === DELETED ? undefined : (w as T)
        return this.tables.get(table)?.get(key) as T | undefined
    }

    has(table: string, key: string): boolean {
        this.check()
        const w = this.slot(table, key)
        if (w !== undefined) return w !== DELETED
        return this.tables.get(table)?.has(key) ?? false
    }

    put(table: string, key: string, value: unknown): void {
        this.check()
        checkName("table name", table, false)
        checkName("key", key, true)
        let copy: Json
        try {
            copy = frozenJsonCopy(value)
        } catch (e) {
            if (e instanceof NotJsonError) throw new TypeError(`store: table "${table}" key "${key}": ${e.where()} is ${e.what}, not JSON`)
            throw e
        }
        this.writeSlot(table, key, copy)
    }

    delete(table: string, key: string): boolean {
        this.check()
        checkName("table name", table, false)
        checkName("key", key, true)
        const existed = this.has(table, key)
        this.writeSlot(table, key, DELETED)
        return existed
    }

    values<T = Json>(table: string): T[] {
        this.check()
        const w = this.writes.get(table)
        const base = this.tables.get(table)
        const out: T[] = []
        if (base) {
            for (const [k, v] of base) {
                const s = w?.get(k)
                if (s === undefined) out.push(v as T)
                else if (s !== DELETED) out.push(s as T)
            }
        }
        if (w) for (const [k, s] of w) if (s !== DELETED && !base?.has(k)) out.push(s as T)
        return out
    }

    private writeSlot(table: string, key: string, slot: Slot): void {
        let w = this.writes.get(table)
        if (!w) this.writes.set(table, (w = new Map()))
        w.set(key, slot)
    }

    /** The net effect: one op per key, deletes of absent keys dropped. */
    ops(): Op[] {
        const ops: Op[] = []
        for (const [table, w] of this.writes) {
            const base = this.tables.get(table)
            for (const [key, s] of w) {
                if (s !== DELETED) ops.push(["p", table, key, s])
                else if (base?.has(key)) ops.push(["d", table, key])
            }
        }
        return ops
    }
}

function applyOps(tables: Tables, ops: readonly Op[]): void {
    for (const op of ops) {
        if (op[0] === "p") {
            let t = tables.get(op[1])
            if (!t) tables.set(op[1], (t = new Map()))
            t.set(op[2], op[3])
        } else {
            tables.get(op[1])?.delete(op[2])
        }
    }
}

export class JournalStore {
    readonly dir: string
    private readonly lock: DirLock
    private readonly compactBytes: number
    private readonly maxBatchBytes: number
    private readonly warn: (message: string) => void

    private tables: Tables = new Map()
    private seq = 0
    private durableSeq = 0
    private gen = 1
    private handle: FileHandle | undefined
    private journalBytes = 0

    private queue: Pending[] = []
    private inflight: Pending[] = []
    private pumpRun: Promise<void> | undefined
    private compaction: Promise<void> | undefined
    private compactRequests: Pending[] = []
    private inBody = false
    private closing = false
    private closed = false
    private closeRun: Promise<void> | undefined
    private failure: StoreFailedError | undefined
    private counters = { transactions: 0, batches: 0, fsyncs: 0, compactions: 0 }

    private constructor(dir: string, lock: DirLock, options: JournalStoreOptions) {
        this.dir = dir
        this.lock = lock
        this.compactBytes = options.compactBytes ?? 64 * 1024 * 1024
        this.maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024
        this.warn = options.warn ?? ((m) => console.warn(m))
        if (!(this.compactBytes > 0) || !(this.maxBatchBytes > 0)) throw new RangeError("store: compactBytes and maxBatchBytes must be positive")
    }

    /** Opens (creating if needed) the store in dir: takes the lock, loads the snapshot, replays the journal. */
    static async open(dir: string, options: JournalStoreOptions = {}): Promise<JournalStore> {
        mkdirSync(dir, { recursive: true })
        const real = realpathSync(dir)
        // Registered before any await, so two concurrent opens in one process cannot both pass.
        if (openDirs.has(real)) throw new StoreLockedError(`store: data folder ${real} is already open in this process`)
        openDirs.add(real)
        let lock: DirLock | undefined
        let store: JournalStore | undefined
        try {
            lock = DirLock.acquire(real)
            store = new JournalStore(real, lock, options)
            await store.load()
            store.pump() // a journal already over the threshold is compacted now
            return store
        } catch (e) {
            await store?.handle?.close().catch(() => {})
            lock?.release()
            openDirs.delete(real)
            throw e
        }
    }

    // ---- reads: synchronous, from memory ----

    /**
     * Reads see every transaction applied so far, including ones not yet on disk. Before acting
     * outside the process on what you read (sending an approval), await flush(), or read inside a
     * transaction and await it: its promise resolves once everything before it is durable.
     */
    get<T = Json>(table: string, key: string): T | undefined {
        this.checkUsable()
        return this.tables.get(table)?.get(key) as T | undefined
    }

    has(table: string, key: string): boolean {
        this.checkUsable()
        return this.tables.get(table)?.has(key) ?? false
    }

    /** The table's values (deep-frozen), as an array copy: safe to hold across awaits. */
    values<T = Json>(table: string): T[] {
        this.checkUsable()
        const t = this.tables.get(table)
        return t ? (Array.from(t.values()) as T[]) : []
    }

    entries<T = Json>(table: string): [string, T][] {
        this.checkUsable()
        const t = this.tables.get(table)
        return t ? (Array.from(t.entries()) as [string, T][]) : []
    }

    size(table: string): number {
        this.checkUsable()
        return this.tables.get(table)?.size ?? 0
    }

    /** Names of the tables that hold at least one record. */
    tableNames(): string[] {
        this.checkUsable()
        return Array.from(this.tables.entries())
            .filter(([, t]) => t.size > 0)
            .map(([name]) => name)
    }

    stats(): StoreStats {
        return {
            seq: this.seq,
            durableSeq: this.durableSeq,
            journalBytes: this.journalBytes,
            journalGen: this.gen,
            ...this.counters,
        }
    }

    // ---- writes ----

    /**
     * Runs body synchronously against the current state plus its own writes, and applies its writes
     * in memory at once, all or nothing (if body throws, nothing is applied and the promise rejects
     * with that error). The promise resolves with body's result once the transaction is on disk;
     * a transaction without writes resolves once everything before it is on disk.
     */
    transaction<R>(body: (tx: Tx) => R): Promise<R> {
        if (this.inBody) throw new Error("store: transaction() called inside a transaction body; nest the work in one body instead")
        try {
            this.checkWritable()
        } catch (e) {
            return Promise.reject(e)
        }
        const tx = new Transaction(this.tables)
        let result: R
        this.inBody = true
        try {
            result = body(tx)
        } catch (e) {
            return Promise.reject(e)
        } finally {
            tx.live = false
            this.inBody = false
        }
        if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
            return Promise.reject(new TypeError("store: a transaction body must be synchronous (it returned a promise); nothing was applied"))
        }
        const ops = tx.ops()
        if (ops.length === 0) return this.afterPrevious().then(() => result)
        const seq = this.seq + 1
        const json = JSON.stringify([seq, ops]) // before anything changes: a throw here must leave no gap
        this.seq = seq
        applyOps(this.tables, ops)
        this.counters.transactions++
        return new Promise<R>((resolve, reject) => {
            this.queue.push({ seq, json, result, resolve: resolve as (r: unknown) => void, reject })
            this.pump()
        })
    }

    /** Resolves once every transaction applied so far is on disk. */
    flush(): Promise<void> {
        try {
            this.checkUsable()
        } catch (e) {
            return Promise.reject(e)
        }
        return this.afterPrevious()
    }

    /** Writes a snapshot now and starts a new journal; resolves when the old journals are deleted. */
    compact(): Promise<void> {
        try {
            this.checkWritable()
        } catch (e) {
            return Promise.reject(e)
        }
        return new Promise<void>((resolve, reject) => {
            this.compactRequests.push({ seq: 0, json: "", result: undefined, resolve: resolve as (r: unknown) => void, reject })
            this.pump()
        })
    }

    /** Waits for pending transactions to be on disk, abandons a snapshot in progress, releases the lock. */
    close(): Promise<void> {
        if (!this.closeRun) this.closeRun = this.doClose()
        return this.closeRun
    }

    private async doClose(): Promise<void> {
        this.closing = true
        try {
            // A finishing compaction may start the writer again (with nothing to write): wait for both.
            while (this.pumpRun || this.compaction) await (this.pumpRun ?? this.compaction)
        } finally {
            this.rejectAll(this.compactRequests, new StoreClosedError(this.dir))
            this.compactRequests = []
            await this.handle?.close().catch(() => {})
            this.handle = undefined
            this.closed = true
            this.lock.release()
            openDirs.delete(this.dir)
        }
    }

    private checkUsable(): void {
        if (this.failure) throw this.failure
        if (this.closed) throw new StoreClosedError(this.dir)
    }

    private checkWritable(): void {
        this.checkUsable()
        if (this.closing) throw new StoreClosedError(this.dir)
    }

    private afterPrevious(): Promise<void> {
        if (this.queue.length === 0 && this.inflight.length === 0 && !this.pumpRun) return Promise.resolve()
        return new Promise<void>((resolve, reject) => {
            this.queue.push({ seq: 0, json: "", result: undefined, resolve: resolve as (r: unknown) => void, reject })
            this.pump()
        })
    }

    // ---- the writer: one loop, one frame at a time ----

    private pump(): void {
        if (this.pumpRun || this.failure) return
        // setImmediate, not a microtask: transactions started by other I/O callbacks of the same
        // event-loop turn join the first batch too.
        this.pumpRun = new Promise<void>((r) => setImmediate(r)).then(() => this.runPump())
    }

    private async runPump(): Promise<void> {
        try {
            for (;;) {
                // Compaction first: under sustained load the queue is never empty, and the journal
                // must still be bounded.
                if (this.wantsCompaction()) await this.startCompaction()
                else if (this.queue.length > 0) await this.writeBatch()
                else break
            }
        } catch (e) {
            this.fail(e)
        }
        this.pumpRun = undefined
    }

    private async writeBatch(): Promise<void> {
        let bytes = 0
        let n = 0
        while (n < this.queue.length && (n === 0 || bytes + this.queue[n].json.length <= this.maxBatchBytes)) {
            bytes += this.queue[n].json.length
            n++
        }
        const batch = this.queue.splice(0, n)
        this.inflight = batch
        const txs = batch.filter((p) => p.seq !== 0)
        if (txs.length > 0) {
            const frame = encodeFrame(JOURNAL_MAGIC, this.gen, `[${txs.map((p) => p.json).join(",")}]`)
            const handle = this.handle
            if (!handle) throw new Error("store: no journal open")
            await writeAll(handle, frame, this.journalBytes)
            // With O_DSYNC the write itself returned only once the frame was on disk.
            if (SYNC_ON_WRITE_FLAG === 0) await handle.datasync()
            this.counters.fsyncs++
            this.counters.batches++
            this.journalBytes += frame.length
            this.durableSeq = txs[txs.length - 1].seq
        }
        this.inflight = []
        for (const p of batch) p.resolve(p.result)
    }

    private wantsCompaction(): boolean {
        if (this.compaction || this.closing) return false
        return this.compactRequests.length > 0 || this.journalBytes >= this.compactBytes
    }

    /**
     * Runs in the writer loop between frames, so everything already written is synced. The snapshot
     * is of the memory state now: it includes queued transactions (seq <= S) that will be written
     * to the new journal and skipped on replay. Values are frozen, so shallow Map copies suffice.
     */
    private async startCompaction(): Promise<void> {
        const requests = this.compactRequests
        this.compactRequests = []
        const seq = this.seq
        const copy: Tables = new Map()
        for (const [name, t] of this.tables) if (t.size > 0) copy.set(name, new Map(t))
        const gen = this.gen + 1
        try {
            const next = await openJournal(join(this.dir, journalFileName(gen)), true)
            try {
                await syncDir(this.dir)
                this.counters.fsyncs++
            } catch (e) {
                await next.close().catch(() => {})
                throw e
            }
            const old = this.handle
            this.handle = next
            this.gen = gen
            this.journalBytes = 0
            await old?.close()
        } catch (e) {
            this.fail(e)
            this.rejectAll(requests, this.failure ?? e)
            throw e
        }
        this.compaction = this.finishCompaction(seq, gen, copy).then(
            () => {
                this.compaction = undefined
                for (const r of requests) r.resolve(undefined)
                this.pump() // a compact() request may have arrived meanwhile
            },
            (e: unknown) => {
                this.compaction = undefined
                this.rejectAll(requests, this.failure ?? e)
            },
        )
    }

    private async finishCompaction(seq: number, gen: number, tables: Tables): Promise<void> {
        try {
            const done = await writeSnapshot(this.dir, seq, gen, tables, {
                shouldStop: () => this.closing,
                onSync: () => this.counters.fsyncs++,
            })
            if (!done) throw new StoreClosedError(this.dir)
            let removed = false
            for (const name of await readdir(this.dir)) {
                const m = JOURNAL_NAME.exec(name)
                if (m && Number(m[1]) < gen) {
                    await rm(join(this.dir, name), { force: true })
                    removed = true
                }
            }
            if (removed) {
                await syncDir(this.dir)
                this.counters.fsyncs++
            }
            this.counters.compactions++
        } catch (e) {
            if (!(e instanceof StoreClosedError)) this.fail(e)
            throw e
        }
    }

    private rejectAll(list: Pending[], e: unknown): void {
        for (const p of list) p.reject(e)
    }

    /** Fail-stop: see StoreFailedError. */
    private fail(cause: unknown): void {
        if (this.failure) return
        this.failure = new StoreFailedError(
            `store: I/O failed in ${this.dir} (${describeError(cause)}); the store has stopped: restart the process to recover from disk`,
            cause,
        )
        this.rejectAll(this.inflight, this.failure)
        this.rejectAll(this.queue, this.failure)
        this.rejectAll(this.compactRequests, this.failure)
        this.inflight = []
        this.queue = []
        this.compactRequests = []
        this.warn(this.failure.message)
    }

    // ---- recovery ----

    private async load(): Promise<void> {
        await rm(join(this.dir, SNAPSHOT_TMP), { force: true })
        const snapshot = await readSnapshot(this.dir)
        const snapSeq = snapshot?.seq ?? 0
        const firstGen = snapshot?.gen ?? 1
        if (snapshot) this.tables = snapshot.tables

        const gens: number[] = []
        for (const name of await readdir(this.dir)) {
            const m = JOURNAL_NAME.exec(name)
            if (m) gens.push(Number(m[1]))
        }
        gens.sort((a, b) => a - b)

        // Journals before the snapshot's gen are covered by it: a compaction stopped before deleting them.
        const stale = gens.filter((g) => g < firstGen)
        for (const g of stale) await rm(join(this.dir, journalFileName(g)), { force: true })
        if (stale.length > 0) await syncDir(this.dir)
        const live = gens.filter((g) => g >= firstGen)

        if (live.length === 0) {
            if (snapshot) {
                throw new StoreCorruptionError(join(this.dir, journalFileName(firstGen)), 0, "journal file is missing (the snapshot says it follows)")
            }
            this.gen = 1
            this.handle = await openJournal(join(this.dir, journalFileName(1)), true)
            await syncDir(this.dir)
            this.seq = this.durableSeq = 0
            return
        }
        for (let i = 0; i < live.length; i++) {
            if (live[i] !== firstGen + i) {
                throw new StoreCorruptionError(join(this.dir, journalFileName(firstGen + i)), 0, "journal file is missing (journal generations must be consecutive)")
            }
        }

        let expected = 0 // next seq; 0 until the first transaction is seen
        let lastSeq = snapSeq
        let end = 0
        for (let i = 0; i < live.length; i++) {
            const gen = live[i]
            const path = join(this.dir, journalFileName(gen))
            const buf = await readFile(path)
            const scan = scanFrames(buf, JOURNAL_MAGIC, gen)
            for (const frame of scan.frames) {
                const bad = (reason: string) => new StoreCorruptionError(path, frame.offset, reason)
                let txs: unknown
                try {
                    txs = JSON.parse(frame.payload.toString("utf8"))
                } catch {
                    throw bad("frame checksum is valid but its payload is not JSON")
                }
                if (!Array.isArray(txs) || txs.length === 0) throw bad("frame does not hold a list of transactions")
                for (const t of txs) {
                    const seq = Array.isArray(t) ? t[0] : undefined
                    const ops = Array.isArray(t) ? t[1] : undefined
                    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq <= 0 || !Array.isArray(ops) || !ops.every(isOp)) {
                        throw bad("malformed transaction")
                    }
                    if (expected === 0 && seq > snapSeq + 1) throw bad(`transactions ${snapSeq + 1}..${seq - 1} are missing`)
                    if (expected !== 0 && seq !== expected) throw bad(`sequence jumps from ${expected - 1} to ${seq}`)
                    expected = seq + 1
                    if (seq <= snapSeq) continue
                    for (const op of ops as Op[]) if (op[0] === "p") deepFreeze(op[3])
                    applyOps(this.tables, ops as Op[])
                    lastSeq = seq
                }
            }
            end = scan.end
            if (scan.damage) {
                const where = `${path} at offset ${scan.damage.offset}`
                if (i !== live.length - 1) {
                    throw new StoreCorruptionError(path, scan.damage.offset, `${scan.damage.reason}, in a journal that is not the last one (all of it had been synced)`)
                }
                const later = findValidFrame(buf, scan.damage.offset + 1, JOURNAL_MAGIC, gen)
                if (later >= 0) {
                    throw new StoreCorruptionError(path, scan.damage.offset, `${scan.damage.reason}, followed by a valid frame at offset ${later}`)
                }
                // The torn write of a group commit whose durable write never returned: never acknowledged.
                const handle = await open(path, "r+")
                try {
                    await handle.truncate(scan.end)
                    await handle.sync()
                } finally {
                    await handle.close()
                }
                this.warn(`store: discarded a torn journal tail of ${buf.length - scan.end} bytes in ${where} (${scan.damage.reason}); it held no acknowledged transaction`)
            }
        }
        this.gen = live[live.length - 1]
        this.handle = await openJournal(join(this.dir, journalFileName(this.gen)), false)
        this.journalBytes = end
        this.seq = this.durableSeq = lastSeq
    }
}

function isOp(op: unknown): boolean {
    if (!Array.isArray(op) || typeof op[1] !== "string" || typeof op[2] !== "string") return false
    return (op[0] === "p" && op.length === 4) || (op[0] === "d" && op.length === 3)
}
