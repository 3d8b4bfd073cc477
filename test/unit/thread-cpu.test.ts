// The server benchmark's per-thread CPU accounting (bench/thread-cpu.ts): Linux scheduler
// statistics per thread, and their split into server thread, load thread and the rest.

import { describe, expect, test } from "vitest"
import { currentThreadId, threadCpu, threadCpuAvailable, threadTimes, type ThreadTimes } from "../../bench/thread-cpu"

describe("thread CPU accounting", () => {
    test("splits CPU per unit into main thread, load thread and others, and the main thread's wait", () => {
        const main = String(process.pid)
        const before: ThreadTimes = new Map([
            [main, [1_000_000, 0]],
            ["2", [0, 0]],
            ["3", [500_000, 0]],
        ])
        // 10 units over 100 ms of wall time; thread 4 started in between.
        const after: ThreadTimes = new Map([
            [main, [5_000_000, 20_000_000]],
            ["2", [3_000_000, 1_000_000]],
            ["3", [1_500_000, 0]],
            ["4", [1_000_000, 0]],
        ])
        const t = threadCpu(before, after, "2", 10, 100)
        expect(t.main).toBeCloseTo(400) // 4 ms / 10 units = 400 us
        expect(t.load).toBeCloseTo(300)
        expect(t.others).toBeCloseTo(200) // (1 ms + 1 ms) / 10
        expect(t.mainWaited).toBeCloseTo(0.2) // 20 ms of 100 ms
    })

    test.skipIf(!threadCpuAvailable())("reads this process's threads, and a busy loop shows up on the calling thread", () => {
        const tid = currentThreadId()
        const before = threadTimes()
        expect(before.has(tid)).toBe(true)
        expect(before.has(String(process.pid))).toBe(true)
        // Spin until the scheduler has charged this thread 30 ms (or 5 s have passed on a busy machine).
        const cpu0 = process.cpuUsage()
        const deadline = performance.now() + 5000
        let spentNs = 0
        while (performance.now() < deadline && spentNs < 30_000_000) spentNs = threadTimes().get(tid)![0] - before.get(tid)![0]
        const processUs = process.cpuUsage(cpu0)
        expect(spentNs).toBeGreaterThanOrEqual(30_000_000)
        // The same time seen by getrusage: one thread cannot have used more than the whole process.
        expect(spentNs / 1000).toBeLessThanOrEqual(processUs.user + processUs.system + 10_000)
    })
})
