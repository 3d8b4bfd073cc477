// JournalStore semantics: reads, writes, transaction atomicity, read-your-writes, JSON-only values.

import { randomBytes } from "node:crypto"
import { describe, expect, test } from "vitest"
import { JournalStore, StoreClosedError } from "../../sim/store"
import { crc32, crc32Portable } from "../../sim/store/crc32"
import { storeFixtures } from "../support/store-fixtures"

const { tempDir, openStore, closeStore } = storeFixtures("store-basic-")


describe("store basics", () => {
    test("put, get, has, delete, size, values, entries, tableNames", async () => {
        const s = await openStore()
        expect(s.get("cards", "c1")).toBeUndefined()
        expect(s.values("cards")).toEqual([])
        await s.transaction((tx) => {
            tx.put("cards", "c1", { k: "aa", sqn: 1 })
            tx.put("cards", "c2", { k: "bb", sqn: 2 })
            tx.put("ledger", "e1", 42)
            tx.put("flags", "", null)
        })
        expect(s.get("cards", "c1")).toEqual({ k: "aa", sqn: 1 })
        expect(s.has("cards", "c2")).toBe(true)
        expect(s.size("cards")).toBe(2)
        expect(s.values("cards")).toEqual([{ k: "aa", sqn: 1 }, { k: "bb", sqn: 2 }])
        expect(s.entries("ledger")).toEqual([["e1", 42]])
        expect(s.get("flags", "")).toBeNull()
        expect(s.has("flags", "")).toBe(true)
        expect(s.tableNames().sort()).toEqual(["cards", "flags", "ledger"])

        const existed = await s.transaction((tx) => [tx.delete("cards", "c1"), tx.delete("cards", "nope")])
        expect(existed).toEqual([true, false])
        expect(s.get("cards", "c1")).toBeUndefined()
        expect(s.size("cards")).toBe(1)
        await s.transaction((tx) => tx.delete("ledger", "e1"))
        expect(s.tableNames().sort()).toEqual(["cards", "flags"])
    })

    test("the promise resolves with the body's result once the transaction is on disk", async () => {
        const s = await openStore()
        const p = s.transaction((tx) => {
            tx.put("payments", "p1", { amount: 100 })
            return "approval-123456"
        })
        expect(s.stats().durableSeq).toBe(0) // applied in memory, not yet written
        expect(s.get("payments", "p1")).toEqual({ amount: 100 })
        await expect(p).resolves.toBe("approval-123456")
        expect(s.stats().durableSeq).toBe(1)
        expect(s.stats().batches).toBe(1)
    })

    test("a throwing body applies nothing and rejects with its error", async () => {
        const s = await openStore()
        await s.transaction((tx) => tx.put("acct", "a", { balance: 10 }))
        const seq = s.stats().seq
        const boom = new Error("insufficient funds")
        await expect(
            s.transaction((tx) => {
                tx.put("acct", "a", { balance: 0 })
                tx.put("acct", "b", { balance: 10 })
                tx.delete("acct", "a")
                throw boom
            }),
        ).rejects.toBe(boom)
        expect(s.get("acct", "a")).toEqual({ balance: 10 })
        expect(s.has("acct", "b")).toBe(false)
        expect(s.stats().seq).toBe(seq)
    })

    test("a non-JSON value makes the whole transaction fail, naming table, key and path only", async () => {
        const s = await openStore()
        const secret = randomBytes(16)
        const cases: [unknown, RegExp][] = [
            [{ k: secret }, /table "cards" key "c1": \.k is a Buffer, not JSON/],
            [{ a: [1, Number.NaN] }, /\.a\[1\] is a non-finite number/],
            [undefined, /the value is undefined/],
            [{ at: new Date() }, /\.at is a Date/],
            [[1, undefined], /\[1\] is undefined/],
            [{ f: () => 1 }, /\.f is a function/],
            [{ n: 10n }, /\.n is a bigint/],
            [new Map(), /the value is a Map/],
        ]
        const cyclic: Record<string, unknown> = {}
        cyclic.self = cyclic
        cases.push([cyclic, /nested deeper than 64 levels/])
        for (const [value, message] of cases) {
            let err: unknown
            await s
                .transaction((tx) => {
                    tx.put("cards", "c0", { ok: true })
                    tx.put("cards", "c1", value)
                })
                .catch((e) => (err = e))
            expect(err).toBeInstanceOf(TypeError)
            expect(String((err as Error).message)).toMatch(message)
            expect(String((err as Error).message)).not.toContain(secret.toString("hex"))
        }
        expect(s.size("cards")).toBe(0)
        expect(s.stats().seq).toBe(0)
    })

    test("reads inside a transaction see its own writes", async () => {
        const s = await openStore()
        await s.transaction((tx) => {
            tx.put("t", "a", 1)
            tx.put("t", "b", 2)
        })
        await s.transaction((tx) => {
            expect(tx.get("t", "a")).toBe(1)
            tx.put("t", "a", 10)
            expect(tx.get("t", "a")).toBe(10)
            expect(tx.delete("t", "b")).toBe(true)
            expect(tx.get("t", "b")).toBeUndefined()
            expect(tx.has("t", "b")).toBe(false)
            expect(tx.delete("t", "b")).toBe(false)
            tx.put("t", "c", 3)
            expect(tx.has("t", "c")).toBe(true)
            expect(tx.values("t").sort()).toEqual([10, 3])
            // Not visible outside until the body returns.
            expect(s.get("t", "a")).toBe(1)
            expect(s.has("t", "c")).toBe(false)
        })
        expect(s.entries("t").sort()).toEqual([
            ["a", 10],
            ["c", 3],
        ])
    })

    test("put then delete in one transaction leaves nothing; delete then put keeps the put", async () => {
        const s = await openStore()
        await s.transaction((tx) => {
            tx.put("t", "x", 1)
            tx.delete("t", "x")
            tx.delete("t", "y")
            tx.put("t", "y", 2)
        })
        expect(s.entries("t")).toEqual([["y", 2]])
    })

    test("values are frozen copies: the caller's object and the returned one cannot change the store", async () => {
        const s = await openStore()
        const card = { k: "00", sqn: 1, tags: ["a"], gone: undefined }
        await s.transaction((tx) => tx.put("cards", "c", card))
        card.sqn = 99
        card.tags.push("b")
        const read = s.get<{ sqn: number; tags: string[] }>("cards", "c")!
        expect(read).toEqual({ k: "00", sqn: 1, tags: ["a"] })
        expect("gone" in read).toBe(false)
        expect(() => {
            read.sqn = 5
        }).toThrow(TypeError)
        expect(() => read.tags.push("c")).toThrow(TypeError)
        expect(s.get("cards", "c")).toEqual({ k: "00", sqn: 1, tags: ["a"] })
    })

    test("misuse: nested transaction, async body, tx used after the body", async () => {
        const s = await openStore()
        await expect(
            s.transaction((tx) => {
                tx.put("t", "outer", 1)
                void s.transaction((inner) => inner.put("t", "inner", 1))
            }),
        ).rejects.toThrow(/inside a transaction body/)
        await expect(
            s.transaction(async (tx) => {
                tx.put("t", "async", 1)
            }),
        ).rejects.toThrow(/must be synchronous/)
        let leaked: { put(t: string, k: string, v: unknown): void } | undefined
        await s.transaction((tx) => {
            leaked = tx
        })
        expect(() => leaked!.put("t", "late", 1)).toThrow(/after its body returned/)
        expect(s.size("t")).toBe(0)
        expect(s.stats().seq).toBe(0)
    })

    test("read-only transactions and flush() wait for what came before, without writing", async () => {
        const s = await openStore()
        const w = s.transaction((tx) => tx.put("t", "a", 1))
        const r = s.transaction((tx) => tx.get("t", "a"))
        const f = s.flush()
        expect(await r).toBe(1)
        await f
        await w
        expect(s.stats().durableSeq).toBe(1)
        expect(s.stats().batches).toBe(1)
        await expect(s.transaction(() => "idle")).resolves.toBe("idle")
    })

    test("after close: reads throw and transactions reject with StoreClosedError", async () => {
        const s = await JournalStore.open(tempDir())
        await s.transaction((tx) => tx.put("t", "a", 1))
        await s.close()
        await s.close() // idempotent
        expect(() => s.get("t", "a")).toThrow(StoreClosedError)
        await expect(s.transaction((tx) => tx.put("t", "b", 1))).rejects.toBeInstanceOf(StoreClosedError)
    })

    test("odd keys and table names round-trip through the journal", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        const keys = ["__proto__", "constructor", "ключ", "a\u0000b", "\ud83d\udcb3", " "]
        await s.transaction((tx) => {
            for (const k of keys) tx.put("wéird table", k, { [k]: k, __proto__x: 1 })
            tx.put("p", "proto", JSON.parse('{"__proto__": {"polluted": true}}'))
        })
        await closeStore(s)
        const again = await openStore(dir)
        for (const k of keys) expect(again.get("wéird table", k)).toEqual({ [k]: k, __proto__x: 1 })
        const proto = again.get<Record<string, unknown>>("p", "proto")!
        expect(Object.keys(proto)).toEqual(["__proto__"])
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })

    test("crc32: the native and portable versions agree, and match the check value", () => {
        expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926)
        expect(crc32Portable(Buffer.from("123456789"))).toBe(0xcbf43926)
        for (let i = 0; i < 50; i++) {
            const a = randomBytes(i * 37)
            const b = randomBytes(i)
            expect(crc32Portable(b, crc32Portable(a))).toBe(crc32(b, crc32(a)))
            expect(crc32Portable(Buffer.concat([a, b]))).toBe(crc32(b, crc32(a)))
        }
    })
})
