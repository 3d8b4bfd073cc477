// JournalStore durability: everything acknowledged survives a close, a copy of the folder taken
// mid-stream (what the disk holds if the process dies at that instant), and a real SIGKILL.

import { spawn } from "node:child_process"
import { cpSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, test } from "vitest"
import type { FileHandle } from "node:fs/promises"
import { JournalStore, StoreFailedError } from "../../sim/store"
import { dump, storeFixtures } from "../support/store-fixtures"

const { tempDir, openStore, closeStore } = storeFixtures("store-durable-")

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

describe("store durability", () => {
    test("N transactions, close, reopen: all there, and the sequence continues", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        for (let i = 0; i < 200; i++) {
            await s.transaction((tx) => {
                tx.put("payments", `p${i}`, { amount: i, status: "approved" })
                tx.put("meta", "count", ((tx.get<number>("meta", "count") ?? 0) as number) + 1)
                if (i % 3 === 0 && i > 0) tx.delete("payments", `p${i - 1}`)
            })
        }
        await Promise.all(Array.from({ length: 300 }, (_, i) => s.transaction((tx) => tx.put("ledger", `e${i}`, { i }))))
        const before = dump(s)
        const seq = s.stats().seq
        await closeStore(s)

        const again = await openStore(dir)
        expect(dump(again)).toEqual(before)
        expect(again.get("meta", "count")).toBe(200)
        expect(again.stats().seq).toBe(seq)
        await again.transaction((tx) => tx.put("meta", "after", true))
        expect(again.stats().seq).toBe(seq + 1)
        await closeStore(again)
        expect((await openStore(dir)).get("meta", "after")).toBe(true)
    })

    test("crash without close: a copy of the folder taken mid-stream holds every acknowledged transaction", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        const n = 3000
        const acked = new Set<number>()
        const copies: { dir: string; acked: number[] }[] = []
        // From a timer, so a copy can overlap a group commit being written: what a crash leaves.
        const timer = setInterval(() => {
            if (copies.length >= 40) return
            const copy = tempDir()
            const ackedNow = [...acked]
            cpSync(dir, copy, { recursive: true })
            copies.push({ dir: copy, acked: ackedNow })
        }, 2)
        let next = 0
        // 32 clients, each waiting for its acknowledgement before its next transaction.
        const worker = async () => {
            for (let i = next++; i < n; i = next++) {
                await s.transaction((tx) => {
                    tx.put("acks", String(i), { i, pad: "x".repeat(200) })
                    tx.put("meta", "count", ((tx.get<number>("meta", "count") ?? 0) as number) + 1)
                })
                acked.add(i)
            }
        }
        await Promise.all(Array.from({ length: 32 }, worker))
        clearInterval(timer)
        expect(acked.size).toBe(n)
        expect(s.stats().batches).toBeGreaterThan(50)
        expect(copies.length).toBeGreaterThan(3)
        for (const c of copies) {
            // The copy still holds our pid in LOCK: stale for it, since this process does not hold that folder.
            const r = await openStore(c.dir)
            const count = (r.get<number>("meta", "count") ?? 0) as number
            expect(count).toBeGreaterThanOrEqual(c.acked.length)
            for (const i of c.acked) expect(r.has("acks", String(i))).toBe(true)
            expect(r.size("acks")).toBe(count) // each transaction whole or absent
            for (let i = 0; i < count; i++) expect(r.has("acks", String(i))).toBe(true) // a prefix of the sequence
            await closeStore(r)
        }
    })

    test("an I/O error stops the store (fail-stop); the data on disk reopens intact", async () => {
        const dir = tempDir()
        const warnings: string[] = []
        const s = await openStore(dir, { warn: (m) => warnings.push(m) })
        await s.transaction((tx) => tx.put("t", "durable", 1))
        // Pull the journal's file descriptor from under the store: the next write fails with EBADF.
        await (s as unknown as { handle: FileHandle }).handle.close()
        const lost = s.transaction((tx) => tx.put("t", "lost", 1))
        const queued = s.transaction((tx) => tx.put("t", "queued", 1))
        await expect(lost).rejects.toBeInstanceOf(StoreFailedError)
        await expect(queued).rejects.toBeInstanceOf(StoreFailedError)
        await expect(lost).rejects.toThrow(/I\/O failed in .*the store has stopped: restart the process/)
        expect(() => s.get("t", "durable")).toThrow(StoreFailedError) // memory may be ahead of the disk
        await expect(s.transaction((tx) => tx.put("t", "later", 1))).rejects.toBeInstanceOf(StoreFailedError)
        await expect(s.flush()).rejects.toBeInstanceOf(StoreFailedError)
        expect(warnings.some((m) => m.includes("the store has stopped"))).toBe(true)
        await closeStore(s) // still releases the folder
        const again = await openStore(dir)
        expect(again.get("t", "durable")).toBe(1)
        expect(again.has("t", "lost")).toBe(false)
    })

    test(
        "SIGKILL of a writing process (compacting often): every acknowledged transaction is there, whole",
        async () => {
            const dir = tempDir()
            const script = join(tempDir(), "writer.mts")
            writeFileSync(
                script,
                `import { JournalStore } from ${JSON.stringify(join(ROOT, "sim/store/journal-store.ts"))}
const [dir, round] = process.argv.slice(2)
const store = await JournalStore.open(dir, { compactBytes: 24 * 1024, warn: () => {} })
let i = 0
const worker = async () => {
    for (;;) {
        const k = round + "-" + i++
        await store.transaction((tx) => {
            tx.put("acks", k, { k, pad: "x".repeat(120) })
            tx.put("meta", "count", (tx.get("meta", "count") ?? 0) + 1)
        })
        process.stdout.write(k + "\\n")
    }
}
for (let w = 0; w < 24; w++) void worker()
`,
            )
            const acked: string[] = []
            let compactions = 0
            for (let round = 0; round < 4; round++) {
                const target = 400 + Math.floor(Math.random() * 2500)
                const child = spawn(process.execPath, ["--import", "tsx", script, dir, String(round)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
                let err = ""
                child.stderr.on("data", (d) => (err += d))
                const seen: string[] = []
                let buffered = ""
                await new Promise<void>((resolveRound, reject) => {
                    child.stdout.on("data", (d: Buffer) => {
                        buffered += d.toString()
                        const lines = buffered.split("\n")
                        buffered = lines.pop()!
                        seen.push(...lines)
                        if (seen.length >= target && child.exitCode === null && !child.killed) child.kill("SIGKILL")
                    })
                    child.on("error", reject)
                    child.on("close", (code, signal) => {
                        if (signal === "SIGKILL") resolveRound()
                        else reject(new Error(`writer exited by itself (code ${code}): ${err}`))
                    })
                })
                acked.push(...seen)
                const warnings: string[] = []
                const s = await openStore(dir, { warn: (m) => warnings.push(m) })
                for (const m of warnings) expect(m).toMatch(/torn journal tail/)
                const missing = acked.filter((k) => !s.has("acks", k))
                expect(missing).toEqual([])
                expect(s.get("meta", "count")).toBe(s.size("acks"))
                compactions += s.stats().journalGen - 1
                await closeStore(s)
                expect(() => readFileSync(join(dir, "LOCK"))).toThrow() // released
            }
            expect(acked.length).toBeGreaterThanOrEqual(1600)
            expect(compactions).toBeGreaterThan(0)
        },
        60_000,
    )
})
