// What every storage engine must do the same way (sim/db/storage.ts), written once and run on
// SQLite (test/unit/sql-storage.test.ts) and on PostgreSQL (test/unit/pg-storage.test.ts):
// idempotent decisions with unique approval numbers, reversals that restore balances, SEQ blocks,
// identities, server keys, pending payments, terminals, and every acknowledged decision surviving
// a kill -9 of the process that wrote it.

import { spawn } from "node:child_process"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { expect, test } from "vitest"
import { DuplicateCardError, type ServerStorage } from "../../sim/db/storage"
import { paymentRules } from "../../sim/server/ledger-ports"
import { encodePayment, type Payment } from "../../src/payment/payment"
import { RC_APPROVED, RC_DUPLICATE } from "../../src/payment/result"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const WRITER_CARD = "LEDGER01"
const WRITER_BALANCE = 999_999_999_999

export interface StorageEngine {
    /** A new, empty storage place; `open` may be called again on it (a restart). */
    fresh(): Promise<{ open(): Promise<ServerStorage>; location: string }>
}

export async function withCard(s: ServerStorage, cardId = "CARD0001", balance = 100_000): Promise<void> {
    await s.addCard({ cardId, pan: `94001111${cardId.replace(/\D/g, "").padStart(8, "0")}`, holder: "T", status: "active", currency: 410, balance, limit: 50_000 }, { k: "00".repeat(16), opc: "11".repeat(16), seq: 1, ind: 0 })
}

export function payment(amount: number, txid: string): Payment {
    return { amount, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: Buffer.from(txid, "hex") }
}

export const decide = (s: ServerStorage, p: Payment, cardId = "CARD0001") => s.decide(p.transactionId.toString("hex"), cardId, p, encodePayment(p), paymentRules)

const REVERSAL = { responseCode: "96", approvalNumber: "", reason: "reversed" }

