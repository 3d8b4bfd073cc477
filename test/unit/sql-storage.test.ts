// The server's SQLite storage: every acknowledged decision survives a real kill -9 of the process
// that wrote it; the ledger's constraints hold even against SQL that bypasses the code; migrations,
// a newer schema, the old journal format, a missing database, a busy database, a read-only folder
// and a second server on the same folder are each refused with one clear line.

import Database from "better-sqlite3"
import { spawn, spawnSync } from "node:child_process"
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, test } from "vitest"
import { migrate, migrations } from "../../sim/db/migrate"
import { StorageError, type ServerStorage } from "../../sim/db/storage"
import { paymentRules } from "../../sim/server/ledger-ports"
import { DATABASE_FILE, openServerStore, serverLock } from "../../sim/server/open-store"
import { encodePayment, type Payment } from "../../src/payment/payment"
import { RC_APPROVED, RC_DUPLICATE } from "../../src/payment/result"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const WRITER_CARD = "LEDGER01"
const WRITER_BALANCE = 999_999_999_999

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

async function withCard(s: ServerStorage, cardId = "CARD0001", balance = 100_000): Promise<void> {
    await s.addCard({ cardId, pan: `94001111${cardId.replace(/\D/g, "").padStart(8, "0")}`, holder: "T", status: "active", currency: 410, balance, limit: 50_000 }, { k: "00".repeat(16), opc: "11".repeat(16), seq: 1, ind: 0 })
}

function payment(amount: number, txid: string): Payment {
    return { amount, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from(txid, "hex") }
}

const decide = (s: ServerStorage, p: Payment, cardId = "CARD0001") => s.decide(p.transactionId.toString("hex"), cardId, p, encodePayment(p), paymentRules)

/** Runs the server's provision command on `data`; returns its exit status and output. */
function provisionCli(data: string): { status: number | null; out: string } {
    const r = spawnSync(process.execPath, ["--import", "tsx", "sim/server/main.ts", "provision", "terminal", "--terminal-id", "T1", "--merchant-id", "M1", "--data", data, "--out", join(data, "..", "t.json")], { cwd: ROOT, encoding: "utf8", timeout: 60_000 })
    return { status: r.status, out: r.stdout + r.stderr }
}

describe("SQLite storage", () => {
    test("the data folder is private (0700) and the database file 0600, in WAL mode with synchronous=FULL", async () => {
        const dir = join(tempDir(), "server")
        await openStore(dir)
        expect(statSync(dir).mode & 0o777).toBe(0o700)
        expect(statSync(join(dir, DATABASE_FILE)).mode & 0o777).toBe(0o600)
        const db = new Database(join(dir, DATABASE_FILE), { readonly: true })
        expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
        db.close()
    })

    test("decisions are idempotent by transaction ID; approvals take consecutive numbers; finalize reverses and restores", async () => {
        const s = await openStore(tempDir())
        await withCard(s)
        const a = await decide(s, payment(1000, "0000000000000001"))
        expect(a).toEqual({ responseCode: RC_APPROVED, approvalNumber: "000001", reason: "approved" })
        expect(await decide(s, payment(1000, "0000000000000001"))).toEqual(a) // a retransmission
        expect((await decide(s, payment(2000, "0000000000000001"))).responseCode).toBe(RC_DUPLICATE) // another payment, same ID
        expect((await decide(s, payment(3000, "0000000000000002"))).approvalNumber).toBe("000002")
        expect((await decide(s, payment(60_000, "0000000000000003"))).responseCode).toBe("61") // over the limit: declined, recorded
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 4000)
        await s.finalize("0000000000000002", "CARD0001", false, { responseCode: "96", approvalNumber: "", reason: "reversed" })
        await s.finalize("0000000000000001", "CARD0001", true, { responseCode: "96", approvalNumber: "", reason: "reversed" })
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 1000)
        const ledger = await s.ledger()
        expect(ledger.map((r) => [r.txid, r.state, r.result.responseCode])).toEqual([
            ["0000000000000001", "final", "00"],
            ["0000000000000002", "reversed", "96"],
            ["0000000000000003", "final", "61"],
        ])
        // A reversed approval's number is not issued again.
        expect((await decide(s, payment(10, "0000000000000004"))).approvalNumber).toBe("000003")
    })

    test("reverseProvisional: every approval still provisional is reversed and its amount restored, in one commit", async () => {
        const s = await openStore(tempDir())
        await withCard(s)
        await withCard(s, "CARD0002")
        await decide(s, payment(1000, "0000000000000001"))
        await decide(s, payment(2000, "0000000000000002"))
        await decide(s, payment(4000, "0000000000000003"), "CARD0002")
        await s.finalize("0000000000000001", "CARD0001", true, { responseCode: "96", approvalNumber: "", reason: "reversed" })
        const commits = s.stats().commits
        expect(await s.reverseProvisional({ responseCode: "96", approvalNumber: "", reason: "restart" })).toBe(2)
        expect(s.stats().commits).toBe(commits + 1)
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 1000)
        expect((await s.card("CARD0002"))!.balance).toBe(100_000)
        expect((await s.ledger()).map((r) => r.state)).toEqual(["final", "reversed", "reversed"])
        expect(await s.reverseProvisional({ responseCode: "96", approvalNumber: "", reason: "restart" })).toBe(0)
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

    test("every acknowledged decision survives a kill -9 of the writing process; the lock dies with it", async () => {
        const dir = tempDir()
        const child = spawn(process.execPath, ["--import", "tsx", "test/support/ledger-writer.ts", dir, WRITER_CARD, String(WRITER_BALANCE)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
        const acked = new Map<string, string>()
        let err = ""
        child.stderr.on("data", (d: Buffer) => (err += d.toString()))
        await new Promise<void>((done, fail) => {
            let buffered = ""
            child.stdout.on("data", (d: Buffer) => {
                buffered += d.toString()
                const lines = buffered.split("\n")
                buffered = lines.pop()!
                for (const line of lines) {
                    const m = /^ACK (\w+) (\d*)$/.exec(line)
                    if (m) acked.set(m[1], m[2])
                }
                if (acked.size >= 2000 && child.exitCode === null) {
                    child.kill("SIGKILL")
                    done()
                }
            })
            child.on("exit", (code, signal) => (signal === "SIGKILL" ? done() : fail(new Error(`writer exited with ${code}: ${err}`))))
        })
        await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.on("exit", r)))
        const s = await openStore(dir)
        serverLock(dir).release() // free again: the dead writer's lock went with its process
        const ledger = new Map((await s.ledger()).map((r) => [r.txid, r]))
        for (const [txid, approval] of acked) expect(ledger.get(txid)?.result.approvalNumber, txid).toBe(approval)
        const approved = [...ledger.values()].filter((r) => r.result.responseCode === RC_APPROVED)
        expect(approved.length).toBeGreaterThanOrEqual(acked.size)
        expect(new Set(approved.map((r) => r.result.approvalNumber)).size).toBe(approved.length)
        expect((await s.card(WRITER_CARD))!.balance).toBe(WRITER_BALANCE - approved.reduce((sum, r) => sum + r.amount, 0))
    }, 60_000)

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
