// The server benchmark's report of CPU time taken by the hypervisor (bench/cpu-steal.ts).

import { describe, expect, test } from "vitest"
import { existsSync } from "node:fs"
import { busyMicros, cpuTicks, parseCpuLine, stealShare } from "../../bench/cpu-steal"

describe("CPU steal", () => {
    test("reads steal and the total from /proc/stat's aggregate line", () => {
        // user nice system idle iowait irq softirq steal guest guest_nice
        const t = parseCpuLine("cpu  3199186 12837 436361 6694414 17744 0 45803 131487 0 0")
        expect(t.steal).toBe(131487)
        expect(t.total).toBe(3199186 + 12837 + 436361 + 6694414 + 17744 + 0 + 45803 + 131487)
    })

    test("refuses a line that is not the aggregate cpu line, or is cut short", () => {
        expect(() => parseCpuLine("cpu0 1 2 3 4 5 6 7 8 0 0")).toThrow(/aggregate cpu line/)
        expect(() => parseCpuLine("cpu 1 2 3 4")).toThrow(/aggregate cpu line/)
        expect(() => parseCpuLine("cpu 1 2 3 4 5 6 7 x 0 0")).toThrow(/unreadable/)
    })

    test("the share stolen between two readings", () => {
        expect(stealShare({ steal: 100, idle: 0, total: 1000 }, { steal: 150, idle: 0, total: 1400 })).toBeCloseTo(0.125)
        expect(stealShare({ steal: 100, idle: 0, total: 1000 }, { steal: 100, idle: 0, total: 1000 })).toBe(0)
    })

    test("idle counts idle and iowait; busy time is what is neither idle nor stolen, in µs", () => {
        const a = parseCpuLine("cpu  100 0 50 1000 20 0 5 30 0 0")
        expect(a.idle).toBe(1020)
        const b = parseCpuLine("cpu  160 0 70 1100 20 0 5 40 0 0")
        // (160 + 70 + 5) - (100 + 50 + 5) = 80 ticks of 10 ms
        expect(busyMicros(a, b)).toBe(800_000)
    })

    test.skipIf(!existsSync("/proc/stat"))("live readings move forward and the share stays within 0..1", async () => {
        const a = cpuTicks()!
        await new Promise((r) => setTimeout(r, 100))
        const b = cpuTicks()!
        expect(b.total).toBeGreaterThan(a.total)
        expect(b.steal).toBeGreaterThanOrEqual(a.steal)
        const s = stealShare(a, b)
        expect(s).toBeGreaterThanOrEqual(0)
        expect(s).toBeLessThanOrEqual(1)
    })
})
