// JournalStore compaction: snapshot + new journal keeps the state exact, and every file state a
// crash during compaction can leave loads to the same state, replaying nothing twice.

import { copyFileSync, existsSync, readdirSync, writeFileSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { JournalStore, journalFileName, StoreClosedError, StoreCorruptionError, type Json } from "../../sim/store"
import { dump, storeFixtures } from "../support/store-fixtures"

const { tempDir, openStore, closeStore } = storeFixtures("store-compact-")

type Dump = Record<string, Record<string, Json>>

function journals(dir: string): string[] {
    return readdirSync(dir)
        .filter((f) => f.startsWith("journal-"))
        .sort()
}

/** Small deterministic PRNG so a failure can be replayed. */
function prng(seed: number): () => number {
    let x = seed >>> 0 || 1
    return () => {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        return (x >>> 0) / 0x100000000
    }
}

/**
 * Non-idempotent work: every transaction increments a counter and appends to a per-key history,
 * so replaying a transaction twice (or skipping one) shows in the state.
 */
function work(s: JournalStore, rand: () => number, i: number): Promise<void> {
    return s.transaction((tx) => {
        const key = `k${Math.floor(rand() * 60)}`
        tx.put("meta", "count", ((tx.get<number>("meta", "count") ?? 0) as number) + 1)
        if (rand() < 0.2) tx.delete("rows", key)
        else {
            const prev = tx.get<{ history: number[] }>("rows", key)
            tx.put("rows", key, { history: [...(prev?.history ?? []).slice(-5), i], pad: "p".repeat(Math.floor(rand() * 80)) })
        }
    })
}

describe("store compaction", () => {
    test("with a small threshold: snapshots written, old journals removed, reopen equals the state before close", async () => {
        const dir = tempDir()
        const s = await openStore(dir, { compactBytes: 4096 })
        const rand = prng(7)
        let i = 0
        for (let wave = 0; wave < 40; wave++) {
            await Promise.all(Array.from({ length: 50 }, () => work(s, rand, i++)))
        }
        await s.flush()
        while (s.stats().compactions === 0) await new Promise((r) => setTimeout(r, 5))
        const before = dump(s)
        expect(before.meta.count).toBe(2000)
        expect(s.stats().compactions).toBeGreaterThan(3)
        await closeStore(s)
        expect(existsSync(join(dir, "snapshot"))).toBe(true)
        expect(existsSync(join(dir, "snapshot.tmp"))).toBe(false)
        expect(journals(dir).length).toBeLessThanOrEqual(2)

        const again = await openStore(dir, { compactBytes: 4096 })
        expect(dump(again)).toEqual(before)
        expect(again.stats().seq).toBe(2000)
    })

    test("every file state a crash during compaction can leave loads the same state", async () => {
        const dir = tempDir()
        const saved = tempDir()
        const save = (name: string, as: string) => copyFileSync(join(dir, name), join(saved, as))
        const rand = prng(11)
        let i = 0
        const s = await openStore(dir)
        for (let k = 0; k < 100; k++) await work(s, rand, i++) // journal 1: 1..100
        await s.compact() // snapshot S1 (seq 100, gen 2), journal 1 deleted
        save("snapshot", "S1")
        for (let k = 0; k < 100; k++) await work(s, rand, i++) // journal 2: 101..200
        save(journalFileName(2), "J2")
        await s.compact() // snapshot S2 (seq 200, gen 3), journal 2 deleted
        save("snapshot", "S2")
        for (let k = 0; k < 50; k++) await work(s, rand, i++) // journal 3: 201..250
        save(journalFileName(3), "J3")
        const expected = dump(s)
        expect(expected.meta.count).toBe(250)
        await closeStore(s)
        expect(journals(dir)).toEqual([journalFileName(3)])

        const states: [string, Record<string, string>][] = [
            // new journal created, snapshot not yet renamed
            ["S1 + J2 + J3", { snapshot: "S1", [journalFileName(2)]: "J2", [journalFileName(3)]: "J3" }],
            // ... with a half-written snapshot.tmp
            ["S1 + J2 + J3 + snapshot.tmp", { snapshot: "S1", [journalFileName(2)]: "J2", [journalFileName(3)]: "J3", "snapshot.tmp": "garbage" }],
            // snapshot renamed, old journal not yet deleted
            ["S2 + J2 + J3", { snapshot: "S2", [journalFileName(2)]: "J2", [journalFileName(3)]: "J3" }],
            // done
            ["S2 + J3", { snapshot: "S2", [journalFileName(3)]: "J3" }],
        ]
        for (const [name, files] of states) {
            const d = tempDir()
            for (const [file, from] of Object.entries(files)) {
                if (from === "garbage") writeFileSync(join(d, file), randomBytes(1000))
                else copyFileSync(join(saved, from), join(d, file))
            }
            const r = await openStore(d)
            expect(dump(r), name).toEqual(expected)
            expect(r.stats().seq, name).toBe(250)
            await r.transaction((tx) => tx.put("meta", "after", name))
            await closeStore(r)
            expect(existsSync(join(d, "snapshot.tmp")), name).toBe(false)
            // Journals older than the snapshot's are leftovers, deleted on open; S1 still needs journal 2.
            const needed = files.snapshot === "S1" ? [journalFileName(2), journalFileName(3)] : [journalFileName(3)]
            expect(journals(d), name).toEqual(needed)
            const again = await openStore(d)
            expect(again.get("meta", "count"), name).toBe(250)
            expect(again.get("meta", "after"), name).toBe(name)
            await closeStore(again)
        }

        // A journal lost between two snapshots is detected, not silently skipped.
        const lost = tempDir()
        copyFileSync(join(saved, "S1"), join(lost, "snapshot"))
        copyFileSync(join(saved, "J3"), join(lost, journalFileName(3)))
        await expect(JournalStore.open(lost)).rejects.toBeInstanceOf(StoreCorruptionError)
    })

    test("compaction while transactions keep arriving: nothing lost, nothing blocked for long", async () => {
        const dir = tempDir()
        const s = await openStore(dir, { compactBytes: 64 * 1024 })
        await s.transaction((tx) => {
            for (let k = 0; k < 20000; k++) tx.put("cards", `c${k}`, { k: "ab".repeat(16), opc: "cd".repeat(16), sqn: k })
        })
        let slowest = 0
        let n = 0
        const worker = async () => {
            while (n < 6000) {
                const k = n++
                const t0 = performance.now()
                await s.transaction((tx) => tx.put("payments", `p${k}`, { k }))
                slowest = Math.max(slowest, performance.now() - t0)
            }
        }
        const compactions = Promise.all([s.compact(), s.compact()])
        await Promise.all([...Array.from({ length: 16 }, worker), compactions])
        expect(s.stats().compactions).toBeGreaterThanOrEqual(2)
        expect(slowest).toBeLessThan(2000)
        const before = dump(s)
        await closeStore(s)
        const again = await openStore(dir)
        expect(dump(again)).toEqual(before)
        expect(again.size("payments")).toBe(6000)
    })

    test("close during a compaction abandons the snapshot cleanly", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        await s.transaction((tx) => {
            for (let k = 0; k < 30000; k++) tx.put("cards", `c${k}`, { k: "ab".repeat(16), pad: "x".repeat(100) })
        })
        const compaction = s.compact().then(
            () => "done",
            (e) => e,
        )
        await new Promise((r) => setTimeout(r, 1))
        const pending = s.transaction((tx) => tx.put("meta", "last", 1))
        await closeStore(s)
        await pending
        const outcome = await compaction
        if (outcome !== "done") expect(outcome).toBeInstanceOf(StoreClosedError)
        expect(existsSync(join(dir, "snapshot.tmp"))).toBe(false)
        const again = await openStore(dir)
        expect(again.size("cards")).toBe(30000)
        expect(again.get("meta", "last")).toBe(1)
    })

    test("a journal already over the threshold at open is compacted", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        for (let k = 0; k < 100; k++) await s.transaction((tx) => tx.put("t", `k${k % 10}`, { k }))
        await closeStore(s)
        const again = await openStore(dir, { compactBytes: 1024 })
        await again.flush()
        while (again.stats().compactions === 0) await new Promise((r) => setTimeout(r, 5))
        expect(journals(dir)).toEqual([journalFileName(2)])
        expect(again.size("t")).toBe(10)
        expect(again.get("t", "k9")).toEqual({ k: 99 })
    })
})
