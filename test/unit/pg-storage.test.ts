// The server's PostgreSQL storage on a real PostgreSQL (ACTIVECARD_TEST_PG_URL; skipped, saying
// so, without it): the cases every engine shares (test/support/storage-cases.ts), the ledger's
// constraints against SQL that bypasses the code, migrations and a newer schema refused, and what
// several server processes on one database share: one pseudonym key, a distinct IND each (at most
// 32), disjoint SEQ blocks, unique approval numbers, one decision per transaction ID, and EAP
// sessions with the rule that reverses abandoned approvals. An unreachable database is refused at
// start in one line with exit code 1 (that needs no PostgreSQL, and always runs).

import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import pg from "pg"
import { afterAll, describe, expect, test } from "vitest"
import { migratePostgres, migrations } from "../../sim/db/migrate"
import { literal, PostgresStorage } from "../../sim/db/postgres-storage"
import { StorageError, type SessionRow } from "../../sim/db/storage"
import { newServerKey, PseudonymCodec, PSEUDONYM_KEY_INDEX } from "../../sim/server/pseudonym-codec"
import { RC_APPROVED } from "../../src/payment/result"
import { freePort } from "../support/free-port"
import { createTestDatabase, noteSkipped, PG_URL, sql } from "../support/pg-database"
import { decide, payment, storageCases, withCard } from "../support/storage-cases"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

const databases: { drop(): Promise<void> }[] = []
const stores: PostgresStorage[] = []
afterAll(async () => {
    for (const s of stores.splice(0)) await s.close()
    for (const d of databases.splice(0)) await d.drop()
})

async function database(): Promise<string> {
    const d = await createTestDatabase()
    databases.push(d)
    return d.url
}

