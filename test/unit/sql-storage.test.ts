// The server's SQLite storage: the cases every engine shares (test/support/storage-cases.ts: among
// them, every acknowledged decision survives a real kill -9 of the process that wrote it); the
// ledger's constraints hold even against SQL that bypasses the code; migrations,
// a newer schema, the old journal format, a missing database, a busy database, a read-only folder
// and a second server on the same folder are each refused with one clear line.

import Database from "better-sqlite3"
import { spawnSync } from "node:child_process"
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, test } from "vitest"
import { migrate, migrations } from "../../sim/db/migrate"
import { SqliteStorage } from "../../sim/db/sqlite-storage"
import { StorageError, type ServerStorage } from "../../sim/db/storage"
import { DATABASE_FILE, openServerStore, serverLock } from "../../sim/server/open-store"
import { RC_APPROVED } from "../../src/payment/result"
import { decide, payment, storageCases, withCard } from "../support/storage-cases"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

const dirs: string[] = []
const open: ServerStorage[] = []
afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), "activecard-sql-"))
    dirs.push(d)
    return d
}

async function openStore(dir: string, options: { busyTimeoutMs?: number } = {}): Promise<ServerStorage> {
    const s = await openServerStore(dir, options)
    open.push(s)
    return s
}

/** Runs the server's provision command on `data`; returns its exit status and output. */
function provisionCli(data: string): { status: number | null; out: string } {
    const r = spawnSync(process.execPath, ["--import", "tsx", "sim/server/main.ts", "provision", "terminal", "--terminal-id", "T1", "--merchant-id", "M1", "--data", data, "--out", join(data, "..", "t.json")], { cwd: ROOT, encoding: "utf8", timeout: 60_000 })
    return { status: r.status, out: r.stdout + r.stderr }
}