/** Registers the shared cases (inside the caller's describe). */
export function storageCases(engine: StorageEngine): void {
    test("decisions are idempotent by transaction ID; approvals take consecutive numbers; finalize reverses and restores", async () => {
        const s = await (await engine.fresh()).open()
        try {
            await withCard(s)
            const a = await decide(s, payment(1000, "0000000000000001"))
            expect(a).toEqual({ responseCode: RC_APPROVED, approvalNumber: "000001", reason: "approved" })
            expect(await decide(s, payment(1000, "0000000000000001"))).toEqual(a) // a retransmission
            expect((await decide(s, payment(2000, "0000000000000001"))).responseCode).toBe(RC_DUPLICATE) // another payment, same ID
            expect((await decide(s, payment(3000, "0000000000000002"))).approvalNumber).toBe("000002")
            expect((await decide(s, payment(60_000, "0000000000000003"))).responseCode).toBe("61") // over the limit: declined, recorded
            expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 4000)
            await s.finalize("0000000000000002", "CARD0001", false, REVERSAL)
            await s.finalize("0000000000000001", "CARD0001", true, REVERSAL)
            expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 1000)
            const ledger = await s.ledger()
            expect(ledger.map((r) => [r.txid, r.state, r.result.responseCode])).toEqual([
                ["0000000000000001", "final", "00"],
                ["0000000000000002", "reversed", "96"],
                ["0000000000000003", "final", "61"],
            ])
            // A reversed approval's number is not issued again.
            expect((await decide(s, payment(10, "0000000000000004"))).approvalNumber).toBe("000003")
        } finally {
            await s.close()
        }
    })

    test("outcome: one transaction ID's record as committed, through every state; null when there is none", async () => {
        const s = await (await engine.fresh()).open()
        try {
            await withCard(s)
            expect(await s.outcome("0000000000000001")).toBeNull()
            const p = payment(1000, "0000000000000001")
            const a = await decide(s, p)
            const record = { txid: "0000000000000001", cardId: "CARD0001", payment: encodePayment(p).toString("hex"), amount: 1000, currency: 410 }
            expect(await s.outcome("0000000000000001")).toMatchObject({ ...record, result: a, state: "provisional" })
            await s.finalize("0000000000000001", "CARD0001", true, REVERSAL)
            const final = (await s.outcome("0000000000000001"))!
            expect(final).toMatchObject({ ...record, result: a, state: "final" })
            expect(final).toEqual((await s.ledger()).find((r) => r.txid === "0000000000000001"))
            await decide(s, payment(2000, "0000000000000002"))
            await s.finalize("0000000000000002", "CARD0001", false, REVERSAL)
            expect(await s.outcome("0000000000000002")).toMatchObject({ result: REVERSAL, state: "reversed", amount: 2000 })
            await decide(s, payment(60_000, "0000000000000003"))
            expect(await s.outcome("0000000000000003")).toMatchObject({ result: { responseCode: "61", approvalNumber: "" }, state: "final" })
        } finally {
            await s.close()
        }
    })

    test("reverseProvisional: every approval still provisional is reversed and its amount restored, in one commit", async () => {
        const s = await (await engine.fresh()).open()
        try {
            await withCard(s)
            await withCard(s, "CARD0002")
            await decide(s, payment(1000, "0000000000000001"))
            await decide(s, payment(2000, "0000000000000002"))
            await decide(s, payment(4000, "0000000000000003"), "CARD0002")
            await s.finalize("0000000000000001", "CARD0001", true, REVERSAL)
            const commits = s.stats().commits
            expect(await s.reverseProvisional({ responseCode: "96", approvalNumber: "", reason: "restart" })).toBe(2)
            expect(s.stats().commits).toBe(commits + 1)
            expect((await s.card("CARD0001"))!.balance).toBe(100_000 - 1000)
            expect((await s.card("CARD0002"))!.balance).toBe(100_000)
            expect((await s.ledger()).map((r) => r.state)).toEqual(["final", "reversed", "reversed"])
            expect(await s.reverseProvisional({ responseCode: "96", approvalNumber: "", reason: "restart" })).toBe(0)
        } finally {
            await s.close()
        }
    })

    test("concurrent decisions on one card: each approved amount debited once, numbers unique, declined once the balance is spent", async () => {
        const s = await (await engine.fresh()).open()
        try {
            await withCard(s, "CARD0001", 10_000)
            const results = await Promise.all(Array.from({ length: 40 }, (_, i) => decide(s, payment(500, (i + 1).toString(16).padStart(16, "0")))))
            const approved = results.filter((r) => r.responseCode === RC_APPROVED)
            expect(approved).toHaveLength(20)
            expect(new Set(approved.map((r) => r.approvalNumber)).size).toBe(20)
            expect(results.filter((r) => r.responseCode === "51")).toHaveLength(20)
            expect((await s.card("CARD0001"))!.balance).toBe(0)
        } finally {
            await s.close()
        }
    })

    test("SEQ blocks are disjoint and durable; raiseSeq only raises", async () => {
        const place = await engine.fresh()
        let s = await place.open()
        try {
            await withCard(s)
            const blocks = await Promise.all(Array.from({ length: 10 }, () => s.reserveSeq("CARD0001", 32)))
            const seqs = blocks.flatMap((b) => Array.from({ length: b.limit - b.next + 1 }, (_, i) => b.next + i))
            expect(new Set(seqs).size).toBe(320)
            expect(Math.min(...seqs)).toBe(2) // provisioned at 1: the first block starts after it
            await s.raiseSeq("CARD0001", 100)
            expect((await s.auc("CARD0001"))!.seq).toBe(321)
            await s.raiseSeq("CARD0001", 5000)
            await s.close()
            s = await place.open()
            expect((await s.auc("CARD0001"))!.seq).toBe(5000)
            expect((await s.reserveSeq("CARD0001", 32)).next).toBe(5001)
            await expect(s.reserveSeq("NOSUCH00", 32)).rejects.toThrow(/no AuC record/)
        } finally {
            await s.close()
        }
    })

    test("identities, pending payments and terminals: a re-authentication ID used once, pending expire, duplicates refused", async () => {
        const s = await (await engine.fresh()).open()
        try {
            await withCard(s)
            await expect(withCard(s)).rejects.toThrow(DuplicateCardError)
            await expect(s.addCard({ cardId: "CARD0002", pan: "9400111100000001", holder: "T", status: "active", currency: 410, balance: 1, limit: 1 }, { k: "00".repeat(16), opc: "11".repeat(16), seq: 1, ind: 0 })).rejects.toThrow(
                /card number is already issued/,
            )
            const ctx = { cardId: "CARD0001", method: 50, counter: 3, kEncr: "aa".repeat(16), kAut: "bb".repeat(32), reauthKey: "cc".repeat(32) }
            await s.putReauth("r1", ctx)
            await s.putReauth("r2", { ...ctx, counter: 4 })
            expect(await s.reauthIdsOf("CARD0001")).toEqual(["r2"])
            expect(await s.takeReauth("r1")).toBeNull()
            expect(await s.takeReauth("r2")).toEqual({ ...ctx, counter: 4 })
            await new Promise((r) => setTimeout(r, 10))
            expect(await s.takeReauth("r2")).toBeNull()
            const now = Date.now()
            await s.storePending("00000000000000a1", "TERM0001", Buffer.from("01", "hex"), now - 5000)
            await s.storePending("00000000000000a2", "TERM0001", Buffer.from("02", "hex"), now)
            expect(await s.expirePending(now - 1000)).toBe(1)
            await s.dropPending("00000000000000a2")
            expect((await s.counts()).pending).toBe(0)
            await s.putClient({ address: "127.0.0.9", secret: "one", terminalId: "TERM0009" })
            await s.putClient({ address: "127.0.0.9", secret: "two", terminalId: "TERM0009" })
            expect(s.client("127.0.0.9")).toEqual({ address: "127.0.0.9", secret: "two", terminalId: "TERM0009" })
            expect(s.client("127.0.0.10")).toBeNull()
            expect(await s.counts()).toEqual({ cards: 1, clients: 1, ledger: 0, pending: 0 })
        } finally {
            await s.close()
        }
    })

    test("server keys: the first key stored at an index is kept, across a restart, and every index is returned", async () => {
        const place = await engine.fresh()
        const first = { index: 1, key: Buffer.alloc(32, 0xa1) }
        let s = await place.open()
        try {
            expect(await s.serverKeys(first)).toEqual([first])
            expect(await s.serverKeys({ index: 1, key: Buffer.alloc(32, 0xb2) })).toEqual([first])
        } finally {
            await s.close()
        }
        s = await place.open()
        try {
            const second = { index: 2, key: Buffer.alloc(32, 0xc3) }
            expect(await s.serverKeys(second)).toEqual([first, second])
            expect(await s.serverKeys({ index: 1, key: Buffer.alloc(32, 0xd4) })).toEqual([first, second])
            await expect(s.serverKeys({ index: 3, key: Buffer.alloc(16) })).rejects.toThrow()
        } finally {
            await s.close()
        }
    })

    test("every acknowledged decision survives a kill -9 of the writing process", async () => {
        const place = await engine.fresh()
        const child = spawn(process.execPath, ["--import", "tsx", "test/support/ledger-writer.ts", place.location, WRITER_CARD, String(WRITER_BALANCE)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
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
        const s = await place.open()
        try {
            const ledger = new Map((await s.ledger()).map((r) => [r.txid, r]))
            for (const [txid, approval] of acked) expect(ledger.get(txid)?.result.approvalNumber, txid).toBe(approval)
            const approved = [...ledger.values()].filter((r) => r.result.responseCode === RC_APPROVED)
            expect(approved.length).toBeGreaterThanOrEqual(acked.size)
            expect(new Set(approved.map((r) => r.result.approvalNumber)).size).toBe(approved.length)
            expect((await s.card(WRITER_CARD))!.balance).toBe(WRITER_BALANCE - approved.reduce((sum, r) => sum + r.amount, 0))
        } finally {
            await s.close()
        }
    }, 60_000)
}