async function open(url: string, options: { node?: boolean; poolSize?: number } = {}): Promise<PostgresStorage> {
    const s = await PostgresStorage.open(url, options)
    stores.push(s)
    return s
}

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
    const r = spawnSync(process.execPath, ["--import", "tsx", "sim/server/main.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } })
    return { status: r.status, out: r.stdout + r.stderr }
}

const REVERSAL = { responseCode: "96", approvalNumber: "", reason: "abandoned" }

noteSkipped("PostgreSQL storage")

describe("PostgreSQL unreachable at start", () => {
    test("serve and provision refuse in one line with exit code 1; --db wins over ACTIVECARD_DB_URL; a URL of another kind is refused", async () => {
        const port = await freePort() // nothing listens there
        const url = `postgres://activecard:secret-password@127.0.0.1:${port}/activecard`
        const dir = mkdtempSync(join(tmpdir(), "activecard-pgcli-"))
        try {
            for (const args of [
                ["serve", "--db", url, "--udp-port", "0", "--tcp-port", "0"],
                ["provision", "terminal", "--terminal-id", "T1", "--merchant-id", "M1", "--db", url, "--out", join(dir, "t.json")],
            ]) {
                const r = cli(args)
                expect(r.status, r.out).toBe(1)
                expect(r.out.trim().split("\n")).toHaveLength(1)
                expect(r.out).toBe(`error: cannot reach PostgreSQL at activecard@127.0.0.1:${port}/activecard: connection refused (is the server running?)\n`)
                expect(r.out).not.toContain("secret-password")
            }
            // From the environment, and --db before it.
            const fromEnv = cli(["serve", "--udp-port", "0", "--tcp-port", "0"], { ACTIVECARD_DB_URL: url })
            expect(fromEnv.out).toMatch(/cannot reach PostgreSQL at activecard@127\.0\.0\.1/)
            const other = `postgres://someone@127.0.0.1:${port}/other`
            expect(cli(["serve", "--db", other, "--udp-port", "0", "--tcp-port", "0"], { ACTIVECARD_DB_URL: url }).out).toMatch(/someone@127\.0\.0\.1:\d+\/other/)
            const wrong = cli(["serve", "--db", "mysql://x"])
            expect(wrong.status).toBe(2)
            expect(wrong.out).toBe("error: --db must be a postgres:// URL\n")
        } finally {
            rmSync(dir, { recursive: true, force: true })
        }
    }, 120_000)
})

describe("values written into batched statements", () => {
    test("integers as digits, strings and bytes escaped, anything else refused", () => {
        expect(literal(42)).toBe("42")
        expect(literal(null)).toBe("NULL")
        expect(literal("it's")).toBe("E'it''s'")
        expect(literal("back\\slash")).toBe("E'back\\\\slash'")
        expect(literal(Buffer.from([0, 255]))).toBe("decode('00ff', 'hex')")
        expect(() => literal(1.5)).toThrow(RangeError)
        expect(() => literal(2 ** 53)).toThrow(RangeError)
        expect(() => literal(Infinity)).toThrow(RangeError)
        expect(() => literal("a\0b")).toThrow(RangeError)
        expect(() => literal({})).toThrow(TypeError)
    })
})

describe.skipIf(PG_URL === undefined)("PostgreSQL storage", () => {
    storageCases({
        async fresh() {
            const url = await database()
            return { location: url, open: () => open(url) }
        },
    })

    test("the ledger's constraints hold against SQL that bypasses the code: one row per transaction ID, one approval per number", async () => {
        const url = await database()
        const s = await open(url)
        await withCard(s)
        await decide(s, payment(1000, "00000000000000aa"))
        const row = (await sql(url, "SELECT txid, card_id, payment, amount, currency, response_code, approval_seq, approval_number, reason, state, created_at, updated_at FROM ledger")).rows[0]
        const insert = (changes: Record<string, unknown>) => {
            const r = { ...row, ...changes }
            return sql(url, `INSERT INTO ledger (${Object.keys(r).join(", ")}) VALUES (${Object.keys(r).map((_, i) => "$" + (i + 1)).join(", ")})`, Object.values(r))
        }
        await expect(insert({ approval_seq: 2, approval_number: "000002" })).rejects.toThrow(/ledger_pkey/)
        await expect(insert({ txid: "00000000000000bb" })).rejects.toThrow(/ledger_approval_seq_key/)
        await expect(insert({ txid: "00000000000000bb", approval_seq: 2, approval_number: "000007" })).rejects.toThrow(/check constraint/)
        await expect(insert({ txid: "00000000000000bb", approval_seq: null, approval_number: "", amount: 1e12 })).rejects.toThrow(/check constraint/)
        await expect(sql(url, "UPDATE cards SET balance = -1")).rejects.toThrow(/check constraint/)
    })

    test("strings that look like SQL are stored as they are", async () => {
        const url = await database()
        const a = await open(url)
        const nasty = ["x'; DROP TABLE ledger; --", "back\\slash\\'", "$1 $2 E'\\x00'", "한글 \u{1F4B3}", "\"quoted\"\n\t"]
        for (let i = 0; i < nasty.length; i++) await a.putClient({ address: `10.0.0.${i}`, secret: nasty[i], terminalId: nasty[(i + 1) % nasty.length] })
        const b = await open(url)
        for (let i = 0; i < nasty.length; i++) expect(b.client(`10.0.0.${i}`)).toEqual({ address: `10.0.0.${i}`, secret: nasty[i], terminalId: nasty[(i + 1) % nasty.length] })
        expect((await b.counts()).clients).toBe(nasty.length)
    })

    test("migrations: a new database gets every migration in order; reopening applies none; a later one applies alone", async () => {
        const url = await database()
        await (await open(url)).close()
        const known = migrations("postgres")
        const version = async () => (await sql(url, "SELECT max(version) AS v FROM schema_version")).rows[0].v
        expect(await version()).toBe(known.length)
        const extra = mkdtempSync(join(tmpdir(), "activecard-pgmig-"))
        try {
            for (const m of known) writeFileSync(join(extra, m.name), m.sql)
            writeFileSync(join(extra, `${String(known.length + 1).padStart(4, "0")}-terminal-notes.sql`), "ALTER TABLE clients ADD COLUMN notes text NOT NULL DEFAULT '';")
            const c = new pg.Client({ connectionString: url })
            await c.connect()
            try {
                expect(await migratePostgres(c, "test", known)).toBe(known.length)
                expect(await migratePostgres(c, "test", migrations("postgres", extra))).toBe(known.length)
            } finally {
                await c.end()
            }
            expect(await version()).toBe(known.length + 1)
            expect((await sql(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'clients'")).rows.map((r) => r.column_name)).toContain("notes")
        } finally {
            rmSync(extra, { recursive: true, force: true })
        }
    })

    test("servers starting together on a new database apply each migration once", async () => {
        const url = await database()
        const all = await Promise.all(Array.from({ length: 4 }, () => open(url, { poolSize: 1 })))
        expect((await sql(url, "SELECT count(*)::int AS n FROM schema_version")).rows[0].n).toBe(migrations("postgres").length)
        for (const s of all) await s.close()
    })

    test("a database newer than this server is refused: by the storage, and by the command line in one line with exit code 1", async () => {
        const url = await database()
        await (await open(url)).close()
        await sql(url, "INSERT INTO schema_version (version) VALUES (99)")
        await expect(PostgresStorage.open(url)).rejects.toThrow(StorageError)
        await expect(PostgresStorage.open(url)).rejects.toThrow(/schema version 99, newer than this server knows/)
        const dir = mkdtempSync(join(tmpdir(), "activecard-pgcli-"))
        try {
            const r = cli(["provision", "terminal", "--terminal-id", "T1", "--merchant-id", "M1", "--db", url, "--out", join(dir, "t.json")])
            expect(r.status).toBe(1)
            expect(r.out.trim().split("\n")).toHaveLength(1)
            expect(r.out).toMatch(/^error: database .* has schema version 99/)
        } finally {
            rmSync(dir, { recursive: true, force: true })
        }
    }, 60_000)

    test("server processes starting together on a new database agree on one pseudonym key", async () => {
        const url = await database()
        const [a, b] = await Promise.all([open(url, { node: true }), open(url, { node: true })])
        const [ka, kb] = await Promise.all([a.serverKeys(newServerKey()), b.serverKeys(newServerKey())])
        expect(ka).toHaveLength(1)
        expect(kb).toEqual(ka)
        expect(ka[0].index).toBe(PSEUDONYM_KEY_INDEX)
        // A pseudonym one process issues, the other resolves.
        expect(new PseudonymCodec(kb).decode(new PseudonymCodec(ka).encode("CARD0001"))).toBe("CARD0001")
        await Promise.all([a.close(), b.close()])
    }, 60_000)

    test("each server process claims its own IND, held while it lives and free again after; at most 32 per database", async () => {
        const url = await database()
        const a = await open(url, { node: true, poolSize: 1 })
        const b = await open(url, { node: true, poolSize: 1 })
        expect([a.ind, b.ind]).toEqual([0, 1])
        expect(a.description).toMatch(/, IND 0$/)
        await withCard(a)
        expect((await b.auc("CARD0001"))!.ind).toBe(1)
        await a.close()
        const c = await open(url, { node: true, poolSize: 1 })
        expect(c.ind).toBe(0)
        const rest = []
        for (let i = 2; i < 32; i++) rest.push(await open(url, { node: true, poolSize: 1 }))
        expect(rest.map((s) => s.ind)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2))
        await expect(PostgresStorage.open(url, { node: true, poolSize: 1 })).rejects.toThrow(/all 32 IND values .* are held by running servers/)
        expect((await sql(url, "SELECT count(*)::int AS n FROM nodes")).rows[0].n).toBe(32)
        for (const s of [b, c, ...rest]) await s.close()
    }, 60_000)

    test("two processes on one database: SEQ blocks disjoint, approval numbers unique, the same transaction ID decided once", async () => {
        const url = await database()
        const a = await open(url, { node: true })
        const b = await open(url, { node: true })
        await withCard(a, "CARD0001", 10_000_000)
        const blocks = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserveSeq("CARD0001", 32)))
        const seqs = blocks.flatMap((r) => Array.from({ length: 32 }, (_, i) => r.next + i))
        expect(new Set(seqs).size).toBe(640)
        const ids = Array.from({ length: 100 }, (_, i) => (i + 1).toString(16).padStart(16, "0"))
        const results = await Promise.all(ids.flatMap((id) => [decide(a, payment(100, id)), decide(b, payment(100, id))]))
        for (let i = 0; i < ids.length; i++) expect(results[2 * i + 1], ids[i]).toEqual(results[2 * i]) // both answer what the ledger holds
        expect(results.every((r) => r.responseCode === RC_APPROVED)).toBe(true)
        const ledger = await a.ledger()
        expect(ledger).toHaveLength(100)
        expect(new Set(ledger.map((r) => r.result.approvalNumber)).size).toBe(100)
        expect((await b.card("CARD0001"))!.balance).toBe(10_000_000 - 100 * 100)
        // A terminal registered through one process is served by the other within a second.
        await a.putClient({ address: "127.0.0.7", secret: "s", terminalId: "TERM0007" })
        await new Promise((r) => setTimeout(r, 1500))
        expect(b.client("127.0.0.7")?.terminalId).toBe("TERM0007")
    }, 60_000)

    test("EAP sessions: a step stored from an older version is refused; per-terminal limit; expiry; abandoned approvals reversed by the stated rule", async () => {
        const url = await database()
        const s = await open(url, { node: true })
        const t = s.sessions
        const now = Date.now()
        const row = (key: string, txid: string | null, client = "127.0.0.1", expiresAt = now + 30_000): SessionRow => ({ key, client, txid, snapshot: "{}", version: 0, expiresAt })
        expect(await t.insert(row("k1", "0000000000000001"), 2)).toBe(true)
        expect(await t.insert(row("k2", "0000000000000002"), 2)).toBe(true)
        expect(await t.insert(row("k3", "0000000000000003"), 2)).toBe(false) // the terminal's limit
        expect(await t.insert(row("k4", null), 2)).toBe(true) // no payment: not counted
        expect(await t.insert(row("k5", "0000000000000005", "127.0.0.2"), 2)).toBe(true)
        expect(await t.update("k1", 0, '{"step":1}', now + 30_000)).toBe(true)
        expect(await t.update("k1", 0, '{"step":1 elsewhere}', now + 30_000)).toBe(false)
        expect((await t.load("k1", now))!.version).toBe(1)
        expect(await t.load("k1", now + 31_000)).toBeNull() // expired

        // Approvals: k1's exchange goes on, "…6" has no session and is old, "…7" has none but is recent.
        await withCard(s, "CARD0001", 100_000)
        for (const id of ["0000000000000001", "0000000000000006", "0000000000000007"]) await decide(s, payment(1000, id))
        await sql(url, "UPDATE ledger SET created_at = created_at - 60000 WHERE txid IN ('0000000000000001', '0000000000000006')")
        expect(await t.reverseAbandoned(Date.now() - 30_000, REVERSAL)).toBe(1)
        const state = async () => Object.fromEntries((await s.ledger()).map((r) => [r.txid.slice(-1), r.state]))
        expect(await state()).toEqual({ "1": "provisional", "6": "reversed", "7": "provisional" })
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 2000)
        // k1 expires and is removed: its approval has no session left and is reversed too.
        expect(await t.removeExpired(now + 31_000)).toBe(4)
        expect(await t.count()).toBe(0)
        expect(await t.reverseAbandoned(Date.now() - 30_000, REVERSAL)).toBe(1)
        expect(await state()).toEqual({ "1": "reversed", "6": "reversed", "7": "provisional" })
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 1000)
    })

    test("EAP sessions for a status inquiry: a transaction's rows, removed only at the version read; its approval reversed at once, once, when no row is left", async () => {
        const url = await database()
        const s = await open(url, { node: true })
        const t = s.sessions
        const now = Date.now()
        const row = (key: string, txid: string | null, expiresAt = now + 30_000): SessionRow => ({ key, client: "127.0.0.1", txid, snapshot: "{}", version: 0, expiresAt })
        // Two exchanges of one transaction (a first request retransmitted to two processes), one expired.
        expect(await t.insert(row("k1", "0000000000000001"), 10)).toBe(true)
        expect(await t.insert(row("k2", "0000000000000001", now - 1), 10)).toBe(true)
        expect(await t.insert(row("k3", "0000000000000002"), 10)).toBe(true)
        expect((await t.ofTransaction("0000000000000001")).map((r) => r.key).sort()).toEqual(["k1", "k2"])
        expect(await t.ofTransaction("00000000000000ff")).toEqual([])
        // A step stored by another process since the version was read: the removal is refused.
        expect(await t.update("k1", 0, '{"step":1}', now + 30_000)).toBe(true)
        expect(await t.removeAt("k1", 0)).toBe(false)
        expect(await t.removeAt("k1", 1)).toBe(true)
        expect(await t.removeAt("k1", 1)).toBe(false) // gone: the step that read it can no longer answer
        expect(await t.update("k1", 1, '{"step":2}', now + 30_000)).toBe(false)

        await withCard(s, "CARD0001", 100_000)
        await decide(s, payment(1000, "0000000000000001"))
        await decide(s, payment(2000, "0000000000000002"))
        // k2 still names transaction …1 (expired or not): not reversed; k3 is …2's exchange.
        expect(await t.reverseAbandonedPayment("0000000000000001", REVERSAL)).toBe(0)
        expect(await t.reverseAbandonedPayment("0000000000000002", REVERSAL)).toBe(0)
        expect(await t.removeAt("k2", 0)).toBe(true)
        // Concurrently from two processes: one reversal, the balance restored once.
        const other = await open(url)
        const both = await Promise.all([t.reverseAbandonedPayment("0000000000000001", REVERSAL), other.sessions.reverseAbandonedPayment("0000000000000001", REVERSAL)])
        expect(both.sort()).toEqual([0, 1])
        expect(await s.outcome("0000000000000001")).toMatchObject({ state: "reversed", result: REVERSAL })
        expect(await s.outcome("0000000000000002")).toMatchObject({ state: "provisional" })
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 2000)
        // A final approval, and a transaction with no record, are left as they are.
        await s.finalize("0000000000000002", "CARD0001", true, REVERSAL)
        expect(await t.removeAt("k3", 0)).toBe(true)
        expect(await t.reverseAbandonedPayment("0000000000000002", REVERSAL)).toBe(0)
        expect(await t.reverseAbandonedPayment("00000000000000ff", REVERSAL)).toBe(0)
        expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 2000)
    })
})