describe("SQLite storage", () => {
    storageCases({
        async fresh() {
            const dir = tempDir()
            return { location: dir, open: () => openServerStore(dir) }
        },
    })

    test("the data folder's lock dies with a killed server process", () => {
        // (test/support/storage-cases.ts kills a writer holding it; here: the lock is per process)
        const dir = tempDir()
        const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `import { serverLock } from ${JSON.stringify(join(ROOT, "sim/server/open-store.ts"))}\nserverLock(${JSON.stringify(dir)})\nprocess.kill(process.pid, "SIGKILL")\n`], { cwd: ROOT, timeout: 60_000 })
        expect(child.signal).toBe("SIGKILL")
        serverLock(dir).release()
    }, 60_000)

    test("the data folder is private (0700) and the database file 0600, in WAL mode with synchronous=FULL", async () => {
        const dir = join(tempDir(), "server")
        await openStore(dir)
        expect(statSync(dir).mode & 0o777).toBe(0o700)
        expect(statSync(join(dir, DATABASE_FILE)).mode & 0o777).toBe(0o600)
        const db = new Database(join(dir, DATABASE_FILE), { readonly: true })
        expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
        db.close()
    })

    test("group commit: writes of one event-loop turn share one commit, and each is committed when its promise resolves", async () => {
        const s = await openStore(tempDir())
        await withCard(s)
        const before = s.stats()
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => decide(s, payment(1, (i + 1).toString(16).padStart(16, "0")))))
        expect(results.every((r) => r.responseCode === RC_APPROVED)).toBe(true)
        expect(s.stats().commits - before.commits).toBe(1)
        expect(s.stats().writes - before.writes).toBe(50)
    })

    test("the ledger's constraints hold against SQL that bypasses the code: one row per transaction ID, one approval per number", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        await withCard(s)
        await decide(s, payment(1000, "00000000000000aa"))
        await s.close()
        open.splice(0)
        const db = new Database(join(dir, DATABASE_FILE))
        const row = db.prepare("SELECT * FROM ledger").get() as Record<string, unknown>
        const insert = (changes: Record<string, unknown>) => {
            const r = { ...row, ...changes }
            db.prepare(`INSERT INTO ledger (${Object.keys(r).join(", ")}) VALUES (${Object.keys(r).map(() => "?").join(", ")})`).run(...Object.values(r))
        }
        expect(() => insert({ approval_seq: 2, approval_number: "000002" })).toThrow(/UNIQUE constraint failed: ledger.txid/)
        expect(() => insert({ txid: "00000000000000bb" })).toThrow(/UNIQUE constraint failed: ledger.approval_seq/)
        expect(() => insert({ txid: "00000000000000bb", approval_seq: 2, approval_number: "000007" })).toThrow(/CHECK constraint failed/)
        expect(() => insert({ txid: "00000000000000bb", approval_seq: null, approval_number: "", amount: 1e12 })).toThrow(/CHECK constraint failed/)
        expect(() => db.prepare("UPDATE cards SET balance = -1").run()).toThrow(/CHECK constraint failed/)
        db.close()
    })

    test("migrations: a new database gets every migration in order; reopening applies none; a later one applies alone", async () => {
        const dir = tempDir()
        await (await openStore(dir)).close()
        open.splice(0)
        const file = join(dir, DATABASE_FILE)
        const db = new Database(file)
        const known = migrations("sqlite")
        expect(db.pragma("user_version", { simple: true })).toBe(known.length)
        expect(migrate(db, file)).toBe(known.length)
        const extra = join(tempDir(), "migrations")
        mkdirSync(extra)
        for (const m of known) writeFileSync(join(extra, m.name), m.sql)
        writeFileSync(join(extra, `${String(known.length + 1).padStart(4, "0")}-terminal-notes.sql`), "ALTER TABLE clients ADD COLUMN notes TEXT NOT NULL DEFAULT '';")
        expect(migrate(db, file, migrations("sqlite", extra))).toBe(known.length)
        expect(db.pragma("user_version", { simple: true })).toBe(known.length + 1)
        expect((db.prepare("SELECT name FROM pragma_table_info('clients')").pluck().all() as string[]).includes("notes")).toBe(true)
        db.close()
        writeFileSync(join(extra, "0009-gap.sql"), "SELECT 1;")
        expect(() => migrations("sqlite", extra)).toThrow(/expected version/)
    })

    test("a version 1 database moves to version 2: stored pseudonyms go, the server key table comes, cards stay", async () => {
        const file = join(tempDir(), DATABASE_FILE)
        const db = new Database(file)
        expect(migrate(db, file, migrations("sqlite").slice(0, 1))).toBe(0)
        db.prepare("INSERT INTO cards (card_id, pan, holder, status, currency, balance, max_amount) VALUES ('CARD0001', '9400111100000001', 'T', 'active', 410, 5, 5)").run()
        db.prepare("INSERT INTO pseudonyms (pseudonym, card_id) VALUES ('p1', 'CARD0001')").run()
        expect(migrate(db, file)).toBe(1)
        expect(db.pragma("user_version", { simple: true })).toBe(2)
        const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all()
        expect(tables).not.toContain("pseudonyms")
        expect(tables).toContain("server_keys")
        db.close()
        const s = SqliteStorage.open(file)
        open.push(s)
        expect((await s.card("CARD0001"))!.balance).toBe(5)
        const key = { index: 1, key: Buffer.alloc(32, 7) }
        expect(await s.serverKeys(key)).toEqual([key])
    })

    test("a database newer than this server is refused: by the storage, and by the command line in one line with exit code 1", async () => {
        const dir = join(tempDir(), "server")
        await (await openStore(dir)).close()
        open.splice(0)
        const db = new Database(join(dir, DATABASE_FILE))
        db.pragma("user_version = 99")
        db.close()
        await expect(openServerStore(dir)).rejects.toThrow(StorageError)
        await expect(openServerStore(dir)).rejects.toThrow(/schema version 99, newer than this server knows/)
        const r = provisionCli(dir)
        expect(r.status).toBe(1)
        expect(r.out.trim().split("\n")).toHaveLength(1)
        expect(r.out).toMatch(/^error: database .* has schema version 99/)
    }, 60_000)

    test("a data folder in the old journal format is refused with what to do", async () => {
        const dir = join(tempDir(), "server")
        mkdirSync(dir)
        writeFileSync(join(dir, "journal-0000000001.log"), "old")
        writeFileSync(join(dir, "LOCK"), "1\n")
        await expect(openServerStore(dir)).rejects.toThrow(/journal store of an earlier version.*provision into a new data folder/)
        const r = provisionCli(dir)
        expect(r.status).toBe(1)
        expect(r.out.trim().split("\n")).toHaveLength(1)
    }, 60_000)

    test("an initialised data folder whose database is missing is refused, not started empty", async () => {
        const dir = tempDir()
        await (await openStore(dir)).close()
        open.splice(0)
        rmSync(join(dir, DATABASE_FILE))
        writeFileSync(join(dir, `${DATABASE_FILE}-wal`), "")
        await expect(openServerStore(dir)).rejects.toThrow(/has no server.db but is not empty: the database is missing/)
    })

    test("a damaged database file is refused in one line", async () => {
        const dir = tempDir()
        writeFileSync(join(dir, DATABASE_FILE), Buffer.alloc(4096, 0x5a))
        await expect(openServerStore(dir)).rejects.toThrow(/damaged or not a SQLite database/)
    })

    test("a database busy in another connection beyond the busy timeout: a clear error for that write, and the next one succeeds", async () => {
        const dir = tempDir()
        const s = await openStore(dir, { busyTimeoutMs: 100 })
        const other = new Database(join(dir, DATABASE_FILE))
        other.exec("BEGIN IMMEDIATE")
        await expect(withCard(s)).rejects.toThrow(/database .* is busy: another process holds its write lock/)
        other.exec("ROLLBACK")
        other.close()
        await withCard(s)
        expect((await s.card("CARD0001"))!.balance).toBe(100_000)
    })

    test("a full disk: the write is refused in one line and leaves nothing half-written; with room again, the payment goes through once", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        await withCard(s)
        // SQLite reports a full disk as it reports a database at its max_page_count (SQLITE_FULL): cap the
        // file at its size, then pay until a decision needs a page the disk no longer has.
        const db = (s as unknown as { db: Database.Database }).db
        db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`)
        let refused: unknown = null
        let approvedCount = 0
        let txid = ""
        for (let i = 1; i < 500 && refused === null; i++) {
            txid = i.toString(16).padStart(16, "0")
            await decide(s, payment(10, txid)).then(() => approvedCount++, (e) => (refused = e))
        }
        expect(refused).toBeInstanceOf(StorageError)
        expect((refused as Error).message).toMatch(/^database .*: the disk is full$/)
        // Nothing of the refused payment: the balance and the ledger hold only the decisions before it.
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 10 * approvedCount)
        expect(await s.ledger()).toHaveLength(approvedCount)
        expect(await s.outcome(txid)).toBeNull()
        // With room again, the same payment is decided once.
        db.pragma("max_page_count = 1073741823")
        expect((await decide(s, payment(10, txid))).responseCode).toBe(RC_APPROVED)
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 10 * (approvedCount + 1))
        expect(await s.ledger()).toHaveLength(approvedCount + 1)
    })

    test("a read-only data folder is refused in one line", () => {
        const dir = join(tempDir(), "server")
        mkdirSync(dir, { mode: 0o500 })
        chmodSync(dir, 0o500)
        // Root writes anywhere: then the check runs as an unprivileged user who owns the folder.
        const asRoot = process.getuid?.() === 0
        if (asRoot) {
            chmodSync(dirname(dir), 0o755)
            chownSync(dir, 65534, 65534)
        }
        const script = `import { openServerStore } from ${JSON.stringify(join(ROOT, "sim/server/open-store.ts"))}\nawait openServerStore(${JSON.stringify(dir)}).then(() => console.log("opened"), (e) => console.log(e.message))\n`
        const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) })
        expect(r.stdout.trim(), r.stderr).toBe(`data folder ${dir} is read-only or not this user's: the server writes its database there`)
    }, 60_000)

    test("one server per data folder: a second lock is refused while the first is held", () => {
        const dir = tempDir()
        const first = serverLock(dir)
        expect(() => serverLock(dir)).toThrow(`another payment server is running on data folder ${dir}`)
        first.release()
        serverLock(dir).release()
    })
})
