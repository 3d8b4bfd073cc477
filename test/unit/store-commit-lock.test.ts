// JournalStore group commit (many transactions, few fsyncs) and the one-writer-per-folder lock.

import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, test } from "vitest"
import { JournalStore, StoreLockedError } from "../../sim/store"
import { storeFixtures } from "../support/store-fixtures"

const { tempDir, openStore, closeStore, track } = storeFixtures("store-commit-")

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const children: ChildProcess[] = []

afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL")
})

/** A pid that is certainly not running: a process that has already exited. */
function deadPid(): number {
    const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"])
    return Number(r.stdout.toString())
}

describe("store group commit", () => {
    test("5,000 concurrent transactions all resolve, in order, with far fewer fsyncs", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        const order: number[] = []
        await Promise.all(
            Array.from({ length: 5000 }, (_, i) =>
                s
                    .transaction((tx) => {
                        tx.put("payments", `p${i}`, { i, amount: 1000 + i, status: "approved" })
                        tx.put("idempotency", `r${i}`, { payment: `p${i}` })
                        return i
                    })
                    .then((r) => order.push(r)),
            ),
        )
        expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i))
        const st = s.stats()
        expect(st.transactions).toBe(5000)
        expect(st.durableSeq).toBe(5000)
        expect(st.batches).toBeLessThan(50)
        expect(st.fsyncs).toBeLessThan(50)
        await closeStore(s)
        const again = await openStore(dir)
        expect(again.size("payments")).toBe(5000)
        expect(again.size("idempotency")).toBe(5000)
    })

    test("a backlog over maxBatchBytes goes out in several frames", async () => {
        const dir = tempDir()
        const s = await openStore(dir, { maxBatchBytes: 16 * 1024 })
        await Promise.all(Array.from({ length: 2000 }, (_, i) => s.transaction((tx) => tx.put("t", `k${i}`, { pad: "x".repeat(50) }))))
        expect(s.stats().batches).toBeGreaterThan(5)
        expect(s.stats().batches).toBeLessThan(2000 / 10)
        await closeStore(s)
        expect((await openStore(dir)).size("t")).toBe(2000)
    })

    test("sequential clients: each waits for its own commit, batches form from concurrent ones", async () => {
        const s = await openStore(tempDir())
        let next = 0
        const client = async () => {
            while (next < 2000) {
                const k = next++
                await s.transaction((tx) => tx.put("t", `k${k}`, k))
            }
        }
        await Promise.all(Array.from({ length: 20 }, client))
        expect(s.size("t")).toBe(2000)
        expect(s.stats().batches).toBeLessThan(2000 / 4)
    })
})

describe("store lock", () => {
    test("a second open of the same folder in this process fails clearly; after close it opens", async () => {
        const dir = tempDir()
        const s = await openStore(dir)
        await expect(JournalStore.open(dir)).rejects.toThrow(StoreLockedError)
        await expect(JournalStore.open(dir)).rejects.toThrow(/already open in this process/)
        // Through a symlink to it, too.
        const link = join(tempDir(), "link")
        symlinkSync(dir, link)
        await expect(JournalStore.open(link)).rejects.toThrow(/already open/)
        await s.transaction((tx) => tx.put("t", "a", 1))
        expect(readFileSync(join(dir, "LOCK"), "utf8").trim()).toBe(String(process.pid))
        await closeStore(s)
        expect(existsSync(join(dir, "LOCK"))).toBe(false)
        const again = await openStore(dir)
        expect(again.get("t", "a")).toBe(1)
    })

    test("concurrent opens in one process: exactly one wins", async () => {
        const dir = tempDir()
        const results = await Promise.allSettled([JournalStore.open(dir), JournalStore.open(dir), JournalStore.open(dir)])
        const won = results.filter((r) => r.status === "fulfilled")
        expect(won).toHaveLength(1)
        track((won[0] as PromiseFulfilledResult<JournalStore>).value)
        for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(StoreLockedError)
    })

    test("a live other process holding the folder: refused, naming the pid and the lock file", async () => {
        const dir = tempDir()
        const script = join(tempDir(), "holder.mts")
        writeFileSync(
            script,
            `import { JournalStore } from ${JSON.stringify(join(ROOT, "sim/store/journal-store.ts"))}
const store = await JournalStore.open(process.argv[2])
await store.transaction((tx) => tx.put("t", "from-child", 1))
process.stdout.write("ready\\n")
setInterval(() => {}, 1000)
`,
        )
        const child = spawn(process.execPath, ["--import", "tsx", script, dir], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] })
        children.push(child)
        await new Promise<void>((resolveReady, reject) => {
            child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolveReady())
            child.on("exit", (code) => reject(new Error(`holder exited (${code})`)))
        })
        let err: unknown
        await JournalStore.open(dir).catch((e) => (err = e))
        expect(err).toBeInstanceOf(StoreLockedError)
        expect((err as Error).message).toContain(`is locked by running process ${child.pid} (${join(dir, "LOCK")})`)

        // It crashes: its lock is stale and the folder opens, with its data.
        const exited = new Promise((r) => child.once("exit", r))
        child.kill("SIGKILL")
        await exited
        const s = await openStore(dir)
        expect(s.get("t", "from-child")).toBe(1)
        expect(readFileSync(join(dir, "LOCK"), "utf8").trim()).toBe(String(process.pid))
    }, 30_000)

    test("a lock file naming a running process (not this one) is respected", async () => {
        const dir = tempDir()
        writeFileSync(join(dir, "LOCK"), `${process.ppid}\n`)
        await expect(JournalStore.open(dir)).rejects.toThrow(`locked by running process ${process.ppid}`)
        expect(readFileSync(join(dir, "LOCK"), "utf8").trim()).toBe(String(process.ppid)) // left alone
    })

    test("a stale lock (dead pid, or this pid from a previous life) is taken over", async () => {
        for (const pid of [deadPid(), process.pid]) {
            const dir = tempDir()
            writeFileSync(join(dir, "LOCK"), `${pid}\n`)
            const s = await openStore(dir)
            expect(readFileSync(join(dir, "LOCK"), "utf8").trim()).toBe(String(process.pid))
            await closeStore(s)
            expect(existsSync(join(dir, "LOCK"))).toBe(false)
        }
    })

    test("an unreadable lock file is not guessed at", async () => {
        const dir = tempDir()
        writeFileSync(join(dir, "LOCK"), "not a pid")
        await expect(JournalStore.open(dir)).rejects.toThrow(/does not hold a pid; if no server is running on this folder, remove it/)
    })
})
