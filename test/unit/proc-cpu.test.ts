// Other processes' CPU time from /proc (bench/proc-cpu.ts), for the peer server hostapd.

import { describe, expect, test } from "vitest"
import { existsSync } from "node:fs"
import { parseSchedstatNs, parseStatTicks, procCpu } from "../../bench/proc-cpu"

describe("process CPU from /proc", () => {
    test("utime + stime from a stat line, whatever the command name holds", () => {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        expect(parseStatTicks("2740 (cat) R 2738 2738 29732 0 -1 4194304 97 0 0 0 12 34 0 0 20 0 1 0")).toBe(46)
        expect(parseStatTicks("7 (a (b) c) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0")).toBe(11)
        expect(() => parseStatTicks("garbage")).toThrow(/stat line/)
    })

    test("nanoseconds on a CPU from a schedstat line", () => {
        expect(parseSchedstatNs("623235 9799 2\n")).toBe(623235)
        expect(() => parseSchedstatNs("x y z")).toThrow(/schedstat/)
    })

    test.skipIf(!existsSync("/proc/self/task"))("this process's CPU moves forward while it works", () => {
        const a = procCpu(process.pid)!
        let x = 0
        for (let i = 0; i < 3e7; i++) x += i % 7
        const b = procCpu(process.pid)!
        expect(x).toBeGreaterThan(0)
        expect(b.ns).toBeGreaterThan(a.ns)
        expect(b.statMs).toBeGreaterThanOrEqual(a.statMs)
        expect(procCpu(2 ** 22 + 12345)).toBeNull()
    })
})
